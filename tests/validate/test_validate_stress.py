"""The stress scorer: hand-worked arithmetic, and no look-ahead on the bundled real sample."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade.validate._stress import score_predictions, score_stress, trailing_vol

SHOCK = 0.02


def _frame(down, up, fall_p50, rise_p50, *, spread=0.0, vol=None) -> pd.DataFrame:
    down, up = np.asarray(down, float), np.asarray(up, float)
    fall, rise = np.asarray(fall_p50, float), np.asarray(rise_p50, float)
    return pd.DataFrame(
        {
            "down": down,
            "up": up,
            "fall_p10": fall - spread,
            "fall_p50": fall,
            "fall_p90": fall + spread,
            "rise_p10": rise - spread,
            "rise_p50": rise,
            "rise_p90": rise + spread,
            "vol": np.arange(down.size, dtype=float) if vol is None else vol,
        }
    )


def test_perfect_predictor_scores_zero_mae_full_coverage_and_auc_one() -> None:
    # 20 bars: the falls grow from 0.1 % to 3.9 %; the predictor knows each bar's excursion
    down = np.linspace(0.001, 0.039, 20)
    up = np.full(20, 0.0005)
    frame = _frame(down, up, down, up, spread=0.001)
    out = score_predictions(frame, shock=SHOCK, scored=np.ones(20, bool))
    assert out["n"] == int((down >= SHOCK).sum())  # the bars whose fall reached 2 %
    assert out["mae"] == 0.0
    assert out["coverage"] == 1.0
    assert out["spearman"] == pytest.approx(1.0)
    assert out["auc"] == 1.0  # the biggest movers have the biggest predicted moves
    assert out["auc_vol_baseline"] == 1.0  # vol = bar index, increasing like the moves
    assert out["share_over_10pct"] == 0.0


def test_constant_predictor_scores_auc_one_half_and_no_rank() -> None:
    down = np.linspace(0.001, 0.039, 20)
    frame = _frame(down, np.zeros(20), np.full(20, 0.025), np.full(20, 0.025))
    out = score_predictions(frame, shock=SHOCK, scored=np.ones(20, bool))
    assert out["auc"] == 0.5
    assert np.isnan(out["spearman"])


def test_baseline_is_the_median_of_earlier_qualifying_bars() -> None:
    # falls 2 %, 3 %, 4 %, 6 % (all qualify; rallies 0). Realized/shock = 1, 1.5, 2, 3.
    # c before bar 2 = median(1) = 1 -> predicts 2 %, error 1 %;
    # c before bar 3 = median(1, 1.5) = 1.25 -> 2.5 %, error 1.5 %;
    # c before bar 4 = median(1, 1.5, 2) = 1.5 -> 3 %, error 3 %. Bar 1 has no history.
    down = np.array([0.02, 0.03, 0.04, 0.06])
    frame = _frame(down, np.zeros(4), down, np.zeros(4))
    out = score_predictions(frame, shock=SHOCK, scored=np.ones(4, bool))
    assert out["mae_baseline"] == pytest.approx((0.01 + 0.015 + 0.03) / 3)
    # rows before the window only feed the baseline: score bars 3 and 4 alone
    out = score_predictions(frame, shock=SHOCK, scored=np.array([False, False, True, True]))
    assert out["n"] == 2
    assert out["mae_baseline"] == pytest.approx((0.015 + 0.03) / 2)


def test_the_larger_side_decides_and_a_rally_scores_on_its_own_side() -> None:
    # bar 1: fell 2.5 %, rose 3 % -> a rally of 3 %, predicted 3.5 % (error 0.5 %)
    # bar 2: fell 2.2 %, rose 1 % -> a fall of 2.2 %, predicted 2 % (error 0.2 %)
    frame = _frame([0.025, 0.022], [0.03, 0.01], [0.02, 0.02], [0.035, 0.05], spread=0.004)
    out = score_predictions(frame, shock=SHOCK, scored=np.ones(2, bool))
    assert out["n"] == 2
    assert out["mae"] == pytest.approx((0.005 + 0.002) / 2)
    # bar 1's band is 3.5 +- 0.4 %: 3 % lies outside; bar 2's 2 +- 0.4 % holds 2.2 %
    assert out["coverage"] == 0.5


def test_share_over_10pct_counts_either_side() -> None:
    frame = _frame([0.0] * 4, [0.0] * 4, [0.02, 0.11, 0.02, 0.02], [0.02, 0.02, 0.02, 0.12])
    out = score_predictions(frame, shock=SHOCK, scored=np.ones(4, bool))
    assert out["share_over_10pct"] == 0.5


def test_trailing_vol_uses_only_earlier_returns() -> None:
    close = np.exp(np.array([0.0, 0.01, 0.0, 0.01, 0.0, 0.01]))
    vol = trailing_vol(close, window=2)
    # bar 3 sees returns of bars 1 and 2: +0.01, -0.01 -> sample std sqrt(2e-4)
    assert np.isnan(vol[:3]).all()
    assert vol[3] == pytest.approx(np.sqrt(2e-4))
    close2 = close.copy()
    close2[5] = 99.0  # a later bar changes nothing before it
    assert trailing_vol(close2, window=2)[:5] == pytest.approx(vol[:5], nan_ok=True)


BTC = "BTC/USDT:USDT"


@pytest.mark.integration
def test_appending_later_bars_changes_no_earlier_score(
    sample_store_path: Path, tmp_path: Path
) -> None:
    from liqcascade.data import Store

    copy = tmp_path / "store"
    shutil.copytree(sample_store_path, copy)
    start, end = pd.Timestamp("2025-03-01", tz="UTC"), pd.Timestamp("2025-03-03", tz="UTC")
    before = score_stress(Store(copy), BTC, start=start, end=end, paths=8)
    store = Store(copy)
    # absurd data from `end` on: a crash bar, a vanished book, a doubled open interest
    candles = store.read("candles", symbol=BTC, market="perp", interval="4h")
    later = candles[candles["time"] >= end].copy()
    later[["open", "high", "low", "close"]] = later[["open", "high", "low", "close"]] * 0.5
    store.write("candles", later, source="test-later")
    depth = store.read("depth", symbol="BTC", exchange="all")
    depth = depth[depth["time"] >= end].copy()
    depth[["bid_usd", "ask_usd"]] = 1.0
    store.write("depth", depth, source="test-later")
    after = score_stress(Store(copy), BTC, start=start, end=end, paths=8)
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)  # NaN-safe
    # a longer window scores the same earlier bars identically
    longer = score_stress(Store(copy), BTC, start=start, end=end + pd.Timedelta("8h"), paths=8)
    n = len(before["detail"]["time"])
    for key, values in before["detail"].items():
        assert json.dumps(longer["detail"][key][:n]) == json.dumps(values)
    assert before["n"] >= 0 and before["bars"] == 12  # two days of 4h bars


@pytest.mark.integration
def test_the_scorer_builds_its_regime_with_the_models_window(sample_store) -> None:
    from liqcascade.sim import StressModel

    start, end = pd.Timestamp("2025-03-01", tz="UTC"), pd.Timestamp("2025-03-01T08:00Z")
    default = score_stress(sample_store, BTC, start=start, end=end, paths=8)["detail"]
    day = StressModel(window_bars=6)  # a 1-day trailing range instead of 7 days
    short = score_stress(sample_store, BTC, start=start, end=end, paths=8, model=day)["detail"]
    assert short["time"] == default["time"] and len(default["time"]) == 2
    assert short["realized"] == default["realized"]
    assert short["predicted_p50"] != default["predicted_p50"]
