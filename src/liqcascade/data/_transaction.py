"""Writes: merge new rows into month files, then commit them as one new store version.

A write merges the new rows into every month file it touches (rows with the same key are
replaced by the newer write, which keeps its own ``source``). The commit is
:mod:`liqcascade.data._manifest`'s: stage, place under new names, switch the manifest.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liqcascade.data._frames import conform, to_frame
from liqcascade.data._hashing import (
    Rows,
    has_duplicate_keys,
    is_range,
    key_hashes,
    match_keys,
    same_rows,
    time_ns,
)
from liqcascade.data._layout import (
    TEMP_PREFIX,
    FileKey,
    file_of,
    inside,
    month_file,
    period_key,
)
from liqcascade.data._manifest import (
    Entry,
    Manifest,
    clear_staging,
    collect,
    fsync_dirs,
    publish,
    recover,
    stage_dir,
)
from liqcascade.data._ranges import describe, problems
from liqcascade.data._schema import Dataset, dataset
from liqcascade.data._threads import (
    THREADED_ROWS,
    by_file_in_time_order,
    in_time_order,
    map_maybe_threaded,
    reordered,
    workers,
)
from liqcascade.errors import SchemaError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb


@dataclass(frozen=True)
class WriteSummary:
    """Rows a write added (new key), replaced (key existed, values or source differ) and left
    unchanged (identical row already stored)."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0

    def __add__(self, other: WriteSummary) -> WriteSummary:
        return WriteSummary(
            self.added + other.added,
            self.replaced + other.replaced,
            self.unchanged + other.unchanged,
        )

    @property
    def total(self) -> int:
        return self.added + self.replaced + self.unchanged


@dataclass(frozen=True)
class _FileMerge:
    """The outcome of merging new rows into one month file: its new rows (None when the
    file stays as it is) and what happened to the incoming rows."""

    key: FileKey
    rows: Rows | None
    summary: WriteSummary
    incoming: Rows  # the incoming rows (their key hashes: only if a later step asks)


# Columns whose values are (nearly) unique per row: dictionary encoding only costs time there.
_NO_DICTIONARY = frozenset({"time", "event_id", "reference"})


def write_parquet(ds: Dataset, table: pa.Table, path: Path) -> None:
    """LZ4 Parquet; dictionary pages only for repetitive text (venue, symbol, side...).

    Chosen for write speed without slower reads (issue 13, 10 M liquidation rows in 36 month
    files, CPU seconds to write / to read back / MB): zstd 3.1 / 2.1 / 204, LZ4 with
    ``time`` delta-encoded 2.4 / 1.7 / 241. Sorted times delta-encode to a few bytes a row
    before compression. Min/max statistics only for ``time``, the one column reads prune row
    groups on; each file holds one partition value, and the min/max of every text and float
    column was ~20 % of the writer's CPU.
    """
    dictionary = [
        f.name for f in ds.schema if pa.types.is_string(f.type) and f.name not in _NO_DICTIONARY
    ]
    # a native file, not a path: no file-system lookup per file (~0.1 ms each, many files)
    with pa.OSFile(str(path), "wb") as sink:
        pq.write_table(
            table,
            sink,
            compression="lz4",
            use_dictionary=dictionary,
            column_encoding={"time": "DELTA_BINARY_PACKED"},
            write_statistics=["time"],
        )


def os_error_message(root: Path, exc: OSError) -> str:
    """One line for a failed store write that says what happened and what to do."""
    if exc.errno == errno.ENOSPC:
        what = "the disk is full"
        fix = "free some space and run it again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "permission denied" if exc.errno != errno.EROFS else "read-only file system"
        fix = "use a store folder you can write to (--store)"
    else:
        what = exc.strerror or str(exc)
        fix = "check the folder and run it again"
    return f"cannot write the store at {root}: {what}; nothing was changed — {fix}"


class Transaction:
    """Several writes that land together or not at all (one new store version)."""

    def __init__(
        self,
        root: Path,
        base: Manifest,
        connect: Callable[[], duckdb.DuckDBPyConnection] | None = None,
    ) -> None:
        self._root = root
        self._base = base
        self._connect = connect  # the store's DuckDB connection, opened on first hash
        self._staged: dict[FileKey, tuple[Dataset, Rows]] = {}
        self._committed: dict[FileKey, Rows | None] = {}  # as stored, at first touch
        self._writes: dict[FileKey, list[_FileMerge]] = {}
        self._net: dict[str, WriteSummary] | None = None
        self._checked: dict[str, bool] = {}  # folders already checked to stay inside

    def write(
        self, name: str, frame: pd.DataFrame | pa.Table, *, source: str | None = None
    ) -> WriteSummary:
        """Merge ``frame`` into dataset ``name`` (applied when the transaction commits).

        Rows whose key is already stored are replaced (the newer write wins, with its own
        ``source``); a key repeated within ``frame`` keeps its last row.
        """
        ds = dataset(name)
        table = conform(ds, frame, source=source)
        if table.num_rows == 0:
            return WriteSummary()
        found = problems(ds, table)
        if found:
            raise SchemaError(describe(ds, table, found[0]))
        rows = self._rows(ds, table)
        if has_duplicate_keys(ds, table, lambda: rows.hashes, rows=rows):
            last = ~to_frame(ds, table).duplicated(list(ds.key), keep="last").to_numpy()
            rows = Rows(table.filter(pa.array(last)), rows.hashes[last])
        return self._write_rows(ds, rows)

    def write_unique(self, ds: Dataset, rows: Rows) -> WriteSummary:
        """Merge conformed ``rows`` whose keys are unique (their hashes computed on first use).

        The import pipeline calls this after its own duplicate checks, so each row is
        conformed once and hashed at most once. Month files are merged on a few threads
        (pyarrow and numpy release the GIL); a file with no stored version is written
        without a merge, and without hashing its rows.
        """
        return self._write_rows(ds, rows)

    def _hash(self, ds: Dataset, table: pa.Table) -> np.ndarray:
        con = self._connect() if self._connect is not None else None
        return key_hashes(table, ds.key, con=con)

    def _rows(self, ds: Dataset, table: pa.Table, hashes: np.ndarray | None = None) -> Rows:
        """``table`` with its key hashes, or hashed on first use when ``hashes`` is None."""
        return Rows(table, hashes, hash_with=lambda rows: self._hash(ds, rows))

    def _has_version(self, key: FileKey) -> bool:
        return key in self._staged or key in self._base.entries

    def _write_rows(self, ds: Dataset, rows: Rows) -> WriteSummary:
        """Merge unique-key ``rows`` into their month files.

        Rows headed only for files with no stored or staged version (an empty store) are
        not hashed here: nothing needs their hashes unless a later write of the transaction
        merges into the same file.
        """
        table = rows.table
        if table.num_rows == 0:
            return WriteSummary()
        codes, keys = self._period_files(*file_of(ds.name, ds.partition_by, table, rows.times))
        order = by_file_in_time_order(codes, rows.time_order)
        table = reordered(table, order)
        # hashed here, before the threads, whenever a file is merged (one DuckDB call); known
        # hashes go with the rows into the staged files, for later writes that merge there
        merges = rows.hashed or any(map(self._has_version, keys))
        hashes = rows.hashes[order] if merges else None
        ends = np.cumsum(np.bincount(codes, minlength=len(keys)))

        def merge(i: int) -> _FileMerge:
            lo, hi = (int(ends[i - 1]) if i else 0), int(ends[i])
            part = None if hashes is None else hashes[lo:hi]
            return self._merge_file(ds, keys[i], self._rows(ds, table.slice(lo, hi - lo), part))

        results = map_maybe_threaded(
            merge, range(len(keys)), threads=table.num_rows >= THREADED_ROWS
        )
        summary = WriteSummary()
        for result in results:
            summary += result.summary
            self._writes.setdefault(result.key, []).append(result)
            if result.rows is not None:
                self._staged[result.key] = (ds, result.rows)
        self._net = None
        return summary

    def _period_files(
        self, codes: np.ndarray, month_keys: list[FileKey]
    ) -> tuple[np.ndarray, list[FileKey]]:
        """Re-code rows from their month to the file that holds that month (year or month
        file, :func:`~liqcascade.data._layout.period_key`)."""
        counts = np.bincount(codes, minlength=len(month_keys))
        per_year: dict[tuple[str | None, str], int] = {}
        for key, count in zip(month_keys, counts, strict=True):
            per_year[key[1], key[2][:4]] = per_year.get((key[1], key[2][:4]), 0) + int(count)

        def existing(key: FileKey) -> bool:
            return key in self._staged or key in self._base.entries

        keys: list[FileKey] = []
        index: dict[FileKey, int] = {}
        remap = np.empty(len(month_keys), dtype=codes.dtype)
        for i, key in enumerate(month_keys):
            target = period_key(key, existing, year_rows=per_year[key[1], key[2][:4]])
            remap[i] = index.setdefault(target, len(keys))
            if remap[i] == len(keys):
                keys.append(target)
        if len(keys) == len(month_keys) and (remap == np.arange(len(keys))).all():
            return codes, keys
        return remap[codes], keys

    def _read_committed(self, ds: Dataset, key: FileKey) -> Rows | None:
        entry = self._base.entries.get(key)
        if entry is None:
            return None
        path = inside(self._root, entry.path, checked=self._checked)
        try:
            table = pq.read_table(path).select(ds.columns).cast(ds.schema)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read store file {path}: {exc}") from exc
        return Rows(table, self._hash(ds, table))

    def _current(self, ds: Dataset, key: FileKey) -> Rows | None:
        """Rows of month file ``key`` as this transaction sees them (staged version first)."""
        if key in self._staged:
            return self._staged[key][1]
        if key not in self._committed:
            self._committed[key] = self._read_committed(ds, key)
        return self._committed[key]

    def _merge_file(self, ds: Dataset, key: FileKey, rows: Rows) -> _FileMerge:
        """Merge time-ordered ``incoming`` rows into month file ``key``.

        Keys are matched by hash and confirmed on the actual values; matched rows equal in
        every other column (``source`` included) are unchanged. The file is rewritten only
        if a row was added or replaced, which is what keeps re-imports from changing a byte.
        """
        incoming = rows.table
        current = self._current(ds, key)
        if current is None or current.table.num_rows == 0:
            return _FileMerge(key, rows, WriteSummary(added=incoming.num_rows), rows)
        hashes = rows.hashes
        matched, at = match_keys(ds, incoming, hashes, current)
        existing = current.table
        unchanged = 0
        if len(at):
            new_rows = incoming if matched.all() else incoming.filter(pa.array(matched))
            old_rows = existing if is_range(at, existing.num_rows) else existing.take(at)
            values = [c for c in ds.columns if c not in ds.key]
            unchanged = int(same_rows(new_rows.select(values), old_rows.select(values)).sum())
        summary = WriteSummary(
            added=int((~matched).sum()),
            replaced=int(matched.sum()) - unchanged,
            unchanged=unchanged,
        )
        if unchanged == incoming.num_rows:
            return _FileMerge(key, None, summary, rows)
        keep = np.ones(existing.num_rows, dtype=bool)
        keep[at] = False
        # left in merge order (no copy): the commit writes the file in time order, one
        # stable sort of the final rows, which orders them exactly as a stable sort after
        # every merge would (rows of one time keep the order they were merged in)
        kept = existing.filter(pa.array(keep)) if len(at) else existing
        merged = pa.concat_tables([kept, incoming])
        merged_hashes = np.concatenate([current.hashes[keep], hashes])
        return _FileMerge(key, Rows(merged, merged_hashes), summary, rows)

    # -- the net effect --------------------------------------------------------------------

    def net(self) -> dict[str, WriteSummary]:
        """Per dataset, what the whole transaction changes against the stored version.

        A month file written by several writes of the transaction (files of one import that
        overlap) is compared as a whole with its stored version: rows one write replaced and
        a later write put back count as unchanged, and the file is not rewritten.
        """
        if self._net is not None:
            return self._net
        out: dict[str, WriteSummary] = {}
        for key, writes in self._writes.items():
            name = key[0]
            effect = writes[0].summary if len(writes) == 1 else self._net_effect(key, writes)
            out[name] = out.get(name, WriteSummary()) + effect
        self._net = out
        return out

    def _net_effect(self, key: FileKey, writes: list[_FileMerge]) -> WriteSummary:
        incoming = len(np.unique(np.concatenate([w.incoming.hashes for w in writes])))
        if key not in self._staged:
            return WriteSummary(unchanged=incoming)
        ds, final = self._staged[key]
        before = self._committed.get(key)
        if before is None or before.table.num_rows == 0:
            return WriteSummary(added=incoming)
        matched, at = match_keys(ds, final.table, final.hashes, before)
        values = [c for c in ds.columns if c not in ds.key]
        now = final.table.filter(pa.array(matched)) if not matched.all() else final.table
        same = same_rows(now.select(values), before.table.take(at).select(values))
        added, replaced = int((~matched).sum()), int((~same).sum())
        if added == 0 and replaced == 0 and final.table.num_rows == before.table.num_rows:
            del self._staged[key]  # back to what is stored: nothing to write
        return WriteSummary(added, replaced, max(incoming - added - replaced, 0))

    # -- commit ----------------------------------------------------------------------------

    def commit(self) -> Manifest:
        """Stage every changed month file, place it, switch the manifest (one rename).

        Returns the store's manifest after the commit (the base one if nothing changed).
        """
        self.net()  # drops files that end as they are stored
        if not self._staged:
            return self._base
        version = self._base.version + 1
        try:
            return self._commit(version)
        except OSError as exc:
            self._abandon()
            raise StoreError(os_error_message(self._root, exc)) from exc
        except BaseException:
            self._abandon()
            raise

    def _abandon(self) -> None:
        with contextlib.suppress(OSError):  # the next writer recovers
            recover(self._root, self._base)

    def _commit(self, version: int) -> Manifest:
        staging = stage_dir(self._root)
        items = list(self._staged.items())
        temps = [staging / f"{TEMP_PREFIX}{version}-{i}.parquet" for i in range(len(items))]

        def stage(i: int) -> None:
            ds, rows = items[i][1]
            write_parquet(ds, _in_time_order(rows.table), temps[i])

        # pyarrow releases the GIL while encoding: stage files on a few threads
        map_maybe_threaded(stage, range(len(items)), threads=workers(len(items)) > 1)
        entries = dict(self._base.entries)
        retired = []
        folders = set()
        for (key, (_, rows)), tmp in zip(items, temps, strict=True):
            relative = month_file(key, version)
            final = inside(self._root, relative, checked=self._checked)
            if final.parent not in folders:  # each folder made once (many files share one)
                final.parent.mkdir(parents=True, exist_ok=True)
                folders.add(final.parent)
            os.replace(tmp, final)
            if key in entries:
                retired.append(entries[key].path)
            entries[key] = Entry(key, relative, rows.table.num_rows)
        fsync_dirs(sorted(folders))
        manifest = Manifest(version, entries, tuple(retired))
        publish(self._root, manifest)
        self._staged.clear()
        try:
            collect(self._root, self._base, manifest)
        except OSError:  # committed; the next writer collects what is left
            clear_staging_quietly(self._root)
        return manifest


def _in_time_order(table: pa.Table) -> pa.Table:
    """A staged file's rows in time order (stable), as they are when already in order."""
    order = in_time_order(np.arange(table.num_rows), time_ns(table))
    return table if is_range(order, table.num_rows) else table.take(order)


def clear_staging_quietly(root: Path) -> None:
    """Best effort: the store is committed; leftovers are removed by the next writer."""
    with contextlib.suppress(OSError):
        clear_staging(root)


__all__ = ["Transaction", "WriteSummary", "os_error_message", "write_parquet"]
