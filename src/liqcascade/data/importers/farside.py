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

import pandas as pd

from liqcascade.data.importers._base import ImportResult, file_stem, read_head, require_name
from liqcascade.data.importers._csv import LINE, Col, header_of, read_csv
from liqcascade.data.importers._provenance import source_for
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
        raw = read_csv(
            path,
            (Col("date", "time"), Col("fund", "str"), Col(column)),
            result=result,
            skip_bad=skip_bad,
        )
        long = pd.DataFrame(
            {"time": raw["date"], "fund": raw["fund"], "usd": raw[column] * scale, LINE: raw[LINE]}
        )
    elif shape == "totals":
        column, scale = _unit(path, header, "total_")
        raw = read_csv(path, (Col("date", "time"), Col(column)), result=result, skip_bad=skip_bad)
        long = pd.DataFrame(
            {"time": raw["date"], "fund": "TOTAL", "usd": raw[column] * scale, LINE: raw[LINE]}
        )
    else:
        funds = [c for c in header if c != "date"]
        cols = (Col("date", "time"), *(Col(f, required=False) for f in funds))
        raw = read_csv(path, cols, result=result, skip_bad=skip_bad)
        raw = raw.rename(columns={"date": "time", "Total": "TOTAL"})
        funds = ["TOTAL" if f == "Total" else f for f in funds]
        long = raw.melt(id_vars=["time", LINE], value_vars=funds, var_name="fund", value_name="usd")
        long["usd"] = long["usd"] * 1e6  # Farside publishes USD millions
        long = long.dropna(subset=["usd"])
    weekend = long["time"].dt.day_of_week >= 5
    long = long[~(weekend & (long["usd"] == 0.0))]
    frame = pd.DataFrame(
        {
            "time": long["time"],
            "asset": asset,
            "fund": long["fund"],
            "flow_usd": long["usd"].round(2),
            "source": source_for(path),
            LINE: long[LINE],
        }
    )
    result.add("etf_flows", frame)
    return result
