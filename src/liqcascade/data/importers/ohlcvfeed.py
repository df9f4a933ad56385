"""Binance spot klines as published by andreibaulin/ohlcv-feed (``BTCUSDT_D1.csv``...).

Columns ``open_time_utc, open_time_ms, open, high, low, close, volume_base, close_time_ms``;
the file name gives symbol and interval (``D1``/``H4``/``W1``). Rows land in ``candles`` with
exchange ``binance``, market ``spot``, ccxt symbol ``BTC/USDT``; there is no quote volume.
"""

from __future__ import annotations

import re
from pathlib import Path

from liqcascade.data.importers._base import ImportResult, file_stem, name_error
from liqcascade.data.importers._csv import Col, read_table
from liqcascade.data.importers._provenance import ohlc, origin
from liqcascade.data.importers._tables import table_of

FORMAT = "ohlcvfeed"
DESCRIPTION = "Binance spot klines, ohlcv-feed CSV (BTCUSDT_D1.csv, ETHUSDT_H4.csv, ..._W1.csv)"

HEADER = "open_time_utc,open_time_ms,open,high,low,close,volume_base,close_time_ms"
_NAME = re.compile(r"^([A-Z0-9]+?)(USDT|USDC|FDUSD|BUSD|USD)_(D1|H4|W1|H1|M1)$")
_INTERVALS = {"D1": "1d", "H4": "4h", "W1": "1w", "H1": "1h", "M1": "1m"}
COLUMNS = (
    Col("open_time_ms", "ms"),
    Col("open"),
    Col("high"),
    Col("low"),
    Col("close"),
    Col("volume_base", required=False),
)


def detect(path: Path, head: str) -> bool:
    """True for the ohlcv-feed header."""
    return head.lstrip("\ufeff").startswith(HEADER)


def _symbol_interval(path: Path, symbol: str | None, kind: str | None) -> tuple[str, str, str]:
    match = _NAME.match(file_stem(path))
    if match:
        base, quote, code = match.groups()
        return symbol or f"{base}/{quote}", kind or _INTERVALS[code], quote
    if symbol and kind:
        return symbol, kind, symbol.split("/")[-1].split(":")[0]
    raise name_error(
        path,
        "cannot tell symbol and interval from the file name",
        "a name like BTCUSDT_D1.csv, or pass --symbol BTC/USDT --kind 1d",
    )


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one ohlcv-feed kline file into ``candles``."""
    result = ImportResult()
    sym, interval, quote = _symbol_interval(path, symbol, kind)
    raw = read_table(path, COLUMNS, result=result, skip_bad=skip_bad)
    frame = table_of(
        {
            "time": raw["open_time_ms"],
            "exchange": "binance",
            "symbol": sym,
            "market": "spot",
            "interval": interval,
            **ohlc(raw, ("open", "high", "low", "close")),
            "volume": raw["volume_base"],
            "quote_volume": float("nan"),
            "currency": quote,
            **origin(path, raw),
        },
        raw.num_rows,
    )
    result.add("candles", frame)
    return result
