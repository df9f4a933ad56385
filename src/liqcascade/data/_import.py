"""The import pipeline: files or folders -> importer -> checks -> one atomic store write.

Every file is read and checked before anything is written; the store write for the whole
import is one transaction, so a bad file or an interrupted run leaves the store untouched.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from liqcascade.data._frames import conform, to_frame
from liqcascade.data._hashing import Rows, has_duplicate_keys, key_hashes
from liqcascade.data._ranges import Problem, bad_rows, problems
from liqcascade.data._schema import Dataset, dataset
from liqcascade.data._store import Store, WriteSummary
from liqcascade.data._threads import workers
from liqcascade.data.importers import IMPORTERS, detect_importer, importer_for
from liqcascade.data.importers._base import (
    LIMITS,
    BadRow,
    Importer,
    ImportLimits,
    ImportResult,
    read_head,
)
from liqcascade.data.importers._csv import LINE
from liqcascade.errors import ImportFormatError, SchemaError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

# Files a folder walk never offers to importers.
_IGNORED_SUFFIXES = (".md", ".txt", ".py", ".pyc")


@dataclass
class FileReport:
    """What one file contributed."""

    path: Path
    format: str
    written: dict[str, WriteSummary] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportSummary:
    """The outcome of :func:`import_paths`: per file, and totals per dataset."""

    files: list[FileReport] = field(default_factory=list)
    skipped_files: list[tuple[Path, str]] = field(default_factory=list)
    net: dict[str, WriteSummary] | None = None  # what the import changed in the store

    @property
    def totals(self) -> dict[str, WriteSummary]:
        """Per dataset, rows added / replaced / unchanged against the store as it was: files
        of one import that overlap (a later file puts back what an earlier one replaced) are
        counted by their net effect."""
        out: dict[str, WriteSummary] = {}
        for report in self.files:
            for name, summary in report.written.items():
                out[name] = out.get(name, WriteSummary()) + summary
        if self.net is not None:
            return {name: self.net.get(name, WriteSummary()) for name in out}
        return out

    @property
    def bad_rows(self) -> list[BadRow]:
        return [row for report in self.files for row in report.bad_rows]

    @property
    def warnings(self) -> list[str]:
        return [f"{r.path.name}: {w}" for r in self.files for w in r.warnings]


def expand_paths(paths: Sequence[str | Path]) -> list[tuple[Path, bool]]:
    """List the files :func:`import_paths` reads for ``paths`` (folders walked recursively).

    Returns
    -------
    list of (Path, bool)
        Each file, with True when it was named explicitly (False: found in a folder, where
        hidden files, ``_``-prefixed files and notes (.md, .txt, .py) are left out).

    Raises
    ------
    ImportFormatError
        A path that is neither a file nor a folder.
    """
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                name = file.name
                if not file.is_file() or name.startswith((".", "_")):
                    continue
                if name.endswith(_IGNORED_SUFFIXES):
                    continue
                out.append((file, False))
        elif path.is_file():
            out.append((path, True))
        else:
            raise ImportFormatError("no such file or folder", path=path)
    return out


@dataclass
class _Checked:
    """A file's rows for one dataset, conformed, with unique keys (hashed on first use)."""

    dataset: Dataset
    rows: Rows


def _lines(frame: pd.DataFrame | pa.Table) -> np.ndarray:
    """1-based file line of each row: the importer's ``_line`` column, else header + row."""
    if LINE in frame.columns:
        column = frame[LINE] if isinstance(frame, pd.DataFrame) else frame.column(LINE)
        return np.asarray(column, dtype="int64")
    return np.arange(len(frame), dtype="int64") + 2


def _check(
    name: str,
    frame: pd.DataFrame | pa.Table,
    path: Path,
    *,
    skip_bad: bool,
    bad: list[BadRow],
    connect: Callable[[], duckdb.DuckDBPyConnection] | None = None,
) -> _Checked:
    """Conform a file's rows and check duplicate keys.

    Exact duplicate rows are dropped; a key with conflicting values is an error naming both
    lines (or, under ``skip_bad``, bad rows after the first). Rows are hashed only if a
    later step needs their hashes (a merge into a stored file), at most once per import:
    the duplicate check compares the few rows that share a time on their values.
    """
    ds = dataset(name)
    lines = _lines(frame) if LINE in frame.columns else None
    try:
        table = conform(ds, frame, source=path.name)
    except SchemaError as exc:
        raise SchemaError(f"{path}: {exc}") from exc
    found = problems(ds, table)
    if found:
        if lines is None:
            lines = _lines(table)
        keep = _in_range(ds, table, found, lines, path, skip_bad=skip_bad, bad=bad)
        table, lines = table.filter(pa.array(keep)), lines[keep]

    def hashed(rows: pa.Table) -> np.ndarray:
        return key_hashes(rows, ds.key, con=None if connect is None else connect())

    rows = Rows(table, hash_with=hashed)
    # the check orders the times through rows.time_order: the write into files reuses it
    if table.num_rows and has_duplicate_keys(ds, table, lambda: rows.hashes, rows=rows):
        if lines is None:
            lines = _lines(table)
        first = _first_of_each_key(ds, table, lines, path, skip_bad=skip_bad, bad=bad)
        rows = Rows(table.filter(pa.array(first)), hash_with=hashed)
    return _Checked(ds, rows)


def _in_range(
    ds: Dataset,
    table: pa.Table,
    found: list[Problem],
    lines: np.ndarray,
    path: Path,
    *,
    skip_bad: bool,
    bad: list[BadRow],
) -> np.ndarray:
    """Mask of the rows within the dataset's declared ranges; without ``skip_bad`` the first
    row outside them (by file line) is an error naming file, line, column and value."""
    if not skip_bad:
        first = min(found, key=lambda p: int(lines[p.rows].min()))
        i = int(np.flatnonzero(first.rows & (lines == lines[first.rows].min()))[0])
        raise ImportFormatError(
            "value out of range",
            path=path,
            line=int(lines[i]),
            column=first.column,
            value=table.column(first.column)[i].as_py(),
            expected=f"{first.expected} (fix the row, or pass --skip-bad to skip such rows)",
        )
    reported: set[int] = set()
    for problem in found:
        for row in np.flatnonzero(problem.rows):
            i = int(row)
            if i in reported:
                continue
            reported.add(i)
            value = table.column(problem.column)[i].as_py()
            reason = f"out of range: expected {problem.expected}"
            bad.append(BadRow(str(path), int(lines[i]), problem.column, value, reason))
    bad.sort(key=lambda row: (row.path, row.line))
    return ~bad_rows(found, table.num_rows)


def _first_of_each_key(
    ds: Dataset,
    table: pa.Table,
    lines: np.ndarray,
    path: Path,
    *,
    skip_bad: bool,
    bad: list[BadRow],
) -> np.ndarray:
    """Mask of the first row of every key (the rare path: compares actual values, no hashes)."""
    frame = to_frame(ds, table)
    key = list(ds.key)
    values = [c for c in ds.columns if c not in key and c != "source"]
    first_of_key = ~frame.duplicated(key, keep="first").to_numpy()
    distinct = frame.drop_duplicates([*key, *values])
    conflicting = distinct[distinct.duplicated(key, keep=False)][key].drop_duplicates()
    if conflicting.empty:
        return first_of_key
    in_conflict = frame[key].merge(conflicting, how="left", indicator=True)["_merge"] == "both"
    later_conflict = in_conflict.to_numpy() & ~first_of_key
    rows = np.flatnonzero(later_conflict)
    if not skip_bad:
        i = rows[np.argmin(lines[rows])]
        same_key = (frame[key] == frame[key].iloc[i]) | (
            frame[key].isna() & frame[key].iloc[i].isna()
        )
        j = np.flatnonzero(same_key.all(axis=1).to_numpy() & first_of_key)[0]
        column = next(c for c in values if not _same(frame[c].iloc[i], frame[c].iloc[j]))
        raise ImportFormatError(
            "duplicate key with conflicting values",
            path=path,
            line=int(lines[i]),
            column=column,
            value=frame[column].iloc[i],
            expected=(
                f"one value per {tuple(ds.key)} (line {int(lines[j])} has "
                f"{frame[column].iloc[j]!r}); remove one of the rows or pass --skip-bad"
            ),
        )
    for i in rows:
        bad.append(
            BadRow(str(path), int(lines[i]), None, None, "duplicate key, conflicting values")
        )
    return first_of_key


def _same(a: object, b: object) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    return bool(a == b)


def _choose(path: Path, fmt: str, explicit: bool) -> Importer | None:
    if fmt != "auto":
        return importer_for(fmt)
    module = detect_importer(path, read_head(path))
    if module is None and explicit:
        raise ImportFormatError(
            "cannot tell the format of this file",
            path=path,
            expected=(
                "a file one of the importers recognises: "
                + ", ".join(m.FORMAT for m in IMPORTERS)
                + "; name the format instead of `auto`"
            ),
        )
    return module


def import_paths(
    store: Store,
    fmt: str,
    paths: Sequence[str | Path],
    *,
    symbol: str | None = None,
    kind: str | None = None,
    skip_bad: bool = False,
    progress: Callable[[Path, int], None] | None = None,
    limits: ImportLimits | None = None,
) -> ImportSummary:
    """Import files (plain, .gz, .zip) or folders into ``store`` in one atomic write.

    Parameters
    ----------
    store
        The destination store.
    fmt
        An importer's ``FORMAT`` or ``"auto"`` (detect from file name and header).
    paths
        Files or folders (folders are walked; files nobody recognises there are skipped).
    symbol, kind
        Passed to importers whose files do not name the symbol or kind.
    skip_bad
        Skip (and report) malformed rows instead of failing the whole import.
    progress
        Called in file order, on the calling thread, with each file and 0 when the import
        turns to it (a UI can name it), then with its size in bytes once it is read. Files
        are read a few at a time, so reading may have begun earlier; files nobody
        recognises are not reported.
    limits
        Bounds on each file's decompressed size and line count (default
        :class:`~liqcascade.data.importers._base.ImportLimits`); a file past them is an
        error that says how to raise them.

    Returns
    -------
    ImportSummary
        Rows added / replaced / unchanged per dataset and file, bad rows, warnings.

    Raises
    ------
    ImportFormatError
        Naming file, line, column and value of the first problem; nothing is written.
    """
    token = LIMITS.set(limits or ImportLimits())
    try:
        return _import(
            store, fmt, paths, symbol=symbol, kind=kind, skip_bad=skip_bad, progress=progress
        )
    finally:
        LIMITS.reset(token)


def _import(
    store: Store,
    fmt: str,
    paths: Sequence[str | Path],
    *,
    symbol: str | None,
    kind: str | None,
    skip_bad: bool,
    progress: Callable[[Path, int], None] | None,
) -> ImportSummary:
    summary = ImportSummary()
    # one DuckDB connection hashes every file (when needed); opened while the first files
    # are read (importing duckdb takes ~0.1 s of the calling thread)
    connect = store._connection

    def choose(file: tuple[Path, bool]) -> Importer | None:
        return _choose(file[0], fmt, file[1])

    def read(module: Importer, path: Path) -> _Read:
        return _read_checked(
            module, path, symbol=symbol, kind=kind, skip_bad=skip_bad, connect=connect
        )

    pending: list[_Read] = []
    for path, done in _in_order(choose, read, expand_paths(paths), progress, meanwhile=connect):
        if done is None:
            summary.skipped_files.append((path, "no importer recognises it"))
        else:
            pending.append(done)
    _hash_together([part for _, checked in pending for part in checked], con=connect())
    with store.transaction() as tx:
        for report, checked in pending:
            for part in checked:
                report.written[part.dataset.name] = tx.write_unique(part.dataset, part.rows)
            summary.files.append(report)
    summary.net = tx.net()
    return summary


# Datasets with at most this many rows in an import are hashed in one call for all its files.
_HASH_TOGETHER_ROWS = 1_000_000


def _hash_together(parts: list[_Checked], *, con: duckdb.DuckDBPyConnection) -> None:
    """Hash the rows of a dataset's small parts in one call when an import has several.

    Files of one import that write the same dataset often merge into the same year file,
    and a merge needs both sides hashed: one DuckDB call per dataset instead of one per
    file and staged file (each costs a few ms, whatever the size). Large parts keep
    hashing on first use, as a file bound for new store files needs no hashes at all.
    """
    groups: dict[str, list[_Checked]] = {}
    for part in parts:
        if part.rows.table.num_rows and not part.rows.hashed:
            groups.setdefault(part.dataset.name, []).append(part)
    for group in groups.values():
        if len(group) < 2 or sum(p.rows.table.num_rows for p in group) > _HASH_TOGETHER_ROWS:
            continue
        ds = group[0].dataset
        tables = [part.rows.table for part in group]
        hashes = key_hashes(pa.concat_tables(tables), ds.key, con=con)
        ends = np.cumsum([t.num_rows for t in tables])
        for part, table, end in zip(group, tables, ends, strict=True):
            part.rows = Rows(table, hashes[end - table.num_rows : end])


_Read = tuple[FileReport, list[_Checked]]
_T = TypeVar("_T")


def _read_checked(
    module: Importer,
    path: Path,
    *,
    symbol: str | None,
    kind: str | None,
    skip_bad: bool,
    connect: Callable[[], duckdb.DuckDBPyConnection],
) -> _Read:
    """One file read by its importer and checked: what the store write needs, nothing written."""
    result: ImportResult = module.read(path, symbol=symbol, kind=kind, skip_bad=skip_bad)
    report = FileReport(path, module.FORMAT, bad_rows=list(result.bad_rows))
    report.warnings.extend(result.warnings)
    checked = [
        _check(name, frame, path, skip_bad=skip_bad, bad=report.bad_rows, connect=connect)
        for name, frame in result.frames.items()
    ]
    return report, checked


def _in_order(
    choose: Callable[[tuple[Path, bool]], Importer | None],
    read: Callable[[Importer, Path], _Read],
    files: list[tuple[Path, bool]],
    progress: Callable[[Path, int], None] | None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[tuple[Path, _Read | None]]:
    """Each file with what ``read`` made of it (None: no importer recognises it), in file order.

    Files are detected and read a few at a time (the parses and arrow work release the GIL);
    results, errors and ``progress`` calls come in file order on the calling thread, as if
    the files were read one by one: the first bad file in order is the error raised.
    ``meanwhile`` is called on the calling thread once the reading has begun.
    """
    threads = workers(len(files))
    if threads < 2:
        if meanwhile is not None:
            meanwhile()
        for path, explicit in files:
            module = choose((path, explicit))
            if module is None:
                yield path, None
            else:
                yield path, _with_progress(partial(read, module, path), path, progress)
        return
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="liqcascade-import")
    detected: list[Future[Importer | None]] = [Future() for _ in files]

    def task(i: int) -> _Read | None:
        try:
            module = choose(files[i])
        except BaseException as exc:
            detected[i].set_exception(exc)
            raise
        detected[i].set_result(module)
        return None if module is None else read(module, files[i][0])

    try:
        # each file in a copy of this context: the import's limits (a ContextVar) apply there
        futures = [pool.submit(contextvars.copy_context().run, task, i) for i in range(len(files))]
        if meanwhile is not None:
            meanwhile()
        for (path, _), found, future in zip(files, detected, futures, strict=True):
            if found.result() is None:  # raises what detection raised, in file order
                yield path, None
            else:
                yield path, _with_progress(future.result, path, progress)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # after an error: the rest is not read


def _with_progress(
    read: Callable[[], _T], path: Path, progress: Callable[[Path, int], None] | None
) -> _T:
    if progress is not None:
        progress(path, 0)  # about to read: lets a UI name the file
    done = read()
    if progress is not None:
        progress(path, path.stat().st_size)
    return done


__all__ = ["FileReport", "ImportSummary", "expand_paths", "import_paths"]
