"""stress / replay on the bundled real sample: as-of inputs, no look-ahead, CLI round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from liqcascade.errors import NoDataError
from liqcascade.sim._stress import calibrate_depth_withdrawal, stress

pytestmark = pytest.mark.integration
ASOF = "2025-09-21T00:00Z"
BTC = "BTC/USDT:USDT"


def _store(path: Path):
    from liqcascade.data import Store

    return Store(path)


@pytest.mark.golden
def test_stress_uses_the_price_and_depth_known_at_asof(sample_store_path: Path) -> None:
    r = stress(_store(sample_store_path), BTC, ASOF, -0.03)
    # price_ohlc_binance_BTCUSDT_perp_4h.csv row 1874: bar 2025-09-20 20:00 closes 115624.9,
    # the last 4h bar closed by 2025-09-21 00:00
    assert r.cascade.start_price == pytest.approx(115_624.9)
    # futures_orderbook_depth_BTC.csv row 913: 2025-09-20 16:00 (8h cadence, closed at 00:00)
    assert r.inputs.depth_time == pd.Timestamp("2025-09-20 16:00", tz="UTC")
    assert r.inputs.bid_1pct_usd == pytest.approx(319_034_964.5101)
    assert r.inputs.ask_1pct_usd == pytest.approx(385_647_809.7548)
    # the shock alone moves 3 %; liquidations can only push further
    assert r.cascade.trough_price <= 115_624.9 * 0.97 + 1e-6
    assert r.cascade.liquidated_long_usd > 0
    assert r.cascade.liquidated_short_usd == 0


def test_appending_later_data_does_not_change_an_asof_result(store_copy: Path) -> None:
    before = stress(_store(store_copy), BTC, ASOF, -0.03).to_dict()
    store = _store(store_copy)
    asof = pd.Timestamp(ASOF)
    for offset in ("-1h", "4h"):  # a snapshot inside the 8h period running at asof, and later
        depth = store.read("depth", symbol="BTC", exchange="all").tail(1).copy()
        depth["time"] = asof + pd.Timedelta(offset)
        depth[["bid_usd", "ask_usd"]] = 1.0  # an absurdly thin book, if it leaked
        store.write("depth", depth, source="test-later")
    candles = store.read("candles", symbol=BTC, market="perp", interval="4h").tail(1).copy()
    candles["time"] = asof  # the bar opening at asof closes after it
    candles[["open", "high", "low", "close"]] = 1.0
    store.write("candles", candles, source="test-later")
    after = stress(_store(store_copy), BTC, ASOF, -0.03).to_dict()
    assert after == before


def test_stress_before_the_data_says_what_is_missing(sample_store_path: Path) -> None:
    with pytest.raises(NoDataError, match="2019"):
        stress(_store(sample_store_path), BTC, "2019-06-01T00:00Z", -0.03)


def test_stress_with_paths_reports_quantiles(sample_store_path: Path) -> None:
    from liqcascade.sim import MonteCarloPriors

    r = stress(
        _store(sample_store_path), BTC, ASOF, -0.03, paths=20, cluster="serial", seed=4,
        priors=MonteCarloPriors(block_size=8),
    )  # fmt: skip
    q = r.to_dict()["quantiles"]
    expected = {"trough_price", "move_pct", "liquidated_long_usd", "liquidated_short_usd"}
    expected |= {"rounds", "insurance_fund_used_usd", "adl_usd"}
    assert set(q) == expected
    assert q["trough_price"]["p05"] <= q["trough_price"]["p95"]


@pytest.mark.golden
def test_depth_thins_as_implied_vol_rises_on_real_data(sample_store_path: Path) -> None:
    fit = calibrate_depth_withdrawal(_store(sample_store_path), BTC, ASOF)
    # Coinglass ±1 % aggregated depth vs Deribit DVOL, 180 days to 2025-09-21
    assert fit.vol_source == "Deribit DVOL"
    assert fit.n > 100
    assert fit.elasticity > 0
    assert 0.2 < fit.vol0 < 0.8  # DVOL as a fraction (34.48 points at 2025-09-20 23:00)


def test_replay_only_liquidates_at_new_extremes(sample_store_path: Path) -> None:
    from liqcascade.sim._replay import replay

    r = replay(_store(sample_store_path), BTC, "2025-09-22", "2025-09-29", refresh=None)
    bars = r.bars
    assert len(bars) == 42  # seven days of 4h bars
    # with one book and no refresh, a bar can only liquidate longs below every earlier low
    # (and the week's open) and shorts above every earlier high
    prior_low = np.minimum.accumulate(np.r_[bars["open"].iloc[0], bars["low"].to_numpy()])[:-1]
    prior_high = np.maximum.accumulate(np.r_[bars["open"].iloc[0], bars["high"].to_numpy()])[:-1]
    assert (bars.loc[bars["low"] >= prior_low, "implied_long_usd"] == 0).all()
    assert (bars.loc[bars["high"] <= prior_high, "implied_short_usd"] == 0).all()
    # 2025-09-25 16:00 (perp low 108 574.1, the week's break below 109k) implies longs
    row = bars.set_index("time").loc[pd.Timestamp("2025-09-25 16:00", tz="UTC")]
    assert row["low"] == pytest.approx(108_574.1)
    assert row["implied_long_usd"] > 0
    assert {"pearson", "share_within_p10_p90", "ratio_implied_to_estimated"} <= set(r.fit)


def test_cli_stress_json_and_replay_html(sample_store_path: Path, tmp_path: Path) -> None:
    from liqcascade.cli import app

    runner = CliRunner()
    args = ["stress", "--symbol", BTC, "--asof", ASOF, "--shock", "-0.03", "--json",
            "--store", str(sample_store_path)]  # fmt: skip
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    from liqcascade.sim._result import HEADLINE

    assert set(HEADLINE) <= set(doc)
    assert doc["start_price"] == pytest.approx(115_624.9)
    html = tmp_path / "replay.html"
    out = runner.invoke(
        app,
        ["replay", "--symbol", BTC, "--start", "2025-09-24", "--end", "2025-09-25",
         "--refresh", "", "--html", str(html), "--store", str(sample_store_path)],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert html.stat().st_size > 10_000
    assert "implied" in html.read_text(encoding="utf-8")


def test_cli_flow_shock_and_bad_shock(sample_store_path: Path) -> None:
    from liqcascade.cli import app

    runner = CliRunner()
    base = ["stress", "--symbol", BTC, "--asof", ASOF, "--store", str(sample_store_path)]
    out = runner.invoke(app, [*base, "--shock", "0", "--flow-usd", "-1e9", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    # 1e9 USD sold into 319.0 M per 1 % of bids (linear book), met StressModel().resilience
    # = 30 times over the horizon: at least 1e9 / (30 * 319.0 M) * 1 % = 0.104 % down
    assert doc["move_pct"] <= -1e9 / (30 * 319_034_964.5101) * 0.01 * (1 - 1e-9)
    assert doc["inputs"]["bid_1pct_usd"] == pytest.approx(319_034_964.5101)  # as measured
    assert doc["exogenous_flow_usd"] == pytest.approx(1e9)
    bad = runner.invoke(app, [*base, "--shock", "0.01", "--flow-usd", "-1e9"])
    assert bad.exit_code != 0
    assert "opposite ways" in str(bad.exception)


def test_incremental_book_is_the_liquidation_map_book(sample_store_path: Path) -> None:
    # the scorer's incremental book (one pass over the bars) equals the map rebuilt at each T
    from liqcascade.leverage import liquidation_map
    from liqcascade.sim._history import StressHistory
    from liqcascade.sim._positions import prepare_positions

    store = _store(sample_store_path)
    history = StressHistory(store, BTC, end="2025-09-22T00:00Z")
    for asof in ("2025-08-30T04:00Z", "2025-09-21T00:00Z"):
        state = history.state(asof)
        ref = prepare_positions(liquidation_map(store, BTC, asof).positions,
                                maintenance_margin_rate=0.004)  # fmt: skip
        got = state.positions
        for name in ("side", "size", "entry", "collateral", "liquidation", "bankruptcy"):
            a, b = getattr(ref, name), getattr(got, name)
            order_a = np.lexsort((ref.liquidation, ref.entry, ref.side))
            order_b = np.lexsort((got.liquidation, got.entry, got.side))
            np.testing.assert_allclose(a[order_a], b[order_b], rtol=1e-9)


@pytest.mark.parametrize("symbol", [BTC, "ETH/USDT:USDT"])
def test_a_five_percent_shock_gives_monte_carlo_quantiles_not_a_runaway(
    sample_store_path: Path, symbol: str
) -> None:
    # issue 10: stress --asof 2025-09-26T00:00Z --shock -0.05 --paths 200 must give a p50
    # between -12 % and -5.5 % and a p05 no worse than -30 % (the week ETH fell 12.8 %; since
    # 2020 ETH reached -20 % on the same day after a >= 5 % drop in about 2 % of such days)
    r = stress(_store(sample_store_path), symbol, "2025-09-26T00:00Z", -0.05, paths=200,
               cluster="serial", seed=0)  # fmt: skip
    move = r.to_dict()["quantiles"]["move_pct"]
    assert {"p05", "p10", "p50", "p90", "p95"} <= set(move)
    assert -0.12 <= move["p50"] <= -0.055
    assert move["p05"] >= -0.30
    assert move["p05"] <= move["p10"] <= move["p50"] <= move["p90"] <= move["p95"] <= -0.05
    liq = r.to_dict()["quantiles"]["liquidated_long_usd"]
    assert 0 <= liq["p10"] <= liq["p50"] <= liq["p90"]


def test_cli_stress_json_gives_move_quantiles_as_fractions(sample_store_path: Path) -> None:
    from liqcascade.cli import app

    args = ["stress", "--symbol", "ETH/USDT:USDT", "--asof", "2025-09-26T00:00Z", "--shock",
            "-0.05", "--paths", "200", "--json", "--store", str(sample_store_path)]  # fmt: skip
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    move = json.loads(out.output)["quantiles"]["move_pct"]
    assert -0.12 <= move["p50"] <= -0.055  # issue 10's bounds, fractions not percent
    assert move["p05"] >= -0.30
