"""Exchange margin math: liquidation, bankruptcy and maintenance margin as the venues compute them.

Owns: venue rules (one module per venue: ``binance``, ``bybit``, ``okx``, ``hyperliquid``),
dated bracket tables (``margin/brackets/*.json``), the margin arithmetic written once (``_rows``,
compiled by ``_kernels``), the Decimal reference oracle (``_oracle``) and the position-book
schema shared with ``leverage`` and ``sim`` (``_positions``).
Imports nothing from the rest of liqcascade but ``errors`` and ``_compat``.

Everything takes scalars or arrays (no loop per position). See ``docs/margin.md``.
"""

from __future__ import annotations

from liqcascade.margin._api import (
    MarginResult,
    MarginState,
    bankruptcy_price,
    collateral_for_leverage,
    initial_margin,
    liquidation_price,
    maintenance_margin,
    margin_at,
    margin_detailed,
    margin_ratio,
)
from liqcascade.margin._frame import liquidation_prices
from liqcascade.margin._status import Status
from liqcascade.margin._tables import (
    BracketTable,
    brackets,
    contracts_to_size,
    load_brackets,
    normalize_symbol,
    packaged_tables,
    user_brackets_dir,
)

__all__ = [
    "BracketTable",
    "MarginResult",
    "MarginState",
    "Status",
    "bankruptcy_price",
    "brackets",
    "collateral_for_leverage",
    "contracts_to_size",
    "initial_margin",
    "liquidation_price",
    "liquidation_prices",
    "load_brackets",
    "maintenance_margin",
    "margin_at",
    "margin_detailed",
    "margin_ratio",
    "normalize_symbol",
    "packaged_tables",
    "user_brackets_dir",
]
