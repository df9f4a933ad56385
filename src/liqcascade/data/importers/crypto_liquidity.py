"""Daily liquidity panel of ccyun95/Cryptocurrency_Work: ETF totals, stablecoins, realized caps.

``etf.csv`` (``btc_etf_net_flow_usd_mn``, ``eth_...``: Farside totals in USD MILLIONS) ->
etf_flows fund ``TOTAL``; ``stablecoin.csv`` (DefiLlama total, USD) -> market_cap
``STABLECOINS``; ``realized.csv`` -> market_cap ``BTC_REALIZED`` / ``ETH_REALIZED`` (the file
repeats some dates with different values: the last one is kept and the count is reported).
``etf_proxy.csv`` is a DERIVED volume proxy, not flows: recognised and not imported.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data.importers._base import ImportResult, file_stem, read_head
from liqcascade.data.importers._csv import Col, read_csv
from liqcascade.data.importers._provenance import origin
from liqcascade.errors import ImportFormatError

FORMAT = "crypto-liquidity"
DESCRIPTION = "ccyun95 daily panel: etf.csv (USD mn), stablecoin.csv, realized.csv"

_HEADERS = {
    "etf": "date,btc_etf_net_flow_usd_mn,eth_etf_net_flow_usd_mn",
    "stablecoin": "date,stablecoin_mcap_usd",
    "realized": "date,btc_realized_cap_usd,eth_realized_cap_usd",
    "etf_proxy": "date,btc_etf_vol_proxy_usd",
}


def _kind(path: Path, head: str) -> str | None:
    for kind, header in _HEADERS.items():
        if head.startswith(header):
            return kind
    return None


def detect(path: Path, head: str) -> bool:
    """True for one of the panel's headers."""
    return _kind(path, head) is not None


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one file of the panel."""
    what = _kind(path, read_head(path))
    result = ImportResult()
    if what is None:
        raise ImportFormatError(
            "wrong header",
            path=path,
            line=1,
            expected=f"one of {list(_HEADERS.values())} ({file_stem(path)})",
        )
    if what == "etf_proxy":
        result.warnings.append("derived ETF volume proxy (not flows); not imported")
        return result
    if what == "etf":
        cols = (
            Col("date", "time"),
            *(Col(f"{a}_etf_net_flow_usd_mn", required=False) for a in ("btc", "eth")),
        )
        raw = read_csv(path, cols, result=result, skip_bad=skip_bad)
        for asset in ("btc", "eth"):
            part = raw.dropna(subset=[f"{asset}_etf_net_flow_usd_mn"])
            frame = pd.DataFrame(
                {
                    "time": part["date"],
                    "asset": asset.upper(),
                    "fund": "TOTAL",
                    "flow_usd": (part[f"{asset}_etf_net_flow_usd_mn"] * 1e6).round(2),
                    **origin(path, part),
                }
            )
            result.add("etf_flows", frame)
        return result
    if what == "stablecoin":
        raw = read_csv(
            path,
            (Col("date", "time"), Col("stablecoin_mcap_usd")),
            result=result,
            skip_bad=skip_bad,
        )
        series = {"STABLECOINS": raw["stablecoin_mcap_usd"]}
    else:
        cols = (
            Col("date", "time"),
            *(Col(f"{a}_realized_cap_usd", required=False) for a in ("btc", "eth")),
        )
        raw = read_csv(path, cols, result=result, skip_bad=skip_bad)
        series = {}
        for a in ("btc", "eth"):
            part = raw.dropna(subset=[f"{a}_realized_cap_usd"])
            repeated = part["date"].duplicated(keep="last")
            if repeated.any():
                result.warnings.append(
                    f"{a.upper()}: {int(repeated.sum())} repeated dates (intraday samples); "
                    "kept the last row of each date"
                )
            series[f"{a.upper()}_REALIZED"] = part.loc[~repeated, f"{a}_realized_cap_usd"]
    for asset, values in series.items():
        rows = raw.loc[values.index]
        frame = pd.DataFrame(
            {
                "time": rows["date"],
                "asset": asset,
                "interval": "1d",
                "close": values,
                **origin(path, rows),
            }
        ).dropna(subset=["close"])
        result.add("market_cap", frame)
    return result
