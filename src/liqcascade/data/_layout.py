"""Where the store keeps what: folder names, file names, and the check that a path stays inside.

Layout (see ``docs/data.md``)::

    <root>/_manifest.json                                   the current version (one rename)
    <root>/_staging/lqc-*                                   the store's own temporary files
    <root>/<dataset>/<partition, encoded>/<YYYY>.v<N>.parquet      year file of version N
    <root>/<dataset>/<partition, encoded>/<YYYY-MM>.v<N>.parquet   month file of version N

A file holds one *period* of one partition: a year, or a month for dense series (a write that
brings a partition more than :data:`YEAR_FILE_MAX_ROWS` rows of one year starts month files;
stores written before year files hold only month files). Each row lives in exactly one file:
the month file of its month if there is one, else the year file of its year
(:func:`period_key`).

Partition values are encoded reversibly and path-safely: ASCII letters, digits, ``-`` and
``_`` stay, every other byte of the UTF-8 text becomes ``%XX`` (so ``..`` is ``%2E%2E`` and
``BTC/USDT:USDT`` is ``BTC%2FUSDT%3AUSDT``); null is ``~null`` and the empty string ``~empty``
(``~`` itself is always encoded, so neither can be a value's name).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.errors import SchemaError, StoreError

MANIFEST = "_manifest.json"
STAGING = "_staging"
LOCK = ".lock"
TEMP_PREFIX = "lqc-"
# Longest encoded partition name: most file systems allow 255 bytes per name.
MAX_PARTITION_NAME = 200
# A new file holds a whole year of a partition unless one write brings more rows than this
# for that year (then one file per month keeps each later rewrite small).
YEAR_FILE_MAX_ROWS = 250_000

_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_NULL, _EMPTY = "~null", "~empty"
_PERIOD_FILE = re.compile(r"^(\d{4}(?:-\d{2})?)\.v(\d+)\.parquet$")
_HEX = re.compile(r"%([0-9A-F]{2})")

# (dataset, partition value or None, "YYYY" or "YYYY-MM"): the identity of one period file
FileKey = tuple[str, str | None, str]


def encode_partition(value: str | None) -> str:
    """Folder name of a partition value (reversible: :func:`decode_partition`).

    Examples
    --------
    >>> encode_partition("BTC/USDT:USDT"), encode_partition(".."), encode_partition(None)
    ('BTC%2FUSDT%3AUSDT', '%2E%2E', '~null')
    """
    if value is None:
        return _NULL
    if value == "":
        return _EMPTY
    name = "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in str(value).encode("utf-8"))
    if len(name) > MAX_PARTITION_NAME:
        raise SchemaError(
            f"partition value {str(value)[:40]!r}... is too long for a folder name "
            f"({len(name)} > {MAX_PARTITION_NAME} characters once encoded); shorten it"
        )
    return name


def decode_partition(name: str) -> str | None:
    """The partition value a folder name encodes (inverse of :func:`encode_partition`)."""
    if name == _NULL:
        return None
    if name == _EMPTY:
        return ""
    raw = _HEX.sub(lambda m: chr(int(m.group(1), 16)), name)
    return raw.encode("latin-1").decode("utf-8")


def month_file(key: FileKey, version: int) -> str:
    """Relative path of the period file ``key`` (a year or a month) as written by store
    version ``version``."""
    name, partition, period = key
    return f"{name}/{encode_partition(partition)}/{period}.v{version}.parquet"


def month_file_version(filename: str) -> int | None:
    """The version in a period file's name (``2025-09.v12.parquet``, ``2025.v3.parquet`` ->
    12, 3); None if not one."""
    match = _PERIOD_FILE.match(filename)
    return int(match.group(2)) if match else None


def period_months(period: str) -> tuple[str, str]:
    """First and last month (``YYYY-MM``) a period file covers.

    Examples
    --------
    >>> period_months("2025"), period_months("2025-09")
    (('2025-01', '2025-12'), ('2025-09', '2025-09'))
    """
    if len(period) == 4:
        return f"{period}-01", f"{period}-12"
    return period, period


def period_key(
    month_key: FileKey, existing: Callable[[FileKey], bool], *, year_rows: int
) -> FileKey:
    """The file a row of ``month_key``'s month goes to: the month file if one ``existing``,
    else the year file if one exists, else a new year file (or a new month file when this
    write brings more than :data:`YEAR_FILE_MAX_ROWS` rows of that year)."""
    name, partition, month = month_key
    year_key: FileKey = (name, partition, month[:4])
    if existing(month_key):
        return month_key
    if existing(year_key) or year_rows <= YEAR_FILE_MAX_ROWS:
        return year_key
    return month_key


def inside(root: Path, relative: str, *, checked: dict[str, bool] | None = None) -> Path:
    """``root / relative``, checked to stay inside ``root`` (no ``..``, no absolute path,
    no symlinked folder leading out): every path the store derives from data or from its
    own bookkeeping files goes through here before it is read, written or deleted.
    ``checked`` caches the folder checks of one operation (a commit places many files in
    few folders)."""
    if not isinstance(relative, str) or not relative or os.path.isabs(relative):
        raise StoreError(f"store path {relative!r} is not a relative path inside {root}")
    parts = relative.replace("\\", "/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise StoreError(
            f"store path {relative!r} leads outside the store {root}; refusing to touch it"
        )
    candidate = root / relative
    folder = str(candidate.parent)
    if len(parts) > 1:
        if checked is None or folder not in checked:
            ok = _folder_inside(str(root), folder)
            if checked is not None:
                checked[folder] = ok
        else:
            ok = checked[folder]
    if len(parts) > 1 and not ok:
        raise StoreError(
            f"store path {relative!r} leads outside the store {root} (a symlinked folder); "
            "refusing to touch it"
        )
    return candidate


def _folder_inside(root: str, folder: str) -> bool:
    """Whether ``folder`` (resolved, symlinks followed) lies inside ``root``; a folder that
    does not exist yet is judged by its nearest existing parent."""
    resolved_root = Path(root).resolve()
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    resolved = path.resolve()
    return resolved == resolved_root or resolved_root in resolved.parents


def month_starts(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Month of each time (ns) as an index into the returned month starts (datetime64[M]).

    A binary search against the few month boundaries is several times faster than
    converting 10 M timestamps to ``datetime64[M]``.
    """
    first = times.min().astype("datetime64[ns]").astype("datetime64[M]")
    last = times.max().astype("datetime64[ns]").astype("datetime64[M]")
    months = np.arange(first, last + 1)
    bounds = months[1:].astype("datetime64[ns]").astype("int64")
    return np.searchsorted(bounds, times, side="right"), months


def file_of(
    name: str, partition_by: str, table: pa.Table, times: np.ndarray
) -> tuple[np.ndarray, list[FileKey]]:
    """Month file of every row, as codes into a list of :data:`FileKey` (integer codes keep
    10 M-row writes fast)."""
    month, months = month_starts(times)
    parts = pc.dictionary_encode(table.column(partition_by), null_encoding="encode")
    parts = parts.combine_chunks()
    combo = month  # in place: each extra 10 M-row temporary costs page faults
    combo += parts.indices.to_numpy(zero_copy_only=False) * len(months)
    # few distinct (partition, month) pairs: a lookup table numbers the used ones in O(n)
    used = np.flatnonzero(np.bincount(combo))
    lookup = np.zeros(used[-1] + 1, dtype=np.uint16 if len(used) < 2**16 else np.uint32)
    lookup[used] = np.arange(len(used))
    values = parts.dictionary.to_pylist()
    for value in values:
        encode_partition(value)  # a value that cannot be a folder name fails before staging
    labels = [str(month) for month in months]
    keys: list[FileKey] = [
        (name, values[c // len(months)], labels[c % len(months)]) for c in used.tolist()
    ]
    return lookup[combo], keys


__all__ = [
    "LOCK",
    "MANIFEST",
    "STAGING",
    "TEMP_PREFIX",
    "YEAR_FILE_MAX_ROWS",
    "FileKey",
    "decode_partition",
    "encode_partition",
    "file_of",
    "inside",
    "month_file",
    "month_file_version",
    "month_starts",
    "period_key",
    "period_months",
]
