"""Real series from the bundled sample as store-schema frames, for the leverage tests.

The sample (``src/liqcascade/data/sample``, see its ``ATTRIBUTION.md``) holds the Coinglass
panel (FelipeODonnell/liquidity-report @ 7b21f7c7) and the Hyperliquid daily statistics
(gothchico/HL-deepdive @ 84dbbd87) converted by liqcascade's importers; these readers pick the
series the estimator and the map are checked on, with or without a store. Row for row they are
the raw CSV values (checked against ``../shared/data/market`` when the sample was built).
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pyarrow.parquet as pq

from liqcascade.data import DATASETS, sample_files
from liqcascade.data._frames import to_frame


@cache
def _sample(name: str) -> pd.DataFrame:
    return to_frame(DATASETS[name], pq.read_table(sample_files()[name]))


def _rows(name: str, **equals: str) -> pd.DataFrame:
    frame = _sample(name)
    keep = pd.Series(True, index=frame.index)
    for column, value in equals.items():
        keep &= frame[column] == value
    return frame[keep].sort_values("time", kind="stable").reset_index(drop=True)


def binance_4h(asset: str) -> pd.DataFrame:
    """Binance's 4h liquidations of ``asset`` (Coinglass liq_binance_4h_<asset>.csv)."""
    return _rows("liquidations", exchange="binance", symbol=asset, interval="4h")


def snapshots_24h() -> pd.DataFrame:
    """Per-exchange 24h snapshots, BTC and ETH (Coinglass liq_by_exchange_24h_snapshots.csv)."""
    return _rows("liquidations", interval="24h")


def oi_all_4h(asset: str) -> pd.DataFrame:
    """All-exchange 4h open-interest OHLC in USD (Coinglass oi_allexch_ohlc_4h_<asset>.csv)."""
    return _rows("open_interest", exchange="all", symbol=asset, interval="4h")


def btc_perp_4h() -> pd.DataFrame:
    """Binance BTCUSDT perp 4h bars (Coinglass price_ohlc_binance_BTCUSDT_perp_4h.csv)."""
    return _rows(
        "candles", exchange="binance", symbol="BTC/USDT:USDT", market="perp", interval="4h"
    )


def btc_long_short() -> pd.DataFrame:
    """Binance BTCUSDT global-account long share (ls_global_account_binance_BTCUSDT_4h.csv)."""
    return _rows("long_short", exchange="binance", symbol="BTC/USDT:USDT", kind="global_account")


def hyperliquid_daily(asset: str) -> pd.DataFrame:
    """Hyperliquid's complete daily liquidated notional of ``asset`` (gothchico daily stats)."""
    return _rows("liquidations", exchange="hyperliquid", symbol=asset, interval="1d")
