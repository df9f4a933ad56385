"""Hyperliquid: liquidation fills in the public ``userFills`` websocket subscription.

Documentation: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/websocket/subscriptions
(checked 2026-12-01). Hyperliquid publishes NO market-wide liquidation stream: the public
``trades`` feed carries no liquidation flag, and a fill says it was a liquidation only in
``userFills`` (no authentication; one subscription per wallet address), whose ``WsFill`` has::

    liquidation?: {liquidatedUser?: string, markPx: number, method: "market" | "backstop"}

and the message is ``{"channel": "userFills", "data": {"isSnapshot"?: bool, "user": address,
"fills": [WsFill, ...]}}`` with ``coin``, ``px``, ``sz`` (base units), ``side`` (``B`` buy,
``A`` sell), ``time`` (ms), ``tid`` (trade id) on each fill.

Coverage is therefore ``partial``: the liquidations in which one of the watched wallets took
part — e.g. the liquidator vault, counterparty of every backstop liquidation. Third-party
"all liquidation fills" feeds exist (indexers reading the node's fills) but are not the
venue's public API and need keys.

**Side convention**: the fill's ``side`` is the side of the WATCHED wallet. When the watched
wallet is the liquidated user it sold to close a long (``A`` -> ``long``) or bought to close a
short (``B`` -> ``short``); when it is the counterparty (the liquidator or a resting order) it
took the other side (``B`` -> ``long``, ``A`` -> ``short``). The trade id ``tid`` is the event
id, so the two sides of one liquidation are stored once.

Heartbeat: send ``{"method": "ping"}`` (answer ``{"channel": "pong"}``); the server closes a
connection that sent nothing for 60 s.
"""

from __future__ import annotations

from typing import Any

from liqcascade.data.feeds._event import FrameError, LiquidationEvent, integer, number
from liqcascade.data.feeds._wire import decode

VENUE = "hyperliquid"
COVERAGE = "partial"
URL = "wss://api.hyperliquid.xyz/ws"
PING_INTERVAL_S: float | None = 30.0


def liquidated_side(fill_side: str, *, watched_is_liquidated: bool) -> str:
    """Position side closed in a Hyperliquid liquidation fill seen from the watched wallet.

    Examples
    --------
    >>> liquidated_side("A", watched_is_liquidated=True)
    'long'
    >>> liquidated_side("B", watched_is_liquidated=False)
    'long'
    """
    side = str(fill_side).upper()
    if side not in ("A", "B"):
        raise FrameError(f"hyperliquid fill field 'side' is {fill_side!r}; expected A or B")
    sold = side == "A"
    return "long" if sold == watched_is_liquidated else "short"


def subscribe_messages(users: list[str]) -> list[dict[str, Any]]:
    """One ``userFills`` subscription per watched wallet address."""
    return [
        {"method": "subscribe", "subscription": {"type": "userFills", "user": u}} for u in users
    ]


def ping_message() -> dict[str, str]:
    """Hyperliquid's application-level ping."""
    return {"method": "ping"}


def to_ccxt(coin: str) -> str:
    """ccxt symbol of a Hyperliquid perp (``BTC`` -> ``BTC/USDC:USDC``)."""
    text = str(coin).strip().upper()
    if not text.isalnum():
        raise FrameError(f"hyperliquid coin {coin!r} is not a perp name (spot pairs are '@n')")
    return f"{text}/USDC:USDC"


def parse(frame: str | bytes | dict[str, Any]) -> list[LiquidationEvent]:
    """Liquidation events in one ``userFills`` frame (``[]`` for other channels, pongs)."""
    message = decode(frame)
    if not isinstance(message, dict) or message.get("channel") != "userFills":
        return []
    data = message.get("data") or {}
    user = str(data.get("user", "")).lower()
    return [
        _event(fill, user)
        for fill in data.get("fills") or []
        if isinstance(fill, dict) and isinstance(fill.get("liquidation"), dict)
    ]


def _event(fill: dict[str, Any], user: str) -> LiquidationEvent:
    liquidated = str(fill["liquidation"].get("liquidatedUser") or "").lower()
    watched_is_liquidated = bool(user) and liquidated == user
    price = number(fill, "px", VENUE)
    qty = number(fill, "sz", VENUE)
    tid = fill.get("tid")
    if tid is None:
        raise FrameError(f"hyperliquid fill without a trade id 'tid': {fill!r}")
    return LiquidationEvent(
        time_ms=integer(fill, "time", VENUE),
        venue=VENUE,
        symbol=to_ccxt(fill.get("coin", "")),
        liquidated_side=liquidated_side(
            fill.get("side", ""), watched_is_liquidated=watched_is_liquidated
        ),
        price=price,
        qty=qty,
        notional_usd=qty * price,
        coverage=COVERAGE,
        event_id=str(tid),
    )


__all__ = ["COVERAGE", "URL", "VENUE", "liquidated_side", "parse", "subscribe_messages"]
