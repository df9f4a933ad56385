"""Total crypto market cap (TradingView ``CRYPTOCAP:TOTAL``) daily OHLC in USD -> market_cap TOTAL.

File ``cryptocap_total_d1.csv`` of VahramSargsyan/CryptoSignals:
``date_utc, open_usd, high_usd, low_usd, close_usd, volume_usd`` (volume is not stored).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data.importers._base import ImportResult
from liqcascade.data.importers._csv import LINE, Col, read_csv
from liqcascade.data.importers._provenance import source_for

FORMAT = "tradingview-mcap"
DESCRIPTION = "TradingView CRYPTOCAP daily OHLC in USD (cryptocap_total_d1.csv)"

HEADER = "date_utc,open_usd,high_usd,low_usd,close_usd"
COLUMNS = (
    Col("date_utc", "time"),
    Col("open_usd"),
    Col("high_usd"),
    Col("low_usd"),
    Col("close_usd"),
)


def detect(path: Path, head: str) -> bool:
    """True for the TradingView market-cap header."""
    return head.startswith(HEADER)


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read the daily total-market-cap file (``--symbol`` overrides the asset, default TOTAL)."""
    result = ImportResult()
    raw = read_csv(path, COLUMNS, result=result, skip_bad=skip_bad)
    frame = pd.DataFrame(
        {
            "time": raw["date_utc"],
            "asset": symbol or "TOTAL",
            "interval": "1d",
            "open": raw["open_usd"],
            "high": raw["high_usd"],
            "low": raw["low_usd"],
            "close": raw["close_usd"],
            "source": source_for(path),
            LINE: raw[LINE],
        }
    )
    result.add("market_cap", frame)
    return result
