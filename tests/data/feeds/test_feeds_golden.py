"""Golden tests: each venue's documented liquidation frame through its parser."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data.feeds import binance, bybit, events_frame, feed, hyperliquid, okx
from liqcascade.data.feeds._event import FrameError

GOLDEN = json.loads((Path(__file__).parent / "golden" / "frames.json").read_text())["cases"]


@pytest.mark.golden
@pytest.mark.parametrize("case", GOLDEN, ids=[c["venue"] + str(i) for i, c in enumerate(GOLDEN)])
def test_documented_frame(case: dict) -> None:
    frame = events_frame(feed(case["venue"]).parse(json.dumps(case["frame"])))
    assert len(frame) == len(case["expected"])
    for (_, row), want in zip(frame.iterrows(), case["expected"], strict=True):
        assert row["time"] == pd.Timestamp(want["time"])
        for column in ("exchange", "symbol", "liquidated_side", "coverage"):
            assert row[column] == want[column], column
        for column in ("qty", "price", "notional_usd"):
            assert row[column] == pytest.approx(want[column], rel=1e-12), column
        assert pd.isna(row["interval"])


@pytest.mark.golden
def test_the_conventions_differ_between_venues() -> None:
    # Binance and OKX give the ORDER side, Bybit the POSITION side: the same word, opposite meaning.
    assert binance.liquidated_side("SELL") == "long"
    assert okx.liquidated_side("sell", "long") == "long"
    assert bybit.liquidated_side("Sell") == "short"
    assert bybit.liquidated_side("Buy") == "long"


@pytest.mark.golden
def test_okx_documented_frame_side_and_unknown_contract_value() -> None:
    # OKX doc example: posSide short, side buy -> a short was liquidated; IOST-USDT-SWAP's ctVal
    # is not packaged, so the size in contracts cannot become base units without it.
    case = {
        "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
        "data": [
            {
                "details": [
                    {
                        "bkLoss": "0",
                        "bkPx": "0.007831",
                        "ccy": "",
                        "posSide": "short",
                        "side": "buy",
                        "sz": "13",
                        "ts": "1692266434010",
                    }
                ],
                "instFamily": "IOST-USDT",
                "instId": "IOST-USDT-SWAP",
                "instType": "SWAP",
                "uly": "IOST-USDT",
            }
        ],
    }
    with pytest.raises(okx.UnknownContractError, match="IOST-USDT-SWAP"):
        okx.parse(case)
    # with a contract value supplied (here 10 base units per contract, to pin the arithmetic):
    (event,) = okx.parse(case, contract_values={"IOST-USDT-SWAP": 10.0})
    assert event.liquidated_side == "short"
    assert event.qty == pytest.approx(130.0)  # 13 contracts x 10
    assert event.notional_usd == pytest.approx(130.0 * 0.007831)
    assert event.symbol == "IOST/USDT:USDT"
    assert event.time_ms == 1692266434010


def test_okx_btc_swap_contracts_become_base_units() -> None:
    # BTC-USDT-SWAP ctVal 0.01 BTC (OKX instruments, ccxt fixture): 30 contracts = 0.3 BTC.
    frame = {
        "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
        "data": [
            {
                "instId": "BTC-USDT-SWAP",
                "details": [
                    {"side": "sell", "posSide": "long", "bkPx": "60000", "sz": "30", "ts": "1"}
                ],
            }
        ],
    }
    (event,) = okx.parse(frame)
    assert (event.liquidated_side, event.qty, event.notional_usd) == (
        "long",
        pytest.approx(0.3),
        pytest.approx(18_000.0),
    )


def test_okx_inverse_swap_is_usd_face_value() -> None:
    # BTC-USD-SWAP ctVal 100 USD: 5 contracts = 500 USD at 50000 -> 0.01 BTC.
    frame = {
        "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
        "data": [
            {
                "instId": "BTC-USD-SWAP",
                "details": [
                    {"side": "buy", "posSide": "net", "bkPx": "50000", "sz": "5", "ts": "1"}
                ],
            }
        ],
    }
    (event,) = okx.parse(frame)
    assert (event.symbol, event.liquidated_side) == ("BTC/USD:BTC", "short")
    assert event.notional_usd == pytest.approx(500.0)
    assert event.qty == pytest.approx(0.01)


def test_okx_rejects_side_and_possside_that_disagree() -> None:
    with pytest.raises(FrameError, match="closes a long position"):
        okx.liquidated_side("sell", "short")


def test_bybit_inverse_size_is_usd() -> None:
    # BTCUSD inverse: v = 1000 USD at 50000 -> 0.02 BTC.
    frame = {
        "topic": "allLiquidation.BTCUSD",
        "data": [{"T": 1, "s": "BTCUSD", "S": "Buy", "v": "1000", "p": "50000"}],
    }
    (event,) = bybit.parse(frame)
    assert (event.symbol, event.liquidated_side) == ("BTC/USD:BTC", "long")
    assert (event.notional_usd, event.qty) == (pytest.approx(1000.0), pytest.approx(0.02))


def test_hyperliquid_liquidated_wallet_sells_to_close_a_long() -> None:
    fill = {
        "coin": "ETH",
        "px": "4000",
        "sz": "2",
        "side": "A",
        "time": 5,
        "tid": 9,
        "liquidation": {"liquidatedUser": "0xABC", "markPx": 4001, "method": "market"},
    }
    (event,) = hyperliquid.parse(
        {"channel": "userFills", "data": {"user": "0xabc", "fills": [fill]}}
    )
    assert event.liquidated_side == "long"
    assert event.event_id == "9"


def test_hyperliquid_both_sides_of_one_liquidation_are_one_event() -> None:
    base = {
        "coin": "ETH",
        "px": "4000",
        "sz": "2",
        "time": 5,
        "tid": 9,
        "liquidation": {"liquidatedUser": "0xaaa", "markPx": 4001, "method": "market"},
    }
    seen_by_liquidated = hyperliquid.parse(
        {"channel": "userFills", "data": {"user": "0xaaa", "fills": [{**base, "side": "A"}]}}
    )
    seen_by_counterparty = hyperliquid.parse(
        {"channel": "userFills", "data": {"user": "0xbbb", "fills": [{**base, "side": "B"}]}}
    )
    assert len(events_frame(seen_by_liquidated + seen_by_counterparty)) == 1


@pytest.mark.parametrize(
    ("venue", "frame"),
    [
        ("binance", {"result": None, "id": 1}),
        ("bybit", {"success": True, "ret_msg": "pong", "op": "ping"}),
        ("okx", "pong"),
        (
            "okx",
            {"event": "subscribe", "arg": {"channel": "liquidation-orders", "instType": "SWAP"}},
        ),
        ("hyperliquid", {"channel": "pong"}),
        ("hyperliquid", {"channel": "subscriptionResponse", "data": {}}),
    ],
)
def test_control_frames_carry_no_liquidation(venue: str, frame: object) -> None:
    assert feed(venue).parse(frame if isinstance(frame, str) else json.dumps(frame)) == []


@pytest.mark.parametrize(
    ("venue", "frame", "message"),
    [
        (
            "binance",
            {"e": "forceOrder", "o": {"s": "BTCUSDT", "S": "HOLD", "z": "1", "ap": "1", "T": 1}},
            "'S' is 'HOLD'",
        ),
        (
            "bybit",
            {
                "topic": "allLiquidation.BTCUSDT",
                "data": [{"T": 1, "s": "BTCUSDT", "S": "Buy", "v": "x", "p": "1"}],
            },
            "'v' is 'x'",
        ),
        (
            "hyperliquid",
            {
                "channel": "userFills",
                "data": {
                    "user": "0x1",
                    "fills": [
                        {
                            "coin": "BTC",
                            "px": "1",
                            "sz": "1",
                            "side": "B",
                            "time": 1,
                            "liquidation": {},
                        }
                    ],
                },
            },
            "tid",
        ),
    ],
)
def test_malformed_liquidations_name_the_field(venue: str, frame: dict, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        feed(venue).parse(json.dumps(frame))


def test_not_json_is_a_frame_error() -> None:
    with pytest.raises(FrameError, match="not valid JSON"):
        bybit.parse('{"topic": ')
