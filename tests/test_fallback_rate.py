"""One flat maintenance rate wherever no bracket table applies (map and cascade agree)."""

from __future__ import annotations

from liqcascade.leverage import MapConfig
from liqcascade.margin import brackets
from liqcascade.margin._tables import FALLBACK_MAINTENANCE_RATE
from liqcascade.sim import CascadeConfig


def test_the_map_and_the_cascade_default_to_the_same_flat_rate() -> None:
    assert MapConfig().fallback_mmr == CascadeConfig().maintenance_margin_rate
    assert CascadeConfig().maintenance_margin_rate == FALLBACK_MAINTENANCE_RATE


def test_the_flat_rate_is_binance_btcusdt_first_bracket() -> None:
    table = brackets("binance", "BTC/USDT:USDT", at="2025-09-01")
    assert table.mmrs[0] == FALLBACK_MAINTENANCE_RATE  # 0.4 % in binance_usdm_BTCUSDT_2025-08
