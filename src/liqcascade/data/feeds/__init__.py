"""Public liquidation feeds: one parser module per venue, the live collector, the segment spool.

Each venue module (``binance``, ``bybit``, ``okx``, ``hyperliquid``) has the same shape:
``VENUE``, ``URL``, ``COVERAGE``, ``PING_INTERVAL_S``, ``subscribe_messages``,
``ping_message``, ``liquidated_side`` and ``parse(frame) -> list[LiquidationEvent]``; the
module docstring cites the venue's documentation for its side convention (they differ:
Binance and OKX publish the liquidation ORDER's side, Bybit the POSITION's side, Hyperliquid
the watched wallet's fill side). The same ``parse`` serves the live collector
(:func:`collect`) and ``liqcascade data import <venue>-ws`` of captured frames.
"""

from __future__ import annotations

from types import ModuleType

from liqcascade.data.feeds import binance, bybit, hyperliquid, okx
from liqcascade.data.feeds._event import FrameError, LiquidationEvent, events_frame
from liqcascade.data.feeds._spool import describe_gaps, spool_dir
from liqcascade.errors import UnknownVenueError

FEEDS: dict[str, ModuleType] = {m.VENUE: m for m in (binance, bybit, okx, hyperliquid)}


def feed(venue: str) -> ModuleType:
    """The parser module of ``venue``; an error lists the venues with a feed."""
    try:
        return FEEDS[venue.strip().lower()]
    except KeyError:
        raise UnknownVenueError(
            f"no liquidation feed for {venue!r}; expected one of {', '.join(FEEDS)}"
        ) from None


__all__ = [
    "FEEDS",
    "FrameError",
    "LiquidationEvent",
    "describe_gaps",
    "events_frame",
    "feed",
    "spool_dir",
]
