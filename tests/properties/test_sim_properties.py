"""Invariants of the cascade simulator (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqcascade.sim import Book, CascadeConfig, Momentum, Shock, simulate

pytestmark = pytest.mark.property
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def books(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    lev = rng.uniform(2, 100, n)
    entry = 100 * (1 + rng.normal(0, 0.03, n))
    size = rng.lognormal(0, 1, n) * 1e3
    side = np.where(rng.random(n) < 0.6, "long", "short")
    return pd.DataFrame(
        {
            "venue": "toy",
            "symbol": "BTC/USDT:USDT",
            "side": side,
            "size": size,
            "entry_price": entry,
            "collateral": size * entry / lev,
            "margin_mode": "isolated",
        }
    )


depths = st.floats(1e4, 1e8)
moves = st.floats(-0.3, 0.3)
funds = st.floats(0, 1e6)


@SETTINGS
@given(books(), depths)
def test_no_shock_no_liquidation(positions: pd.DataFrame, depth: float) -> None:
    r = simulate(positions, Book.parametric(100.0, depth), 0.0)
    assert r.n_liquidated == 0
    assert r.trough_price == 100.0


@SETTINGS
@given(books(), depths, st.floats(0.0, 0.3), st.floats(0.0, 0.2), st.booleans())
def test_larger_shock_never_liquidates_less(
    positions: pd.DataFrame, depth: float, a: float, extra: float, up: bool
) -> None:
    sign = 1 if up else -1
    book = Book.parametric(100.0, depth, insurance_fund_usd=1e9)
    small = simulate(positions, book, sign * a)
    large = simulate(positions, book, sign * (a + extra))
    key = "liquidated_short_usd" if up else "liquidated_long_usd"
    assert getattr(large, key) >= getattr(small, key) - 1e-6
    assert sign * (large.trough_price - small.trough_price) >= -1e-9


@SETTINGS
@given(books(), moves)
def test_infinite_depth_gives_the_shock_alone(positions: pd.DataFrame, move: float) -> None:
    r = simulate(positions, Book.parametric(100.0, np.inf), move)
    assert r.trough_price == pytest.approx(100.0 * (1 + move))


@SETTINGS
@given(books(), depths, moves, funds, st.floats(0, 1e6))
def test_liquidated_notional_is_what_left_the_book(
    positions: pd.DataFrame, depth: float, move: float, fund: float, momentum: float
) -> None:
    book = Book.parametric(100.0, depth, insurance_fund_usd=fund)
    r = simulate(
        positions, book, move, config=CascadeConfig(momentum=Momentum(usd_per_pct=momentum))
    )
    liq = r.liquidations
    # every liquidated unit went either into the book or to ADL counterparties
    to_book = float(np.sum(liq["notional_usd"] * (1 - liq["adl_fraction"])))
    assert r.book_absorbed_usd == pytest.approx(to_book, rel=1e-9, abs=1e-6)
    assert r.liquidated_long_usd + r.liquidated_short_usd == pytest.approx(
        to_book + float(np.sum(liq["notional_usd"] * liq["adl_fraction"])), rel=1e-9, abs=1e-6
    )
    if momentum == 0 and r.n_liquidated:
        # the book's own depth between the shifted mid and the trough is what was absorbed
        shifted = 100.0 * (1 + move)
        side = "bid" if move < 0 else "ask"
        consumed = book.depth(side, np.array([abs(r.trough_price / shifted - 1)]))[0]
        assert consumed == pytest.approx(r.book_absorbed_usd, rel=1e-3, abs=1e-3)


@SETTINGS
@given(books(), depths, moves, funds)
def test_fund_and_adl_cover_every_shortfall(
    positions: pd.DataFrame, depth: float, move: float, fund: float
) -> None:
    book = Book.parametric(100.0, depth, insurance_fund_usd=fund)
    r = simulate(positions, book, move)
    liq = r.liquidations
    direction = -1 if move < 0 else 1
    shortfall = liq["size"] * direction * (liq["fill_price"] - liq["bankruptcy_price"])
    loss = shortfall.clip(lower=0)
    covered = liq["insurance_fund_draw_usd"] + liq["adl_fraction"] * loss
    np.testing.assert_allclose(covered, loss, rtol=1e-9, atol=1e-6)
    assert r.insurance_fund_used_usd <= fund + r.insurance_fund_added_usd + 1e-6


@SETTINGS
@given(books(), depths, moves, funds, st.floats(1e2, 1e9))
def test_both_solvers_agree(
    positions: pd.DataFrame, depth: float, move: float, fund: float, rate: float
) -> None:
    book = Book.parametric(100.0, depth, insurance_fund_usd=fund)
    a = simulate(positions, book, move, config=CascadeConfig(solver="fixed_point"))
    b = simulate(
        positions, book, move, config=CascadeConfig(solver="stepper", engine_usd_per_second=rate)
    )
    for key in ("trough_price", "liquidated_long_usd", "liquidated_short_usd",
                "insurance_fund_used_usd", "adl_usd", "n_liquidated"):  # fmt: skip
        assert getattr(a, key) == getattr(b, key)
    np.testing.assert_array_equal(a.liquidations["fill_price"], b.liquidations["fill_price"])


@SETTINGS
@given(books(), depths, st.floats(1e3, 1e8))
def test_sell_flow_shock_moves_price_down(
    positions: pd.DataFrame, depth: float, flow: float
) -> None:
    r = simulate(positions, Book.parametric(100.0, depth), Shock(flow_usd=-flow))
    assert r.trough_price < 100.0
    assert r.liquidated_short_usd == 0.0
