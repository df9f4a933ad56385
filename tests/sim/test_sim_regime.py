"""The regime a stress test starts in: trailing range, hour-of-day factor, past overshoots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.sim._regime import (
    EXPONENTS,
    calibrated_overshoots,
    fit_exponent,
    horizon_range_at,
    overshoots,
    regime_table,
)


def _bars(ranges: list[float], start: str = "2025-01-06 00:00") -> pd.DataFrame:
    # bars opening at 100 with high/low spread so that ln(H/L) = the given range
    times = pd.date_range(start, periods=len(ranges), freq="4h", tz="UTC")
    r = np.asarray(ranges)
    return pd.DataFrame(
        {"time": times, "open": 100.0, "high": 100.0 * np.exp(r), "low": 100.0, "close": 100.0}
    )


def test_horizon_range_is_the_rms_of_the_previous_window_without_season() -> None:
    table = regime_table(
        _bars([0.01, 0.03, 0.02, 0.04]), window=2, season_prior=1e12, weights=(0.0, 0.0)
    )
    # bar 2 sees bars 0 and 1: sqrt((0.01^2 + 0.03^2) / 2) = sqrt(5e-4)
    assert np.isnan(table.horizon_range[:2]).all()
    assert table.horizon_range[2] == pytest.approx(np.sqrt(5e-4))
    assert table.horizon_range[3] == pytest.approx(np.sqrt((0.03**2 + 0.02**2) / 2))


def test_horizon_range_mixes_the_week_the_day_and_the_last_bar() -> None:
    # no season (huge prior); window 6 (the day window is then min(6, 6) = 6 too) -> use
    # window 8: bar 8 sees week = mean of bars 0..7, day = mean of bars 2..7, bar = bar 7
    ranges = [0.01] * 7 + [0.04, 0.02]
    table = regime_table(_bars(ranges), window=8, season_prior=1e12, weights=(0.3, 0.4))
    week = (7 * 0.01**2 + 0.04**2) / 8  # 3.875e-4
    day = (5 * 0.01**2 + 0.04**2) / 6  # 3.5e-4
    last = 0.04**2  # 1.6e-3
    expected = week ** (1 - 0.3 - 0.4) * day**0.4 * last**0.3
    assert table.horizon_range[8] == pytest.approx(np.sqrt(expected))
    # a calm last bar is floored at 1 % of the week's mean square
    calm = regime_table(_bars([0.01] * 7 + [0.0, 0.0]), window=8, season_prior=1e12)
    week = 7 * 0.01**2 / 8
    day = 5 * 0.01**2 / 6
    floored = week ** (1 - 0.3 - 0.4) * day**0.4 * (0.01 * week) ** 0.3
    assert calm.horizon_range[8] == pytest.approx(np.sqrt(floored))


def test_seasonal_factor_lifts_the_bucket_that_moved_more_before() -> None:
    # 6 bars a day; the 12:00 bar always ranges 3 %, the others 1 % (weekdays only)
    day = [0.01, 0.01, 0.01, 0.03, 0.01, 0.01]
    table = regime_table(_bars(day * 5), window=6, season_prior=1.0)
    noon = np.arange(30) % 6 == 3
    later = np.arange(30) >= 18
    assert table.horizon_range[noon & later].min() > 1.2 * table.horizon_range[~noon & later].max()


def test_excursions_are_measured_from_the_bar_open() -> None:
    bars = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-01-06 00:00"], utc=True),
            "open": [100.0],
            "high": [103.0],
            "low": [98.0],
            "close": [99.0],
        }
    )
    table = regime_table(bars)
    assert table.down[0] == pytest.approx(0.02)
    assert table.up[0] == pytest.approx(0.03)


def test_overshoots_pool_both_sides_in_units_of_the_range() -> None:
    table = regime_table(_bars([0.02] * 4), window=2, season_prior=1e12)
    # rebuild excursions by hand: bar 2 fell 3 %, bar 3 rose 2.5 %; range scale 0.02
    table = type(table)(
        time=table.time,
        open=table.open,
        down=np.array([0.0, 0.0, 0.03, 0.0]),
        up=np.array([0.0, 0.0, 0.0, 0.025]),
        horizon_range=table.horizon_range,
    )
    # beyond a 2 % barrier: (3 - 2) / 2 = 0.5 and (2.5 - 2) / 2 = 0.25; bars 0-1 have no scale
    assert overshoots(table, 4, 0.02) == pytest.approx([0.25, 0.5])
    # only bars closed by the as-of time count
    assert overshoots(table, 3, 0.02) == pytest.approx([0.5])


def test_a_rare_barrier_is_lowered_until_enough_overshoots_are_known() -> None:
    rng = np.random.default_rng(3)
    table = regime_table(_bars(list(rng.uniform(0.005, 0.03, 300))), window=42)
    sample, barrier, exponent = calibrated_overshoots(table, 300, -0.08, min_samples=30)
    assert exponent in (0.25, 0.5, 0.75, 1.0)
    assert barrier < 0.08  # nothing ranged 8 % in one bar
    assert sample.size >= 30
    assert (sample >= 0).all()


def test_horizon_range_at_matches_the_table_row_of_that_bar() -> None:
    rng = np.random.default_rng(5)
    bars = _bars(list(rng.uniform(0.005, 0.03, 120)))
    table = regime_table(bars)
    asof = bars["time"].iloc[100]
    assert horizon_range_at(bars, asof) == pytest.approx(table.horizon_range[100])
    # bars after the as-of time change nothing
    changed = bars.copy()
    changed.loc[100:, "high"] = 1e6
    assert horizon_range_at(changed, asof) == pytest.approx(table.horizon_range[100])


def _with(table, down, scale):
    return type(table)(time=table.time, open=table.open, down=np.asarray(down),
                       up=np.zeros(len(down)), horizon_range=np.asarray(scale))  # fmt: skip


def test_exponent_follows_how_overshoots_scale_with_the_range() -> None:
    scale = np.tile([0.01, 0.02, 0.04, 0.08], 10)
    table = regime_table(_bars([0.02] * scale.size))
    # overshoots beyond 2 %: exactly half the range -> the rule with exponent 1 is exact
    assert fit_exponent(_with(table, 0.02 + 0.5 * scale, scale), scale.size, 0.02) == 1.0
    # the same 1 % overshoot whatever the range, on 40 bars -> the weakest scaling fits
    # best, by far more than one standard error of the per-bar gain
    flat = _with(table, np.full(scale.size, 0.03), scale)
    assert fit_exponent(flat, scale.size, 0.02) == 0.25


def _mean_abs_error(over: np.ndarray, scale: np.ndarray, b: float) -> float:
    s = scale**b
    return float(np.mean(np.abs(over - s * np.median(over / s))))


def test_exponent_stays_at_one_when_another_wins_only_by_noise() -> None:
    # 3 bars with exactly proportional overshoots (b = 1 exact) and 1 bar whose overshoot
    # does not scale at all: b = 0.25 has the smaller mean error, but its per-bar gain over
    # b = 1 is one large win against three losses, under one standard error
    scale = np.array([0.01, 0.02, 0.04, 0.08])
    over = np.array([0.005, 0.01, 0.02, 0.005])
    table = _with(regime_table(_bars([0.02] * 4)), 0.02 + over, scale)
    errors = {b: _mean_abs_error(over, scale, b) for b in EXPONENTS}
    assert min(errors, key=errors.get) != 1.0  # the plain argmin would leave 1
    assert fit_exponent(table, 4, 0.02) == 1.0
    # too few overshoots to judge: the diffusion's scaling
    assert fit_exponent(table, 2, 0.02) == 1.0


def test_exponent_ignores_bars_after_the_as_of_time() -> None:
    rng = np.random.default_rng(11)
    scale = rng.uniform(0.005, 0.03, 80)
    over = 0.5 * scale * rng.exponential(1.0, 80)
    table = _with(regime_table(_bars([0.02] * 80)), 0.02 + over, scale)
    later = over.copy()
    later[60:] = 0.01  # 20 later bars with a flat 1 % overshoot: the flattest scaling
    appended = _with(table, 0.02 + later, scale)
    assert fit_exponent(appended, 80, 0.02) == 0.25  # they would move the fit if seen
    assert fit_exponent(appended, 60, 0.02) == fit_exponent(table, 60, 0.02)
