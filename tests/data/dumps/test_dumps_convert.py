"""The named edge conversions: epoch units, symbols, order side -> liquidated side, units."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.data.importers.dumps._convert import (
    binance_symbol_to_ccxt,
    epoch_to_utc,
    epoch_unit,
    liquidated_side_from_order_side,
    parse_dump_name,
    symbol_option,
)
from liqcascade.data.importers.dumps.binance_funding import settlement_time
from liqcascade.data.importers.dumps.tardis_liquidations import amount_unit, tardis_symbol_to_ccxt
from liqcascade.errors import InputError


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (1758499200, "s"),
        (1758499200000, "ms"),  # Binance futures
        (1758499200000000, "us"),  # Binance spot from 2025, Tardis
        (1758499200000000000, "ns"),
    ],
)
def test_epoch_unit_by_magnitude(value: int, unit: str) -> None:
    assert epoch_unit(value) == unit


def test_epoch_to_utc_handles_a_column_spanning_the_switch_to_microseconds() -> None:
    # Binance spot klines: 2024-12-31 20:00 in ms, then 2025-01-01 00:00 in µs.
    got = epoch_to_utc(pd.Series([1735675200000, 1735689600000000]))
    assert list(got) == [
        pd.Timestamp("2024-12-31 20:00", tz="UTC"),
        pd.Timestamp("2025-01-01 00:00", tz="UTC"),
    ]


@pytest.mark.property
@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=100_000_000_000, max_value=4_000_000_000_000))
def test_every_unit_of_one_instant_maps_to_the_same_time(ms: int) -> None:
    # from 1973-03-03 to 2096: ms, µs and ns spellings are the same instant
    times = epoch_to_utc([ms, ms * 1000, ms * 1_000_000])
    assert times[0] == times[1] == times[2]


def test_settlement_time_rounds_calc_time_jitter_to_the_second() -> None:
    got = settlement_time([1751328000007, 1780272000001])
    assert list(got) == [
        pd.Timestamp("2025-07-01 00:00", tz="UTC"),
        pd.Timestamp("2026-06-01 00:00", tz="UTC"),
    ]


@pytest.mark.parametrize(
    ("raw", "market", "ccxt"),
    [
        ("BTCUSDT", "perp", "BTC/USDT:USDT"),
        ("ETHUSDC", "perp", "ETH/USDC:USDC"),
        ("1000PEPEUSDT", "perp", "1000PEPE/USDT:USDT"),
        ("BTCUSD_PERP", "perp", "BTC/USD:BTC"),
        ("ETHUSD_250926", "perp", "ETH/USD:ETH-250926"),
        ("BTCUSDT_250926", "perp", "BTC/USDT:USDT-250926"),
        ("BTCUSDT", "spot", "BTC/USDT"),
    ],
)
def test_binance_symbol_to_ccxt(raw: str, market: str, ccxt: str) -> None:
    assert binance_symbol_to_ccxt(raw, market=market) == ccxt


@pytest.mark.parametrize("raw", ["BTCEUR", "USDT", "BTCUSDT_XYZ", ""])
def test_unreadable_binance_symbol_says_how_to_fix(raw: str) -> None:
    with pytest.raises(InputError, match="--symbol"):
        binance_symbol_to_ccxt(raw)


def test_a_sell_liquidation_order_closes_a_long() -> None:
    sides = liquidated_side_from_order_side(pd.Series(["SELL", "BUY", "sell", "Buy", "long"]))
    assert sides.iloc[:4].tolist() == ["long", "short", "long", "short"]
    assert pd.isna(sides.iloc[4])  # not a side: left for the importer to report


@pytest.mark.parametrize(
    ("exchange", "raw", "ccxt"),
    [
        ("binance-futures", "BTCUSDT", "BTC/USDT:USDT"),
        ("binance-delivery", "BTCUSD_PERP", "BTC/USD:BTC"),
        ("bybit", "BTCUSDT", "BTC/USDT:USDT"),
        ("bybit", "BTCUSD", "BTC/USD:BTC"),
        ("bybit", "BTCPERP", "BTC/USDC:USDC"),
        ("okex-swap", "BTC-USDT-SWAP", "BTC/USDT:USDT"),
        ("okex-swap", "BTC-USD-SWAP", "BTC/USD:BTC"),
        ("deribit", "BTC-PERPETUAL", "BTC/USD:BTC"),
        ("deribit", "ETH_USDC-PERPETUAL", "ETH/USDC:USDC"),
        ("bitmex", "XBTUSD", "BTC/USD:BTC"),
        ("hyperliquid", "BTC", "BTC/USDC:USDC"),
    ],
)
def test_tardis_symbol_to_ccxt(exchange: str, raw: str, ccxt: str) -> None:
    assert tardis_symbol_to_ccxt(exchange, raw) == ccxt


@pytest.mark.parametrize(
    ("exchange", "symbol", "unit"),
    [
        ("binance-futures", "BTC/USDT:USDT", ("base", 1.0)),
        ("okex-swap", "BTC/USDT:USDT", ("base", 0.01)),  # OKX: 1 contract = 0.01 BTC
        ("okex-swap", "ETH/USD:ETH", ("usd", 10.0)),  # OKX inverse: 10 USD (BTC: 100)
        ("binance-delivery", "BTC/USD:BTC", ("usd", 100.0)),  # COIN-M BTC: 100 USD
        ("bitmex", "BTC/USD:BTC", ("usd", 1.0)),  # XBTUSD: 1 USD per contract
    ],
)
def test_amount_unit_per_contract(exchange: str, symbol: str, unit: tuple[str, float]) -> None:
    assert amount_unit(exchange, symbol) == unit


def test_parse_dump_name() -> None:
    name = parse_dump_name("data/BTCUSD_PERP-liquidationSnapshot-2024-10-14.zip")
    assert (name.symbol, name.what, name.period) == (
        "BTCUSD_PERP",
        "liquidationSnapshot",
        "2024-10-14",
    )
    assert parse_dump_name("prices.csv") is None


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("BTC/USDT:USDT", "BTC/USDT:USDT"),
        ("btc/usd:btc", "BTC/USD:BTC"),
        ("BTCUSDT", "BTC/USDT:USDT"),
    ],
)
def test_symbol_option_keeps_ccxt_form_and_converts_binance_names(given: str, kept: str) -> None:
    assert symbol_option(given) == kept


@pytest.mark.parametrize("given", ["BTC-USDT", "BTC/USDT:", "BTC / USDT"])
def test_symbol_option_refuses_other_spellings(given: str) -> None:
    with pytest.raises(InputError):
        symbol_option(given)
