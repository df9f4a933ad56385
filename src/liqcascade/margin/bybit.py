"""Bybit USDT perpetual (linear) and inverse perpetual margin rules.

Help centre "Liquidation Price (USDT Contract)"
(https://www.bybit.com/en/help-center/article/Liquidation-Price-USDT-Contract, checked
2026-11-25), isolated margin::

    LP(long)  = Entry - (IM - MM)/size - extra_margin/size
    LP(short) = Entry + (IM - MM)/size + extra_margin/size
    MM = position_value * MMR - MM_deduction,   position_value = size * Entry

So with ``collateral = IM + extra_margin`` the maintenance margin is valued at ENTRY (the
bracket is the risk-limit tier holding the entry value). Inverse ("Liquidation Price
Calculation under Isolated Mode", contract quantity ``Q`` USD)::

    LP(long)  = Q / (Q/Entry + (IM - MM)),   LP(short) = Q / (Q/Entry - (IM - MM))

Cross margin uses the same equation with the account's available balance (collateral plus
other positions' unrealised PnL minus their maintenance margin). Bybit notes that the fee to
close makes the real price differ slightly; pass ``taker_fee=`` to fold it into the
maintenance margin (``MM += position_value * taker_fee``). Default 0 reproduces the docs'
examples.
"""

from __future__ import annotations

from liqcascade.margin._venue import table_tiers

NAME = "bybit"
# The rule, as the kernels (``_rows``) take it: maintenance margin valued at ENTRY (the tier
# holding the entry value), so the liquidation price is closed-form; no fee unless taker_fee=.
MAINTENANCE_AT = "entry"  # value the maintenance margin at the liquidation price or at entry
SUPPORTS_INVERSE = True
DEFAULT_TAKER_FEE = 0.0

# Tier columns for this venue's (notional-based) risk-limit tables: the table as it is.
tiers = table_tiers
