"""The all-exchange liquidation estimator: fitting, scaling, clipping, as-of, leave-one-out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError, NoDataError
from liqcascade.leverage._estimate import (
    bars_by_side,
    estimate_frame,
    fit_ratios,
    fit_windows,
    leave_one_out,
    resample,
)

T0 = pd.Timestamp("2025-01-01", tz="UTC")


def liq_rows(times, long_usd, short_usd, *, exchange="binance", interval="4h", symbol="BTC"):
    rows = []
    for t, lo, sh in zip(times, long_usd, short_usd, strict=True):
        for side, value in (("long", lo), ("short", sh)):
            rows.append(
                {
                    "time": t,
                    "exchange": exchange,
                    "symbol": symbol,
                    "interval": interval,
                    "liquidated_side": side,
                    "notional_usd": float(value),
                    "qty": np.nan,
                    "price": np.nan,
                    "coverage": "throttled",
                    "event_id": "",
                    "source": "test",
                }
            )
    frame = pd.DataFrame(rows)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def feed(n_bars: int, long_usd: float = 100.0, short_usd: float = 50.0) -> pd.DataFrame:
    times = [T0 + i * pd.Timedelta("4h") for i in range(n_bars)]
    return liq_rows(times, [long_usd] * n_bars, [short_usd] * n_bars)


def snapshots(days, long_usd, short_usd) -> pd.DataFrame:
    times = [T0 + pd.Timedelta(days=d) for d in days]
    return liq_rows(times, long_usd, short_usd, exchange="all", interval="24h")


def test_bars_by_side_pivots_and_fills_missing_side() -> None:
    frame = liq_rows([T0], [7.0], [3.0])
    frame = frame[frame["liquidated_side"] == "long"]
    out = bars_by_side(frame)
    assert out[["long", "short"]].to_numpy().tolist() == [[7.0, 0.0]]


def test_bars_by_side_rejects_order_side() -> None:
    frame = liq_rows([T0], [7.0], [3.0])
    frame.loc[0, "liquidated_side"] = "sell"
    with pytest.raises(InputError, match="liquidated_side"):
        bars_by_side(frame)


def test_fit_window_weights_partial_bars_by_overlap() -> None:
    # Feed: 100 long / 50 short per 4h bar. Window opens 2h into the first bar:
    # overlap = 0.5 + 5 full bars + 0.5 = 6 bar-equivalents -> 600 long, 300 short.
    window = snapshots([0], [1200.0], [150.0])
    window["time"] = window["time"] + pd.Timedelta("2h")
    out = fit_windows(feed(12), window).set_index("side")
    assert out.loc["long", "reference_usd"] == pytest.approx(600.0)
    assert out.loc["short", "reference_usd"] == pytest.approx(300.0)
    assert out.loc["long", "log_ratio"] == pytest.approx(np.log(2.0))  # 1200 / 600
    assert out.loc["short", "log_ratio"] == pytest.approx(np.log(0.5))  # 150 / 300


def test_fit_window_skips_uncovered_window() -> None:
    # The feed has 3 bars (12 h) of the 24 h window: coverage 0.5 < 0.9 -> no ratio.
    out = fit_windows(feed(3), snapshots([0], [1.0], [1.0]))
    assert out["coverage"].iloc[0] == pytest.approx(0.5)
    assert out["log_ratio"].isna().all()


def test_estimate_scales_by_fitted_quantiles() -> None:
    # Five windows, all-exchange = 2x the feed (longs) and 3x (shorts): every quantile is
    # that ratio, so a 100/50 bar is estimated at 200/150 at p10, p50 and p90.
    days = range(5)
    snaps = snapshots(days, [1200.0] * 5, [900.0] * 5)
    out = estimate_frame(feed(36), snaps)
    assert out["estimated_long_p50"].iloc[0] == pytest.approx(200.0)
    assert out["estimated_short_p90"].iloc[0] == pytest.approx(150.0)
    assert out["estimated_long_p10"].iloc[0] == pytest.approx(200.0)


def test_quantiles_order_p10_p50_p90() -> None:
    snaps = snapshots(range(6), [600.0, 900.0, 1200.0, 1800.0, 2400.0, 3000.0], [300.0] * 6)
    out = estimate_frame(feed(42), snaps)
    row = out.iloc[0]
    assert row["estimated_long_p10"] < row["estimated_long_p50"] < row["estimated_long_p90"]


def test_open_interest_range_clips_estimates() -> None:
    # All-exchange OI moved between 1,000 and 1,150 in the first bar: at most 150 USD could
    # have been liquidated there, although the ratio (2x) says 200.
    snaps = snapshots(range(5), [1200.0] * 5, [300.0] * 5)
    oi = pd.DataFrame(
        {
            "time": [T0],
            "exchange": "all",
            "symbol": "BTC",
            "interval": "4h",
            "margin": "all",
            "open_usd": 1100.0,
            "high_usd": 1150.0,
            "low_usd": 1000.0,
            "close_usd": 1100.0,
            "close_base": np.nan,
            "source": "test",
        }
    )
    out = estimate_frame(feed(36), snaps, open_interest=oi)
    assert out["estimated_long_p50"].iloc[0] == pytest.approx(150.0)
    assert bool(out["clipped"].iloc[0])
    assert out["estimated_long_p50"].iloc[1] == pytest.approx(200.0)  # no OI row -> no cap


def test_resample_to_days_sums_bars() -> None:
    snaps = snapshots(range(5), [1200.0] * 5, [300.0] * 5)
    out = resample(estimate_frame(feed(36), snaps), "1d")
    assert len(out) == 6
    assert out["reported_long_usd"].iloc[0] == pytest.approx(600.0)  # 6 bars x 100
    assert out["estimated_long_p50"].iloc[0] == pytest.approx(1200.0)


def test_resample_rejects_interval_not_multiple_of_4h() -> None:
    snaps = snapshots(range(5), [1200.0] * 5, [300.0] * 5)
    with pytest.raises(InputError, match="multiple of 4h"):
        estimate_frame(feed(36), snaps, interval="3h")


def test_too_few_snapshots_is_a_clear_error() -> None:
    with pytest.raises(NoDataError, match="need at least 5"):
        estimate_frame(feed(36), snapshots(range(2), [1.0, 1.0], [1.0, 1.0]))


def test_asof_ignores_later_data() -> None:
    # Appending bars and snapshots after `asof` must not change anything known at `asof`.
    snaps = snapshots(range(6), [1200.0, 900.0, 1500.0, 600.0, 1800.0, 1000.0], [300.0] * 6)
    asof = T0 + pd.Timedelta(days=6)
    before = estimate_frame(feed(36), snaps, asof=asof)
    later = pd.concat([snaps, snapshots([6, 7], [9e9, 9e9], [1.0, 1.0])])
    after = estimate_frame(feed(60), later, asof=asof)
    pd.testing.assert_frame_equal(before, after)
    assert after["time"].max() + pd.Timedelta("4h") <= asof


@pytest.mark.golden
def test_leave_one_out_error_on_real_snapshots(real_liquidations) -> None:
    # docs/leverage.md: on the bundled Coinglass data (2025-05..10, BTC+ETH, 396 side-windows)
    # the median |log error| measured 0.75 and the p10-p90 band held the truth 79 % of the time.
    # The bounds leave margin for data revisions but fail if the model breaks.
    reference = pd.concat([real_liquidations["binance_btc"], real_liquidations["binance_eth"]])
    loo = leave_one_out(reference, real_liquidations["snapshots"])
    assert len(loo) >= 300
    assert loo["log_error"].abs().median() < 0.9
    assert 0.65 <= loo["covered"].mean() <= 0.92
    assert abs(loo["log_error"].median()) < 0.25  # unbiased in the median


@pytest.mark.golden
def test_real_ratios_are_fitted_per_side(real_liquidations) -> None:
    reference = pd.concat([real_liquidations["binance_btc"], real_liquidations["binance_eth"]])
    ratios = fit_ratios(fit_windows(reference, real_liquidations["snapshots"]))
    for side in ("long", "short"):
        q = ratios.quantiles(side)
        assert q[0] < q[1] < q[2]
        assert len(ratios.log_ratios[side]) >= 150


def test_complete_venue_floors_the_day() -> None:
    # Ratio 2x: day 0 is estimated at 6 bars x (200 + 75) = 1,650 USD at every quantile.
    # Hyperliquid alone reported 3,300 that day, so every bar of day 0 doubles; day 1 has no
    # complete figure and stays.
    snaps = snapshots(range(5), [1200.0] * 5, [450.0] * 5)
    complete = liq_rows([T0], [3300.0], [0.0], exchange="hyperliquid", interval="1d")
    complete["coverage"] = "complete"
    out = estimate_frame(feed(36), snaps, complete=complete)
    assert out["estimated_long_p50"].iloc[0] == pytest.approx(400.0)
    assert out["estimated_short_p50"].iloc[0] == pytest.approx(150.0)
    assert out["estimated_long_p50"].iloc[6] == pytest.approx(200.0)
    assert out["floored"].iloc[0] and not out["floored"].iloc[6]


@pytest.mark.golden
def test_hyperliquid_floor_binds_on_real_days(real_liquidations) -> None:
    # docs/leverage.md: Hyperliquid alone (complete reporting) exceeded the Coinglass-All based
    # BTC estimate on 78 % of the 171 overlapping days (2024-11..2025-05).
    args = (real_liquidations["binance_btc"], real_liquidations["snapshots"])
    plain = estimate_frame(*args)
    est = estimate_frame(*args, complete=real_liquidations["hyperliquid_btc"])
    p50 = ["estimated_long_p50", "estimated_short_p50"]
    day = est["time"].dt.floor("D")
    floor = est.groupby(day)["floor_usd"].first().dropna()
    before = plain.groupby(plain["time"].dt.floor("D"))[p50].sum().sum(axis=1)[floor.index]
    after = est.groupby(day)[p50].sum().sum(axis=1)[floor.index]
    assert len(floor) >= 150
    assert 0.6 < (floor > before).mean() < 0.95
    assert (after >= floor * (1 - 1e-9)).all()
