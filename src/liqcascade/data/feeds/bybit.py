"""Bybit v5: the ``allLiquidation.<symbol>`` public stream (every liquidation, pushed every 500 ms).

Documentation: https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation
(checked 2026-12-01). Push example from that page::

    {"topic": "allLiquidation.ROSEUSDT", "type": "snapshot", "ts": 1739502303204,
     "data": [{"T": 1739502302929, "s": "ROSEUSDT", "S": "Sell", "v": "20000", "p": "0.04499"}]}

**Side convention** — the OPPOSITE of Binance/OKX: ``S`` is the side of the POSITION, the doc
says "Position side. Buy, Sell. When you receive a Buy update, this means that a long position
has been liquidated". So ``S = Buy`` -> ``long``, ``S = Sell`` -> ``short``.

Size ``v`` is in base units for linear (USDT/USDC) contracts and in USD for inverse contracts
(``BTCUSD``: 1 USD per contract), converted here; price ``p``; time ``T``. Coverage
``complete`` (the stream covers every liquidation of the symbol; it replaced the older
``liquidation`` topic that pushed at most one per second).

Heartbeat: the client sends ``{"op": "ping"}`` every 20 seconds (doc: "Connect" page).
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
from liqcascade.data.importers.dumps.tardis_liquidations import tardis_symbol_to_ccxt
from liqcascade.errors import InputError

VENUE = "bybit"
COVERAGE = "complete"
URL = "wss://stream.bybit.com/v5/public/linear"
URL_INVERSE = "wss://stream.bybit.com/v5/public/inverse"
PING_INTERVAL_S: float | None = 20.0
_SIDES = {"BUY": "long", "SELL": "short"}


def liquidated_side(position_side: str) -> str:
    """Position side in a Bybit allLiquidation item (``Buy`` -> ``long``).

    Examples
    --------
    >>> liquidated_side("Buy"), liquidated_side("Sell")
    ('long', 'short')
    """
    try:
        return _SIDES[str(position_side).upper()]
    except KeyError:
        raise FrameError(
            f"bybit allLiquidation field 'S' is {position_side!r}; expected Buy or Sell"
        ) from None


def venue_symbol(symbol: str) -> str:
    """Bybit name of a ccxt contract (``BTC/USDT:USDT`` -> ``BTCUSDT``)."""
    base, rest = symbol.split("/", 1)
    quote = rest.split(":", 1)[0]
    return f"{base}{'PERP' if quote == 'USDC' else quote}"


def subscribe_messages(symbols: list[str]) -> list[dict[str, Any]]:
    """One subscribe request for the symbols' ``allLiquidation`` topics."""
    return [{"op": "subscribe", "args": [f"allLiquidation.{venue_symbol(s)}" for s in symbols]}]


def ping_message() -> dict[str, str]:
    """The application-level ping Bybit expects every 20 s."""
    return {"op": "ping"}


def to_ccxt(raw: str) -> str:
    """ccxt symbol of a Bybit contract name (``BTCUSDT`` -> ``BTC/USDT:USDT``)."""
    try:
        return tardis_symbol_to_ccxt("bybit", raw)
    except InputError as exc:
        raise FrameError(f"bybit symbol {raw!r}: {exc}") from None


def parse(frame: str | bytes | dict[str, Any]) -> list[LiquidationEvent]:
    """Liquidation events in one frame (``[]`` for acks, pongs and other topics)."""
    message = decode(frame)
    if not isinstance(message, dict) or not str(message.get("topic", "")).startswith(
        "allLiquidation."
    ):
        return []
    data = message.get("data")
    items = data if isinstance(data, list) else [data]
    return [_event(item) for item in items if isinstance(item, dict)]


def _event(item: dict[str, Any]) -> LiquidationEvent:
    raw_symbol = str(item.get("s", ""))
    symbol = to_ccxt(raw_symbol)
    side = liquidated_side(item.get("S", ""))
    price = number(item, "p", VENUE)
    size = number(item, "v", VENUE)
    time_ms = integer(item, "T", VENUE)
    # inverse contracts: v is the USD face value (1 USD a contract)
    key = (raw_symbol, item.get("S"), time_ms, item.get("v"), item.get("p"))
    return contract_event(VENUE, COVERAGE, symbol, side, time_ms, price, size, key=key)


__all__ = [
    "COVERAGE",
    "URL",
    "VENUE",
    "liquidated_side",
    "parse",
    "subscribe_messages",
    "venue_symbol",
]
