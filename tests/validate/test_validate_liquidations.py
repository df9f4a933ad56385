"""The liquidation map's walk-forward check: large bars, bounds, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _validate_frames import cut_sample_store

from liqcascade.validate._liquidations import large_bars, score_liquidations, within_bounds


def test_large_bars_hand_worked() -> None:
    candles = pd.DataFrame(
        {
            "time": pd.date_range("2025-03-01", periods=4, freq="4h", tz="UTC"),
            "open": [100.0, 100.0, 100.0, 100.0],
            "high": [101.0, 103.5, 102.0, 104.0],
            "low": [96.0, 99.0, 98.0, 96.0],
            "close": [97.0, 103.0, 100.0, 100.0],
        }
    )
    out = large_bars(candles)
    # bar 0: low -4 % (fall, longs); bar 1: high +3.5 % (rally, shorts); bar 2: 2 % both ways,
    # not large; bar 3: -4 % and +4 %: a tie goes to the fall.
    assert out["excursion"].round(6).tolist() == [-0.04, 0.035, -0.04]
    assert out["side"].tolist() == ["long", "short", "long"]
    assert out["extreme"].tolist() == [96.0, 103.5, 96.0]


def test_within_bounds_hand_worked() -> None:
    reported = np.array([1.0, 1.0, 1.0, 1.0, np.nan])
    modelled = np.array([0.5, 1.0, 5.0, 11.0, 5.0])
    upper = np.array([10.0, 10.0, 10.0, 10.0, 10.0])
    # below the floor, on it, inside, above the ceiling, unknown floor
    assert within_bounds(reported, modelled, upper).tolist() == [False, True, True, False, False]


NAMES = ("candles", "open_interest", "liquidations", "long_short", "funding")


def test_appending_later_bars_changes_no_earlier_score(sample_store, tmp_path) -> None:
    # Two large BTC bars on 2025-03-02 (+3.0 % and +8.7 %) and more on 03-03/03-04; a store cut
    # at 2025-03-05 must score them exactly as the whole sample does.
    window = {
        "start": pd.Timestamp("2025-03-02", tz="UTC"),
        "end": pd.Timestamp("2025-03-05", tz="UTC"),
    }
    cut = cut_sample_store(tmp_path / "cut", "2025-03-05", NAMES)
    a = score_liquidations(cut, "BTC/USDT:USDT", **window)
    b = score_liquidations(sample_store, "BTC/USDT:USDT", **window)
    assert a["n"] >= 3
    assert a == b


def test_score_liquidations_uses_the_bar_bounds(sample_store) -> None:
    seen = []
    out = score_liquidations(
        sample_store,
        "BTC/USDT:USDT",
        start=pd.Timestamp("2025-03-02", tz="UTC"),
        end=pd.Timestamp("2025-03-03", tz="UTC"),
        progress=lambda done, total: seen.append((done, total)),
    )
    d = out["detail"]
    # BTC perp 2025-03-02 12:00 and 16:00 rallied 3.0 % and 8.7 %: short liquidations
    assert d["side"] == ["short", "short"]
    assert d["excursion"][1] == pytest.approx(0.0867, abs=5e-4)
    # the floor is what Binance reported for that bar's shorts (Coinglass, $50.9 M at 16:00)
    assert d["reported_usd"][1] == pytest.approx(50.88e6, rel=1e-3)
    assert seen == [(1, 2), (2, 2)]
    assert out["n"] == 2
    cases = zip(d["reported_usd"], d["modelled_usd"], d["oi_drop_usd"], strict=True)
    expected = [r <= m <= u for r, m, u in cases]
    assert d["within"] == expected
