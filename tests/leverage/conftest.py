"""Fixtures for the leverage tests: real data as store-schema frames (see _leverage_frames)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _leverage_frames import (
    binance_4h,
    btc_long_short,
    btc_perp_4h,
    hyperliquid_daily,
    oi_all_4h,
    snapshots_24h,
)


@pytest.fixture(scope="session")
def real_liquidations(shared_market: Path) -> dict[str, pd.DataFrame]:
    return {
        "binance_btc": binance_4h(shared_market, "BTC"),
        "binance_eth": binance_4h(shared_market, "ETH"),
        "snapshots": snapshots_24h(shared_market),
        "oi_btc": oi_all_4h(shared_market, "BTC"),
        "oi_eth": oi_all_4h(shared_market, "ETH"),
        "hyperliquid_btc": hyperliquid_daily(shared_market, "BTC"),
        "hyperliquid_eth": hyperliquid_daily(shared_market, "ETH"),
    }


@pytest.fixture(scope="session")
def real_btc_market(shared_market: Path) -> dict[str, pd.DataFrame]:
    return {
        "candles": btc_perp_4h(shared_market),
        "open_interest": oi_all_4h(shared_market, "BTC"),
        "long_short": btc_long_short(shared_market),
    }
