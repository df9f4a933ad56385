"""The estimator's walk-forward score: hand-worked bands, earlier data only, no look-ahead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from liqcascade.validate._estimator import band_scores, score_estimator, walk_forward_bands

T0 = pd.Timestamp("2025-06-01T17:00Z")


def snapshot_rows(days, all_long, binance_long, *, symbol="BTC", short_ratio=4.0) -> pd.DataFrame:
    """24h snapshots: ``all`` and ``binance`` figures per day (shorts: all = ratio x binance)."""
    rows = []
    for d, a, b in zip(days, all_long, binance_long, strict=True):
        t = T0 + pd.Timedelta(days=d)
        for exchange, long_usd, short_usd in (("all", a, 10.0 * short_ratio), ("binance", b, 10.0)):
            for side, value in (("long", long_usd), ("short", short_usd)):
                rows.append(
                    {
                        "time": t,
                        "exchange": exchange,
                        "symbol": symbol,
                        "interval": "24h",
                        "liquidated_side": side,
                        "notional_usd": float(value),
                        "qty": np.nan,
                        "price": np.nan,
                        "coverage": "aggregated",
                        "event_id": "",
                        "source": "test",
                    }
                )
    return pd.DataFrame(rows)


def test_band_scores_hand_worked() -> None:
    bands = pd.DataFrame(
        {
            "actual_usd": [10.0, 50.0, 200.0, 30.0],
            "p10": [20.0, 20.0, 20.0, np.nan],  # the last case has no band: not scored
            "p50": [40.0, 40.0, 40.0, np.nan],
            "p90": [100.0, 100.0, 100.0, np.nan],
        }
    )
    out = band_scores(bands)
    # 10 < p10 (below), 50 inside, 200 > p90 (above): a third each
    assert out["n"] == 3
    assert out["coverage"] == pytest.approx(1 / 3)
    assert out["below_p10"] == pytest.approx(1 / 3)
    assert out["above_p90"] == pytest.approx(1 / 3)
    # log(40/10)=1.386, log(40/50)=-0.223, log(40/200)=-1.609 -> median log(0.8)
    assert out["median_log_bias"] == pytest.approx(math.log(0.8))


def test_band_scores_empty_is_nan_not_an_error() -> None:
    out = band_scores(pd.DataFrame(columns=["actual_usd", "p10", "p50", "p90"]))
    assert out["n"] == 0 and math.isnan(out["coverage"])


def test_constant_multiplier_is_recovered_after_enough_history() -> None:
    # all = 4 x binance every day: once enough earlier days exist the band is exactly 4x,
    # so every scored case is covered with zero bias; the first days have no band.
    days = list(range(12))
    snaps = snapshot_rows(days, [400.0] * 12, [100.0] * 12)
    bands = walk_forward_bands(snaps, "BTC", start=T0, end=T0 + pd.Timedelta(days=12))
    assert len(bands) == 24  # 12 days x 2 sides
    scored = bands.dropna(subset=["p50"])
    assert 0 < len(scored) < 24
    assert np.allclose(scored["p50"], 4.0 * scored["reference_usd"])
    out = band_scores(bands)
    assert out["coverage"] == 1.0 and out["median_log_bias"] == pytest.approx(0.0, abs=1e-12)


def test_a_day_is_never_fitted_on_itself() -> None:
    # Ten days at 4x, then one at 40x: the band of that day comes from the earlier 4x days
    # only, so it misses above p90 (were the day in its own fit, p90 would move towards 40x).
    snaps = snapshot_rows(range(11), [400.0] * 10 + [4000.0], [100.0] * 11)
    bands = walk_forward_bands(snaps, "BTC", start=T0, end=T0 + pd.Timedelta(days=11))
    last = bands[(bands["time"] == bands["time"].max()) & (bands["side"] == "long")].iloc[0]
    assert last["actual_usd"] == 4000.0
    assert last["p90"] == pytest.approx(400.0)


def test_appending_later_snapshots_changes_no_earlier_band() -> None:
    rng = np.random.default_rng(7)
    binance = rng.uniform(50.0, 500.0, 40)
    total = binance * np.exp(rng.normal(1.3, 0.5, 40))
    full = snapshot_rows(range(40), total, binance)
    early = full[full["time"] < T0 + pd.Timedelta(days=25)]
    window = {"start": T0, "end": T0 + pd.Timedelta(days=25)}
    a = walk_forward_bands(early, "BTC", **window)
    b = walk_forward_bands(full, "BTC", **window)
    pd.testing.assert_frame_equal(a, b)


def test_other_assets_feed_the_fit_but_are_not_scored() -> None:
    snaps = pd.concat(
        [
            snapshot_rows(range(8), [400.0] * 8, [100.0] * 8, symbol="BTC"),
            snapshot_rows(range(8), [300.0] * 8, [100.0] * 8, symbol="ETH"),
        ]
    )
    bands = walk_forward_bands(snaps, "ETH", start=T0, end=T0 + pd.Timedelta(days=8))
    assert len(bands) == 16  # ETH only


def test_score_estimator_on_the_sample_reports_the_contract(sample_store) -> None:
    out = score_estimator(
        sample_store,
        "BTC/USDT:USDT",
        start=pd.Timestamp("2025-01-01", tz="UTC"),
        end=pd.Timestamp("2025-10-05", tz="UTC"),
    )
    assert set(out) == {"n", "coverage", "below_p10", "above_p90", "median_log_bias", "detail"}
    # 99 BTC snapshot days x 2 sides in the sample; the first few days have too little history
    assert 150 < out["n"] <= 198
    assert out["coverage"] + out["below_p10"] + out["above_p90"] == pytest.approx(1.0)
    assert len(out["detail"]["time"]) == len(out["detail"]["p50"])
