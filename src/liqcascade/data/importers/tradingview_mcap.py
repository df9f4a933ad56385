"""Total crypto market cap (TradingView ``CRYPTOCAP:TOTAL``) daily OHLC in USD -> market_cap TOTAL.

File ``cryptocap_total_d1.csv`` of VahramSargsyan/CryptoSignals:
``date_utc, open_usd, high_usd, low_usd, close_usd, volume_usd`` (volume is not stored).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data.importers._base import ImportResult
from liqcascade.data.importers._csv import Col, read_csv
from liqcascade.data.importers._provenance import ohlc, origin

FORMAT = "tradingview-mcap"
DESCRIPTION = "TradingView CRYPTOCAP daily OHLC in USD (cryptocap_total_d1.csv)"

HEADER = "date_utc,open_usd,high_usd,low_usd,close_usd"
OHLC = ("open_usd", "high_usd", "low_usd", "close_usd")
COLUMNS = (Col("date_utc", "time"), *(Col(c) for c in OHLC))


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
            **ohlc(raw, OHLC),
            **origin(path, raw),
        }
    )
    result.add("market_cap", frame)
    return result
