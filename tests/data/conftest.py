"""Fixtures of the data-layer tests: an empty store (the sample store is in tests/conftest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store in a fresh temporary directory."""
    return Store(tmp_path / "store")


def _bars(times: list[str], closes: list[float], *, symbol: str = "BTC/USDT") -> pd.DataFrame:
    """Daily Binance spot bars, the smallest valid candles frame."""
    return pd.DataFrame(
        {
            "time": pd.to_datetime(times, utc=True),
            "exchange": "binance",
            "symbol": symbol,
            "market": "spot",
            "interval": "1d",
            "close": closes,
        }
    )


@pytest.fixture
def bars() -> Callable[..., pd.DataFrame]:
    """Factory of daily Binance spot bars: ``bars(["2025-09-22"], [112650.99])``."""
    return _bars
