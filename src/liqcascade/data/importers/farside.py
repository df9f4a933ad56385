"""Farside US spot-ETF flows as saved by ciyberpunk/farside-etf (USD MILLIONS -> USD).

Three shapes, the asset from the file name (``bitcoin_...`` / ``ethereum_...``):
``*_etf_flows_long_daily.csv`` (``date, fund, flow_usd_millions``),
``*_etf_flows_wide_daily.csv`` (``date, <fund>..., Total``; Total -> fund ``TOTAL``) and
``*_etf_totals_daily.csv`` (``date, total_usd_millions, cumulative_usd_millions``).
Farside writes 0.0 on weekends (no trading): those rows are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data.importers._base import ImportResult, file_stem, read_head, require_name
from liqcascade.data.importers._csv import LINE, Col, header_of, read_table
from liqcascade.data.importers._provenance import origin
from liqcascade.data.importers._tables import multiplied, stacked, table_of
from liqcascade.errors import ImportFormatError

FORMAT = "farside"
DESCRIPTION = "Farside ETF flows (USD millions): bitcoin_/ethereum_etf_flows_{long,wide}_daily.csv"

_ASSETS = {"bitcoin": "BTC", "ethereum": "ETH", "solana": "SOL"}
_NAME = re.compile(r"(bitcoin|ethereum|solana)_etf_(flows_long|flows_wide|totals)_daily")
# Unit suffix of a flow column -> USD multiplier.
UNITS = {"usd": 1.0, "usd_thousands": 1e3, "usd_millions": 1e6, "usd_mn": 1e6, "usd_billions": 1e9}


def _unit(path: Path, header: list[str], prefix: str) -> tuple[str, float]:
    for column in header:
        if column.startswith(prefix):
            unit = column.removeprefix(prefix)
            if unit not in UNITS:
                raise ImportFormatError(
                    "unknown unit",
                    path=path,
                    line=1,
                    column=column,
                    value=unit,
                    expected=f"a unit suffix among {sorted(UNITS)}",
                )
            return column, UNITS[unit]
    raise ImportFormatError(
        "wrong header",
        path=path,
        line=1,
        value=header,
        expected=f"a column named {prefix}<unit>, e.g. {prefix}usd_millions",
    )


def detect(path: Path, head: str) -> bool:
    """True for a Farside file name whose header starts with ``date``."""
    return bool(_NAME.fullmatch(file_stem(path))) and head.startswith("date,")


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one Farside flows file into ``etf_flows`` (USD)."""
    match = require_name(
        _NAME.fullmatch(file_stem(path)),
        path,
        "not a Farside ETF file name",
        "bitcoin_etf_flows_long_daily.csv, ..._wide_daily.csv or ..._totals_daily.csv",
    )
    asset, shape = _ASSETS[match[1]], match[2]
    result = ImportResult()
    header = header_of(read_head(path))
    if shape == "flows_long":
        column, scale = _unit(path, header, "flow_")
        cols: tuple[Col, ...] = (Col("date", "time"), Col("fund", "str"), Col(column))
        raw = read_table(path, cols, result=result, skip_bad=skip_bad)
        long = table_of(
            {
                "time": raw["date"],
                "fund": raw["fund"],
                "usd": multiplied(raw[column], scale),
                LINE: raw[LINE],
            },
            raw.num_rows,
        )
    elif shape == "totals":
        column, scale = _unit(path, header, "total_")
        cols = (Col("date", "time"), Col(column))
        raw = read_table(path, cols, result=result, skip_bad=skip_bad)
        long = table_of(
            {
                "time": raw["date"],
                "fund": "TOTAL",
                "usd": multiplied(raw[column], scale),
                LINE: raw[LINE],
            },
            raw.num_rows,
        )
    else:
        funds = [c for c in header if c != "date"]
        cols = (Col("date", "time"), *(Col(f, required=False) for f in funds))
        raw = read_table(path, cols, result=result, skip_bad=skip_bad)
        raw = raw.rename_columns(["time" if c == "date" else c for c in raw.column_names])
        # Farside publishes USD millions
        blocks = [(("TOTAL" if f == "Total" else f,), multiplied(raw[f], 1e6)) for f in funds]
        long = stacked(raw, blocks, labels=["fund"], value="usd")
    weekend = pc.greater_equal(pc.day_of_week(long["time"]), 5)
    zero = pc.equal(long["usd"], 0.0)  # null where usd is: kept, as pandas keeps NaN
    long = long.filter(pc.invert(pc.fill_null(pc.and_(weekend, zero), False)))
    # numpy's rounding, as pandas' Series.round (nulls as NaN, stored as null again)
    flow = np.round(long["usd"].to_numpy(zero_copy_only=False), 2)
    frame = table_of(
        {
            "time": long["time"],
            "asset": asset,
            "fund": long["fund"],
            "flow_usd": pa.array(flow, from_pandas=True),
            **origin(path, long),
        },
        long.num_rows,
    )
    result.add("etf_flows", frame)
    return result
