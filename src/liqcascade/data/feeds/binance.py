"""Binance USDⓈ-M / COIN-M futures: the ``!forceOrder@arr`` all-market liquidation stream.

Documentation: https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/All-Market-Liquidation-Order-Streams
(and the COIN-M page of the same name; checked 2026-12-01). Payload::

    {"e": "forceOrder", "E": 1568014460893,
     "o": {"s": "BTCUSDT", "S": "SELL", "o": "LIMIT", "f": "IOC", "q": "0.014", "p": "9910",
           "ap": "9910", "X": "FILLED", "l": "0.014", "z": "0.014", "T": 1568014460893}}

**Side convention**: ``S`` is the side of the liquidation ORDER. A SELL order closes a LONG
position, a BUY closes a SHORT (``liquidated_side = long`` for ``S = SELL``).

Size: ``z`` (filled accumulated quantity) at ``ap`` (average price); base units on USDⓈ-M,
contracts of 100 USD (BTC) / 10 USD (other coins) on COIN-M (``BTCUSD_PERP``), converted here.
Time: ``T`` (order trade time). Coverage: ``throttled`` — "for each symbol, only the latest one
liquidation order within 1000ms will be pushed as the snapshot", so at most one event per
symbol per second reaches the stream and bursts are undercounted.

Heartbeat: the server sends a ping frame every 3 minutes and disconnects a client that has not
answered with a pong within 10 minutes (the websocket client answers automatically); a
connection lasts at most 24 hours.
"""

from __future__ import annotations

from typing import Any

from liqcascade.data.feeds._event import (
    FrameError,
    LiquidationEvent,
    contract_event,
    integer,
    number,
)
from liqcascade.data.feeds._wire import decode
from liqcascade.data.importers.dumps._convert import (
    binance_symbol_to_ccxt,
    coinm_contract_usd,
    is_inverse,
)

VENUE = "binance"
COVERAGE = "throttled"
URL = "wss://fstream.binance.com/ws/!forceOrder@arr"
URL_COINM = "wss://dstream.binance.com/ws/!forceOrder@arr"
PING_INTERVAL_S: float | None = None  # the server pings; the client only answers
_SIDES = {"SELL": "long", "BUY": "short"}


def liquidated_side(order_side: str) -> str:
    """Position side closed by a Binance liquidation order (``SELL`` -> ``long``).

    Examples
    --------
    >>> liquidated_side("SELL"), liquidated_side("BUY")
    ('long', 'short')
    """
    try:
        return _SIDES[str(order_side).upper()]
    except KeyError:
        raise FrameError(
            f"binance forceOrder field 'S' is {order_side!r}; expected BUY or SELL"
        ) from None


def subscribe_messages(symbols: list[str]) -> list[dict[str, Any]]:
    """Nothing to send: the stream is chosen by the URL (all symbols; filtered afterwards)."""
    return []


def ping_message() -> None:
    """Binance needs no client ping (the server pings)."""
    return None


def parse(frame: str | bytes | dict[str, Any]) -> list[LiquidationEvent]:
    """Liquidation events in one frame (``[]`` for anything that is not a forceOrder).

    Accepts the raw stream payload and the combined-stream wrapper
    ``{"stream": ..., "data": {...}}``.
    """
    message = decode(frame)
    if isinstance(message, dict) and "data" in message and "stream" in message:
        message = message["data"]
    items = message if isinstance(message, list) else [message]
    return [
        _event(item) for item in items if isinstance(item, dict) and item.get("e") == "forceOrder"
    ]


def _event(message: dict[str, Any]) -> LiquidationEvent:
    order = message.get("o")
    if not isinstance(order, dict):
        raise FrameError(f"binance forceOrder without an 'o' object: {message!r}")
    raw_symbol = str(order.get("s", ""))
    symbol = binance_symbol_to_ccxt(raw_symbol)
    side = liquidated_side(order.get("S", ""))
    price = number(order, "ap", VENUE)
    if price <= 0:  # a zero average price: fall back to the order price
        price = number(order, "p", VENUE)
    filled = number(order, "z", VENUE)
    time_ms = integer(order, "T", VENUE)
    face = coinm_contract_usd(symbol) if is_inverse(symbol) else 1.0  # COIN-M: USD contracts
    key = (raw_symbol, order.get("S"), time_ms, order.get("z"), order.get("ap"))
    return contract_event(
        VENUE, COVERAGE, symbol, side, time_ms, price, filled, contract_size=face, key=key
    )


__all__ = [
    "COVERAGE",
    "URL",
    "URL_COINM",
    "VENUE",
    "liquidated_side",
    "parse",
    "subscribe_messages",
]
