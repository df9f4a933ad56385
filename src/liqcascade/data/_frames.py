"""Bring a DataFrame to a dataset's exact arrow schema, or say precisely why it cannot be."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from liqcascade.data._schema import CHOICES, Dataset
from liqcascade.errors import SchemaError

# Columns a writer must always give; every other schema column may be absent (filled null).
_REQUIRED = ("time",)
# Private helper columns importers may attach (source line numbers); dropped before writing.
PRIVATE_PREFIX = "_"


def _as_utc(dataset: Dataset, column: str, values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
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
    for column, allowed in CHOICES.get(dataset.name, {}).items():
        values = frame[column]
        bad = values.notna() & ~values.isin(allowed)
        if bad.any():
            unknown = sorted({str(v) for v in values[bad].unique()})
            raise SchemaError(
                f"{dataset.name}.{column} has unknown value(s) {unknown}; "
                f"expected one of {list(allowed)}"
            )


def conform(dataset: Dataset, frame: pd.DataFrame, *, source: str | None = None) -> pa.Table:
    """Return ``frame`` as an arrow table with exactly ``dataset.schema``.

    Missing optional columns become null, ``source`` fills rows without one, private
    ``_``-prefixed helper columns are dropped. Raises :class:`SchemaError` naming the dataset,
    column and offending value for unknown columns, naive or unparsable times, non-numeric
    numbers and values outside a closed vocabulary.
    """
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(
            f"{dataset.name}: expected a pandas DataFrame, got {type(frame).__name__}"
        )
    public = [c for c in frame.columns if not str(c).startswith(PRIVATE_PREFIX)]
    unknown = sorted(set(public) - set(dataset.columns))
    if unknown:
        raise SchemaError(
            f"{dataset.name}: unknown column(s) {unknown}; expected columns {dataset.columns}"
        )
    missing = [c for c in (*_REQUIRED, dataset.partition_by) if c not in frame.columns]
    if missing:
        raise SchemaError(f"{dataset.name}: missing required column(s) {missing}")
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
        else:
            values = values.astype("str").where(values.notna(), None)
        out[name] = values
    if out["time"].isna().any():
        line = int(out.index[out["time"].isna()][0])
        raise SchemaError(f"{dataset.name}: time is missing in row {line}; every row needs a time")
    if out["source"].isna().any():
        raise SchemaError(f"{dataset.name}: rows without a source; pass source=...")
    _check_choices(dataset, out)
    return pa.Table.from_pandas(out, schema=dataset.schema, preserve_index=False)


def empty_frame(dataset: Dataset) -> pd.DataFrame:
    """An empty DataFrame with the dataset's columns and dtypes."""
    return dataset.schema.empty_table().to_pandas()


def to_frame(dataset: Dataset, table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas with the schema's dtypes (UTC ns times, float64, strings)."""
    return table.select(dataset.columns).cast(dataset.schema).to_pandas()


__all__ = ["PRIVATE_PREFIX", "conform", "empty_frame", "to_frame"]
