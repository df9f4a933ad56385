"""Dated constants: an as-of before a constant's date uses the fallback and says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liqcascade._dated import DatedConstant
from liqcascade.data import Store
from liqcascade.errors import InputError
from liqcascade.leverage import HYPERLIQUID_2025_PRIOR, LeverageBucket, MapConfig
from liqcascade.leverage._config import DATED_PRIOR, UNDATED_PRIOR, dated_prior
from liqcascade.sim._stress import DATED_INSURANCE_FUND, insurance_fund_at

FUND = DatedConstant("FUND", 1.0e9, "2026-11-25", "noted", fallback=0.0, fallback_source="none")


def test_before_known_from_the_fallback_is_used_and_said() -> None:
    got = FUND.at("2026-11-24T23:59Z")
    assert (got.value, got.dated) == (0.0, False)
    assert "known only from 2026-11-25" in got.note and "fallback none" in got.note


def test_from_known_from_on_the_constant_is_used() -> None:
    got = FUND.at("2026-11-25T00:00Z")  # the first instant the source existed
    assert (got.value, got.dated) == (1.0e9, True)


def test_value_at_gives_the_note_only_for_the_fallback() -> None:
    value, notes = FUND.value_at("2026-11-24T23:59Z")
    assert value == 0.0 and notes == (FUND.at("2026-11-24T23:59Z").note,)
    assert FUND.value_at("2026-11-25T00:00Z") == (1.0e9, ())


def test_naive_times_are_utc_and_bad_ones_are_refused() -> None:
    assert FUND.known_from == pd.Timestamp("2026-11-25", tz="UTC")
    assert FUND.at(pd.Timestamp("2026-11-25 01:00")).dated
    with pytest.raises(InputError, match="not a time"):
        FUND.at("soon")


@pytest.mark.parametrize(
    ("start", "end", "use"),
    [
        ("2025-01-01", "2025-10-05", "fallback"),
        ("2025-01-01", "2027-01-01", "both"),
        ("2026-11-25", "2027-01-01", "dated"),
    ],
)
def test_describe_says_how_a_window_used_it(start: str, end: str, use: str) -> None:
    assert FUND.describe(start, end)["use"] == use


def test_hyperliquid_prior_is_dated_at_its_data_window_end() -> None:
    # built from Hyperliquid data "24h to 2025-12-15" (leverage/_config.py, docs/leverage.md)
    assert DATED_PRIOR.known_from == pd.Timestamp("2025-12-15", tz="UTC")
    assert DATED_PRIOR.value == HYPERLIQUID_2025_PRIOR


def test_map_config_before_the_prior_date_gets_the_fallback() -> None:
    config, notes = dated_prior(MapConfig(), pd.Timestamp("2025-09-21", tz="UTC"))
    assert config.leverage_prior == UNDATED_PRIOR != HYPERLIQUID_2025_PRIOR
    assert len(notes) == 1 and "HYPERLIQUID_2025_PRIOR is known only from 2025-12-15" in notes[0]


def test_map_config_after_the_prior_date_keeps_it() -> None:
    config, notes = dated_prior(MapConfig(), pd.Timestamp("2025-12-15", tz="UTC"))
    assert config.leverage_prior == HYPERLIQUID_2025_PRIOR and notes == ()


def test_a_prior_the_caller_chose_is_left_alone() -> None:
    mine = MapConfig(leverage_prior=(LeverageBucket(leverage=10.0, weight=1.0),))
    config, notes = dated_prior(mine, pd.Timestamp("2025-01-01", tz="UTC"))
    assert config is mine and notes == ()


def test_fallback_prior_weights_fall_as_one_over_leverage() -> None:
    # same leverages as the dated prior; weight(2x) / weight(4x) = (1/2) / (1/4) = 2
    assert [b.leverage for b in UNDATED_PRIOR] == [b.leverage for b in HYPERLIQUID_2025_PRIOR]
    w = {b.leverage: b.weight for b in UNDATED_PRIOR}
    assert w[2.0] / w[4.0] == pytest.approx(2.0)


def test_insurance_fund_default_is_dated() -> None:
    before = insurance_fund_at(DATED_INSURANCE_FUND.value, pd.Timestamp("2025-09-21", tz="UTC"))
    after = insurance_fund_at(DATED_INSURANCE_FUND.value, pd.Timestamp("2026-12-01", tz="UTC"))
    assert before[0] == 0.0 and "DEFAULT_INSURANCE_FUND_USD" in before[1][0]
    assert after == (1.0e9, ())
    # a balance the caller set is theirs
    assert insurance_fund_at(5.0e8, pd.Timestamp("2025-09-21", tz="UTC")) == (5.0e8, ())


@pytest.mark.integration
def test_stress_on_the_sample_reports_both_fallbacks(sample_store_path: Path) -> None:
    from liqcascade.leverage import liquidation_map
    from liqcascade.sim import stress

    store = Store(sample_store_path)
    lmap = liquidation_map(store, "BTC/USDT:USDT", "2025-09-21T00:00Z")
    assert lmap.config.leverage_prior == UNDATED_PRIOR
    assert lmap.to_dict()["notes"] == list(lmap.notes) and len(lmap.notes) == 1
    result = stress(store, "BTC/USDT:USDT", "2025-09-21T00:00Z", -0.03)
    notes = result.to_dict()["inputs"]["notes"]
    assert [n.split()[0] for n in notes] == ["HYPERLIQUID_2025_PRIOR", "DEFAULT_INSURANCE_FUND_USD"]


def test_range_forecast_weights_are_dated_at_their_fitting_window_end() -> None:
    # fitted on BTC 4h bars 2024-11-19 -> 2024-12-31: an as-of in 2024 uses the 7-day mean alone
    from liqcascade.sim._regime import DATED_HAR_WEIGHTS, HAR_WEIGHTS, WEEK_ONLY, har_weights_at

    assert DATED_HAR_WEIGHTS.known_from == pd.Timestamp("2025-01-01", tz="UTC")
    weights, notes = har_weights_at(pd.Timestamp("2024-12-31T20:00Z"))
    assert weights == WEEK_ONLY and len(notes) == 1
    assert "HAR_WEIGHTS is known only from 2025-01-01" in notes[0]
    assert har_weights_at(pd.Timestamp("2025-01-01T00:00Z")) == (HAR_WEIGHTS, ())


@pytest.mark.integration
def test_stress_before_the_range_weights_date_uses_the_week_alone(sample_store_path: Path) -> None:
    from liqcascade.sim import stress
    from liqcascade.sim._history import StressHistory
    from liqcascade.sim._regime import WEEK_ONLY, horizon_range_at

    store = Store(sample_store_path)
    asof = pd.Timestamp("2024-12-20T00:00Z")
    result = stress(store, "BTC/USDT:USDT", asof, -0.03, paths=0)
    notes = result.to_dict()["inputs"]["notes"]
    assert any(n.startswith("HAR_WEIGHTS is known only from 2025-01-01") for n in notes)
    candles = StressHistory(store, "BTC/USDT:USDT", end=asof).candles
    week = horizon_range_at(candles, asof, weights=WEEK_ONLY)
    assert result.extra["horizon_range"] == pytest.approx(week)
