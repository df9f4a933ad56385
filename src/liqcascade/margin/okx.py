"""OKX perpetual swap (USDT-margined linear, coin-margined inverse) margin rules.

OKX help "Isolated margin mode" / "Tiered maintenance margin ratio rules"
(https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules, checked 2026-11-25):
liquidation happens when equity = maintenance margin + liquidation (taker) fee, both valued at
the mark price. For a USDT-margined isolated swap with ``q`` base units and margin ``M``::

    LP(long)  = (q*EP - M) / (q * (1 - mmr - fee))
    LP(short) = (q*EP + M) / (q * (1 + mmr + fee))

Coin-margined: the same balance in coins, ``x = q*EP/P`` (face value over price).
OKX position tiers are by position SIZE (base units), not value, and carry no maintenance
amount: the tier does not move with price. ``DEFAULT_TAKER_FEE`` is the regular-user swap taker
rate (0.05 %); pass ``taker_fee=`` for another fee level.
"""

from __future__ import annotations

import numpy as np

from liqcascade.margin._math import Tiers
from liqcascade.margin._tables import BracketTable
from liqcascade.margin._venue import quantity_tiers, table_tiers

NAME = "okx"
# The rule, as the kernels (``_rows``) take it: maintenance margin plus the taker fee, both at
# the liquidation (mark) price; tiers by position size (``tiers``) with no maintenance amount.
MAINTENANCE_AT = "price"  # value the maintenance margin at the liquidation price or at entry
SUPPORTS_INVERSE = True
DEFAULT_TAKER_FEE = 0.0005


def tiers(table: BracketTable, qty: np.ndarray) -> Tiers:
    """Per-row tier by position size (``basis: quantity``), else by value."""
    if table.basis == "quantity":
        return quantity_tiers(table, qty)
    return table_tiers(table)
