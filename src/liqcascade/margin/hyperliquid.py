"""Hyperliquid perpetuals (USDC-margined, linear) margin rules.

Docs "Liquidations" (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations,
checked 2026-11-25)::

    liq_price = price - side * margin_available / position_size / (1 - l * side)

with ``l = 1 / MAINTENANCE_LEVERAGE``, ``MAINTENANCE_LEVERAGE = 2 * max_leverage`` (the maintenance
margin is half the initial margin at max leverage), ``margin_available = isolated_margin -
maintenance_margin_required`` (isolated) or ``account_value - maintenance_margin_required``
(cross). That is the same equation as Binance's with ``mmr = 1/(2*max_leverage)`` and the
maintenance margin valued at the liquidation price. Tiered tables ("Margin tiers" page) use
``maintenance_margin = notional * mmr_k - maintenance_deduction_k`` with the same recurrence as
Binance's cum. No inverse contracts; fees are not part of the liquidation price.
"""

from __future__ import annotations

import numpy as np

from liqcascade.margin._math import Tiers
from liqcascade.margin._venue import single_tier, table_tiers

NAME = "hyperliquid"
# The rule, as the kernels (``_rows``) take it: Binance's equation with mmr = 1/(2*max_leverage)
# (or the tier table), maintenance at the liquidation price, no fee, linear only.
MAINTENANCE_AT = "price"  # value the maintenance margin at the liquidation price or at entry
SUPPORTS_INVERSE = False
DEFAULT_TAKER_FEE = 0.0


def maintenance_rate(max_leverage) -> np.ndarray:
    """Maintenance margin rate ``1 / (2 * max_leverage)``."""
    return 0.5 / np.asarray(max_leverage, dtype=np.float64)


def leverage_tiers(max_leverage) -> Tiers:
    """One tier per row at the given max leverage (no deduction)."""
    mmr = maintenance_rate(max_leverage)
    return single_tier(mmr, np.zeros_like(mmr))


# Tier columns for this venue's (notional-based) tables: the table as it is.
tiers = table_tiers
