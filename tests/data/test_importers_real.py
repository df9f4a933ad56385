"""Every shared-data importer on its real file: expected rows come from the raw CSV lines
(quoted in each case), converted by the documented unit rules — never from our own output.

The files are real cuts (header + consecutive lines, bytes unchanged) of the shared collection,
committed under ``fixtures/market`` with their source repository @ commit in its
``metadata.json`` (made by its ``_make.py``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from liqcascade.data.importers import detect_importer, importer_for
from liqcascade.data.importers._base import read_head

pytestmark = pytest.mark.golden

T = pd.Timestamp
MARKET = Path(__file__).parent / "fixtures" / "market"

# (format, file, dataset, row filter, expected values, raw line the numbers come from)
CASES = [
    (
        "ohlcvfeed",
        "binance_spot_klines_ohlcvfeed/ETHUSDT_D1.csv",
        "candles",
        {"time": T("2020-08-31", tz="UTC")},
        {"symbol": "ETH/USDT", "market": "spot", "interval": "1d", "close": 433.79},
        "2020-08-31 00:00:00,1598832000000,428.94,439.00,418.04,433.79,1040748.68881,...",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/liq_binance_4h_BTC.csv",
        "liquidations",
        {"time": T("2024-11-13 20:00", tz="UTC"), "liquidated_side": "long"},
        {"notional_usd": 21069771.35833, "coverage": "throttled", "interval": "4h"},
        "2024-11-13 20:00:00,1731528000000,21069771.35833,2661796.3081,20250512",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/liq_by_exchange_24h_snapshots.csv",
        "liquidations",
        # window open = commit 2025-05-13T19:53:11+01:00 (18:53:11 UTC) - 24 h
        {
            "exchange": "all",
            "symbol": "BTC",
            "liquidated_side": "long",
            "time": T("2025-05-12 18:53:11", tz="UTC"),
        },
        {"notional_usd": 39440993.19604865, "interval": "24h", "coverage": "aggregated"},
        "20250512,2025-05-13T19:53:11+01:00,BTC,All,41492924.27,39440993.19604865,2051931.07",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/funding_ohlc_okx_BTC.csv",
        "funding",
        {"time": T("2024-11-21", tz="UTC")},
        # 0.01051699 % -> 0.0001051699
        {"symbol": "BTC/USDT:USDT", "exchange": "okx", "rate": 0.0001051699, "interval": "8h"},
        "2024-11-21 00:00:00,1732147200000,-0.0218527,0.01051699,-0.0218527,0.01051699,...",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/funding_ohlc_hyperliquid_BTC.csv",
        "funding",
        {"time": T("2024-12-24", tz="UTC")},
        # 0.00125 % per hour = 0.0000125 (Hyperliquid quotes an hourly rate)
        {"symbol": "BTC/USDC:USDC", "rate": 0.0000125, "funding_interval_hours": 1.0},
        "2024-12-24 00:00:00,1734998400000,0.00125,0.00125,0.00125,0.00125,20250623",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/ls_global_account_binance_BTCUSDT_4h.csv",
        "long_short",
        {"time": T("2024-11-13 20:00", tz="UTC")},
        {"long_fraction": 0.4494, "short_fraction": 0.5506, "ratio": 0.82},
        "2024-11-13 20:00:00,1731528000000,44.94,55.06,0.82,20250512",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/oi_by_exchange_4h_BTC.csv",
        "open_interest",
        {"time": T("2025-05-15 20:00", tz="UTC"), "exchange": "binance"},
        {"close_usd": 11559622624.0, "symbol": "BTC"},
        "2025-05-15 20:00:00,1747339200000,103107.0,11559622624.0,...",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/oi_stablecoin_margined_ohlc_4h_BTC.csv",
        "open_interest",
        {"time": T("2024-11-13 20:00", tz="UTC")},
        {"margin": "stablecoin", "close_base": 86852.52},  # BTC, not USD
        "2024-11-13 20:00:00,1731528000000,88132.41,88358.82,86752.87,86852.52,20250512",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/futures_orderbook_depth_BTC.csv",
        "depth",
        {"time": T("2024-11-21", tz="UTC")},
        {"bid_usd": 162745333.8373, "ask_base": 2110.733, "band": 0.01, "exchange": "all"},
        "2024-11-21 00:00:00,162745333.8373,1732.903,200070575.5946,2110.733,...",
    ),
    (
        "coinglass",
        "coinglass_liquidityreport_felipe/etf_flows_daily_BTC.csv",
        "etf_flows",
        {"time": T("2024-01-11", tz="UTC"), "fund": "GBTC"},
        {"flow_usd": -95100000.0},
        "2024-01-11,655300000.0,,-95100000.0,111700000.0,...",
    ),
    (
        "coinglass-options",
        "coinglass_options_felipe/deribit_putcall_oi_by_expiry_snapshots_BTC.csv",
        "options",
        # Deribit expiry 250513 -> 2025-05-13 08:00 UTC; snapshot 19:53:11+01:00 -> 18:53:11 UTC
        {"expiry": T("2025-05-13 08:00", tz="UTC"), "metric": "call_oi"},
        {"time": T("2025-05-13 18:53:11", tz="UTC"), "value": 1403.0, "unit": "base"},
        "20250512,b9ff88...,2025-05-13T19:53:11+01:00,250513,145212.36,959.8,...,1403.0,...",
    ),
    (
        "coinglass-options",
        "coinglass_options_felipe/options_oi_by_exchange_4h_BTC.csv",
        "options",
        {"time": T("2025-05-15 20:00", tz="UTC"), "exchange": "deribit"},
        {"metric": "open_interest_usd", "value": 31290190611.0, "interval": "4h"},
        "2025-05-15 20:00:00,1747339200000,103107.0,31290190611.0,...",
    ),
    (
        "farside",
        "farside_etf_flows_ciyberpunk/bitcoin_etf_flows_long_daily.csv",
        "etf_flows",
        {"time": T("2024-01-11", tz="UTC"), "fund": "IBIT"},
        {"asset": "BTC", "flow_usd": 111.7e6},
        "2024-01-11,IBIT,111.7",
    ),
    (
        "crypto-liquidity",
        "crypto_liquidity_ccyun95/stablecoin.csv",
        "market_cap",
        {"time": T("2024-12-07", tz="UTC")},
        {"asset": "STABLECOINS", "close": 138176856741.0},
        "2024-12-07,138176856741.0,",
    ),
    (
        "btc-factors",
        "btc_daily_factors_lukmol/fear_greed.csv",
        "sentiment",
        {"time": T("2018-02-02", tz="UTC")},
        {"index": "fear_greed", "value": 15.0},
        "2018-02-02,15",
    ),
    (
        "tradingview-mcap",
        "total_mcap_tradingview_vahram/cryptocap_total_d1.csv",
        "market_cap",
        {"time": T("2025-08-29", tz="UTC")},
        {"asset": "TOTAL", "close": 3713603195915.0, "open": 3847506161051.0},
        "2025-08-29,3847506161051.0,3856029183224.0,3671026478625.0,3713603195915.0,...",
    ),
    (
        "dattracker",
        "dat_stock_prices_dattracker/dat_stock_prices_daily.csv.gz",
        "candles",
        {"symbol": "MSTR", "time": T("2020-08-03", tz="UTC")},
        {"exchange": "us", "market": "equity", "close": 12.37, "currency": "USD"},
        "MSTR,US,USD,2020-08-03,12.44,12.44,12.25,12.37,526220",
    ),
    (
        "hyperliquid-stats",
        "hyperliquid_stats_daily_gothchico/daily_notional_liquidated_by_coin_BTC_ETH_SOL_HYPE.csv",
        "liquidations",
        {"time": T("2023-06-14", tz="UTC"), "symbol": "ETH"},
        {"notional_usd": 59788.87760299999, "coverage": "complete", "liquidated_side": "both"},
        "2023-06-14,ETH,59788.87760299999",
    ),
    (
        "yahoo-macro",
        "macro_yahoo_edgedata/ust_daily_close.csv",
        "candles",
        {"time": T("2023-01-03", tz="UTC")},
        {"symbol": "UST10Y", "close": 0.0379, "market": "macro"},  # 3.79 % -> 0.0379
        "2023-01-03,3.79",
    ),
    (
        "deribit-dvol",
        "deribit_dvol_btc_lrud/bitcoin_dvol_hourly.csv.gz",
        "candles",
        {"time": T("2021-03-24", tz="UTC")},
        {"symbol": "BTC-DVOL", "close": 0.8488, "interval": "1h"},  # 84.88 -> 0.8488
        "1616544000000,2021-03-24 00:00:00 UTC,2021-03-24,0,84.80,85.41,84.67,84.88",
    ),
]


def _frame(frame: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """An importer's rows as pandas (importers may hand over arrow tables)."""
    return frame.to_pandas() if isinstance(frame, pa.Table) else frame


@pytest.mark.parametrize(
    ("fmt", "file", "name", "where", "expected", "raw"),
    CASES,
    ids=[f"{c[0]}:{Path(c[1]).name}" for c in CASES],
)
def test_importer_maps_the_raw_row(
    fmt: str,
    file: str,
    name: str,
    where: dict,
    expected: dict,
    raw: str,
) -> None:
    path = MARKET / file
    assert fmt == detect_importer(path, read_head(path)).FORMAT  # `auto` finds it
    frame = _frame(importer_for(fmt).read(path).frames[name])
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, raw
    row = frame[mask].iloc[0]
    for column, value in expected.items():
        if isinstance(value, float):
            assert row[column] == pytest.approx(value, rel=1e-12), column
        else:
            assert row[column] == value, column


def test_mstr_rows_with_holdings_going_backwards_are_flagged() -> None:
    # line 55: "2025-04-07,0,577000000,577,202,..." -- 202 BTC after 528,185 the week before
    path = MARKET / "treasury_holdings_dattracker/mstr_btc_purchases_8k.csv"
    result = importer_for("dattracker").read(path)
    assert any(w.startswith("line 55:") for w in result.warnings)
    purchases = result.frames["treasury"]
    assert purchases["holdings"].dropna().is_monotonic_increasing
    assert not (purchases["time"] == T("2025-04-07", tz="UTC")).any()


def test_farside_weekend_zeros_are_dropped() -> None:
    # wide file: "2024-01-13,0.0,0.0,..." is a Saturday with no trading
    path = MARKET / "farside_etf_flows_ciyberpunk/bitcoin_etf_flows_wide_daily.csv"
    flows = _frame(importer_for("farside").read(path).frames["etf_flows"])
    assert (flows["time"].dt.day_of_week < 5).all()
    total = flows[(flows["fund"] == "TOTAL") & (flows["time"] == T("2024-01-11", tz="UTC"))]
    assert total["flow_usd"].item() == pytest.approx(655.3e6)
