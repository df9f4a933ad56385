"""The liquidation map: structure, as-of, margin-engine prices, and the check against the ladder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import NoDataError
from liqcascade.leverage import (
    LeverageBucket,
    MapConfig,
    compare_with_ladder,
    estimate_frame,
    map_from_frames,
)
from liqcascade.margin import liquidation_price

T0 = pd.Timestamp("2025-03-01", tz="UTC")
SYMBOL = "BTC/USDT:USDT"


def market(n_bars: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    time = T0 + pd.to_timedelta(np.arange(n_bars) * 4, unit="h")
    close = 100_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n_bars)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n_bars))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n_bars))
    candles = pd.DataFrame(
        {
            "time": time,
            "exchange": "binance",
            "symbol": SYMBOL,
            "market": "perp",
            "interval": "4h",
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": np.nan,
            "quote_volume": np.nan,
            "currency": "USDT",
            "source": "test",
        }
    )
    oi_usd = 60e9 * np.exp(np.cumsum(rng.normal(0, 0.01, n_bars)))
    oi = pd.DataFrame(
        {
            "time": time,
            "exchange": "all",
            "symbol": "BTC",
            "interval": "4h",
            "margin": "all",
            "open_usd": oi_usd,
            "high_usd": oi_usd * 1.01,
            "low_usd": oi_usd * 0.99,
            "close_usd": oi_usd,
            "close_base": np.nan,
            "source": "test",
        }
    )
    return candles, oi


def test_map_has_grid_curve_and_positions() -> None:
    candles, oi = market(120)
    asof = T0 + pd.Timedelta(days=20)
    result = map_from_frames(candles, oi, symbol=SYMBOL, asof=asof)
    assert result.price == pytest.approx(candles["close"].iloc[119])  # last bar closes at asof
    assert set(result.grid.columns) >= {"time", "price", "long_usd", "short_usd"}
    assert list(result.curve.columns) == ["move_pct", "price", "long_usd", "short_usd"]
    assert list(result.positions.columns[:9]) == [
        "venue",
        "symbol",
        "side",
        "size",
        "entry_price",
        "collateral",
        "margin_mode",
        "liquidation_price",
        "opened_at",
    ]
    assert set(result.positions["margin_mode"]) == {"cross", "isolated"}
    assert "brackets" in result.bracket_source


def test_book_size_matches_open_interest_share() -> None:
    # After the last bar each side holds 2 * share * at_risk_share * OI in base units.
    candles, oi = market(60)
    config = MapConfig(at_risk_share=0.5)
    result = map_from_frames(
        candles, oi, symbol=SYMBOL, asof=T0 + pd.Timedelta(days=10), config=config
    )
    oi_base = oi["close_usd"].iloc[59] / candles["close"].iloc[59]
    longs = result.positions.loc[result.positions["side"] == "long", "size"].sum()
    assert longs == pytest.approx(2 * 0.5 * 0.5 * oi_base, rel=1e-4)  # no L/S data: share 0.5


def test_curve_is_cumulative_away_from_the_price() -> None:
    candles, oi = market(120)
    result = map_from_frames(candles, oi, symbol=SYMBOL, asof=T0 + pd.Timedelta(days=20))
    down = result.curve[result.curve["move_pct"] < 0].sort_values("move_pct", ascending=False)
    up = result.curve[result.curve["move_pct"] > 0].sort_values("move_pct")
    assert np.all(np.diff(down["long_usd"]) >= 0) and np.all(np.diff(up["short_usd"]) >= 0)
    assert (down["short_usd"] == 0).all() and (up["long_usd"] == 0).all()
    assert down["long_usd"].iloc[-1] > 0 and up["short_usd"].iloc[-1] > 0
    five = result.curve.set_index("move_pct").at[-0.05, "long_usd"]
    assert result.liquidated_by(-0.05) == pytest.approx(five)


def test_positions_carry_margin_engine_prices() -> None:
    # Every position's liquidation price is the margin engine's for the representative
    # position at its entry and leverage (isolated: collateral = notional / leverage).
    candles, oi = market(60)
    config = MapConfig()
    result = map_from_frames(candles, oi, symbol=SYMBOL, asof=T0 + pd.Timedelta(days=10))
    row = result.positions[result.positions["margin_mode"] == "isolated"].iloc[-1]
    notional = config.representative_notional_usd
    expected = liquidation_price(
        "binance",
        row["side"],
        notional / row["entry_price"],
        row["entry_price"],
        notional / row["leverage"],
        symbol=SYMBOL,
        at=result.asof.to_pydatetime(),
    )
    assert row["liquidation_price"] == pytest.approx(float(expected))


def test_asof_uses_closed_bars_only_and_later_data_changes_nothing() -> None:
    candles, oi = market(150)
    asof = T0 + pd.Timedelta(days=20, hours=2)  # mid-bar: the bar opened at 20d is not closed
    short_c, short_oi = candles.iloc[:121], oi.iloc[:121]
    before = map_from_frames(short_c, short_oi, symbol=SYMBOL, asof=asof)
    after = map_from_frames(candles, oi, symbol=SYMBOL, asof=asof)
    assert before.bars["time"].max() == T0 + pd.Timedelta(days=19, hours=20)
    pd.testing.assert_frame_equal(before.positions, after.positions)
    pd.testing.assert_frame_equal(before.curve, after.curve)
    pd.testing.assert_frame_equal(before.grid, after.grid)


def test_no_bars_before_asof_is_a_clear_error() -> None:
    candles, oi = market(10)
    with pytest.raises(NoDataError, match="open interest"):
        map_from_frames(candles, oi, symbol=SYMBOL, asof=T0)


def test_long_short_ratio_tilts_the_book() -> None:
    candles, oi = market(60)
    ls = pd.DataFrame(
        {
            "time": candles["time"],
            "exchange": "binance",
            "symbol": SYMBOL,
            "interval": "4h",
            "kind": "global_account",
            "long_fraction": 0.7,
            "short_fraction": 0.3,
            "ratio": 0.7 / 0.3,
            "source": "test",
        }
    )
    result = map_from_frames(
        candles, oi, symbol=SYMBOL, asof=T0 + pd.Timedelta(days=10), long_short=ls
    )
    size = result.positions.groupby("side")["size"].sum()
    assert size["long"] / size["short"] == pytest.approx(0.7 / 0.3, rel=1e-3)  # trimmed dust


def test_json_form_has_the_documented_keys() -> None:
    candles, oi = market(60)
    config = MapConfig(grid_bins=10, grid_days=1.0)
    doc = map_from_frames(
        candles, oi, symbol=SYMBOL, asof=T0 + pd.Timedelta(days=10), config=config
    ).to_dict()
    assert {"asof", "price", "grid", "curve"} <= set(doc)
    assert np.shape(doc["grid"]["long_usd"]) == (6, 10)  # 1 day of 4h bars x 10 bins
    assert set(doc["curve"][0]) == {"move_pct", "long_usd", "short_usd"}
    json.dumps(doc)  # serialisable


def test_config_is_frozen_and_keyword_only() -> None:
    config = MapConfig()
    with pytest.raises(ValueError):
        config.cross_fraction = 0.2  # type: ignore[misc]
    with pytest.raises(ValueError):
        MapConfig(leverage_prior=(LeverageBucket(leverage=5.0, weight=0.0),))
    with pytest.raises(ValueError):
        MapConfig(not_an_option=1)  # type: ignore[call-arg]


def test_default_prior_follows_the_published_bands() -> None:
    # Hyperliquid late 2025: 36 % at 0-3x, 48 % at 3-7x, ~15 % above 7x.
    prior = MapConfig().leverage_prior
    total = sum(b.weight for b in prior)
    band = lambda lo, hi: sum(b.weight for b in prior if lo < b.leverage <= hi) / total  # noqa: E731
    assert band(0, 3) == pytest.approx(0.363, abs=0.005)
    assert band(3, 7) == pytest.approx(0.485, abs=0.005)
    assert band(7, 200) == pytest.approx(0.152, abs=0.005)


@pytest.mark.golden
@pytest.mark.integration
def test_map_beats_the_fixed_ladder_on_real_bars(real_liquidations, real_btc_market) -> None:
    # docs/leverage.md, table "map vs ladder": BTC 4h bars 2024-12-21 .. 2025-10-05, predicted
    # from the book before each bar, scored against the estimated all-exchange liquidations.
    # Measured (at_risk_share 0.11): Spearman 0.752 (map) vs 0.698 (ladder); held-out half
    # 0.778 vs 0.689, median log ratio -0.10 (map) vs 3.97 (ladder).
    estimates = estimate_frame(real_liquidations["binance_btc"], real_liquidations["snapshots"])
    kwargs = dict(symbol=SYMBOL, long_short=real_btc_market["long_short"])
    for start, end in (("2024-12-21", "2025-10-05"), ("2025-05-15", "2025-10-05")):
        table = compare_with_ladder(
            real_btc_market["candles"],
            real_btc_market["open_interest"],
            estimates,
            start=start,
            end=end,
            **kwargs,
        ).set_index(["model", "side"])
        ours, ladder = table.loc[("map", "both")], table.loc[("ladder", "both")]
        assert ours["bars"] == ladder["bars"] >= 1500
        assert ours["spearman"] > ladder["spearman"] + 0.02
        assert ours["spearman"] > 0.65
        assert abs(ours["median_log_ratio"]) < abs(ladder["median_log_ratio"])
    # at_risk_share was calibrated on 2024-12-21 .. 2025-05-15; the later half is held out.
    assert abs(ours["median_log_ratio"]) < 0.5


def test_symbol_without_bracket_table_uses_named_flat_rate() -> None:
    candles, oi = market(60)
    symbol = "DOGE/USDT:USDT"
    config = MapConfig(fallback_mmr=0.004)
    result = map_from_frames(
        candles.assign(symbol=symbol),
        oi,
        symbol=symbol,
        asof=T0 + pd.Timedelta(days=10),
        config=config,
    )
    assert "flat maintenance rate 0.004" in result.bracket_source
    row = result.positions[result.positions["margin_mode"] == "isolated"].iloc[-1]
    # Isolated linear position, flat mmr m, no cum: a long liquidates at
    # entry * (1 - 1/leverage) / (1 - m); a short at entry * (1 + 1/leverage) / (1 + m).
    sign = 1.0 if row["side"] == "long" else -1.0
    expected = row["entry_price"] * (1 - sign / row["leverage"]) / (1 - sign * 0.004)
    assert row["liquidation_price"] == pytest.approx(expected, rel=1e-9)


def test_leverages_the_venue_refuses_are_dropped_and_named() -> None:
    # A flat 1.01 % maintenance rate cannot carry isolated 125x (0.8 % initial margin) nor
    # 100x (1 %): those cohorts are
    # dropped, the rest of each bar's side is renormalised, and the book still meets its target.
    candles, oi = market(60)
    config = MapConfig(fallback_mmr=0.0101, at_risk_share=0.5)
    result = map_from_frames(
        candles, oi, symbol="DOGE/USDT:USDT", asof=T0 + pd.Timedelta(days=10), config=config
    )
    assert result.bracket_source.endswith("dropped: 100x, 125x")
    isolated = result.positions[result.positions["margin_mode"] == "isolated"]
    assert not {100.0, 125.0} & set(isolated["leverage"])
    # Cross accounts post 2x the margin (2 % and 1.6 % > 1.01 %), so they remain.
    cross = result.positions[result.positions["margin_mode"] == "cross"]
    assert {100.0, 125.0} <= set(cross["leverage"])
    oi_base = oi["close_usd"].iloc[59] / candles["close"].iloc[59]
    longs = result.positions.loc[result.positions["side"] == "long", "size"].sum()
    assert longs == pytest.approx(0.5 * oi_base, rel=1e-4)
