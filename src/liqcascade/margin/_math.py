"""Vectorized margin arithmetic shared by the venue modules (inputs already validated).

Everything is solved in "value space": ``x`` is the position value in the margin currency,
``x = qty * price`` for linear contracts (quote) and ``x = qty * entry / price`` for inverse ones
(coins; ``qty`` is the base-unit size at entry, so ``qty * entry`` is the USD face value).
Maintenance margin is ``mm(x) = x * (mmr_k + fee) - cum_k`` in the tier ``k`` holding ``x``.

The liquidation condition "margin balance = maintenance margin" becomes, per row,

    x + sigma * mm(x) = t

with ``sigma = -side`` and ``t = qty*entry - side*avail`` (linear), or ``sigma = +side`` and
``t = qty + side*avail`` (inverse), where ``avail`` is the collateral plus other positions'
unrealised PnL minus their maintenance margin. ``h(x) = x + sigma*mm(x)`` is continuous and
strictly increasing (``mmr < 1``), so the tier holding the root is one ``searchsorted`` of ``t``
in ``h(floors)`` and the root is closed-form in that tier: ``x = (t + sigma*cum) / (1 + sigma*r)``.
This is exactly the fixed point the exchanges reach by re-evaluating the bracket at the
liquidation price until it is stable, found without iterating. No loop per position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liqcascade.margin._status import Status

Array = np.ndarray  # one float64 value per row (or one broadcast to all rows)


@dataclass(frozen=True)
class Tiers:
    """Tier columns as float64 arrays; a single tier may hold per-row ``mmr``/``cum`` arrays."""

    floors: np.ndarray
    caps: np.ndarray
    mmrs: np.ndarray
    cums: np.ndarray
    per_row: bool = False  # True: mmrs/cums are per-row arrays of one unbounded tier


@dataclass(frozen=True)
class Solved:
    """Liquidation price, tier index (-1: none) and status per row."""

    price: np.ndarray
    tier: np.ndarray
    status: np.ndarray


def tier_index(tiers: Tiers, x: np.ndarray) -> np.ndarray:
    """Index of the tier holding value ``x`` (``floor <= x < cap``), clipped to the table."""
    if tiers.per_row:
        return np.zeros(x.shape, dtype=np.int64)
    k = np.searchsorted(tiers.floors, x, side="right") - 1
    return np.clip(k, 0, len(tiers.floors) - 1)


def tier_rates(tiers: Tiers, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mmr, cum) per row for tier indices ``k``."""
    if tiers.per_row:
        return tiers.mmrs, tiers.cums
    return tiers.mmrs[k], tiers.cums[k]


def maintenance_at_value(tiers: Tiers, x: np.ndarray, fee: float = 0.0) -> np.ndarray:
    """Maintenance margin ``x*(mmr_k + fee) - cum_k`` for position value ``x``."""
    return _tier_and_maintenance(tiers, x, fee)[1]


def _tier_and_maintenance(tiers: Tiers, x: np.ndarray, fee: float) -> tuple[Array, Array]:
    k = tier_index(tiers, x)
    mmr, cum = tier_rates(tiers, k)
    return k, x * (mmr + fee) - cum


def beyond_last(tiers: Tiers, x: np.ndarray) -> np.ndarray:
    """Rows whose value reaches the last tier's cap."""
    if tiers.per_row:
        return np.zeros(x.shape, dtype=bool)
    return x >= tiers.caps[-1]


def solve_value(
    t: np.ndarray, sigma: np.ndarray, tiers: Tiers, fee: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Root ``x`` of ``x + sigma*mm(x) = t`` per row; returns (x, tier, beyond_last_cap)."""
    if tiers.per_row:
        r = tiers.mmrs + fee
        x = (t + sigma * tiers.cums) / (1.0 + sigma * r)
        return x, np.zeros(t.shape, dtype=np.int64), np.zeros(t.shape, dtype=bool)
    floors, caps, cums = tiers.floors, tiers.caps, tiers.cums
    r = tiers.mmrs + fee
    # h(floor_k) for both signs; h(cap_last) bounds the table.
    h_plus = floors * (1.0 + r) - cums
    h_minus = floors * (1.0 - r) + cums
    end_plus = caps[-1] * (1.0 + r[-1]) - cums[-1]
    end_minus = caps[-1] * (1.0 - r[-1]) + cums[-1]
    plus = sigma > 0
    k = np.where(
        plus,
        np.searchsorted(h_plus, t, side="right"),
        np.searchsorted(h_minus, t, side="right"),
    )
    k = k - 1
    kk = np.clip(k, 0, len(floors) - 1)
    x = (t + sigma * cums[kk]) / (1.0 + sigma * r[kk])
    beyond = np.where(plus, t >= end_plus, t >= end_minus)
    # k == -1: t below h(0) -> the root is a negative value (no liquidation price exists).
    x = np.where(k < 0, np.minimum(x, 0.0), x)
    return x, kk, beyond


def linear_liquidation(
    side: Array, qty: Array, entry: Array, avail: Array, tiers: Tiers, fee: float = 0.0
) -> Solved:
    """Linear contract, maintenance margin valued at the liquidation price (Binance, OKX, HL).

    Notes
    -----
    ``avail + side*qty*(P - entry) = qty*P*(mmr + fee) - cum`` solved for ``P``; with one tier
    this is Binance's ``LP = (WB - TMM + UPNL + cum - side*qty*EP) / (qty*mmr - side*qty)``.
    """
    t = qty * entry - side * avail
    x, k, beyond = solve_value(t, -side, tiers, fee)
    price = x / qty
    status = _status(qty * entry, avail, tiers, fee, beyond=beyond)
    return _finish(price, k, status, no_root=price <= 0.0, no_liquidation_price=0.0)


def inverse_liquidation(
    side: Array, qty: Array, entry: Array, avail: Array, tiers: Tiers, fee: float = 0.0
) -> Solved:
    """Inverse contract, maintenance margin valued at the liquidation price (Binance COIN-M).

    Notes
    -----
    With USD face value ``Q = qty*entry`` and coin value ``x = Q/P``:
    ``avail + side*Q*(1/entry - 1/P) = x*mmr - cum``, i.e. Binance COIN-M's
    ``LP = (Q*mmr + side*Q) / (WB + cum + side*Q/entry)`` with one tier.
    """
    t = qty + side * avail
    x, k, beyond = solve_value(t, side.astype(np.float64), tiers, fee)
    with np.errstate(divide="ignore"):
        price = qty * entry / x
    status = _status(qty, avail, tiers, fee, beyond=beyond)
    return _finish(price, k, status, no_root=x <= 0.0, no_liquidation_price=np.inf)


def linear_liquidation_entry_mm(
    side: Array, qty: Array, entry: Array, avail: Array, tiers: Tiers, fee: float = 0.0
) -> Solved:
    """Linear contract, maintenance margin valued at entry (Bybit's documented formula).

    Notes
    -----
    ``LP = entry - side*(avail - MM_entry)/qty`` with ``MM_entry = qty*entry*mmr - deduction``.
    """
    k, mm = _tier_and_maintenance(tiers, qty * entry, fee)
    price = entry - side * (avail - mm) / qty
    status = _status(qty * entry, avail, tiers, fee)
    return _finish(price, k, status, no_root=price <= 0.0, no_liquidation_price=0.0)


def inverse_liquidation_entry_mm(
    side: Array, qty: Array, entry: Array, avail: Array, tiers: Tiers, fee: float = 0.0
) -> Solved:
    """Inverse contract, maintenance margin valued at entry (Bybit inverse).

    Notes
    -----
    ``LP = Q / (Q/entry + side*(avail - MM_entry))`` with ``Q = qty*entry`` USD and
    ``MM_entry = qty*mmr - deduction`` coins.
    """
    k, mm = _tier_and_maintenance(tiers, qty, fee)
    denom = qty + side * (avail - mm)
    with np.errstate(divide="ignore"):
        price = qty * entry / denom
    status = _status(qty, avail, tiers, fee)
    return _finish(price, k, status, no_root=denom <= 0.0, no_liquidation_price=np.inf)


def _status(x_entry, avail, tiers, fee, *, beyond: Array | bool = False) -> np.ndarray:
    # x_entry: the position value at entry (quote if linear, coins if inverse); beyond: the
    # root lies past the last tier's cap (solvers valuing the margin at entry have no root)
    status = np.full(x_entry.shape, Status.OK, dtype=np.int8)
    status = np.where(beyond, Status.BEYOND_LAST_BRACKET, status)
    below = avail <= maintenance_at_value(tiers, x_entry, fee)
    status = np.where(below, Status.BELOW_MAINTENANCE, status)
    status = np.where(beyond_last(tiers, x_entry), Status.BEYOND_LAST_BRACKET, status)
    return status.astype(np.int8)


def _finish(
    price: np.ndarray,
    k: np.ndarray,
    status: np.ndarray,
    *,
    no_root: np.ndarray,
    no_liquidation_price: float,
) -> Solved:
    # A valid row with no positive root is never liquidated: its price is 0 (linear) or inf
    # (inverse); rows in error get NaN and no bracket.
    status = np.where((status == Status.OK) & no_root, Status.NO_LIQUIDATION, status)
    price = np.where(status == Status.NO_LIQUIDATION, no_liquidation_price, price)
    bad = (status != Status.OK) & (status != Status.NO_LIQUIDATION)
    price = np.where(bad, np.nan, price)
    k = np.where(bad | (status == Status.NO_LIQUIDATION), -1, k)
    return Solved(price=price, tier=k, status=status)


def linear_bankruptcy(side, qty, entry, balance) -> np.ndarray:
    """Price where the margin balance is zero: ``entry - side*balance/qty`` (0 if not positive)."""
    return np.maximum(entry - side * balance / qty, 0.0)


def inverse_bankruptcy(side, qty, entry, balance) -> np.ndarray:
    """Inverse: ``Q / (qty + side*balance)`` with ``Q = qty*entry`` (inf when never reached)."""
    denom = qty + side * balance
    with np.errstate(divide="ignore"):
        return np.where(denom > 0.0, qty * entry / denom, np.inf)
