"""What every venue module provides, and helpers they share (one venue = one module).

A venue module defines ``NAME``, ``SUPPORTS_INVERSE``, ``DEFAULT_TAKER_FEE`` (the fee rate the
venue puts into its liquidation price; 0 where it does not) and four array functions with the
same signatures: ``tiers``, ``liquidation``, ``bankruptcy``, ``maintenance``. The public API in
``_api.py`` validates inputs and dispatches through :data:`liqcascade.margin._api.VENUE_RULES`.
"""

from __future__ import annotations

import numpy as np

from liqcascade.margin import _math
from liqcascade.margin._math import Solved, Tiers
from liqcascade.margin._tables import BracketTable


def table_tiers(table: BracketTable) -> Tiers:
    """Tiers straight from a notional-based table."""
    return Tiers(
        floors=table.array("floors"),
        caps=table.array("caps"),
        mmrs=table.array("mmrs"),
        cums=table.array("cums"),
    )


def quantity_tiers(table: BracketTable, qty: np.ndarray) -> Tiers:
    """Per-row single tier chosen by position size (quantity-based tables, e.g. OKX)."""
    k = np.clip(np.searchsorted(table.array("floors"), qty, side="right") - 1, 0, len(table) - 1)
    return Tiers(
        floors=np.zeros(1),
        caps=np.full(1, np.inf),
        mmrs=table.array("mmrs")[k],
        cums=np.zeros(qty.shape),
        per_row=True,
    )


def value_tiers(table: BracketTable, qty: np.ndarray) -> Tiers:
    """``tiers`` of a venue whose tables are by notional value (``qty`` is not needed)."""
    return table_tiers(table)


def liquidation_at_price(
    side, qty, entry, avail, tiers: Tiers, *, inverse: bool, fee: float
) -> Solved:
    """``liquidation`` of a venue that values maintenance margin (and the closing fee, if any)
    at the liquidation price: the bracket is the one holding the liquidation notional."""
    if inverse:
        return _math.inverse_liquidation(side, qty, entry, avail, tiers, fee)
    return _math.linear_liquidation(side, qty, entry, avail, tiers, fee)


def maintenance_at_price(
    qty, mark, entry, tiers: Tiers, *, inverse: bool, fee: float
) -> np.ndarray:
    """``maintenance`` of the same venues: ``value*MMR - cum`` (plus ``value*fee``) at ``mark``."""
    return _math.maintenance_at_value(tiers, value_at(qty, mark, entry, inverse), fee)


def single_tier(mmr: np.ndarray, cum: np.ndarray) -> Tiers:
    """One unbounded tier with per-row (or broadcast) rate and maintenance amount."""
    return Tiers(floors=np.zeros(1), caps=np.full(1, np.inf), mmrs=mmr, cums=cum, per_row=True)


def bankruptcy(side, qty, entry, balance, *, inverse: bool, fee: float) -> np.ndarray:
    """Price at which the margin balance reaches zero (the same rule on every venue)."""
    if inverse:
        return _math.inverse_bankruptcy(side, qty, entry, balance)
    return _math.linear_bankruptcy(side, qty, entry, balance)


def value_at(qty: np.ndarray, price: np.ndarray, entry: np.ndarray, inverse: bool) -> np.ndarray:
    """Position value in the margin currency at ``price`` (quote if linear, coins if inverse)."""
    if inverse:
        return qty * entry / price
    return qty * price


def unrealized_pnl(
    side: np.ndarray, qty: np.ndarray, entry: np.ndarray, mark: np.ndarray, inverse: bool
) -> np.ndarray:
    """Unrealised PnL in the margin currency at ``mark``."""
    if inverse:
        return side * qty * (1.0 - entry / mark)
    return side * qty * (mark - entry)
