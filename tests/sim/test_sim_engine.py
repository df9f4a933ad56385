"""One cascade, worked by hand: rounds, fills, insurance fund, ADL, feedback switches, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.sim import (
    Book,
    CascadeConfig,
    DepthWithdrawal,
    ExogenousFlow,
    FundingPressure,
    Momentum,
    Shock,
    simulate,
)


def _book(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    """(side, size, liquidation_price, bankruptcy_price) rows with entry 100."""
    return pd.DataFrame(
        {
            "venue": "binance",
            "symbol": "BTC/USDT:USDT",
            "side": [r[0] for r in rows],
            "size": [r[1] for r in rows],
            "entry_price": 100.0,
            "collateral": 1.0,
            "margin_mode": "isolated",
            "liquidation_price": [r[2] for r in rows],
            "bankruptcy_price": [r[3] for r in rows],
        }
    )


# Linear book: 1e6 USD per 1 % on each side, D(x) = 1e6 * x / 0.01.
LINEAR = Book.parametric(100.0, 1e6, alpha=1.0)
THREE = _book([("long", 10_000, 99.5, 98.0), ("long", 1_000, 98.5, 97.0), ("long", 1, 97.0, 96.0)])


@pytest.mark.parametrize("solver", ["fixed_point", "stepper"])
def test_two_rounds_by_hand(solver: str) -> None:
    r = simulate(THREE, LINEAR, Shock(flow_usd=-1e6), config=CascadeConfig(solver=solver))
    # sell 1e6 -> 1 % -> 99.0; A (liq 99.5, 10 000 x 99.5 = 995 000) fires;
    # flow 1 995 000 -> 1.995 % -> 98.005; B (liq 98.5, 98 500) fires; flow 2 093 500 -> 97.9065;
    # C (liq 97) never fires.
    assert r.liquidated_long_usd == pytest.approx(995_000 + 98_500)
    assert r.trough_price == pytest.approx(97.9065)
    assert r.move_pct == pytest.approx(-0.020935)
    assert r.n_liquidated == 2
    assert r.liquidated_short_usd == 0.0
    if solver == "fixed_point":
        assert r.rounds == 2
        assert r.path["price"].tolist() == pytest.approx([99.0, 98.005, 97.9065])
        # A settles in round 1, B in round 2 (the kernel leaves the round to the frame)
        assert r.liquidations["round"].tolist() == [1, 2]
        assert r.liquidations["time_s"].tolist() == [0.0, 0.0]


def test_fill_is_average_price_across_the_order_and_surplus_feeds_the_fund() -> None:
    r = simulate(THREE, LINEAR, Shock(flow_usd=-1e6))
    first = r.liquidations.iloc[0]
    # A walks the book from 1 % to 1.995 %: fill = 100 * (1 - (0.01 + 0.01995) / 2) = 98.5025
    assert first["fill_price"] == pytest.approx(98.5025)
    # above its bankruptcy price 98: surplus 10 000 * 0.5025 = 5 025 to the fund
    assert first["insurance_fund_add_usd"] == pytest.approx(5_025.0)
    assert r.insurance_fund_used_usd == 0.0


def test_gap_past_bankruptcy_draws_fund_then_adl() -> None:
    positions = _book([("long", 100, 99.0, 98.0), ("short", 50, 150.0, 151.0)])
    book = Book.parametric(100.0, np.inf, insurance_fund_usd=30.0)
    r = simulate(positions, book, -0.03)
    # infinite depth: fill = 97 = the gap; shortfall 100 * (98 - 97) = 100; fund pays 30,
    # 70 % is auto-deleveraged: 0.7 * 100 BTC at bankruptcy 98 = 6 860 USD
    assert r.trough_price == pytest.approx(97.0)
    assert r.insurance_fund_used_usd == pytest.approx(30.0)
    assert r.adl_usd == pytest.approx(6_860.0)
    assert r.adl_counterparties == 1
    assert r.adl_unmatched_qty == pytest.approx(20.0)  # 70 BTC needed, one 50 BTC short exists


def test_adl_part_never_reaches_the_book() -> None:
    positions = _book([("long", 10_000, 99.0, 99.5)])  # bankruptcy above liquidation: always short
    r = simulate(positions, LINEAR, -0.02)
    # no fund: the whole order is deleveraged, so the price stays at the 2 % gap
    assert r.trough_price == pytest.approx(98.0)
    assert r.book_absorbed_usd == 0.0
    assert r.adl_usd == pytest.approx(10_000 * 99.5)


def test_rally_liquidates_shorts_on_the_ask_side() -> None:
    positions = _book([("short", 1_000, 101.5, 103.0), ("long", 1_000, 90.0, 89.0)])
    r = simulate(positions, LINEAR, +0.02)
    # +2 % gap -> 102; short liq 101.5 fires: buys 101 500 USD -> +0.1015 % of 102 -> 102.10353
    assert r.liquidated_short_usd == pytest.approx(101_500)
    assert r.liquidated_long_usd == 0.0
    assert r.trough_price == pytest.approx(102.0 * 1.001015)


def test_no_shock_is_a_no_op() -> None:
    r = simulate(THREE, LINEAR, 0.0)
    assert (r.trough_price, r.n_liquidated, r.rounds) == (100.0, 0, 0)


def test_positions_already_beyond_liquidation_are_skipped_not_liquidated() -> None:
    positions = _book([("long", 10, 101.0, 100.5), ("long", 10, 99.0, 98.0)])
    r = simulate(positions, LINEAR, -0.015)
    assert r.skipped_positions == 1
    assert r.n_liquidated == 1


def test_margin_fallback_formula_when_prices_are_absent() -> None:
    positions = _book([("long", 1.0, 0, 0)]).drop(columns=["liquidation_price", "bankruptcy_price"])
    positions["venue"] = "no-such-venue"  # no margin-engine rules: the documented fallback
    positions["collateral"] = 10.0  # 10x long at 100
    r = simulate(
        positions,
        Book.parametric(100.0, np.inf),
        -0.095,
        config=CascadeConfig(maintenance_margin_rate=0.005),
    )
    # liq = (100 - 10) / (1 - 0.005) = 90.4523; -9.5 % -> 90.5 does not reach it
    assert r.n_liquidated == 0
    r = simulate(
        positions,
        Book.parametric(100.0, np.inf),
        -0.096,
        config=CascadeConfig(maintenance_margin_rate=0.005),
    )
    assert r.n_liquidated == 1
    assert r.liquidations["liquidation_price"].iloc[0] == pytest.approx(90.0 / 0.995)
    assert r.liquidations["bankruptcy_price"].iloc[0] == pytest.approx(90.0)


@pytest.mark.parametrize(
    "config",
    [
        CascadeConfig(momentum=Momentum(usd_per_pct=2e5)),
        CascadeConfig(depth_withdrawal=DepthWithdrawal(elasticity=1.0)),
        CascadeConfig(exogenous_flow=ExogenousFlow(usd_per_day=-1e6, horizon_hours=12)),
    ],
)
def test_each_feedback_deepens_the_move(config: CascadeConfig) -> None:
    base = simulate(THREE, LINEAR, Shock(flow_usd=-1e6))
    more = simulate(THREE, LINEAR, Shock(flow_usd=-1e6), config=config)
    assert more.trough_price < base.trough_price


def test_exogenous_flow_alone_is_half_a_day_of_outflow() -> None:
    cfg = CascadeConfig(exogenous_flow=ExogenousFlow(usd_per_day=-1e6, horizon_hours=12))
    r = simulate(_book([("long", 1, 50.0, 49.0)]), LINEAR, 0.0, config=cfg)
    # 0.5e6 USD sold into 1e6 per 1 % -> 0.5 %
    assert r.trough_price == pytest.approx(99.5)


def test_funding_pressure_closes_paying_longs() -> None:
    book = Book.parametric(100.0, 1e6, funding_rate=0.0009)
    cfg = CascadeConfig(funding_pressure=FundingPressure(threshold=0.0003, sensitivity=0.05))
    r = simulate(_book([("long", 10_000, 50.0, 49.0)]), book, 0.0, config=cfg)
    # excess (9 - 3) / 3 = 2 -> 10 % of 10 000 BTC closes at 100 -> sells 100 000 USD -> 0.1 %
    assert r.trough_price == pytest.approx(99.9)
    assert r.funding_closed_fraction == pytest.approx(0.10)


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InputError, match="missing column"):
        simulate(THREE.drop(columns=["size"]), LINEAR, -0.01)
    bad = THREE.assign(side=["buy", "long", "long"])
    with pytest.raises(InputError, match=r"'buy'.*expected 'long' or 'short'"):
        simulate(bad, LINEAR, -0.01)
    with pytest.raises(InputError, match="'size'"):
        simulate(THREE.assign(size=[1.0, np.nan, 1.0]), LINEAR, -0.01)
    with pytest.raises(InputError, match="shock"):
        simulate(THREE, LINEAR, -2.0)
    with pytest.raises(InputError, match="positive and non-decreasing"):
        Book(
            mid_price=100.0, bands=[0.01, 0.02], bid_depth_usd=[2.0, 1.0], ask_depth_usd=[1.0, 2.0]
        )
    with pytest.raises(ValueError, match="opposite ways"):
        Shock(price_move=-0.01, flow_usd=1e6)


def test_positions_from_parquet(tmp_path) -> None:
    path = tmp_path / "positions.parquet"
    THREE.to_parquet(path)
    r = simulate(path, LINEAR, Shock(flow_usd=-1e6))
    assert r.n_liquidated == 2
    with pytest.raises(InputError, match="does not exist"):
        simulate(tmp_path / "nope.parquet", LINEAR, -0.01)


def test_band_book_interpolates_and_extends_with_the_last_two_bands() -> None:
    book = Book(
        mid_price=100.0,
        bands=[0.01, 0.02],
        bid_depth_usd=[1e6, 4e6],
        ask_depth_usd=[1e6, 4e6],
    )
    # inside: linear between (0.01, 1e6) and (0.02, 4e6); beyond: power law with
    # alpha = ln 4 / ln 2 = 2 -> D(0.04) = 4e6 * 2^2 = 16e6
    assert book.depth("bid", np.array([0.015, 0.04])).tolist() == pytest.approx([2.5e6, 16e6])


@pytest.mark.integration
def test_liquidation_prices_come_from_the_margin_engine_for_known_venues() -> None:
    from liqcascade import margin

    positions = pd.DataFrame(
        {
            "venue": ["binance", "toy"],
            "symbol": "BTC/USDT:USDT",
            "side": "long",
            "size": 1.0,
            "entry_price": 100_000.0,
            "collateral": 10_000.0,
            "margin_mode": "isolated",
        }
    )
    r = simulate(positions, Book.parametric(100_000.0, np.inf), -0.2)
    by_row = r.liquidations.set_index("row")["liquidation_price"]
    expected = margin.liquidation_price(
        "binance", "long", 1.0, 100_000.0, 10_000.0, symbol="BTC/USDT:USDT"
    )
    assert by_row[0] == pytest.approx(float(expected))
    assert by_row[1] == pytest.approx(90_000.0 / (1 - 0.004))  # toy venue: simple formula
    assert "margin engine" in r.price_source


def test_counter_flow_is_absorbed_before_the_cascade_moves_the_book() -> None:
    # a 1 % gap with 1.5e6 USD of ETF buying over the horizon: A (995 000) and B do not
    # out-sell the buying, so the price stays at the gap
    cfg = CascadeConfig(exogenous_flow=ExogenousFlow(usd_per_day=1.5e6, horizon_hours=24))
    r = simulate(THREE, LINEAR, -0.01, config=cfg)
    assert r.trough_price == pytest.approx(99.0)
    assert r.n_liquidated == 1  # only A (liq 99.5) is crossed by the gap
    assert r.exogenous_flow_usd == pytest.approx(-1.5e6)


def test_stepper_path_is_a_time_series_of_a_falling_price() -> None:
    rng = np.random.default_rng(2)
    n = 200
    liq = np.sort(rng.uniform(90, 99.9, n))[::-1]
    positions = _book([("long", 500.0, float(x), float(x) - 1.0) for x in liq])
    cfg = CascadeConfig(solver="stepper", engine_usd_per_second=2e5)
    r = simulate(positions, LINEAR, Shock(flow_usd=-1e6), config=cfg)
    path = r.path
    assert list(path.columns) == ["time_s", "price", "liquidated", "queue", "liquidated_usd"]
    assert (np.diff(path["time_s"]) > 0).all()
    assert (np.diff(path["price"]) <= 0).all()
    assert (path["queue"] >= 0).all()
    assert path["liquidated"].iloc[-1] == r.n_liquidated
    assert path["liquidated_usd"].iloc[-1] == pytest.approx(r.liquidated_long_usd)
    # the engine never executes more than its throughput allows: USD settled by time t
    # is at most the notional of one order beyond rate x t
    notional = r.liquidations["notional_usd"].max()
    assert (path["liquidated_usd"] <= 2e5 * path["time_s"] + notional + 1e-6).all()
