"""Price levels, week change and "steepest since" on small frames of real Binance candles."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.report._levels import (
    levels_crossed_down,
    range_position,
    round_step,
    steepest_since,
    week_change,
)
from liqcascade.report._window import parse_asof

# shared/data/market/binance_spot_klines_ohlcvfeed/ETHUSDT_D1.csv, 2025-09-22 .. 2025-09-25
ETH_WEEK = pd.DataFrame(
    {
        "open": [4444.98, 4199.09, 4164.25, 4152.81],
        "high": [4455.76, 4229.03, 4206.90, 4161.04],
        "low": [4077.00, 4114.39, 4073.74, 3815.00],
        "close": [4199.08, 4164.26, 4152.81, 3874.36],
    },
    index=pd.date_range("2025-09-22", periods=4, freq="D", tz="UTC"),
)


@pytest.mark.golden
def test_eth_week_change_from_real_candles() -> None:
    change = week_change(ETH_WEEK, parse_asof("2025-09-25"))
    # 3874.36 / 4444.98 - 1 = -0.12837
    assert change is not None
    assert change.change == pytest.approx(-0.12837, abs=1e-5)


def test_week_change_needs_the_monday_bar() -> None:
    assert week_change(ETH_WEEK.iloc[1:], parse_asof("2025-09-25")) is None


@pytest.mark.parametrize(
    ("price", "step"),
    [(4444.98, 1000.0), (115232.29, 10000.0), (3.963e12, 1e12), (1.5, 0.1)],
)
def test_round_step(price: float, step: float) -> None:
    assert round_step(price) == pytest.approx(step)


@pytest.mark.golden
def test_eth_broke_4000_and_btc_110000() -> None:
    # ETH 4444.98 -> 3874.36; BTC 115232.29 -> 108994.49 (BTCUSDT_D1.csv, same days)
    assert levels_crossed_down(4444.98, 3874.36, 1000.0) == [4000.0]
    assert levels_crossed_down(115232.29, 108994.49, 10000.0) == [110000.0]


def test_no_levels_when_price_rose() -> None:
    assert levels_crossed_down(3874.36, 4444.98, 1000.0) == []


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    start=st.floats(1.0, 1e5),
    end=st.floats(1.0, 1e5),
    step=st.sampled_from([100.0, 1000.0, 10000.0]),
)
def test_crossed_levels_lie_between_and_are_round(start: float, end: float, step: float) -> None:
    levels = levels_crossed_down(start, end, step)
    for level in levels:
        assert end < level < start
        assert level / step == pytest.approx(round(level / step))
    assert levels == sorted(levels, reverse=True)


def _weeks(changes: list[float]) -> pd.DataFrame:
    """Consecutive Monday-Thursday weeks, each moving by ``change`` from 100 (Fri-Sun flat)."""
    rows = {}
    start = pd.Timestamp("2025-09-01", tz="UTC")
    for k, change in enumerate(changes):
        monday = start + pd.Timedelta(weeks=k)
        for d in range(7):
            close = 100.0 * (1 + change) if d >= 3 else 100.0
            rows[monday + pd.Timedelta(days=d)] = {
                "open": 100.0,
                "high": 100.0,
                "low": close,
                "close": close,
            }
    return pd.DataFrame.from_dict(rows, orient="index")


def test_steepest_since_names_the_latest_week_that_fell_as_much() -> None:
    daily = _weeks([-0.20, -0.05, -0.10])  # weeks of 09-01, 09-08, 09-15 (the as-of week)
    window = parse_asof("2025-09-18")  # a Thursday
    since = steepest_since(daily, window, -0.10)
    assert since.date == "2025-09-01"
    assert since.change == pytest.approx(-0.20)


def test_steepest_in_the_data_when_no_earlier_week_fell_as_much() -> None:
    daily = _weeks([-0.02, -0.05, -0.10])
    since = steepest_since(daily, parse_asof("2025-09-18"), -0.10)
    assert since.date is None
    assert "steepest in the data" in since.note


def test_range_position_at_the_low_is_near_zero() -> None:
    rng = range_position(ETH_WEEK, parse_asof("2025-09-25"), days=30)
    # (3874.36 - 3815.00) / (4455.76 - 3815.00) = 0.0926
    assert rng is not None
    assert rng.position == pytest.approx(0.0926, abs=1e-4)


def test_week_low_is_judged_against_the_days_before_the_week() -> None:
    from liqcascade.report._levels import WeekLow, week_low_since

    # Fear & Greed (btc_daily_factors_lukmol/fear_greed.csv rows 2766..2791): 08-30 = 39,
    # then 46..57 until 09-21; the week of 09-22: 45, 43, 44, 44.
    days = pd.date_range("2025-08-29", "2025-09-25", freq="D", tz="UTC")
    values = [50, 39, 48, 46, 49, 55, 51, 48, 48, 44, 51, 48, 49, 54, 57, 52, 55, 53, 52, 53,
              52, 53, 48, 49, 45, 43, 44, 44]  # fmt: skip
    series = pd.Series(values, index=days, dtype=float)
    window = parse_asof("2025-09-25")
    low = week_low_since(series, window.week_start, window.cutoff)
    # week low 43 (09-23); the latest earlier day at or below 43 is 08-30 (39), not 09-24
    assert low == WeekLow(week_low=43.0, week_low_date="2025-09-23", since="2025-08-30")


def test_week_low_lowest_in_the_data() -> None:
    from liqcascade.report._levels import week_low_since

    days = pd.date_range("2025-09-18", "2025-09-24", freq="D", tz="UTC")
    series = pd.Series([50, 52, 51, 49, 30, 35, 40], index=days, dtype=float)
    window = parse_asof("2025-09-24")
    low = week_low_since(series, window.week_start, window.cutoff)
    assert low is not None
    assert low.since is None
