"""What every importer module provides, and the helpers they share.

An importer module (``importers/<source>.py``) exposes::

    FORMAT: str         # the name typed on the CLI: `liqcascade data import <FORMAT> <path>`
    DESCRIPTION: str    # one line for `--help`
    def detect(path: Path, head: str) -> bool
        # True if this importer reads the file; `head` is the first ~8 KB of its decompressed text
    def read(path: Path, *, symbol: str | None = None, kind: str | None = None,
             skip_bad: bool = False) -> ImportResult

``read`` returns frames in the dataset's schema columns (``source`` may be omitted: the store
fills it). On a malformed row it raises :class:`~liqcascade.errors.ImportFormatError` naming
path, line, column, value and what was expected; with ``skip_bad=True`` it drops the row and
records it in ``ImportResult.bad_rows`` instead.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Protocol, TypeVar

import pandas as pd
import pyarrow as pa

from liqcascade.errors import ImportFormatError

HEAD_BYTES = 8192
_T = TypeVar("_T")


@dataclass(frozen=True)
class BadRow:
    """A row that was skipped under ``--skip-bad``, and why."""

    path: str
    line: int
    column: str | None
    value: object
    reason: str


@dataclass
class ImportResult:
    """Frames keyed by dataset name, plus the rows skipped under ``skip_bad``.

    ``warnings`` carries notes for the import summary (source rows flagged as inconsistent and
    left out, columns with no dataset...). A frame may carry a private ``_line`` column (the
    1-based line of each row in the file) so duplicate-key conflicts can name the line;
    without one, row ``i`` is line ``i + 2`` (header on line 1). A frame may also be an arrow
    table (most importers build one from
    :func:`~liqcascade.data.importers._csv.read_table`: no pandas round trip); the store
    conforms either to the dataset's schema.
    """

    frames: dict[str, pd.DataFrame | pa.Table] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, dataset: str, frame: pd.DataFrame | pa.Table) -> None:
        """Append ``frame`` to the frames of ``dataset``."""
        if dataset in self.frames:
            before = self.frames[dataset]
            if isinstance(before, pa.Table) and isinstance(frame, pa.Table):
                self.frames[dataset] = pa.concat_tables([before, frame], promote_options="default")
                return
            if isinstance(before, pa.Table):
                before = before.to_pandas()
            if isinstance(frame, pa.Table):
                frame = frame.to_pandas()
            self.frames[dataset] = pd.concat([before, frame], ignore_index=True)
        else:
            self.frames[dataset] = frame


class Importer(Protocol):
    """The shape of an importer module (see the module docstring)."""

    # read-only attributes: a module's constants or a frozen object's fields
    @property
    def FORMAT(self) -> str: ...  # noqa: N802

    @property
    def DESCRIPTION(self) -> str: ...  # noqa: N802

    def detect(self, path: Path, head: str) -> bool: ...

    def read(
        self,
        path: Path,
        *,
        symbol: str | None = None,
        kind: str | None = None,
        skip_bad: bool = False,
    ) -> ImportResult: ...


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on one file's decompressed size and line count: a hostile or mistaken file
    (a zip bomb, a gigabyte of blank lines) is refused with a clear error before it is
    parsed, instead of taking minutes and all memory. Raise them for larger files
    (``data import --max-mb/--max-lines``, or ``import_paths(..., limits=...)``)."""

    max_bytes: int = 4 * 1024**3
    max_lines: int = 50_000_000


# The limits of the import running in this context (``import_paths`` sets them).
LIMITS: ContextVar[ImportLimits | None] = ContextVar("liqcascade_import_limits", default=None)


def _zip_member(zf: zipfile.ZipFile, path: Path) -> str:
    members = [n for n in zf.namelist() if not n.endswith("/")]
    if len(members) != 1:
        raise ImportFormatError(
            "zip archive must hold exactly one data file",
            path=path,
            value=members,
            expected="one CSV inside the .zip (as Binance public data ships)",
        )
    return members[0]


def _read_decompressed(path: Path, size: int) -> bytes:
    """Up to ``size`` decompressed bytes of a plain, ``.gz`` or single-member ``.zip`` file."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read(size)
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf, zf.open(_zip_member(zf, path)) as fh:
                return fh.read(size)
        with open(path, "rb") as fh:
            return fh.read(size)
    except (EOFError, OSError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise ImportFormatError(
            f"cannot decompress: {exc}",
            path=path,
            expected="a complete .gz/.zip file; re-download it",
        ) from exc


def _check_lines(data: bytes, path: Path, limit: int) -> None:
    lines = data.count(b"\n")
    if lines > limit:
        raise ImportFormatError(
            f"{lines:,} lines exceed the limit of {limit:,}",
            path=path,
            expected="a file with fewer lines (blank lines count), or a higher limit "
            "(data import --max-lines)",
        )


def check_size(path: Path) -> None:
    """Refuse a plain file larger than the current :class:`ImportLimits` (before reading)."""
    limit = (LIMITS.get() or ImportLimits()).max_bytes
    size = Path(path).stat().st_size
    if size > limit:
        raise ImportFormatError(
            f"file size {size:,} bytes exceeds the limit of {limit:,} bytes",
            path=path,
            expected="a smaller file, or a higher limit (data import --max-mb)",
        )


def open_bytes(path: Path) -> bytes:
    """Return the decompressed bytes of a plain, ``.gz`` or single-member ``.zip`` file.

    A truncated or corrupt archive raises :class:`ImportFormatError` naming the file, and
    so does a file past the current :class:`ImportLimits` (size while decompressing, then
    line count).
    """
    path = Path(path)
    limits = LIMITS.get() or ImportLimits()
    data = _read_decompressed(path, limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise ImportFormatError(
            f"decompressed size exceeds the limit of {limits.max_bytes:,} bytes",
            path=path,
            expected="a smaller file, or a higher limit (data import --max-mb)",
        )
    _check_lines(data, path, limits.max_lines)
    return data


def open_text(path: Path) -> io.StringIO:
    """Decompressed text of ``path`` as a file-like object (UTF-8, BOM stripped)."""
    data = open_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"not UTF-8 text at byte {exc.start}", path=path, expected="a UTF-8 CSV/JSON file"
        ) from exc
    return io.StringIO(text)


def name_error(path: Path, message: str, expected: str) -> ImportFormatError:
    """The error for a file whose NAME does not tell the importer what it holds (the value
    shown is the file name; ``expected`` says how to name it or which option to pass)."""
    return ImportFormatError(message, path=path, value=Path(path).name, expected=expected)


def require_name(hit: _T | None, path: Path, message: str, expected: str) -> _T:
    """``hit``, what the file name told the importer; :func:`name_error` when it is None."""
    if hit is None:
        raise name_error(path, message, expected)
    return hit


def read_head(path: Path) -> str:
    """First ``HEAD_BYTES`` of the decompressed text, for ``detect`` (reads no more than that).

    Binary files (Parquet...) give an empty head; a damaged archive raises
    :class:`ImportFormatError`.
    """
    data = _read_decompressed(Path(path), HEAD_BYTES)
    if data.startswith(b"PAR1"):
        return ""
    return data.decode("utf-8-sig", errors="ignore")


__all__ = [
    "HEAD_BYTES",
    "LIMITS",
    "BadRow",
    "ImportLimits",
    "ImportResult",
    "Importer",
    "check_size",
    "name_error",
    "open_bytes",
    "open_text",
    "read_head",
    "require_name",
]


def file_stem(path: Path) -> str:
    """File name without compression and data extension: ``BTCUSDT_D1.csv.gz`` -> ``BTCUSDT_D1``."""
    name = path.name if isinstance(path, PurePath) else Path(path).name  # no new Path object
    for suffix in (".gz", ".zip"):
        name = name.removesuffix(suffix)
    for suffix in (".csv", ".json", ".parquet", ".txt"):
        name = name.removesuffix(suffix)
    return name


def match_stem(path: Path, routes: Iterable[tuple[str, _T]]) -> tuple[re.Match[str], _T] | None:
    """The first ``(pattern, value)`` of ``routes`` whose pattern matches the whole file stem.

    Returns the match and the value, or None when no pattern matches.
    """
    stem = file_stem(path)
    for pattern, value in routes:
        match = re.fullmatch(pattern, stem)
        if match:
            return match, value
    return None


__all__ += ["file_stem", "match_stem"]
