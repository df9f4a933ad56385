"""The store's versions: which month files make up the store, switched by one atomic rename.

``<root>/_manifest.json`` lists every live month file with its dataset, partition value and
month, and a version number. Month files are never overwritten: a commit writes the new
version of each touched month under a new name (``<YYYY-MM>.v<N>.parquet``), then replaces
the manifest in one ``os.replace``. A reader loads the manifest once and reads exactly the
files it lists (it pins a version), so an import becomes visible all at once, never in part.

A commit, step by step (:func:`stage_dir`, :func:`publish`, :func:`collect`):

1. stage: a marker ``_staging/lqc-pending`` is written, then every new month file in full to
   ``_staging/lqc-<N>-<i>.parquet``;
2. place: each staged file is renamed to its final, still unlisted name;
3. switch: the new manifest is written to ``_staging`` and renamed over ``_manifest.json``;
4. collect: the files the *previous* commit retired are deleted (a reader that pinned the
   version before that one retries on the current version), then ``_staging`` is emptied.

A kill before step 3 leaves the old manifest in place: the next writer (and any open that
can take the writer lock) deletes ``_staging/lqc-*`` and the unlisted month files of
versions above the manifest's. After step 3 the new version is complete. Either way the
store is the old or the new one, never a mix. Nothing outside ``_staging`` and the dataset
folders' month files is ever deleted, and every path is checked to stay inside the store.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from liqcascade.data._layout import (
    MANIFEST,
    STAGING,
    TEMP_PREFIX,
    FileKey,
    inside,
    month_file,
    month_file_version,
)
from liqcascade.data._schema import DATASETS
from liqcascade.errors import StoreError

# Format 3 adds year files (``<YYYY>.v<N>.parquet``) beside month files; a format-2
# manifest (month files only) reads as it is and is written back as format 3.
FORMAT = 3
READABLE_FORMATS = (2, 3)
PENDING = f"{TEMP_PREFIX}pending"
_PERIOD = re.compile(r"^\d{4}(-\d{2})?$")
# A store written before manifests (format 1): <dataset>/<partition>/<YYYY-MM>.parquet,
# with a rename journal during commits and <file>.<txid>.tmp staging files.
_LEGACY_JOURNAL = "_journal.json"
_LEGACY_FILE = re.compile(r"^(\d{4}-\d{2})\.parquet$")
_LEGACY_TMP = re.compile(r"^\d{4}-\d{2}\.parquet\.[0-9a-f]{12}\.tmp$")
_LEGACY_JOURNAL_TMP = re.compile(r"^_journal\.json\.[0-9a-f]{12}\.tmp$")
_LEGACY_FOLDER = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class Entry:
    """One live period file (a year or a month): its identity, relative path and row count."""

    key: FileKey
    path: str
    rows: int


@dataclass(frozen=True)
class Manifest:
    """One version of the store: its live period files and the files its commit retired."""

    version: int = 0
    entries: dict[FileKey, Entry] = field(default_factory=dict)
    retired: tuple[str, ...] = ()
    _by_dataset: dict[str, list[Entry]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _by_partition: dict[str, dict[str | None, list[Entry]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def of(self, name: str) -> list[Entry]:
        """Entries of dataset ``name``, in (partition, period) order (computed once)."""
        found = self._by_dataset.get(name)
        if found is None:
            found = [e for k, e in self.entries.items() if k[0] == name]
            found.sort(key=lambda e: (e.key[1] is None, e.key[1] or "", e.key[2]))
            self._by_dataset[name] = found
        return found

    def of_partition(self, name: str, partition: str | None) -> list[Entry]:
        """Entries of one partition of dataset ``name``, in period order (indexed once)."""
        index = self._by_partition.get(name)
        if index is None:
            index = {}
            for entry in self.of(name):
                index.setdefault(entry.key[1], []).append(entry)
            self._by_partition[name] = index
        return index.get(partition, [])

    def to_json(self) -> str:
        files = [[*e.key, e.path, e.rows] for e in self.entries.values()]
        return json.dumps(
            {
                "store": "liqcascade",
                "format": FORMAT,
                "version": self.version,
                "files": sorted(files, key=lambda f: f[3]),
                "retired": sorted(self.retired),
            },
            indent=0,
        )


def _check_path(root: Path, path: object, key: FileKey | None) -> str:
    """A manifest path, checked: relative, inside, and shaped like a month file."""
    if not isinstance(path, str):
        raise StoreError(f"corrupt manifest in {root}: file path {path!r} is not text")
    parts = path.split("/")
    ok = len(parts) == 3 and parts[0] in DATASETS and parts[1] not in ("", ".", "..")
    if ok and month_file_version(parts[2]) is None:
        ok = bool(_LEGACY_FILE.match(parts[2]) and _LEGACY_FOLDER.match(parts[1]))
    if ok and key is not None:
        ok = parts[0] == key[0] and parts[2].startswith(key[2] + ".")
        version = month_file_version(parts[2])
        ok = ok and (version is None or path == month_file(key, version))
    if not ok:
        raise StoreError(
            f"corrupt manifest in {root}: {path!r} is not a month file of this store; "
            "restore the store from a backup or re-import into a new folder"
        )
    return path


def _parse(root: Path, text: str) -> Manifest:
    try:
        raw = json.loads(text)
        if raw.get("store") != "liqcascade":
            raise ValueError("not a liqcascade manifest")
        if isinstance(raw.get("format"), int) and raw["format"] > FORMAT:
            raise StoreError(
                f"the store at {root} was written by a newer liqcascade (manifest format "
                f"{raw['format']}, this version reads {list(READABLE_FORMATS)}); upgrade "
                "liqcascade to read it"
            )
        if raw.get("format") not in READABLE_FORMATS:
            raise ValueError(f"unknown manifest format {raw.get('format')!r}")
        version = int(raw["version"])
        entries: dict[FileKey, Entry] = {}
        for name, partition, month, path, rows in raw["files"]:
            month_only = raw["format"] == 2 and len(str(month)) != 7  # format 2: months only
            if name not in DATASETS or not _PERIOD.match(str(month)) or month_only:
                raise ValueError(f"bad file entry {[name, partition, month]}")
            if partition is not None and not isinstance(partition, str):
                raise ValueError(f"bad partition value {partition!r}")
            key: FileKey = (name, partition, month)
            entries[key] = Entry(key, _check_path(root, path, key), int(rows))
        retired = tuple(_check_path(root, p, None) for p in raw.get("retired", []))
    except StoreError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(
            f"corrupt store manifest {root / MANIFEST}: {exc}; restore it from a backup"
        ) from None
    return Manifest(version, entries, retired)


def load(root: Path) -> Manifest | None:
    """The manifest of the store at ``root``; None if it has none."""
    try:
        text = (root / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read the store manifest {root / MANIFEST}: {exc}") from exc
    return _parse(root, text)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the platform allows)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_dirs(paths: list[Path]) -> None:
    """:func:`fsync_dir` of many folders at once: I/O-bound threads whose concurrent fsyncs
    share the file system's journal commits (a few flushes, not one per folder)."""
    if len(paths) < 2:
        for path in paths:
            fsync_dir(path)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(16, len(paths))) as pool:
        list(pool.map(fsync_dir, paths))


def stage_dir(root: Path) -> Path:
    """The store's own staging folder, created, with the pending marker written."""
    staging = root / STAGING
    staging.mkdir(exist_ok=True)
    (staging / PENDING).touch()
    return staging


def publish(root: Path, manifest: Manifest) -> None:
    """Switch the store to ``manifest``: temp file, fsync, one ``os.replace``."""
    tmp = root / STAGING / f"{TEMP_PREFIX}manifest-{manifest.version}.json"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(manifest.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / MANIFEST)
    fsync_dir(root)


def collect(root: Path, previous: Manifest, current: Manifest) -> None:
    """After a switch: delete what ``previous``'s commit retired (unless listed again)."""
    live = {e.path for e in current.entries.values()}
    for path in previous.retired:
        if path not in live:
            with contextlib.suppress(FileNotFoundError):
                inside(root, path).unlink()
    clear_staging(root)


def clear_staging(root: Path) -> None:
    """Delete the store's own temporary files (``_staging/lqc-*``), the marker last."""
    staging = root / STAGING
    if not staging.is_dir():
        return
    for item in staging.iterdir():
        if item.name.startswith(TEMP_PREFIX) and item.name != PENDING and item.is_file():
            item.unlink(missing_ok=True)
    (staging / PENDING).unlink(missing_ok=True)


def recover(root: Path, manifest: Manifest) -> None:
    """Undo an interrupted commit: its unlisted month files (versions above the manifest's)
    and its staging files. Called under the writer lock; cheap when nothing was pending."""
    staging = root / STAGING
    if not staging.is_dir() or not any(staging.iterdir()):
        return
    for name in DATASETS:
        folder = root / name
        if not folder.is_dir() or folder.is_symlink():
            continue
        for partition in folder.iterdir():
            if not partition.is_dir() or partition.is_symlink():
                continue
            for file in partition.iterdir():
                version = month_file_version(file.name)
                if version is not None and version > manifest.version:
                    inside(root, f"{name}/{partition.name}/{file.name}").unlink(missing_ok=True)
    clear_staging(root)


# -- what a folder is ----------------------------------------------------------------------


def is_legacy_entry(name: str) -> bool:
    """Whether a top-level name belongs to a format-1 store."""
    return name in DATASETS or name == _LEGACY_JOURNAL or bool(_LEGACY_JOURNAL_TMP.match(name))


def check_is_store(root: Path) -> str:
    """``"store"``, ``"new"`` (empty) or ``"legacy"`` (format 1); a folder holding anything
    else is refused, so opening the wrong folder never touches its files."""
    if (root / MANIFEST).exists():
        return "store"
    try:
        names = [n for n in os.listdir(root) if not n.startswith(".") and n != STAGING]
    except OSError as exc:
        raise StoreError(f"cannot list the store folder {root}: {exc}") from exc
    if not names:
        return "new"
    foreign = sorted(n for n in names if not is_legacy_entry(n) or not _legacy_ok(root / n))
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise StoreError(
            f"{root} is not a liqcascade store (it holds {shown}); pass --store with a new or "
            "empty folder, or the folder of an existing store"
        )
    return "legacy"


def _legacy_ok(path: Path) -> bool:
    if path.name in DATASETS:
        return path.is_dir() and not path.is_symlink()
    return path.is_file()


def _legacy_rename_pair(root: Path, pair: object) -> tuple[Path, Path]:
    """A format-1 journal entry ``[tmp, final]``, checked to be a month file's own rename."""
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
        raise StoreError(f"corrupt store journal {root / _LEGACY_JOURNAL}: entry {pair!r}")
    tmp, final = pair
    parts = final.split("/")
    ok = (
        len(parts) == 3
        and parts[0] in DATASETS
        and parts[1] not in (".", "..")
        and bool(_LEGACY_FOLDER.match(parts[1]))
        and bool(_LEGACY_FILE.match(parts[2]))
        and tmp.startswith(final + ".")
        and bool(_LEGACY_TMP.match(tmp.rsplit("/", 1)[-1]))
        and tmp.count("/") == 2
    )
    if not ok:
        raise StoreError(
            f"store journal {root / _LEGACY_JOURNAL} names {pair!r}, which is not a rename "
            "of one of this store's month files; it was NOT applied. Remove the journal if "
            "you did not expect it"
        )
    return inside(root, tmp), inside(root, final)


def recover_legacy(root: Path) -> None:
    """Finish or undo an interrupted format-1 commit (journal replay, checked entry by entry)."""
    journal = root / _LEGACY_JOURNAL
    if journal.exists():
        try:
            renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"corrupt store journal {journal}: {exc}") from exc
        if not isinstance(renames, list):
            raise StoreError(f"corrupt store journal {journal}: renames is not a list")
        pairs = [_legacy_rename_pair(root, pair) for pair in renames]  # all checked first
        for tmp, final in pairs:
            if tmp.exists():
                os.replace(tmp, final)
        journal.unlink()
    for name in os.listdir(root):
        if _LEGACY_JOURNAL_TMP.match(name):
            (root / name).unlink(missing_ok=True)
    for file in _legacy_files(root, pattern=_LEGACY_TMP):
        file.unlink(missing_ok=True)


def _legacy_files(root: Path, *, pattern: re.Pattern[str]) -> list[Path]:
    out: list[Path] = []
    for name in DATASETS:
        folder = root / name
        if not folder.is_dir() or folder.is_symlink():
            continue
        for partition in sorted(folder.iterdir()):
            if not partition.is_dir() or partition.is_symlink():
                continue
            if not _LEGACY_FOLDER.match(partition.name):
                continue
            out.extend(
                inside(root, f"{name}/{partition.name}/{f.name}")
                for f in sorted(partition.iterdir())
                if pattern.match(f.name) and f.is_file()
            )
    return out


def legacy_manifest(root: Path) -> Manifest:
    """A manifest listing a format-1 store's month files where they are (version 0).

    Each file's partition value is read from the file itself (format-1 folder names were
    not reversible).
    """
    import pyarrow.parquet as pq

    entries: dict[FileKey, Entry] = {}
    for file in _legacy_files(root, pattern=_LEGACY_FILE):
        name = file.parent.parent.name
        column = DATASETS[name].partition_by
        try:
            values = pq.read_table(file, columns=[column]).column(0).unique().to_pylist()
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise StoreError(f"cannot read store file {file}: {exc}") from exc
        if not values:
            continue
        if len(values) > 1:
            raise StoreError(
                f"store file {file} holds several {column} values {values[:3]}; this old-format "
                "store cannot be upgraded in place: re-import its sources into a new folder"
            )
        key: FileKey = (name, values[0], file.name[:7])
        relative = f"{name}/{file.parent.name}/{file.name}"
        entries[key] = Entry(key, relative, pq.ParquetFile(file).metadata.num_rows)
    return Manifest(0, entries, ())


__all__ = [
    "Entry",
    "Manifest",
    "check_is_store",
    "clear_staging",
    "collect",
    "fsync_dir",
    "fsync_dirs",
    "legacy_manifest",
    "load",
    "publish",
    "recover",
    "recover_legacy",
    "stage_dir",
]
