"""The embedded store: Parquet files per dataset / partition / month, queried with DuckDB.

Layout::

    <root>/<dataset>/<partition value, path-safe>/<YYYY-MM>.parquet

A write merges the new rows into every month file it touches (rows with the same key are
replaced by the newer write, which keeps its own ``source``). Writes are atomic as a whole:

1. stage: every touched file is written in full to ``<file>.<txid>.tmp``;
2. decide: a journal ``<root>/_journal.json`` listing the (tmp, final) pairs is written
   atomically (temp + ``os.replace``) and fsync'd;
3. apply: each tmp file is renamed over its final name, then the journal is deleted.

On open (and before every write) the store recovers: a journal left by an interrupted apply
phase is rolled forward; tmp files without a journal (interrupted staging) are deleted. A kill
at any moment therefore leaves either the old or the new store, never a mix.
One writer at a time per store (an OS file lock, where available); opening a store for
reading never waits for a running import (readers see each month file either before or after
it is replaced).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from liqcascade.data._frames import conform, empty_frame, to_frame
from liqcascade.data._schema import DATASETS, Dataset, dataset
from liqcascade.data._symbols import partition_name
from liqcascade.errors import InputError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

JOURNAL = "_journal.json"
LOCK = ".lock"
TMP_SUFFIX = ".tmp"
# Test hook: "staged:<seconds>" pauses after staging, "applying:<seconds>" after the first
# rename; the writer prints "liqcascade-store-paused <phase>" on stderr before sleeping.
PAUSE_ENV = "LIQCASCADE_STORE_PAUSE"
# Reads touching at most this many month files use pyarrow (lower latency); more use DuckDB.
ARROW_READ_MAX_FILES = 32

TimeLike = str | pd.Timestamp | Any | None


def default_store_path() -> Path:
    """Where the store lives by default: ``$LIQCASCADE_HOME`` or the user data directory."""
    env = os.environ.get("LIQCASCADE_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("liqcascade", appauthor=False))


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


def _timestamp(value: TimeLike, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name}={value!r} is not a time; expected e.g. '2025-09-22'") from exc
    if ts is pd.NaT:
        raise InputError(f"{name} must be a time, got NaT")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _month_floor(ts: pd.Timestamp) -> str:
    return f"{ts.year:04d}-{ts.month:02d}"


def _pause(phase: str) -> None:
    spec = os.environ.get(PAUSE_ENV, "")
    if spec.startswith(phase + ":"):
        print(f"liqcascade-store-paused {phase}", file=sys.stderr, flush=True)
        time.sleep(float(spec.split(":", 1)[1]))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_HASHER: list[Any] = []  # one DuckDB connection, created on first use


def key_hashes(table: pa.Table, columns: Sequence[str]) -> np.ndarray:
    """64-bit hash of each row's ``columns`` (content-based: equal rows, equal hashes).

    DuckDB's ``hash()`` over the arrow columns, zero-copy, multi-threaded, order-preserving;
    times are hashed as int64 nanoseconds so events 1 ns apart stay distinct. Safe to call
    from several threads (one DuckDB cursor per call). A hash match is a candidate only:
    callers compare the actual values before treating two rows as the same key.
    """
    if not _HASHER:
        import duckdb

        _HASHER.append(duckdb.connect())
    data = {}
    for i, column in enumerate(columns):
        values = table.column(column)
        if pa.types.is_timestamp(values.type):
            values = values.cast(pa.int64())
        data[f"c{i}"] = values
    view = f"rows_{uuid.uuid4().hex}"
    con = _HASHER[0].cursor()
    try:
        con.register(view, pa.table(data))
        listing = ", ".join(f"c{i}" for i in range(len(columns)))
        return con.sql(f"SELECT hash({listing}) AS h FROM {view}").fetchnumpy()["h"]
    finally:
        con.close()


def has_duplicates(hashes: np.ndarray) -> bool:
    """Whether any hash repeats (a sort: about twice as fast as a hash table on 10 M keys).

    Large arrays are sorted in two halves on two threads (numpy releases the GIL), then
    merged by a stable sort, which is a single linear merge of two sorted runs.
    """
    if len(hashes) < 1_000_000 or (os.cpu_count() or 1) < 2:
        ordered = np.sort(hashes)
    else:
        half = len(hashes) // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            ordered = np.concatenate(list(pool.map(np.sort, (hashes[:half], hashes[half:]))))
        ordered.sort(kind="stable")
    return bool((ordered[1:] == ordered[:-1]).any())


def has_duplicate_keys(ds: Dataset, table: pa.Table, hashes: np.ndarray) -> bool:
    """Whether any key repeats (by hash), looking only where it can: rows sharing a time.

    Every key holds ``time``, so a repeated key means a repeated time. Sorting the times is
    near-linear on the mostly time-ordered rows of real files (a stable sort merges sorted
    runs); when all times are distinct, no 10 M-hash sort is needed at all.
    """
    if "time" not in ds.key:
        return has_duplicates(hashes)
    times = _time_ns(table)
    ordered = np.sort(times, kind="stable")
    shared = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(shared) == 0:
        return False
    if len(shared) > len(times) // 8:
        return has_duplicates(hashes)
    shared = np.unique(shared)
    at = np.minimum(np.searchsorted(shared, times), len(shared) - 1)
    return has_duplicates(hashes[shared[at] == times])


def same_rows(left: pa.Table, right: pa.Table) -> np.ndarray:
    """Row-wise equality of two equally long tables over all their columns.

    Null equals null and NaN equals NaN, so a stored row compares equal to the same row
    imported again (the idempotence check must never see a difference that is not there).
    """
    equal = np.ones(left.num_rows, dtype=bool)
    for name in left.column_names:
        a, b = left.column(name), right.column(name)
        both_null = pc.and_(pc.is_null(a), pc.is_null(b))
        same = pc.or_kleene(pc.fill_null(pc.equal(a, b), False), both_null)
        if pa.types.is_floating(a.type):
            same = pc.or_(same, pc.and_(pc.is_nan(a), pc.is_nan(b)).fill_null(False))
        equal &= same.to_numpy(zero_copy_only=False)
    return equal


def _time_ns(table: pa.Table) -> np.ndarray:
    return table.column("time").cast(pa.int64()).to_numpy()


def _month_index(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Month of each time (ns) as an index into the returned month starts (datetime64[M]).

    A binary search against the few month boundaries is several times faster than
    converting 10 M timestamps to ``datetime64[M]``.
    """
    first = times.min().astype("datetime64[ns]").astype("datetime64[M]")
    last = times.max().astype("datetime64[ns]").astype("datetime64[M]")
    months = np.arange(first, last + 1)
    bounds = months[1:].astype("datetime64[ns]").astype("int64")
    return np.searchsorted(bounds, times, side="right"), months


def _file_of(ds: Dataset, table: pa.Table, times: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Month file of every row, as codes into a list of relative paths
    ``<dataset>/<partition>/<YYYY-MM>.parquet`` (integer codes keep 10 M-row writes fast)."""
    month, months = _month_index(times)
    parts = pc.dictionary_encode(table.column(ds.partition_by), null_encoding="encode")
    parts = parts.combine_chunks()
    combo = month  # in place: each extra 10 M-row temporary costs page faults
    combo += parts.indices.to_numpy(zero_copy_only=False) * len(months)
    # few distinct (partition, month) pairs: a lookup table numbers the used ones in O(n)
    used = np.flatnonzero(np.bincount(combo))
    lookup = np.zeros(used[-1] + 1, dtype=np.uint16 if len(used) < 2**16 else np.uint32)
    lookup[used] = np.arange(len(used))
    values = parts.dictionary.to_pylist()
    names = [
        f"{ds.name}/{partition_name(values[c // len(months)])}/{months[c % len(months)]}.parquet"
        for c in used
    ]
    return lookup[combo], names


def _rows_per_file(codes: np.ndarray) -> list[np.ndarray]:
    """Row indices of each file code, in their original order (a stable sort: radix sort
    for the usual 16-bit codes)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return np.split(order, bounds)


def _in_time_order(rows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``rows`` reordered by time (stable: equal times keep their order)."""
    t = times[rows]
    if len(t) < 2 or (t[1:] >= t[:-1]).all():
        return rows
    return rows[np.argsort(t, kind="stable")]


def _is_range(positions: np.ndarray, length: int) -> bool:
    """Whether ``positions`` is ``0, 1, ..., length - 1``: rows already aligned, no take."""
    if len(positions) != length:
        return False
    return bool((positions == np.arange(length)).all())


def _workers(tasks: int) -> int:
    return max(1, min(4, os.cpu_count() or 1, tasks))


# Writes smaller than this merge their month files on the calling thread: for the many small
# files of a collection, thread hand-offs cost more than they save.
_THREADED_ROWS = 200_000


def _map(fn: Callable[[Any], Any], items: Sequence[Any], *, threads: bool) -> list[Any]:
    if not threads or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=_workers(len(items))) as pool:
        return list(pool.map(fn, items))


def _reordered(table: pa.Table, order: np.ndarray) -> pa.Table:
    """``table.take(order)``, one column per thread for large tables.

    One take per column over the whole table: arrow concatenates a chunked string column
    (a CSV read yields about a thousand chunks) on every take, so once per column beats
    once per month file by a wide margin.
    """
    if _is_range(order, table.num_rows):
        return table
    if table.num_rows < _THREADED_ROWS:
        return table.take(order)
    indices = pa.array(order)

    def reordered(column: pa.ChunkedArray) -> pa.ChunkedArray:
        return column if _is_constant(column) else pc.take(column, indices)

    columns = _map(reordered, table.columns, threads=True)
    return pa.Table.from_arrays(columns, schema=table.schema)


def _is_constant(column: pa.ChunkedArray) -> bool:
    """Whether a text column holds one value throughout (or only nulls): any reordering of
    it is itself, so the gather can be skipped (the file name as ``source``, one venue).

    A look at the first rows rules most columns out for free; floats are never treated as
    constant (``0.0 == -0.0``, yet their bits differ).
    """
    if column.null_count == len(column):
        return True
    if column.null_count or not pa.types.is_string(column.type):
        return False
    for values in (column.slice(0, 1024), column):
        low, high = pc.min_max(values).values()
        if low != high:
            return False
    return True


# Columns whose values are (nearly) unique per row: dictionary encoding only costs time there.
_NO_DICTIONARY = frozenset({"time", "event_id", "reference"})


def _write_parquet(ds: Dataset, table: pa.Table, path: Path) -> None:
    """zstd Parquet; dictionary pages only for repetitive text (venue, symbol, side...)."""
    dictionary = [
        f.name for f in ds.schema if pa.types.is_string(f.type) and f.name not in _NO_DICTIONARY
    ]
    pq.write_table(table, path, compression="zstd", use_dictionary=dictionary)


def _match_keys(
    ds: Dataset, incoming: pa.Table, hashes: np.ndarray, current: _Rows
) -> tuple[np.ndarray, np.ndarray]:
    """Which incoming rows have a stored key, and the stored row of each match.

    Hashes find candidates (arrow's hash lookup, no GIL); the actual key values confirm them.
    Should a 64-bit collision make any candidate wrong, the file is matched again exactly on
    the key values, so a collision can cost time but never a row.
    """
    position = pc.index_in(pa.array(hashes), value_set=pa.array(current.hashes))
    matched = position.is_valid().to_numpy(zero_copy_only=False)
    at = position.drop_null().to_numpy()
    if len(at) == 0:
        return matched, at
    key = list(ds.key)
    new_keys = incoming.select(key)
    candidates = new_keys if matched.all() else new_keys.filter(pa.array(matched))
    stored_keys = current.table.select(key)
    if not _is_range(at, current.table.num_rows):
        stored_keys = stored_keys.take(at)
    if same_rows(candidates, stored_keys).all():
        return matched, at
    return _match_keys_exactly(ds, incoming, current.table)


def _match_keys_exactly(
    ds: Dataset, incoming: pa.Table, existing: pa.Table
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_match_keys` without hashes: a join on the key columns (the collision path)."""
    key = list(ds.key)
    new = incoming.select(key).to_pandas().assign(_new=np.arange(incoming.num_rows))
    old = existing.select(key).to_pandas().assign(_old=np.arange(existing.num_rows))
    joined = new.merge(old, on=key, how="left", sort=False).sort_values("_new")
    matched = joined["_old"].notna().to_numpy()
    return matched, joined["_old"].to_numpy()[matched].astype("int64")


@dataclass(frozen=True)
class _Rows:
    """A month file's rows with their key hashes (kept with staged files: a later write
    into the same month of the same transaction need not hash them again)."""

    table: pa.Table
    hashes: np.ndarray


@dataclass(frozen=True)
class _FileMerge:
    """The outcome of merging new rows into one month file: its new rows (None when the
    file stays as it is) and what happened to the incoming rows."""

    name: str
    rows: _Rows | None
    summary: WriteSummary


class Transaction:
    """Several writes that land together or not at all (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._staged: dict[str, tuple[Dataset, _Rows]] = {}

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
        hashes = key_hashes(table, ds.key)
        if has_duplicate_keys(ds, table, hashes):
            last = ~to_frame(ds, table).duplicated(list(ds.key), keep="last").to_numpy()
            table, hashes = table.filter(pa.array(last)), hashes[last]
        return self.write_unique(ds, table, hashes)

    def write_unique(self, ds: Dataset, table: pa.Table, hashes: np.ndarray) -> WriteSummary:
        """Merge a conformed ``table`` whose keys are unique, given its :func:`key_hashes`.

        The import pipeline calls this after its own duplicate checks, so each row is
        conformed and hashed once. Month files are merged on a few threads (pyarrow and
        numpy release the GIL); a file with no stored version is written without a merge.
        """
        if table.num_rows == 0:
            return WriteSummary()
        times = _time_ns(table)
        codes, names = _file_of(ds, table, times)
        groups = [_in_time_order(rows, times) for rows in _rows_per_file(codes)]
        order = np.concatenate(groups)
        table, hashes = _reordered(table, order), hashes[order]
        ends = np.cumsum([len(rows) for rows in groups])

        def merge(i: int) -> _FileMerge:
            lo, hi = (int(ends[i - 1]) if i else 0), int(ends[i])
            return self._merge_file(ds, names[i], table.slice(lo, hi - lo), hashes[lo:hi])

        results = _map(merge, range(len(names)), threads=table.num_rows >= _THREADED_ROWS)
        summary = WriteSummary()
        for result in results:
            summary += result.summary
            if result.rows is not None:
                self._staged[result.name] = (ds, result.rows)
        return summary

    def _current(self, ds: Dataset, name: str) -> _Rows | None:
        """Rows of month file ``name`` as this transaction sees them (staged version first)."""
        if name in self._staged:
            return self._staged[name][1]
        path = self._store.path / name
        if not path.exists():
            return None
        try:
            table = pq.read_table(path).select(ds.columns).cast(ds.schema)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read store file {path}: {exc}") from exc
        return _Rows(table, key_hashes(table, ds.key))

    def _merge_file(
        self, ds: Dataset, name: str, incoming: pa.Table, hashes: np.ndarray
    ) -> _FileMerge:
        """Merge time-ordered ``incoming`` rows into month file ``name``.

        Keys are matched by hash and confirmed on the actual values (:func:`_match_keys`);
        matched rows equal in every other column (``source`` included) are unchanged. The
        file is rewritten only if a row was added or replaced, which is what keeps re-imports
        from changing a byte.
        """
        current = self._current(ds, name)
        if current is None or current.table.num_rows == 0:
            return _FileMerge(name, _Rows(incoming, hashes), WriteSummary(added=incoming.num_rows))
        matched, at = _match_keys(ds, incoming, hashes, current)
        existing = current.table
        unchanged = 0
        if len(at):
            new_rows = incoming if matched.all() else incoming.filter(pa.array(matched))
            old_rows = existing if _is_range(at, existing.num_rows) else existing.take(at)
            values = [c for c in ds.columns if c not in ds.key]
            unchanged = int(same_rows(new_rows.select(values), old_rows.select(values)).sum())
        summary = WriteSummary(
            added=int((~matched).sum()),
            replaced=int(matched.sum()) - unchanged,
            unchanged=unchanged,
        )
        if unchanged == incoming.num_rows:
            return _FileMerge(name, None, summary)
        keep = np.ones(existing.num_rows, dtype=bool)
        keep[at] = False
        merged = pa.concat_tables([existing.filter(pa.array(keep)), incoming])
        merged_hashes = np.concatenate([current.hashes[keep], hashes])
        order = _in_time_order(np.arange(merged.num_rows), _time_ns(merged))
        return _FileMerge(name, _Rows(merged.take(order), merged_hashes[order]), summary)

    def commit(self) -> None:
        """Stage every touched file, write the journal, then rename them all into place."""
        if not self._staged:
            return
        txid = uuid.uuid4().hex[:12]
        pairs: list[tuple[Path, Path]] = []
        for relative in self._staged:
            path = self._store.path / relative
            pairs.append((path.with_name(f"{path.name}.{txid}{TMP_SUFFIX}"), path))

        def stage(pair: tuple[Path, Path]) -> None:
            tmp, path = pair
            path.parent.mkdir(parents=True, exist_ok=True)
            ds, rows = self._staged[path.relative_to(self._store.path).as_posix()]
            _write_parquet(ds, rows.table, tmp)

        # pyarrow releases the GIL while encoding: stage files on a few threads
        try:
            with ThreadPoolExecutor(max_workers=_workers(len(pairs))) as pool:
                list(pool.map(stage, pairs))
        except BaseException:
            for tmp, _ in pairs:
                tmp.unlink(missing_ok=True)
            raise
        _pause("staged")
        self._store._apply(txid, pairs)
        self._staged.clear()


class Store:
    """A directory of Parquet files, one dataset per folder, queried with DuckDB.

    Parameters
    ----------
    path
        The store directory; ``None`` uses :func:`default_store_path`. Created if missing.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> store = Store(tempfile.mkdtemp())
    >>> bars = pd.DataFrame({"time": pd.to_datetime(["2025-09-22"], utc=True),
    ...     "exchange": "binance", "symbol": "BTC/USDT", "market": "spot", "interval": "1d",
    ...     "close": [112_650.99]})
    >>> store.write("candles", bars, source="example")
    WriteSummary(added=1, replaced=0, unchanged=0)
    >>> float(store.candles("BTC/USDT")["close"].iloc[0])
    112650.99
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {self.path}: {exc}") from exc
        self._con: duckdb.DuckDBPyConnection | None = None
        with self._locked(blocking=False) as held:
            if held:  # opening never waits for a running import
                self._recover()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- writing -------------------------------------------------------------------------

    def write(
        self, name: str, frame: pd.DataFrame | pa.Table, *, source: str | None = None
    ) -> WriteSummary:
        """Merge ``frame`` into dataset ``name``, atomically.

        Parameters
        ----------
        name
            Dataset name (``candles``, ``liquidations``...; see ``docs/data.md``).
        frame
            Rows with the dataset's columns (missing optional columns become null): a
            DataFrame, or an arrow table (checked without a pandas round trip when its
            columns already have the schema's types).
        source
            Provenance for rows whose ``source`` is empty (file name, repository@commit).

        Returns
        -------
        WriteSummary
            Rows added, replaced (same key, newer values or source) and unchanged.

        Raises
        ------
        SchemaError
            If a column, dtype or value does not match the dataset's contract.
        """
        with self.transaction() as tx:
            return tx.write(name, frame, source=source)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Group writes so they land together; an exception inside discards them all."""
        with self._locked():
            self._recover()
            tx = Transaction(self)
            yield tx
            tx.commit()

    @contextlib.contextmanager
    def _locked(self, *, blocking: bool = True) -> Iterator[bool]:
        """Hold the store's writer lock; with ``blocking=False`` yield False if it is taken."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: single writer by convention
            yield True
            return
        with open(self.path / LOCK, "a+b") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False  # a writer is busy: it recovers before it writes
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _apply(self, txid: str, pairs: list[tuple[Path, Path]]) -> None:
        journal = self.path / JOURNAL
        tmp_journal = self.path / f"{JOURNAL}.{txid}{TMP_SUFFIX}"
        entries = [[str(t.relative_to(self.path)), str(f.relative_to(self.path))] for t, f in pairs]
        with open(tmp_journal, "w", encoding="utf-8") as fh:
            json.dump({"txid": txid, "renames": entries}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_journal, journal)
        _fsync_dir(self.path)
        for i, (tmp, final) in enumerate(pairs):
            os.replace(tmp, final)
            if i == 0:
                _pause("applying")
        journal.unlink()
        _fsync_dir(self.path)

    def _recover(self) -> None:
        journal = self.path / JOURNAL
        if journal.exists():
            try:
                renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
            except (ValueError, KeyError) as exc:
                raise StoreError(f"corrupt store journal {journal}: {exc}") from exc
            for tmp, final in renames:
                if (self.path / tmp).exists():
                    os.replace(self.path / tmp, self.path / final)
            journal.unlink()
        for stray in self.path.rglob(f"*{TMP_SUFFIX}"):
            stray.unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
            self._con.execute("SET TimeZone = 'UTC'")
        return self._con

    def files(
        self,
        name: str,
        *,
        partitions: Sequence[Any] | None = None,
        start: TimeLike = None,
        end: TimeLike = None,
    ) -> list[Path]:
        """Parquet files of a dataset, pruned by partition values and by month."""
        ds = dataset(name)
        root = self.path / ds.name
        if not root.is_dir():
            return []
        if partitions is None:
            folders = sorted(p for p in root.iterdir() if p.is_dir())
        else:
            folders = [root / partition_name(v) for v in sorted(set(map(str, partitions)))]
        lo = _timestamp(start, "start")
        hi = _timestamp(end, "end")
        lo_month = _month_floor(lo) if lo is not None else None
        hi_month = _month_floor(hi - pd.Timedelta(1, "ns")) if hi is not None else None
        out = []
        for folder in folders:
            if not folder.is_dir():
                continue
            for file in sorted(folder.glob("*.parquet")):
                month = file.stem
                if lo_month is not None and month < lo_month:
                    continue
                if hi_month is not None and month > hi_month:
                    continue
                out.append(file)
        return out

    def read(
        self, name: str, *, start: TimeLike = None, end: TimeLike = None, **equals: Any
    ) -> pd.DataFrame:
        """Rows of dataset ``name`` with ``start <= time < end`` and ``column == value``.

        Each keyword filters a column: a scalar means equals, a list/tuple/set means "is
        one of", ``None`` means no filter. Returns the schema's columns sorted by time.
        """
        ds = dataset(name)
        filters = {k: v for k, v in equals.items() if v is not None}
        unknown = sorted(set(filters) - set(ds.columns))
        if unknown:
            raise InputError(f"{ds.name} has no column(s) {unknown}; filter on one of {ds.columns}")
        part = filters.get(ds.partition_by)
        partitions = None
        if part is not None:
            partitions = list(part) if isinstance(part, list | tuple | set) else [part]
        files = self.files(ds.name, partitions=partitions, start=start, end=end)
        if not files:
            return empty_frame(ds)
        lo, hi = _timestamp(start, "start"), _timestamp(end, "end")
        if len(files) <= ARROW_READ_MAX_FILES:
            return self._read_arrow(ds, files, lo, hi, filters)
        where, params = [], {"files": [str(f) for f in files]}
        if lo is not None:
            where.append("time >= $lo")
            params["lo"] = lo.to_pydatetime()
        if hi is not None:
            where.append("time < $hi")
            params["hi"] = hi.to_pydatetime()
        for i, (column, value) in enumerate(sorted(filters.items())):
            if isinstance(value, list | tuple | set):
                where.append(f'"{column}" IN (SELECT unnest($v{i}))')
                params[f"v{i}"] = list(value)
            else:
                where.append(f'"{column}" = $v{i}')
                params[f"v{i}"] = value
        order = ", ".join(f'"{c}"' for c in ("time", *[k for k in ds.key if k != "time"]))
        query = (
            "SELECT * FROM read_parquet($files)"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order}"
        )
        table = self._connection().sql(query, params=params).to_arrow_table()
        return to_frame(ds, table)

    def _read_arrow(
        self,
        ds: Dataset,
        files: list[Path],
        lo: pd.Timestamp | None,
        hi: pd.Timestamp | None,
        filters: dict[str, Any],
    ) -> pd.DataFrame:
        """The same query as the DuckDB path, with pyarrow: faster for a handful of files."""

        def scalar(column: str, value: Any) -> pa.Scalar:
            kind = ds.schema.field(column).type
            if pa.types.is_timestamp(kind):
                return pa.scalar(_timestamp(value, column).value, kind)  # type: ignore[union-attr]
            return pa.scalar(value, kind)

        conditions = []
        if lo is not None:
            conditions.append(pc.field("time") >= scalar("time", lo))
        if hi is not None:
            conditions.append(pc.field("time") < scalar("time", hi))
        for column, value in sorted(filters.items()):
            if isinstance(value, list | tuple | set):
                values = pa.array([scalar(column, v) for v in value], ds.schema.field(column).type)
                conditions.append(pc.field(column).isin(values))
            else:
                conditions.append(pc.field(column) == scalar(column, value))
        expression = None
        for condition in conditions:
            expression = condition if expression is None else expression & condition
        try:
            tables = [pq.read_table(f, filters=expression) for f in files]
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read store files of {ds.name}: {exc}") from exc
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        order = [(c, "ascending") for c in ("time", *[k for k in ds.key if k != "time"])]
        return to_frame(ds, table.sort_by(order))

    def sql(self, query: str, **params: Any) -> pd.DataFrame:
        """Run DuckDB SQL over one view per dataset (``candles``, ``funding``...).

        Named parameters are passed as ``$name``. Returns a DataFrame.
        """
        con = self._connection()
        for name, ds in DATASETS.items():
            files = self.files(name)
            if files:
                listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
                con.execute(
                    f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{listing}])'
                )
            else:
                con.register(f"_empty_{name}", ds.schema.empty_table())
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM "_empty_{name}"')
        try:
            result = con.execute(query, params or None)
        except Exception as exc:  # duckdb raises its own error hierarchy
            raise InputError(f"SQL failed: {exc}") from exc
        frame = result.df()
        for column in frame.columns:
            values = frame[column]
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                frame[column] = values.dt.tz_convert("UTC")
            elif pd.api.types.is_datetime64_dtype(values.dtype):  # stored times are UTC
                frame[column] = values.dt.tz_localize("UTC")
        return frame

    # -- typed readers -------------------------------------------------------------------

    def candles(
        self,
        symbol: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        interval: str | None = "1d",
        market: str | None = None,
        exchange: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """OHLCV bars of ``symbol`` (ccxt form, or a ticker for macro/equity/volatility)."""
        return self.read(
            "candles",
            start=start,
            end=end,
            symbol=symbol,
            interval=interval,
            market=market,
            exchange=exchange,
            **equals,
        )

    def open_interest(
        self,
        symbol: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        interval: str | None = None,
        margin: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Open interest in USD (and base units when known)."""
        return self.read(
            "open_interest",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            interval=interval,
            margin=margin,
            **equals,
        )

    def funding(
        self,
        symbol: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        weighting: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Funding rates as FRACTIONS per funding interval."""
        return self.read(
            "funding",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            weighting=weighting,
            **equals,
        )

    def liquidations(
        self,
        symbol: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        interval: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Liquidations (events or per-window sums) with an explicit ``liquidated_side``."""
        return self.read(
            "liquidations",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            interval=interval,
            **equals,
        )

    def depth(
        self,
        symbol: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        market: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Order-book depth (USD within ±band of mid, per side)."""
        return self.read(
            "depth", start=start, end=end, symbol=symbol, exchange=exchange, market=market, **equals
        )

    def long_short(
        self,
        symbol: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        kind: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Long/short account or position ratios."""
        return self.read(
            "long_short",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            kind=kind,
            **equals,
        )

    def options(
        self,
        asset: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        metric: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Options metrics (long format: one row per metric)."""
        return self.read(
            "options", start=start, end=end, asset=asset, exchange=exchange, metric=metric, **equals
        )

    def etf_flows(
        self,
        asset: str | Sequence[str] | None = None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        fund: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """US spot ETF daily net flows in USD (``fund="TOTAL"`` for the all-fund total)."""
        return self.read("etf_flows", start=start, end=end, asset=asset, fund=fund, **equals)

    def treasury(
        self,
        asset: str | Sequence[str] | None = None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        ticker: str | None = None,
        kind: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Corporate treasury purchases and holdings."""
        return self.read(
            "treasury", start=start, end=end, asset=asset, ticker=ticker, kind=kind, **equals
        )

    def market_cap(
        self,
        asset: str | Sequence[str] = "TOTAL",
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        interval: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Market capitalisation in USD (``TOTAL``, ``STABLECOINS``, per coin...)."""
        return self.read(
            "market_cap", start=start, end=end, asset=asset, interval=interval, **equals
        )

    def sentiment(
        self,
        index: str | Sequence[str] = "fear_greed",
        start: TimeLike = None,
        end: TimeLike = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Sentiment indices (Fear & Greed 0..100)."""
        return self.read("sentiment", start=start, end=end, index=index, **equals)

    # -- overview ------------------------------------------------------------------------

    def datasets(self) -> list[str]:
        """Names of the datasets that hold at least one file."""
        return [name for name in DATASETS if self.files(name)]

    def coverage(self, name: str) -> pd.DataFrame:
        """Per series of ``name`` (key without time): rows, first and last time."""
        ds = dataset(name)
        groups = [k for k in ds.key if k != "time"]
        cols = ", ".join(f'"{c}"' for c in groups)
        frame = self.sql(
            f"SELECT {cols}, count(*) AS rows, min(time) AS first, max(time) AS last "
            f'FROM "{ds.name}" GROUP BY ALL ORDER BY {cols}'
        )
        return frame


__all__ = ["Store", "Transaction", "WriteSummary", "default_store_path"]
