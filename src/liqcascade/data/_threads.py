"""A few threads for the large writes: pyarrow and numpy release the GIL while they work."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data._hashing import is_range

# Writes smaller than this merge their month files on the calling thread: for the many small
# files of a collection, thread hand-offs cost more than they save.
THREADED_ROWS = 200_000


def workers(tasks: int) -> int:
    """Threads for ``tasks`` independent tasks: at most 4 and the machine's cores."""
    return max(1, min(4, os.cpu_count() or 1, tasks))


def map_maybe_threaded(fn: Callable[[Any], Any], items: Sequence[Any], *, threads: bool) -> list:
    """``[fn(item) for item in items]``, on a few threads when ``threads`` and worth it."""
    if not threads or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers(len(items))) as pool:
        return list(pool.map(fn, items))


def by_file_in_time_order(codes: np.ndarray, time_order: np.ndarray) -> np.ndarray:
    """Row positions grouped by file code (ascending), in time order within each file.

    ``time_order`` is the rows' stable time order (shared with the duplicate check); a
    stable sort of their codes in that order (a radix sort for the usual 16-bit codes)
    groups them by file and keeps each file in time order, equal times in row order. The
    rows of one file are never sorted on their own.
    """
    by_file = np.argsort(codes[time_order], kind="stable")
    return time_order[by_file]


def in_time_order(rows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``rows`` reordered by time (stable: equal times keep their order)."""
    t = times[rows]
    if len(t) < 2 or (t[1:] >= t[:-1]).all():
        return rows
    return rows[np.argsort(t, kind="stable")]


def reordered(table: pa.Table, order: np.ndarray) -> pa.Table:
    """``table.take(order)``, one column per thread for large tables.

    One take per column over the whole table: arrow concatenates a chunked string column
    (a CSV read yields about a thousand chunks) on every take, so once per column beats
    once per month file by a wide margin.
    """
    if is_range(order, table.num_rows):
        return table
    if table.num_rows < THREADED_ROWS:
        return table.take(order)
    indices = pa.array(order)

    def take(column: pa.ChunkedArray) -> pa.ChunkedArray:
        return column if is_constant(column) else pc.take(column, indices)

    columns = map_maybe_threaded(take, table.columns, threads=True)
    return pa.Table.from_arrays(columns, schema=table.schema)


def is_constant(column: pa.ChunkedArray) -> bool:
    """Whether a text column holds one value throughout (or only nulls): any reordering of
    it is itself, so the gather can be skipped (the file name as ``source``, one venue).

    A look at the first rows rules most columns out for free; floats are never treated as
    constant (``0.0 == -0.0``, yet their bits differ).
    """
    if column.null_count == len(column):
        return True
    if column.null_count or not pa.types.is_string(column.type):
        return False
    first = column[0]
    # equal to the first value: one comparison a row (a min/max pass makes two)
    return all(
        pc.all(pc.equal(values, first)).as_py() for values in (column.slice(0, 1024), column)
    )


__all__ = [
    "THREADED_ROWS",
    "by_file_in_time_order",
    "in_time_order",
    "is_constant",
    "map_maybe_threaded",
    "reordered",
    "workers",
]
