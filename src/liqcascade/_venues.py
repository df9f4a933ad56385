"""The venues liqcascade models (margin rules, bracket tables, live collectors), and the one
check of a venue name shared by ``margin`` and ``data``."""

from __future__ import annotations

from liqcascade.errors import UnknownVenueError

VENUES = ("binance", "bybit", "okx", "hyperliquid")


def check_venue(venue: str) -> str:
    """Lower-case venue id, or :class:`UnknownVenueError` listing the known ones.

    Examples
    --------
    >>> check_venue(" Binance ")
    'binance'
    """
    v = str(venue).strip().lower()
    if v not in VENUES:
        raise UnknownVenueError(f"venue {venue!r} is unknown; expected one of {list(VENUES)}")
    return v


__all__ = ["VENUES", "check_venue"]
