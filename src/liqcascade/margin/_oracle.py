"""Slow, exact reference: the venues' documented formulas in ``Decimal``, one position at a time.

Written straight from the documentation quoted in each venue module, with the exchanges' own
procedure for tiered tables: take the bracket at the entry value, compute the liquidation price,
take the bracket at the value AT that price, and repeat until the bracket is stable. The fast
path (``_math.py``) finds the same fixed point without iterating; property tests compare them.
Not for production use: a Python loop per position.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, getcontext

getcontext().prec = 50

Tier = tuple[Decimal, Decimal, Decimal, Decimal]  # floor, cap, mmr, cum
D = Decimal
ONE = D(1)


def dec(x: float | int | str | Decimal) -> Decimal:
    """Exact decimal of a float's shortest repr (what a user typed)."""
    return x if isinstance(x, Decimal) else D(repr(x) if isinstance(x, float) else str(x))


def tiers_of(
    floors: Sequence[float], caps: Sequence[float], mmrs: Sequence[float], cums: Sequence[float]
) -> list[Tier]:
    """Decimal tiers from table columns."""
    return [
        (dec(f), dec(c), dec(m), dec(k))
        for f, c, m, k in zip(floors, caps, mmrs, cums, strict=True)
    ]


def single(mmr: float, cum: float = 0.0) -> list[Tier]:
    """One open-ended tier."""
    return [(D(0), D("1e30"), dec(mmr), dec(cum))]


def _tier_at(tiers: list[Tier], value: Decimal) -> int:
    for k, (floor, cap, _, _) in enumerate(tiers):
        if floor <= value < cap:
            return k
    return 0 if value < 0 else len(tiers) - 1


def expected_cums(floors: Sequence[float], mmrs: Sequence[float]) -> list[Decimal]:
    """``cum_n = floor_n*(MMR_n - MMR_{n-1}) + cum_{n-1}`` (Binance "Leverage & Margin")."""
    out = [D(0)]
    for n in range(1, len(floors)):
        out.append(dec(floors[n]) * (dec(mmrs[n]) - dec(mmrs[n - 1])) + out[-1])
    return out


def _iterate(value_of_price, price_in_tier, tiers: list[Tier], start_value: Decimal) -> Decimal:
    k = _tier_at(tiers, start_value)
    seen = set()
    while k not in seen:
        seen.add(k)
        price = price_in_tier(tiers[k])
        k_new = _tier_at(tiers, value_of_price(price))
        if k_new == k:
            return price
        k = k_new
    # A cycle (value exactly on a boundary): the candidates agree there; take the consistent one.
    for tier in tiers:
        price = price_in_tier(tier)
        if tier[0] <= value_of_price(price) < tier[1]:
            return price
    return price_in_tier(tiers[k])


def binance_usdm_liquidation(
    side: int,
    size: float,
    entry: float,
    wallet: float,
    tiers: list[Tier],
    other_mm: float = 0.0,
    other_upnl: float = 0.0,
) -> Decimal:
    """Binance FAQ one-way: ``LP = (WB - TMM1 + UPNL1 + cum - s*q*EP) / (q*MMR - s*q)``."""
    s, q, ep = D(side), dec(size), dec(entry)
    wb, tmm, upnl = dec(wallet), dec(other_mm), dec(other_upnl)

    def price_in(t: Tier) -> Decimal:
        return (wb - tmm + upnl + t[3] - s * q * ep) / (q * t[2] - s * q)

    return _iterate(lambda p: q * p, price_in, tiers, q * ep)


def binance_coinm_liquidation(
    side: int,
    size: float,
    entry: float,
    wallet: float,
    tiers: list[Tier],
    other_mm: float = 0.0,
    other_upnl: float = 0.0,
) -> Decimal:
    """Binance COIN-M one-way: ``LP = (Q*MMR + s*Q) / (WB + cum + s*Q/EP)``, ``Q`` USD face value.

    ``size`` is base units at entry, so ``Q = size*entry``; tiers are by coin value ``Q/P``.
    """
    s, ep = D(side), dec(entry)
    q_usd = dec(size) * ep
    wb = dec(wallet) - dec(other_mm) + dec(other_upnl)

    def price_in(t: Tier) -> Decimal:
        return (q_usd * t[2] + s * q_usd) / (wb + t[3] + s * q_usd / ep)

    return _iterate(lambda p: q_usd / p, price_in, tiers, q_usd / ep)


def bybit_linear_liquidation(
    side: int, size: float, entry: float, collateral: float, tiers: list[Tier], fee: float = 0.0
) -> Decimal:
    """Bybit USDT: ``LP = EP -/+ (IM + extra - MM)/size``, ``MM = size*EP*MMR - deduction``."""
    s, q, ep = D(side), dec(size), dec(entry)
    value = q * ep
    t = tiers[_tier_at(tiers, value)]
    mm = value * (t[2] + dec(fee)) - t[3]
    return ep - s * (dec(collateral) - mm) / q


def bybit_inverse_liquidation(
    side: int, size: float, entry: float, collateral: float, tiers: list[Tier], fee: float = 0.0
) -> Decimal:
    """Bybit inverse: ``LP = Q / (PV + s*(IM - MM))``, ``PV = Q/EP``, ``MM = PV*MMR - deduct``."""
    s, ep = D(side), dec(entry)
    q_usd = dec(size) * ep
    pv = q_usd / ep
    t = tiers[_tier_at(tiers, pv)]
    mm = pv * (t[2] + dec(fee)) - t[3]
    return q_usd / (pv + s * (dec(collateral) - mm))


def okx_linear_liquidation(
    side: int, size: float, entry: float, margin: float, mmr: float, fee: float
) -> Decimal:
    """OKX USDT swap isolated: ``LP = (q*EP - s*M) / (q*(1 - s*(mmr + fee)))``."""
    s, q, ep, m = D(side), dec(size), dec(entry), dec(margin)
    r = dec(mmr) + dec(fee)
    return (q * ep - s * m) / (q * (ONE - s * r))


def hyperliquid_liquidation(
    side: int, size: float, entry: float, margin: float, max_leverage: float
) -> Decimal:
    """HL docs: ``price - side*margin_available/position_size/(1 - l*side)``, ``l = 1/(2*max_lev)``.

    ``margin_available = margin - maintenance_margin_required`` at ``price`` (here the entry).
    """
    s, q, p = D(side), dec(size), dec(entry)
    ell = ONE / (2 * dec(max_leverage))
    available = dec(margin) - q * p * ell
    return p - s * available / q / (ONE - ell * s)


def bankruptcy_linear(side: int, size: float, entry: float, balance: float) -> Decimal:
    """Margin balance zero: ``EP - s*balance/size``."""
    return dec(entry) - D(side) * dec(balance) / dec(size)
