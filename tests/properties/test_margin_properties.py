"""Invariants of the margin engine, and the fast path against the Decimal oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.margin import (
    Status,
    brackets,
    liquidation_price,
    load_brackets,
    maintenance_margin,
    margin_at,
    margin_detailed,
)
from liqcascade.margin import _oracle as oracle

pytestmark = pytest.mark.property

TABLE = brackets("binance", "BTCUSDT", at="2021-06-01")
TIERS = oracle.tiers_of(TABLE.floors, TABLE.caps, TABLE.mmrs, TABLE.cums)

sides = st.sampled_from([1, -1])
sizes = st.floats(0.001, 2000.0)
prices = st.floats(100.0, 200_000.0)
leverages = st.floats(1.0, 100.0)
# Relative 1e-9 of the oracle, but never tighter than 1e-9 of the entry price: near 1x leverage a
# long's liquidation price is ~0 and float cancellation (entry - margin/size) leaves ~1e-16 * entry.
PRICE_ABS = 1e-9

FEW = settings(max_examples=60, deadline=None)


@FEW
@given(sides, sizes, prices, leverages)
def test_balance_equals_maintenance_at_liquidation_price(side, size, entry, lev) -> None:
    coll = size * entry / lev
    res = margin_detailed("binance", side, size, entry, coll, symbol="BTCUSDT", at="2021-06-01")
    if res.status != Status.OK:
        return
    lp = float(res.liquidation_price)
    state = margin_at("binance", side, size, entry, coll, lp, symbol="BTCUSDT", at="2021-06-01")
    # margin balance (collateral + PnL at LP) equals maintenance margin at LP
    scale = max(coll, 1.0)
    assert float(state.margin_balance) == pytest.approx(
        float(state.maintenance_margin), abs=1e-7 * scale
    )


@FEW
@given(sides, sizes, prices, leverages, st.sampled_from(["binance", "okx", "hyperliquid", "bybit"]))
def test_long_below_entry_below_short_while_solvent(side, size, entry, lev, venue) -> None:
    coll = size * entry / lev
    kw = {"max_leverage": 50} if venue == "hyperliquid" else {"mmr": 0.004}
    res = margin_detailed(venue, side, size, entry, coll, **kw)
    if res.status == Status.OK:
        lp = float(res.liquidation_price)
        assert (lp <= entry) if side == 1 else (lp >= entry)
        # Equal only when the position opens on the edge (lev 100 at a 1 % maintenance rate: the
        # collateral exceeds maintenance by float rounding), i.e. its margin ratio is 1.
        assert lp != entry or float(res.margin_ratio) > 1 - 1e-9
    elif res.status == Status.NO_LIQUIDATION:
        assert side == 1 and float(res.liquidation_price) == 0.0


@FEW
@given(sides, sizes, prices, leverages, st.floats(1.01, 3.0))
def test_more_leverage_never_moves_lp_away_from_entry(side, size, entry, lev, more) -> None:
    notional = size * entry
    low = margin_detailed(
        "binance", side, size, entry, notional / lev, symbol="BTCUSDT", at="2021-06-01"
    )
    high = margin_detailed(
        "binance", side, size, entry, notional / (lev * more), symbol="BTCUSDT", at="2021-06-01"
    )
    if low.status == Status.OK and high.status == Status.OK:
        d_low = abs(entry - float(low.liquidation_price))
        d_high = abs(entry - float(high.liquidation_price))
        assert d_high <= d_low * (1 + 1e-12)


@pytest.mark.parametrize("floor", TABLE.floors[1:])
def test_maintenance_margin_continuous_at_bracket_boundaries(floor: float) -> None:
    # mm(floor - eps) and mm(floor + eps) differ by ~eps*mmr, not by a jump
    eps = 1e-3
    below = maintenance_margin(
        "binance", (floor - eps) / 1000.0, 1000.0, symbol="BTCUSDT", at="2021-06-01"
    )
    above = maintenance_margin(
        "binance", (floor + eps) / 1000.0, 1000.0, symbol="BTCUSDT", at="2021-06-01"
    )
    assert abs(above - below) < 1e-3


@FEW
@given(sides, sizes, prices, leverages)
def test_cross_without_other_positions_equals_isolated(side, size, entry, lev) -> None:
    coll = size * entry / lev
    iso = margin_detailed("binance", side, size, entry, coll, symbol="BTCUSDT", at="2021-06-01")
    cross = margin_detailed(
        "binance",
        side,
        size,
        entry,
        coll,
        symbol="BTCUSDT",
        at="2021-06-01",
        other_maint_margin=0.0,
        other_upnl=0.0,
    )
    np.testing.assert_array_equal(iso.liquidation_price, cross.liquidation_price)


@FEW
@given(st.lists(st.tuples(sides, sizes, prices, leverages), min_size=1, max_size=20))
def test_vectorized_equals_scalar(rows) -> None:
    side, size, entry, lev = (np.array(c) for c in zip(*rows, strict=True))
    coll = size * entry / lev
    vec = liquidation_price("binance", side, size, entry, coll, symbol="BTCUSDT", at="2021-06-01")
    res = margin_detailed("binance", side, size, entry, coll, symbol="BTCUSDT", at="2021-06-01")
    for i in range(len(rows)):
        if res.status[i] > Status.NO_LIQUIDATION:
            assert np.isnan(vec[i])
            continue
        one = liquidation_price(
            "binance",
            int(side[i]),
            float(size[i]),
            float(entry[i]),
            float(coll[i]),
            symbol="BTCUSDT",
            at="2021-06-01",
        )
        assert one == vec[i]


@FEW
@given(sides, sizes, prices, leverages)
def test_binance_linear_matches_oracle(side, size, entry, lev) -> None:
    coll = size * entry / lev
    res = margin_detailed("binance", side, size, entry, coll, symbol="BTCUSDT", at="2021-06-01")
    if res.status != Status.OK:
        return
    exact = oracle.binance_usdm_liquidation(side, size, entry, coll, TIERS)
    assert float(res.liquidation_price) == pytest.approx(
        float(exact), rel=1e-9, abs=PRICE_ABS * entry
    )


INVERSE_TIERS = [(0.0, 50.0, 0.005), (50.0, 200.0, 0.01), (200.0, 1000.0, 0.025)]


INVERSE_TABLE = load_brackets(
    {
        "symbol": "BTCUSD_PERP",
        "brackets": [
            {"notionalFloor": f, "qtyCap": c, "maintMarginRatio": m, "initialLeverage": 20}
            for f, c, m in INVERSE_TIERS
        ],
    }
)


@FEW
@given(sides, st.floats(0.01, 800.0), prices, leverages)
def test_binance_inverse_matches_oracle(side, size, entry, lev) -> None:
    coll = size / lev  # coins
    res = margin_detailed("binance", side, size, entry, coll, symbol=INVERSE_TABLE, inverse=True)
    if res.status != Status.OK:
        return
    t = INVERSE_TABLE
    exact = oracle.binance_coinm_liquidation(
        side, size, entry, coll, oracle.tiers_of(t.floors, t.caps, t.mmrs, t.cums)
    )
    # compared as 1/price, the quantity an inverse contract's value is linear in: a short at
    # ~1x has a price near 1/0 (float 4.48e17 vs exact 4.975e17 at side=-1, size=1,
    # entry=100, lev=1+2e-16) whose reciprocals agree to 2e-18; elsewhere the same bound
    assert 1.0 / float(res.liquidation_price) == pytest.approx(
        1.0 / float(exact), rel=1e-9, abs=PRICE_ABS / entry
    )
    # balance equals maintenance margin (coins) at the liquidation price
    state = margin_at(
        "binance", side, size, entry, coll, float(res.liquidation_price), symbol=t, inverse=True
    )
    assert float(state.margin_balance) == pytest.approx(float(state.maintenance_margin), abs=1e-9)


@FEW
@given(sides, sizes, prices, leverages, st.floats(0.001, 0.05), st.sampled_from([0.0, 0.0005]))
def test_okx_and_bybit_match_oracle(side, size, entry, lev, mmr, fee) -> None:
    coll = size * entry / lev
    okx = margin_detailed("okx", side, size, entry, coll, mmr=mmr, taker_fee=fee)
    if okx.status == Status.OK:
        exact = oracle.okx_linear_liquidation(side, size, entry, coll, mmr, fee)
        assert float(okx.liquidation_price) == pytest.approx(
            float(exact), rel=1e-9, abs=PRICE_ABS * entry
        )
    byb = margin_detailed("bybit", side, size, entry, coll, mmr=mmr)
    if byb.status == Status.OK:
        exact = oracle.bybit_linear_liquidation(side, size, entry, coll, oracle.single(mmr))
        assert float(byb.liquidation_price) == pytest.approx(
            float(exact), rel=1e-9, abs=PRICE_ABS * entry
        )


@FEW
@given(sides, sizes, prices, st.floats(1.0, 50.0), st.sampled_from([3, 5, 10, 20, 40, 50]))
def test_hyperliquid_matches_oracle(side, size, entry, lev, max_lev) -> None:
    coll = size * entry / min(lev, max_lev)
    res = margin_detailed("hyperliquid", side, size, entry, coll, max_leverage=max_lev)
    if res.status != Status.OK:
        return
    exact = oracle.hyperliquid_liquidation(side, size, entry, coll, max_lev)
    assert float(res.liquidation_price) == pytest.approx(
        float(exact), rel=1e-9, abs=PRICE_ABS * entry
    )
