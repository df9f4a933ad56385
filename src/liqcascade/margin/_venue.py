"""What every venue module provides, and helpers they share (one venue = one module).

A venue module is the one place that says how its venue differs: ``NAME``, ``SUPPORTS_INVERSE``,
``DEFAULT_TAKER_FEE`` (the fee rate the venue puts into its liquidation price; 0 where it does
not), ``MAINTENANCE_AT`` (``"price"``: maintenance margin valued at the liquidation/mark price;
``"entry"``: at the entry value) and ``tiers(table, qty)`` (the tier columns, by notional or by
position size). The arithmetic is written once, in ``_rows`` (compiled by ``_kernels``), and
takes these as arguments; the public API in ``_api.py`` validates inputs once and dispatches
through :data:`liqcascade.margin._api.VENUE_RULES`.
"""

from __future__ import annotations

import numpy as np

from liqcascade.margin._math import Tiers
from liqcascade.margin._tables import BracketTable


def table_tiers(table: BracketTable, qty: np.ndarray | None = None) -> Tiers:
    """Tiers straight from a notional-based table (``qty`` unused: the value picks the tier).

    A venue whose tables are all notional-based takes this as its ``tiers`` (``tiers =
    table_tiers``); OKX calls it for its value-based tables.
    """
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


def single_tier(mmr: np.ndarray, cum: np.ndarray) -> Tiers:
    """One unbounded tier with per-row (or broadcast) rate and maintenance amount."""
    return Tiers(floors=np.zeros(1), caps=np.full(1, np.inf), mmrs=mmr, cums=cum, per_row=True)


def unrealized_pnl(
    side: np.ndarray, qty: np.ndarray, entry: np.ndarray, mark: np.ndarray, inverse: bool
) -> np.ndarray:
    """Unrealised PnL in the margin currency at ``mark``."""
    if inverse:
        return side * qty * (1.0 - entry / mark)
    return side * qty * (mark - entry)
