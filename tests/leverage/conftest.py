"""Fixtures for the leverage tests: real data from the bundled sample (see _leverage_frames)."""

from __future__ import annotations

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
def real_liquidations() -> dict[str, pd.DataFrame]:
    return {
        "binance_btc": binance_4h("BTC"),
        "binance_eth": binance_4h("ETH"),
        "snapshots": snapshots_24h(),
        "oi_btc": oi_all_4h("BTC"),
        "oi_eth": oi_all_4h("ETH"),
        "hyperliquid_btc": hyperliquid_daily("BTC"),
        "hyperliquid_eth": hyperliquid_daily("ETH"),
    }


@pytest.fixture(scope="session")
def real_btc_market() -> dict[str, pd.DataFrame]:
    return {
        "candles": btc_perp_4h(),
        "open_interest": oi_all_4h("BTC"),
        "long_short": btc_long_short(),
    }
