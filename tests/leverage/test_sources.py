"""Commands on stores without Coinglass panels: all-exchange series from the venues present.

Stores are built from subsets of the bundled real sample, relabelled the way ``data backfill``
writes them (per-venue 4h open interest under ccxt symbols), plus liquidation events as
``collect`` stores them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from liqcascade.cli import app
from liqcascade.data import Store
from liqcascade.data._frames import to_frame
from liqcascade.data._sample import sample_files
from liqcascade.data._schema import DATASETS
from liqcascade.leverage import estimate_liquidations, liquidation_map
from liqcascade.leverage._sources import (
    DEPTH_PER_AMIHUD,
    all_exchange_funding,
    all_exchange_open_interest,
    depth_proxy,
)

ASOF = pd.Timestamp("2025-09-21T00:00Z")


def _sample(name: str) -> pd.DataFrame:
    return to_frame(DATASETS[name], pq.read_table(sample_files()[name]))


def _venue_oi() -> pd.DataFrame:
    # Binance's 4h stablecoin- and coin-margined OI, under the symbols backfill would use.
    oi = _sample("open_interest")
    oi = oi[(oi["exchange"] == "binance") & (oi["interval"] == "4h")].copy()
    oi["symbol"] = [
        f"{a}/USDT:USDT" if m == "stablecoin" else f"{a}/USD:{a}"
        for a, m in zip(oi["symbol"], oi["margin"], strict=True)
    ]
    return oi


@pytest.fixture(scope="module")
def candles_only(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("candles_only") / "store")
    candles = _sample("candles")
    store.write("candles", candles[candles["exchange"] == "binance"])
    return store


@pytest.fixture(scope="module")
def venue_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Candles, per-venue 4h OI and per-venue funding: what backfill gives, no panels."""
    store = Store(tmp_path_factory.mktemp("venues") / "store")
    candles = _sample("candles")
    store.write("candles", candles[candles["exchange"] == "binance"])
    store.write("open_interest", _venue_oi())
    funding = _sample("funding")
    store.write("funding", funding[funding["exchange"] != "all"])
    return store


def _events(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    # (time, exchange, symbol, liquidated_side, notional_usd) as collect stores them
    return pd.DataFrame(
        {
            "time": pd.to_datetime([r[0] for r in rows], utc=True),
            "exchange": [r[1] for r in rows],
            "symbol": [r[2] for r in rows],
            "interval": None,
            "liquidated_side": [r[3] for r in rows],
            "notional_usd": [r[4] for r in rows],
            "qty": 1.0,
            "price": [r[4] for r in rows],
            "coverage": ["throttled" if r[1] == "binance" else "complete" for r in rows],
            "event_id": [f"e{i}" for i in range(len(rows))],
        }
    )


def test_open_interest_is_the_sum_of_the_venue_contracts(venue_store: Store) -> None:
    prices = venue_store.read("candles", symbol="BTC/USDT:USDT", market="perp", interval="4h")
    built = all_exchange_open_interest(venue_store, "BTC", end=ASOF, prices=prices)
    raw = _venue_oi()
    t = pd.Timestamp("2025-09-20T12:00Z")
    coin = raw[(raw["time"] == t) & (raw["symbol"] == "BTC/USD:BTC")]["close_usd"].iloc[0]
    usdt = raw[(raw["time"] == t) & (raw["symbol"] == "BTC/USDT:USDT")]["close_base"].iloc[0]
    close = prices[prices["time"] == t]["close"].iloc[0]
    # sample rows: coin-margined 3,058,866,800 USD + USDT-margined 98,876.69 BTC x the close
    assert (coin, usdt) == (3058866800.0, 98876.69)
    row = built.frame[built.frame["time"] == t]
    assert row["close_usd"].iloc[0] == pytest.approx(coin + usdt * close)
    assert "binance (BTC/USD:BTC, BTC/USDT:USDT)" in built.sources[0]
    assert "Coinglass" in built.missing[0]


def test_open_interest_sum_keeps_only_bars_every_venue_covers(tmp_path) -> None:
    store = Store(tmp_path / "s")
    times = pd.to_datetime(["2025-01-01T00:00Z", "2025-01-01T04:00Z"], utc=True)
    oi = pd.DataFrame(
        {
            "time": [times[0], times[1], times[1]],
            "exchange": ["binance", "binance", "okx"],
            "symbol": ["BTC/USDT:USDT"] * 3,
            "interval": "4h",
            "margin": "stablecoin",
            "close_usd": [10.0, 20.0, np.nan],
            "close_base": [np.nan, np.nan, 3.0],
        }
    )
    store.write("open_interest", oi, source="test")
    prices = pd.DataFrame({"time": [times[1]], "close": [2.0]})
    built = all_exchange_open_interest(store, "BTC", prices=prices)
    # 00:00 has only binance: dropped; 04:00 = 20 + 3 BTC x 2.0 = 26
    assert built.frame["time"].tolist() == [times[1]]
    assert built.frame["close_usd"].tolist() == [26.0]


def test_funding_is_the_mean_rate_per_8h_of_the_venues(tmp_path) -> None:
    store = Store(tmp_path / "s")
    t = pd.Timestamp("2025-01-01T00:00Z")
    funding = pd.DataFrame(
        {
            "time": [t, t],
            "exchange": ["binance", "hyperliquid"],
            "symbol": ["BTC/USDT:USDT", "BTC/USDC:USDC"],
            "interval": ["8h", "1h"],
            "weighting": "none",
            "rate": [0.0001, 0.00001],
            "funding_interval_hours": [8.0, 1.0],
        }
    )
    store.write("funding", funding, source="test")
    built = all_exchange_funding(store, "BTC")
    # per 8h: 0.0001 and 0.00001 x 8 = 0.00008; mean 0.00009
    assert built.frame["rate"].iloc[0] == pytest.approx(0.00009)
    assert "binance, hyperliquid" in built.sources[0]


def test_liquidation_map_runs_on_a_store_without_panels(venue_store: Store) -> None:
    result = liquidation_map(venue_store, "BTC/USDT:USDT", ASOF)
    assert not result.positions.empty
    assert any("sum of venue 4h open interest" in s for s in result.sources)
    assert any("long/short" in m and "fill:" in m for m in result.missing)
    assert result.to_dict()["missing"] == list(result.missing)


def test_map_on_candles_only_names_what_fills_it(candles_only: Store) -> None:
    from liqcascade.errors import NoDataError

    with pytest.raises(NoDataError, match=r"data backfill .* --what oi"):
        liquidation_map(candles_only, "BTC/USDT:USDT", ASOF)


def test_estimate_from_collected_events_is_their_sum(tmp_path) -> None:
    store = Store(tmp_path / "s")
    store.write(
        "liquidations",
        _events(
            [
                ("2025-09-20T00:10Z", "binance", "BTC/USDT:USDT", "long", 100.0),
                ("2025-09-20T01:00Z", "bybit", "BTC/USDT:USDT", "long", 50.0),
                ("2025-09-20T02:00Z", "okx", "BTC/USD:BTC", "short", 30.0),
                ("2025-09-20T05:00Z", "bybit", "BTC/USDT:USDT", "short", 7.0),
                ("2025-09-20T03:00Z", "bybit", "ETH/USDT:USDT", "long", 1000.0),
            ]
        ),
        source="test",
    )
    out = estimate_liquidations(
        store, "BTC/USDT:USDT", "2025-09-20", "2025-09-21", asof="2025-09-20T04:00Z"
    )
    # bar 00:00-04:00 (closed at 04:00): longs 100 + 50, shorts 30; the 05:00 bar is open.
    assert len(out) == 1
    row = out.iloc[0]
    assert row["reported_long_usd"] == 150.0 and row["estimated_long_p90"] == 150.0
    assert row["reported_short_usd"] == 30.0
    assert row["reported_binance_long_usd"] == 100.0
    assert any("bybit complete" in s for s in out.attrs["sources"])
    assert any("lower bound" in m for m in out.attrs["missing"])


def test_stress_runs_on_a_store_without_panels_or_depth(venue_store: Store) -> None:
    from liqcascade.sim import stress

    result = stress(venue_store, "BTC/USDT:USDT", ASOF, -0.03)
    inputs = result.to_dict()["inputs"]
    assert inputs["depth_source"].startswith("PROXY")
    assert any("order-book depth" in m for m in inputs["missing"])
    assert result.cascade.liquidated_long_usd > 0


def test_depth_proxy_is_the_measured_share_of_the_amihud_depth() -> None:
    # closes alternate 100 / 101: |log return| = log(1.01) each bar; quote volume 1e6
    n = 50
    times = pd.date_range("2025-01-01", periods=n, freq="4h", tz="UTC")
    candles = pd.DataFrame(
        {
            "time": times,
            "exchange": "binance",
            "symbol": "BTC/USDT:USDT",
            "interval": "4h",
            "close": [100.0 if i % 2 == 0 else 101.0 for i in range(n)],
            "volume": np.nan,
            "quote_volume": 1e6,
        }
    )
    built = depth_proxy(candles, times[-1] + pd.Timedelta("4h"))
    expected = DEPTH_PER_AMIHUD * 0.01 / (np.log(1.01) / 1e6)
    total = built.frame["bid_usd"].iloc[0] + built.frame["ask_usd"].iloc[0]
    assert total == pytest.approx(expected)
    assert "depth" in built.missing[0]


def test_cli_map_prints_sources_and_missing(venue_store: Store) -> None:
    result = CliRunner().invoke(
        app,
        ["leverage", "map", "--symbol", "BTC/USDT:USDT", "--asof", "2025-09-21T00:00Z",
         "--store", str(venue_store.path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "source: sum of venue 4h open interest" in result.output
    assert "missing: all-exchange open interest" in result.output
