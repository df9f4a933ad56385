"""Deribit DVOL (30-day implied volatility index), hourly OHLC in percent points.

Header ``timestamp, datetime_utc, date, hour, dvol_open, dvol_high, dvol_low, dvol_close``
(``timestamp`` = epoch ms, bar open). Rows land in candles exchange ``deribit``, symbol
``<ASSET>-DVOL`` (asset from the file name: ``bitcoin`` -> BTC), market ``volatility``,
interval 1h, values as FRACTIONS (45.0 -> 0.45).
"""

from __future__ import annotations

from pathlib import Path

from liqcascade.data.importers._base import ImportResult, name_error
from liqcascade.data.importers._csv import Col, read_table
from liqcascade.data.importers._provenance import ohlc, origin
from liqcascade.data.importers._tables import table_of

FORMAT = "deribit-dvol"
DESCRIPTION = "Deribit DVOL hourly OHLC in percent points (bitcoin_dvol_hourly.csv.gz)"

HEADER = "timestamp,datetime_utc,date,hour,dvol_open,dvol_high,dvol_low,dvol_close"
OHLC = ("dvol_open", "dvol_high", "dvol_low", "dvol_close")
COLUMNS = (Col("timestamp", "ms"), *(Col(c) for c in OHLC))
_ASSETS = {"bitcoin": "BTC", "btc": "BTC", "ethereum": "ETH", "eth": "ETH"}


def detect(path: Path, head: str) -> bool:
    """True for the DVOL header."""
    return head.startswith(HEADER)


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one DVOL file (``--symbol`` overrides the ``BTC-DVOL`` symbol)."""
    prefix = Path(path).name.split("_", 1)[0].lower()
    if symbol is None and prefix not in _ASSETS:
        raise name_error(
            path,
            "cannot tell the asset from the file name",
            "a name starting with bitcoin_/ethereum_, or pass --symbol BTC-DVOL",
        )
    sym = symbol or f"{_ASSETS[prefix]}-DVOL"
    result = ImportResult()
    raw = read_table(path, COLUMNS, result=result, skip_bad=skip_bad)
    frame = table_of(
        {
            "time": raw["timestamp"],
            "exchange": "deribit",
            "symbol": sym,
            "market": "volatility",
            "interval": "1h",
            **ohlc(raw, OHLC, divide_by=100.0),  # percent points -> fraction
            **origin(path, raw),
        },
        raw.num_rows,
    )
    result.add("candles", frame)
    return result
