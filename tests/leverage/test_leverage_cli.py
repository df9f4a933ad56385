"""CLI and store round trip: `liquidations estimate` and `leverage map` on real data in a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _leverage_frames import binance_4h, btc_long_short, btc_perp_4h, oi_all_4h, snapshots_24h
from typer.testing import CliRunner

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from liqcascade.data import Store

    path = tmp_path_factory.mktemp("store")
    store = Store(path)
    store.write("liquidations", binance_4h("BTC"), source="test")
    store.write("liquidations", binance_4h("ETH"), source="test")
    store.write("liquidations", snapshots_24h(), source="test")
    store.write("open_interest", oi_all_4h("BTC"), source="test")
    store.write("candles", btc_perp_4h(), source="test")
    store.write("long_short", btc_long_short(), source="test")
    return path


def run(*args: str) -> str:
    from liqcascade.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_estimate_json_shape_and_totals(store_dir: Path) -> None:
    out = run(
        "liquidations",
        "estimate",
        "--symbol",
        "BTC/USDT:USDT",
        "--start",
        "2025-09-22",
        "--end",
        "2025-09-26",
        "--json",
        "--store",
        str(store_dir),
    )
    doc = json.loads(out)
    assert len(doc["bars"]) == 24  # 4 days x 6 bars
    bar = doc["bars"][0]
    assert set(bar) == {
        "time",
        "reported_long_usd",
        "reported_short_usd",
        "estimated_long_usd",
        "estimated_short_usd",
    }
    assert set(bar["estimated_long_usd"]) == {"p10", "p50", "p90"}
    # Coinglass Binance BTC 4h feed, 2025-09-22 00:00 UTC: 18,857,626.94 USD of longs.
    assert bar["reported_long_usd"] == pytest.approx(18_857_626.94, abs=0.01)
    total = sum(b["reported_long_usd"] for b in doc["bars"])
    assert doc["total"]["reported_long_usd"] == pytest.approx(total)
    band = doc["total"]["estimated_long_usd"]
    assert band["p10"] < band["p50"] < band["p90"]
    # The issue: the all-exchange estimate must never be below what Binance alone reported.
    assert band["p10"] > doc["total"]["reported_long_usd"]
    for row in doc["bars"]:
        for side in ("long", "short"):
            assert row[f"estimated_{side}_usd"]["p10"] >= row[f"reported_{side}_usd"]


def test_estimate_several_symbols_adds_symbol(store_dir: Path) -> None:
    out = run(
        "liquidations",
        "estimate",
        "--symbol",
        "BTC/USDT:USDT",
        "--symbol",
        "ETH",
        "--start",
        "2025-09-22",
        "--end",
        "2025-09-23",
        "--json",
        "--store",
        str(store_dir),
    )
    bars = json.loads(out)["bars"]
    assert {b["symbol"] for b in bars} == {"BTC/USDT:USDT", "ETH"}
    assert len(bars) == 12


def test_map_json_and_offline_html(store_dir: Path, tmp_path: Path) -> None:
    html = tmp_path / "map.html"
    out = run(
        "leverage",
        "map",
        "--symbol",
        "BTC/USDT:USDT",
        "--asof",
        "2025-09-21T00:00Z",
        "--json",
        "--html",
        str(html),
        "--store",
        str(store_dir),
    )
    doc = json.loads(out)
    # The last bar closed by the as-of opened 2025-09-20 20:00 UTC; its close (Coinglass
    # Binance BTCUSDT perp 4h) was 115,624.9.
    assert doc["price"] == pytest.approx(115_624.9)
    assert doc["asof"].startswith("2025-09-21T00:00:00")
    assert doc["grid"]["time"][-1].startswith("2025-09-20T20:00:00")
    five = next(r for r in doc["curve"] if r["move_pct"] == -0.05)
    assert five["long_usd"] > 0
    text = html.read_text(encoding="utf-8")
    assert "plotly" in text and '<script src="http' not in text  # plotly.js embedded
    assert "heatmap" in text and "candlestick" in text


def test_map_without_data_is_one_clear_error(tmp_path: Path) -> None:
    from liqcascade.cli import app

    result = CliRunner().invoke(
        app,
        [
            "leverage",
            "map",
            "--symbol",
            "BTC/USDT:USDT",
            "--asof",
            "2025-09-21",
            "--store",
            str(tmp_path),
        ],
    )
    assert result.exit_code != 0
    assert "open interest" in str(result.exception)
