"""Daily macro closes from the Yahoo chart API (ifxquantbot/edge-data): ``date, close``.

The file name (``spx_daily_close.csv``...) names the series; ``--symbol`` overrides it.
Rows land in candles exchange ``yahoo``, market ``macro``, interval 1d, close only.
The US 10-year yield is published in PERCENT and stored as a FRACTION (4.2 -> 0.042).
"""

from __future__ import annotations

import re
from pathlib import Path

from liqcascade.data.importers._base import ImportResult, file_stem, name_error
from liqcascade.data.importers._csv import Col, read_table
from liqcascade.data.importers._provenance import origin
from liqcascade.data.importers._tables import multiplied, table_of

FORMAT = "yahoo-macro"
DESCRIPTION = "Daily macro closes (date,close): spx, ndx, vix, dxy, gold, ust (10y %), tlt"

# file prefix -> (symbol, currency, scale to our units)
SERIES = {
    "spx": ("SPX", "USD", 1.0),
    "ndx": ("NDX", "USD", 1.0),
    "vix": ("VIX", None, 1.0),
    "dxy": ("DXY", None, 1.0),
    "gold": ("GOLD", "USD", 1.0),
    "ust": ("UST10Y", None, 0.01),  # percent -> fraction
    "tlt": ("TLT", "USD", 1.0),
}
_NAME = re.compile(r"([a-z0-9]+)_daily_close")


def detect(path: Path, head: str) -> bool:
    """True for ``<series>_daily_close`` files with a ``date,close`` header."""
    return bool(_NAME.fullmatch(file_stem(path))) and head.startswith("date,close")


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one macro close series into ``candles``."""
    match = _NAME.fullmatch(file_stem(path))
    prefix = match[1] if match else None
    if prefix in SERIES:
        sym, currency, scale = SERIES[prefix]
    elif symbol:
        sym, currency, scale = symbol, None, 1.0
    else:
        raise name_error(
            path,
            "unknown macro series",
            f"a name <series>_daily_close.csv with series in {sorted(SERIES)}, or pass --symbol",
        )
    result = ImportResult()
    raw = read_table(path, (Col("date", "time"), Col("close")), result=result, skip_bad=skip_bad)
    frame = table_of(
        {
            "time": raw["date"],
            "exchange": "yahoo",
            "symbol": symbol or sym,
            "market": "macro",
            "interval": "1d",
            "close": multiplied(raw["close"], scale),
            "currency": currency,
            **origin(path, raw),
        },
        raw.num_rows,
    )
    result.add("candles", frame)
    return result
