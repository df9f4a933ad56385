"""Bring a DataFrame to a dataset's exact arrow schema, or say precisely why it cannot be."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data._schema import EVENT_ID_COLUMNS, Dataset
from liqcascade.errors import SchemaError

# Columns a writer must always give; every other schema column may be absent (filled null).
_REQUIRED = ("time",)
# Private helper columns importers may attach (source line numbers); dropped before writing.
PRIVATE_PREFIX = "_"


def _as_utc(dataset: Dataset, column: str, values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        try:
            return values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        except (ValueError, OverflowError):  # pandas' OutOfBoundsDatetime is a ValueError
            raise SchemaError(
                f"{dataset.name}.{column} holds times outside 1677 .. 2262 (not representable "
                "in nanoseconds); expected times within 2009 .. now"
            ) from None
    if values.isna().all():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        raise SchemaError(
            f"{dataset.name}.{column} holds naive datetimes; expected tz-aware UTC "
            "(fix: series.dt.tz_localize('UTC'))"
        )
    try:
        return pd.to_datetime(values, utc=True, format="ISO8601").astype("datetime64[ns, UTC]")
    except (ValueError, TypeError) as exc:
        raise SchemaError(
            f"{dataset.name}.{column} cannot be read as UTC timestamps: {exc}; "
            "expected ISO 8601 text or tz-aware datetimes"
        ) from None


def _as_float(dataset: Dataset, column: str, values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype):
        return values.astype("float64")
    converted = pd.to_numeric(values, errors="coerce").astype("float64")
    bad = converted.isna() & values.notna()
    if bad.any():
        first = values[bad].iloc[0]
        raise SchemaError(
            f"{dataset.name}.{column} has a non-numeric value {first!r} "
            f"({int(bad.sum())} such rows); expected a number"
        )
    return converted


def _check_choices(dataset: Dataset, frame: pd.DataFrame) -> None:
    for column, allowed in dataset.choices.items():
        values = frame[column]
        bad = values.notna() & ~values.isin(allowed)
        if bad.any():
            unknown = sorted({str(v) for v in values[bad].unique()})
            raise SchemaError(
                f"{dataset.name}.{column} has unknown value(s) {unknown}; "
                f"expected one of {list(allowed)}"
            )


def _check_columns(dataset: Dataset, columns: list[str]) -> None:
    public = [c for c in columns if not str(c).startswith(PRIVATE_PREFIX)]
    unknown = sorted(set(public) - set(dataset.columns))
    if unknown:
        raise SchemaError(
            f"{dataset.name}: unknown column(s) {unknown}; expected columns {dataset.columns}"
        )
    missing = [c for c in (*_REQUIRED, dataset.partition_by) if c not in columns]
    if missing:
        raise SchemaError(f"{dataset.name}: missing required column(s) {missing}")


def conform(
    dataset: Dataset, frame: pd.DataFrame | pa.Table, *, source: str | None = None
) -> pa.Table:
    """Return ``frame`` as an arrow table with exactly ``dataset.schema``.

    Missing optional columns become null (event ids: empty text, so a CSV round trip,
    which cannot tell the two apart, keeps the key), ``source`` fills rows without one, private
    ``_``-prefixed helper columns are dropped. Raises :class:`SchemaError` naming the dataset,
    column and offending value for unknown columns, naive or unparsable times, non-numeric
    numbers and values outside a closed vocabulary. An arrow table whose columns already have
    the schema's types (what the records importer reads) is checked without leaving arrow.
    """
    if isinstance(frame, pa.Table):
        table = _conform_arrow(dataset, frame, source=source)
        if table is not None:
            return table
        frame = frame.to_pandas()  # needs conversions: the pandas path says what is wrong
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(
            f"{dataset.name}: expected a pandas DataFrame, got {type(frame).__name__}"
        )
    _check_columns(dataset, list(frame.columns))
    clean = _typed_arrow(frame)
    if clean is not None:
        table = _conform_arrow(dataset, clean, source=source)
        if table is not None:
            return table
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for field in dataset.schema:
        name = field.name
        values = frame[name].reset_index(drop=True) if name in frame.columns else None
        if name == "source" and source is not None:
            values = (
                pd.Series(source, index=out.index, dtype="str")
                if values is None
                else values.astype("str").where(values.notna(), source)
            )
        if values is None:
            values = pd.Series(None, index=out.index, dtype="object")
        if pa.types.is_timestamp(field.type):
            values = _as_utc(dataset, name, values)
        elif pa.types.is_floating(field.type):
            values = _as_float(dataset, name, values)
        elif name in EVENT_ID_COLUMNS:
            values = values.astype("str").where(values.notna(), "")
        else:
            values = values.astype("str").where(values.notna(), None)
        out[name] = values
    if out["time"].isna().any():
        line = int(out.index[out["time"].isna()][0])
        raise SchemaError(f"{dataset.name}: time is missing in row {line}; every row needs a time")
    if out["source"].isna().any():
        raise SchemaError(f"{dataset.name}: rows without a source; pass source=...")
    _check_choices(dataset, out)
    table = pa.Table.from_pandas(out, schema=dataset.schema, preserve_index=False)
    return table.replace_schema_metadata(None)  # no pandas metadata: same bytes as arrow input


def _typed_arrow(frame: pd.DataFrame) -> pa.Table | None:
    """``frame`` as arrow when pandas already holds typed columns (the usual importer output);
    None for mixed object columns, which the pandas path converts value by value."""
    threads = None if len(frame) >= 1_000_000 else 1  # small frames: threads cost more
    try:
        return pa.Table.from_pandas(frame, preserve_index=False, nthreads=threads)
    except (pa.ArrowException, TypeError, ValueError):
        return None


def _castable(have: pa.DataType, want: pa.DataType) -> bool:
    """Whether a column of type ``have`` converts to ``want`` without parsing or guessing."""
    if pa.types.is_null(have):
        return True
    if pa.types.is_timestamp(want):
        return pa.types.is_timestamp(have) and have.tz is not None  # naive: pandas path says so
    if pa.types.is_floating(want):
        return pa.types.is_floating(have) or pa.types.is_integer(have)
    return pa.types.is_string(have) or pa.types.is_large_string(have)


def _filled_source(table: pa.Table, source: str | None) -> pa.ChunkedArray | pa.Array:
    if "source" not in table.column_names:
        return pa.nulls(table.num_rows, pa.string()) if source is None else _repeat(source, table)
    values = table.column("source").cast(pa.string())
    return values if source is None or values.null_count == 0 else pc.fill_null(values, source)


# A constant column is built as slices of one block of this many rows: a 10 M-row import
# gets its ``source`` column without writing the file name 10 M times into fresh memory.
_REPEAT_BLOCK = 65_536


def _repeat(value: str, table: pa.Table) -> pa.Array | pa.ChunkedArray:
    rows = table.num_rows
    if rows <= _REPEAT_BLOCK:
        return pa.repeat(pa.scalar(value, pa.string()), rows)
    block = pa.repeat(pa.scalar(value, pa.string()), _REPEAT_BLOCK)
    full, rest = divmod(rows, _REPEAT_BLOCK)
    return pa.chunked_array([block] * full + ([block.slice(0, rest)] if rest else []))


def _nan_as_null(values: pa.ChunkedArray) -> pa.ChunkedArray:
    # the pandas path stores NaN as null; so must this one, or equal rows would differ
    nan = pc.is_nan(values)
    if not pc.any(nan).as_py():
        return values
    return pc.if_else(nan, pa.scalar(None, values.type), values)


def _conform_arrow(dataset: Dataset, table: pa.Table, *, source: str | None) -> pa.Table | None:
    """The arrow twin of the pandas path (no object columns, no copies of clean columns);
    None when a column needs parsing, which the pandas path does with exact messages."""
    _check_columns(dataset, table.column_names)
    columns = []
    for field in dataset.schema:
        if field.name == "source":
            values = _filled_source(table, source)
        elif field.name not in table.column_names:
            values = pa.nulls(table.num_rows, field.type)
        else:
            values = table.column(field.name)
            if values.null_count == len(values):  # e.g. pd.NaT, naive: null in any type
                values = pa.nulls(table.num_rows, field.type)
            elif not _castable(values.type, field.type):
                return None
            try:
                values = values.cast(field.type)
            except pa.ArrowInvalid:  # e.g. an integer beyond float precision
                return None
            if pa.types.is_floating(field.type):
                values = _nan_as_null(values)
        if field.name in EVENT_ID_COLUMNS and values.null_count:
            values = pc.fill_null(values, "")  # "" and null are one key: no event id
        columns.append(values)
    out = pa.Table.from_arrays(columns, schema=dataset.schema)
    if out.column("time").null_count:
        line = int(pc.index(pc.is_null(out.column("time")), True).as_py())
        raise SchemaError(f"{dataset.name}: time is missing in row {line}; every row needs a time")
    if out.column("source").null_count:
        raise SchemaError(f"{dataset.name}: rows without a source; pass source=...")
    for column, allowed in dataset.choices.items():
        values = out.column(column)
        known = pc.is_in(values, value_set=pa.array(list(allowed), pa.string()))
        bad = pc.and_(pc.invert(known), pc.is_valid(values))
        if pc.any(bad).as_py():
            unknown = sorted(set(pc.unique(pc.filter(values, bad)).to_pylist()))
            raise SchemaError(
                f"{dataset.name}.{column} has unknown value(s) {unknown}; "
                f"expected one of {list(allowed)}"
            )
    return out


def empty_frame(dataset: Dataset) -> pd.DataFrame:
    """An empty DataFrame with the dataset's columns and dtypes."""
    return dataset.schema.empty_table().to_pandas()


def to_frame(dataset: Dataset, table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas with the schema's dtypes (UTC ns times, float64, strings)."""
    return table.select(dataset.columns).cast(dataset.schema).to_pandas()


__all__ = ["PRIVATE_PREFIX", "conform", "empty_frame", "to_frame"]
