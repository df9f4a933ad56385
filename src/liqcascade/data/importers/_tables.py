"""Arrow building blocks for importers that make their rows without pandas.

A small file costs more in pandas' per-call overhead than in its rows; these helpers build
the same rows straight from :func:`~liqcascade.data.importers._csv.read_table`'s columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data.importers._csv import LINE

Column: TypeAlias = pa.Array | pa.ChunkedArray


def table_of(columns: Mapping[str, object], rows: int) -> pa.Table:
    """``columns`` as a table of ``rows`` rows: arrays as they are, any other value (text,
    number, None) repeated on every row (as ``pandas.DataFrame`` broadcasts a scalar)."""
    arrays = []
    for value in columns.values():
        if isinstance(value, pa.Array | pa.ChunkedArray):
            arrays.append(_chunked(value))
        elif value is None:
            arrays.append(pa.chunked_array([pa.nulls(rows)]))
        else:
            arrays.append(pa.chunked_array([pa.repeat(pa.scalar(value), rows)]))
    return pa.Table.from_arrays(arrays, names=list(columns))


def stacked(
    raw: pa.Table,
    blocks: Sequence[tuple[Sequence[object], Column]],
    *,
    labels: Sequence[str],
    value: str,
    keep: Sequence[str] = ("time", LINE),
) -> pa.Table:
    """``pandas.melt`` then ``dropna(subset=[value])``, in arrow.

    For each ``(names, values)`` block, in order: every row of ``raw`` (its ``keep``
    columns), ``names`` as the ``labels`` columns and ``values`` as ``value``; rows whose
    value is null are dropped.
    """
    parts = []
    for names, values in blocks:
        columns = {k: raw.column(k) for k in keep} | dict(zip(labels, names, strict=True))
        part = table_of(columns | {value: values}, raw.num_rows)
        parts.append(part.filter(pc.is_valid(values)))
    if not parts:  # nothing to stack: no rows, the same columns
        empty = {k: raw.column(k).slice(0, 0) for k in keep}
        text = {k: pa.array([], pa.string()) for k in labels}
        return table_of(empty | text | {value: pa.array([], pa.float64())}, 0)
    return pa.concat_tables(parts)


def divided(values: Column, by: float) -> pa.ChunkedArray:
    """``values / by`` (the same IEEE division as pandas'), as a chunked array."""
    return _chunked(pc.divide(values, pa.scalar(by, pa.float64())))


def multiplied(values: Column, by: float) -> pa.ChunkedArray:
    """``values * by`` (the same IEEE product as pandas'), as a chunked array."""
    return _chunked(pc.multiply(values, pa.scalar(by, pa.float64())))


def _chunked(values: Column) -> pa.ChunkedArray:
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


__all__ = ["Column", "divided", "multiplied", "stacked", "table_of"]
