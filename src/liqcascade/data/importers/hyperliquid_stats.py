"""Hyperliquid stats-dashboard daily liquidations (gothchico/HL-deepdive), USD notional.

``daily_notional_liquidated_by_coin_*.csv`` (``date_utc, coin, daily_notional_liquidated_usd``)
and ``daily_notional_liquidated_total.csv`` (symbol ``TOTAL``) -> liquidations exchange
``hyperliquid``, interval 1d, coverage ``complete`` (Hyperliquid reports every liquidation).
The dashboard does not split longs from shorts: ``liquidated_side`` is ``both``. A missing
day means no liquidations; no zero rows are invented. ``hlp_liquidator_pnl.csv`` has no
dataset and is reported, not imported.
"""

from __future__ import annotations

from pathlib import Path

from liqcascade.data.importers._base import ImportResult, read_head
from liqcascade.data.importers._csv import Col, read_table
from liqcascade.data.importers._provenance import origin
from liqcascade.data.importers._tables import table_of

FORMAT = "hyperliquid-stats"
DESCRIPTION = "Hyperliquid daily notional liquidated (total and per coin), stats dashboard CSV"

_BY_COIN = "date_utc,coin,daily_notional_liquidated_usd"
_TOTAL = "date_utc,daily_notional_liquidated_usd"
_PNL = "date_utc,total_pnl_usd"


def detect(path: Path, head: str) -> bool:
    """True for the by-coin, total or HLP PnL headers."""
    return head.startswith((_BY_COIN, _TOTAL, _PNL))


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one dashboard file into ``liquidations``."""
    head = read_head(path)
    result = ImportResult()
    if head.startswith(_PNL):
        result.warnings.append("HLP liquidator PnL has no dataset; not imported")
        return result
    by_coin = head.startswith(_BY_COIN)
    cols = [Col("date_utc", "time"), Col("daily_notional_liquidated_usd")]
    if by_coin:
        cols.insert(1, Col("coin", "str"))
    raw = read_table(path, cols, result=result, skip_bad=skip_bad)
    frame = table_of(
        {
            "time": raw["date_utc"],
            "exchange": "hyperliquid",
            "symbol": raw["coin"] if by_coin else (symbol or "TOTAL"),
            "interval": "1d",
            "liquidated_side": "both",
            "notional_usd": raw["daily_notional_liquidated_usd"],
            "coverage": "complete",
            "event_id": "",
            **origin(path, raw),
        },
        raw.num_rows,
    )
    result.add("liquidations", frame)
    return result
