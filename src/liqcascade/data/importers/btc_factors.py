"""Daily BTC factors of lukmol/gamlss-btc-VaR (MIT): funding, aggregate price, Fear & Greed.

``funding_rates.csv`` (``date, funding_mean, funding_abs``: daily mean of Binance BTCUSDT 8h
funding, already a FRACTION per 8h) -> funding binance ``BTC/USDT:USDT`` interval 1d;
``btc_price_volume.csv`` (daily BTC-USD aggregate close and USD volume) -> candles exchange
``all`` symbol ``BTC`` spot 1d (close only); ``fear_greed.csv`` (``date, fng``) -> sentiment
``fear_greed`` (0..100).
"""

from __future__ import annotations

from pathlib import Path

from liqcascade.data.importers._base import ImportResult, read_head
from liqcascade.data.importers._csv import Col, read_table
from liqcascade.data.importers._provenance import origin
from liqcascade.data.importers._tables import table_of
from liqcascade.errors import ImportFormatError

FORMAT = "btc-factors"
DESCRIPTION = "Daily BTC factors (lukmol): funding_rates.csv, btc_price_volume.csv, fear_greed.csv"

_HEADERS = {
    "funding": "date,funding_mean",
    "price": "date,price,volume",
    "fear_greed": "date,fng",
}


def _kind(head: str) -> str | None:
    return next((k for k, h in _HEADERS.items() if head.startswith(h)), None)


def detect(path: Path, head: str) -> bool:
    """True for one of the three headers."""
    return _kind(head) is not None


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one factor file."""
    what = _kind(read_head(path))
    result = ImportResult()
    if what is None:
        raise ImportFormatError(
            "wrong header", path=path, line=1, expected=f"one of {list(_HEADERS.values())}"
        )
    if what == "funding":
        raw = read_table(
            path, (Col("date", "time"), Col("funding_mean")), result=result, skip_bad=skip_bad
        )
        frame = table_of(
            {
                "time": raw["date"],
                "exchange": "binance",
                "symbol": "BTC/USDT:USDT",
                "interval": "1d",
                "weighting": "none",
                "rate": raw["funding_mean"],
                "funding_interval_hours": 8.0,
                **origin(path, raw),
            },
            raw.num_rows,
        )
        result.add("funding", frame)
    elif what == "price":
        raw = read_table(
            path,
            (Col("date", "time"), Col("price"), Col("volume", required=False)),
            result=result,
            skip_bad=skip_bad,
        )
        frame = table_of(
            {
                "time": raw["date"],
                "exchange": "all",
                "symbol": "BTC",
                "market": "spot",
                "interval": "1d",
                "close": raw["price"],
                "quote_volume": raw["volume"],
                "currency": "USD",
                **origin(path, raw),
            },
            raw.num_rows,
        )
        result.add("candles", frame)
    else:
        raw = read_table(path, (Col("date", "time"), Col("fng")), result=result, skip_bad=skip_bad)
        frame = table_of(
            {
                "time": raw["date"],
                "index": "fear_greed",
                "value": raw["fng"],
                **origin(path, raw),
            },
            raw.num_rows,
        )
        result.add("sentiment", frame)
    return result
