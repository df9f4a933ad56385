"""Binance USDⓈ-M (linear) and COIN-M (inverse) futures margin rules.

USDⓈ-M, one-way mode (Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Contracts",
https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93, checked 2026-11-25)::

    LP = (WB - TMM1 + UPNL1 + cum - side*size*EP) / (size*MMR - side*size)

WB wallet balance (isolated: the position's isolated margin, TMM1 = UPNL1 = 0); TMM1 / UPNL1
the maintenance margin and unrealised PnL of all OTHER positions (cross); MMR and cum of the
bracket holding the notional AT the liquidation price. Hedge mode adds the other leg's terms
(:func:`hedge_liquidation_price`).

COIN-M, one-way (FAQ "How to Calculate Liquidation Price of COIN-M Contracts"), with
``Q = contracts * contract multiplier`` USD::

    LP = (Q*MMR + side*Q) / (WB + cum + side*Q/EP)

Bracket tables: ``/fapi/v1/leverageBracket`` and ``/dapi/v2/leverageBracket``.
Binance does not put fees into the liquidation price.
"""

from __future__ import annotations

import numpy as np

from liqcascade.margin._venue import table_tiers, unrealized_pnl

NAME = "binance"
# The rule, as the kernels (``_rows``) take it: maintenance margin valued at the liquidation
# (mark) price, bracket by notional at that price, no fee in the liquidation price.
MAINTENANCE_AT = "price"  # value the maintenance margin at the liquidation price or at entry
SUPPORTS_INVERSE = True
DEFAULT_TAKER_FEE = 0.0

# Tier columns for this venue's (notional-based) tables: the table as it is.
tiers = table_tiers


def hedge_liquidation_price(
    wallet_balance,
    long_size,
    long_entry,
    short_size,
    short_entry,
    *,
    mmr_long,
    cum_long,
    mmr_short,
    cum_short,
    size_both=0.0,
    entry_both=0.0,
    side_both=1,
    mmr_both=0.0,
    cum_both=0.0,
    other_maint_margin=0.0,
    other_upnl=0.0,
) -> np.ndarray:
    """Hedge-mode cross liquidation price of one symbol (Binance FAQ, full formula).

    ``LP = (WB - TMM1 + UPNL1 + cumB + cumL + cumS - side1*size1*EP1 - sizeL*EPL + sizeS*EPS)
    / (size1*MMR_B + sizeL*MMR_L + sizeS*MMR_S - side1*size1 - sizeL + sizeS)``,
    brackets given explicitly (sizes in base units, all >= 0). Arrays broadcast.
    """
    f = np.asarray
    num = (
        f(wallet_balance, dtype=float)
        - f(other_maint_margin, dtype=float)
        + f(other_upnl, dtype=float)
        + f(cum_both, dtype=float)
        + f(cum_long, dtype=float)
        + f(cum_short, dtype=float)
        - f(side_both) * f(size_both) * f(entry_both)
        - f(long_size) * f(long_entry)
        + f(short_size) * f(short_entry)
    )
    den = (
        f(size_both) * f(mmr_both)
        + f(long_size) * f(mmr_long)
        + f(short_size) * f(mmr_short)
        - f(side_both) * f(size_both)
        - f(long_size)
        + f(short_size)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den


__all__ = ["hedge_liquidation_price", "unrealized_pnl"]
