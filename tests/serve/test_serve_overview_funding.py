"""The Overview page's funding series: annualised by the one funding-interval rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.data import Store
from liqcascade.serve._overview import funding_block

T = pd.Timestamp("2025-09-20T00:00Z")


def _store(tmp_path, hours: list[float]) -> Store:
    # Coinglass-style 8h bars per venue: Binance settles every 8 h, Hyperliquid every hour
    store = Store(tmp_path / "store")
    rows = pd.DataFrame(
        {
            "time": [T, T],
            "exchange": ["binance", "hyperliquid"],
            "symbol": ["BTC/USDT:USDT", "BTC/USDC:USDC"],
            "interval": "8h",
            "weighting": "none",
            # Binance: 0.01 % per 8 h; Hyperliquid: 0.00125 % per hour (one eighth of it)
            "rate": [0.0001, 0.0000125],
            "funding_interval_hours": hours,
        }
    )
    store.write("funding", rows, source="test")
    return store


def _annual(block: dict, venue: str) -> list[float]:
    return block["venues"][venue]["value"]


def test_each_venue_is_annualised_over_its_own_interval(tmp_path) -> None:
    block = funding_block(_store(tmp_path, [8.0, 1.0]), "BTC", T + pd.Timedelta(days=1))
    # 0.0001 x 3 a day x 365 = 0.1095; 0.0000125 x 24 x 365 = 0.1095
    assert _annual(block, "binance") == pytest.approx([0.1095])
    assert _annual(block, "hyperliquid") == pytest.approx([0.1095])


def test_a_row_without_an_interval_is_read_as_8h_not_dropped_to_nan(tmp_path) -> None:
    # before the rule lived in one place, a missing funding_interval_hours gave NaN here
    block = funding_block(_store(tmp_path, [np.nan, 1.0]), "BTC", T + pd.Timedelta(days=1))
    assert _annual(block, "binance") == pytest.approx([0.1095])  # 0.0001 x 8760 / 8
