"""Row identity: key hashes, duplicate checks, row equality and key matching.

A hash is a candidate only: every match found by hash is confirmed on the actual values, so
a 64-bit collision can cost time but never a row.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data._schema import Dataset

if TYPE_CHECKING:  # pragma: no cover
    import duckdb


class Rows:
    """A month file's rows with their key hashes (kept with staged files: a later write
    into the same month of the same transaction need not hash them again).

    Without ``hashes`` the rows are hashed on first use (``hash_with(table)`` returns them):
    rows that only ever land in a new file (an empty store) are never hashed at all.
    """

    __slots__ = ("_hash_with", "_hashes", "_time_order", "_times", "table")

    def __init__(
        self,
        table: pa.Table,
        hashes: np.ndarray | None = None,
        *,
        hash_with: Callable[[pa.Table], np.ndarray] | None = None,
    ) -> None:
        if hashes is None and hash_with is None:
            raise ValueError("Rows needs hashes or a hash_with function")
        self.table = table
        self._hashes = hashes
        self._hash_with = hash_with
        self._times: np.ndarray | None = None
        self._time_order: np.ndarray | None = None

    @property
    def hashed(self) -> bool:
        """Whether the hashes are known already (reading :attr:`hashes` costs nothing)."""
        return self._hashes is not None

    @property
    def hashes(self) -> np.ndarray:
        """64-bit key hash of each row (computed once, on first use)."""
        if self._hashes is None:
            assert self._hash_with is not None
            self._hashes = self._hash_with(self.table)
        return self._hashes

    @property
    def times(self) -> np.ndarray:
        """The ``time`` column as int64 nanoseconds (converted once, on first use)."""
        if self._times is None:
            self._times = time_ns(self.table)
        return self._times

    @property
    def time_order(self) -> np.ndarray:
        """Row positions in time order, equal times in row order (computed once, on first
        use): the duplicate check and the split into month files share one sort."""
        if self._time_order is None:
            self._time_order = np.argsort(self.times, kind="stable")
        return self._time_order


def time_ns(table: pa.Table) -> np.ndarray:
    """The ``time`` column as int64 nanoseconds."""
    return table.column("time").cast(pa.int64()).to_numpy()


def key_hashes(
    table: pa.Table, columns: Sequence[str], *, con: duckdb.DuckDBPyConnection | None = None
) -> np.ndarray:
    """64-bit hash of each row's ``columns`` (content-based: equal rows, equal hashes).

    DuckDB's ``hash()`` over the arrow columns, zero-copy, multi-threaded, order-preserving;
    times are hashed as int64 nanoseconds so events 1 ns apart stay distinct. ``con`` is
    the caller's DuckDB connection (a store keeps one: opening one costs ~20 ms); each call
    uses its own cursor, so several threads may hash at once. Without ``con`` a connection
    is opened for this call.
    """
    data = {}
    for i, column in enumerate(columns):
        values = table.column(column)
        if pa.types.is_timestamp(values.type):
            values = values.cast(pa.int64())
        data[f"c{i}"] = values
    if con is None:
        import duckdb

        cursor = duckdb.connect()
    else:
        cursor = con.cursor()
    try:  # a relation on the arrow table, not a named view and SQL: half the fixed cost
        listing = ", ".join(data)
        return cursor.from_arrow(pa.table(data)).project(f"hash({listing}) AS h").fetchnumpy()["h"]
    finally:
        cursor.close()


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


def has_repeated_keys(table: pa.Table, key: Sequence[str]) -> bool:
    """Whether any two rows of ``table`` share their ``key`` values, exactly (arrow's hash
    grouping on the values themselves; null equals null): no 64-bit hashes needed."""
    keys = table.select(list(key))
    return keys.group_by(list(key), use_threads=False).aggregate([]).num_rows < keys.num_rows


def has_duplicate_keys(
    ds: Dataset,
    table: pa.Table,
    hashes: np.ndarray | Callable[[], np.ndarray],
    *,
    rows: Rows | None = None,
) -> bool:
    """Whether any key repeats, looking only where it can: rows sharing a time.

    Every key holds ``time``, so a repeated key means a repeated time. Sorting the times is
    near-linear on the mostly time-ordered rows of real files (a stable sort merges sorted
    runs); when all times are distinct, no 10 M-hash sort is needed at all. ``hashes`` may
    be a function returning them (rows not hashed yet): the rows sharing a time are then
    compared on their key values (:func:`has_repeated_keys`) and the function is not called.
    ``rows`` holds the same rows when a later step needs their times and time order
    anyway: the times are then put in order with :attr:`Rows.time_order` (kept with the
    rows) instead of sorted here.
    """

    def repeats(where: np.ndarray | None = None) -> bool:
        if callable(hashes):
            return has_repeated_keys(
                table if where is None else table.filter(pa.array(where)), ds.key
            )
        return has_duplicates(hashes if where is None else hashes[where])

    if "time" not in ds.key:
        return repeats()
    if rows is None:
        times = time_ns(table)
        ordered = np.sort(times, kind="stable")
    else:
        times = rows.times
        ordered = times[rows.time_order]
    shared = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(shared) == 0:
        return False
    if len(shared) > len(times) // 8:
        return repeats()
    shared = np.unique(shared)
    at = np.minimum(np.searchsorted(shared, times), len(shared) - 1)
    return repeats(shared[at] == times)


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


def is_range(positions: np.ndarray, length: int) -> bool:
    """Whether ``positions`` is ``0, 1, ..., length - 1``: rows already aligned, no take."""
    if len(positions) != length:
        return False
    return bool((positions == np.arange(length)).all())


def match_keys(
    ds: Dataset, incoming: pa.Table, hashes: np.ndarray, current: Rows
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
    if not is_range(at, current.table.num_rows):
        stored_keys = stored_keys.take(at)
    if same_rows(candidates, stored_keys).all():
        return matched, at
    return match_keys_exactly(ds, incoming, current.table)


def match_keys_exactly(
    ds: Dataset, incoming: pa.Table, existing: pa.Table
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`match_keys` without hashes: a join on the key columns (the collision path)."""
    key = list(ds.key)
    new = incoming.select(key).to_pandas().assign(_new=np.arange(incoming.num_rows))
    old = existing.select(key).to_pandas().assign(_old=np.arange(existing.num_rows))
    joined = new.merge(old, on=key, how="left", sort=False).sort_values("_new")
    matched = joined["_old"].notna().to_numpy()
    return matched, joined["_old"].to_numpy()[matched].astype("int64")


__all__ = [
    "Rows",
    "has_duplicate_keys",
    "has_duplicates",
    "has_repeated_keys",
    "is_range",
    "key_hashes",
    "match_keys",
    "match_keys_exactly",
    "same_rows",
    "time_ns",
]
