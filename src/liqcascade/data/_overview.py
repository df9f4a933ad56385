"""What the store holds: per series rows, first/last time and missing bars (``data list``)."""

from __future__ import annotations

import pandas as pd

from liqcascade._time import parse_interval
from liqcascade.data._schema import DATASETS, dataset
from liqcascade.data._store import Store
from liqcascade.errors import InputError


def _gaps(row: pd.Series) -> object:
    """Missing bars between first and last, for series with a regular interval."""
    interval = row.get("interval")
    if not isinstance(interval, str) or row["rows"] == 0:
        return None
    try:
        step = parse_interval(interval)
    except InputError:  # not a regular bar (a label such as "event"): no gap count
        return None
    expected = int((row["last"] - row["first"]) / step) + 1
    return max(expected - int(row["rows"]), 0)


def overview(store: Store, name: str | None = None, *, symbol: str | None = None) -> pd.DataFrame:
    """One row per series (dataset key without time): rows, first, last, gaps.

    ``gaps`` counts missing bars for series with a regular interval (1h, 4h, 8h, 1d...);
    it is empty (``<NA>``, an integer column otherwise) for point samples and events.
    Business-day series (macro, equities, ETF flows) count weekends and holidays as gaps.
    ``symbol`` keeps the series whose symbol (or asset / index) is that value.
    """
    names = [dataset(name).name] if name else [n for n in DATASETS if store.files(n)]
    parts = []
    for n in names:
        cov = store.coverage(n)
        if symbol is not None:
            keys = [c for c in ("symbol", dataset(n).partition_by) if c in cov.columns]
            cov = cov[cov[keys].eq(symbol).any(axis=1)] if keys else cov.iloc[0:0]
        if cov.empty:
            continue
        cov = cov.copy()
        ids = [c for c in cov.columns if c not in ("rows", "first", "last")]
        gaps = cov.apply(_gaps, axis=1) if "interval" in cov.columns else None
        cov["gaps"] = pd.array(gaps if gaps is not None else [None] * len(cov), dtype="Int64")
        cov["series"] = cov[ids].astype("string").fillna("-").agg(" ".join, axis=1)
        cov.insert(0, "dataset", n)
        parts.append(cov[["dataset", "series", "rows", "first", "last", "gaps"]])
    if not parts:
        return pd.DataFrame(columns=["dataset", "series", "rows", "first", "last", "gaps"])
    out = pd.concat(parts, ignore_index=True)
    out["gaps"] = out["gaps"].astype("Int64")
    for column in ("first", "last"):
        out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M")
    return out


def overview_summary(series: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset of an :func:`overview` frame: series, rows, first, last."""
    columns = ["dataset", "series", "rows", "first", "last"]
    if series.empty:
        return pd.DataFrame(columns=columns)
    grouped = series.groupby("dataset", sort=False)
    out = grouped.agg(
        series=("series", "size"),
        rows=("rows", "sum"),
        first=("first", "min"),
        last=("last", "max"),
    )
    return out.reset_index()[columns]


__all__ = ["overview", "overview_summary"]
