"""One normalized liquidation event, the shape every venue parser returns.

Each venue module (``binance``, ``bybit``, ``okx``, ``hyperliquid``) turns one frame, exactly
as the exchange sent it, into a list of :class:`LiquidationEvent`; :func:`events_frame` makes
the ``liquidations`` rows. Sizes are converted to BASE units at this edge (OKX sends
contracts, inverse contracts send USD face value) and the side is the side of the POSITION
that was closed (``long``/``short``), whatever convention the venue uses on the wire.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.data.importers.dumps._convert import is_inverse, schema_frame
from liqcascade.errors import InputError


@dataclass(frozen=True)
class LiquidationEvent:
    """A single liquidation as a venue published it, in liqcascade's units.

    ``time_ms`` is the venue's event time (epoch milliseconds, UTC); ``qty`` base units;
    ``notional_usd`` = qty x price for linear contracts, the USD face value for inverse ones.
    ``event_id`` is stable for the same event seen twice (a resent frame, an overlapping
    replay after a reconnect), so the store keeps it once.
    """

    time_ms: int
    venue: str
    symbol: str
    liquidated_side: str
    price: float
    qty: float
    notional_usd: float
    coverage: str
    event_id: str


class FrameError(InputError):
    """A frame that claims to be a liquidation but cannot be read (names field and value)."""


def content_id(*parts: object) -> str:
    """A short, stable id from an event's published fields (venues without an event id).

    Two events with identical published fields (time to the millisecond, side, size, price)
    get the same id and are stored once: the venues publish no finer identity.

    Examples
    --------
    >>> content_id("BTCUSDT", "SELL", 1568014460893) == content_id("BTCUSDT", "SELL", 1568014460893)
    True
    """
    text = json.dumps([str(p) for p in parts], separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def number(record: dict[str, Any], key: str, venue: str) -> float:
    """``record[key]`` as a finite float; a :class:`FrameError` naming venue, field and value."""
    value: Any = record.get(key)  # decoded JSON: anything, or None when missing
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise FrameError(
            f"{venue} liquidation field {key!r} is {value!r}; expected a number"
        ) from None
    if not np.isfinite(result):
        raise FrameError(f"{venue} liquidation field {key!r} is {value!r}; expected finite")
    return result


def integer(record: dict[str, Any], key: str, venue: str) -> int:
    """``record[key]`` as an int (epoch ms); a :class:`FrameError` if missing or malformed."""
    value: Any = record.get(key)  # decoded JSON: anything, or None when missing
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FrameError(
            f"{venue} liquidation field {key!r} is {value!r}; expected epoch milliseconds"
        ) from None


def contract_event(
    venue: str,
    coverage: str,
    symbol: str,
    side: str,
    time_ms: int,
    price: float,
    contracts: float,
    *,
    contract_size: float = 1.0,
    key: tuple[object, ...],
) -> LiquidationEvent:
    """The event of ``contracts`` contracts of ``symbol`` liquidated at ``price``, in base units.

    A linear contract is ``contract_size`` base units (qty = contracts x size, notional =
    qty x price); an inverse one (``BTC/USD:BTC``) is ``contract_size`` USD of face value
    (notional = contracts x size, qty = notional / price). ``key`` holds the published fields
    that identify the event; its :func:`content_id` is the ``event_id``.

    Examples
    --------
    >>> e = contract_event("okx", "complete", "BTC/USD:BTC", "long", 0, 50000.0, 2.0,
    ...                    contract_size=100.0, key=("BTC-USD-SWAP", "sell", 0))
    >>> e.notional_usd, e.qty
    (200.0, 0.004)
    """
    if is_inverse(symbol):
        notional = contracts * contract_size
        qty = notional / price
    else:
        qty = contracts * contract_size
        notional = qty * price
    return LiquidationEvent(
        time_ms=time_ms,
        venue=venue,
        symbol=symbol,
        liquidated_side=side,
        price=price,
        qty=qty,
        notional_usd=notional,
        coverage=coverage,
        event_id=content_id(*key),
    )


def events_frame(events: Iterable[LiquidationEvent]) -> pd.DataFrame:
    """The ``liquidations`` rows of ``events`` (one row per distinct event, time order)."""
    rows = list(
        {(e.venue, e.symbol, e.liquidated_side, e.time_ms, e.event_id): e for e in events}.values()
    )
    rows.sort(key=lambda e: (e.time_ms, e.venue, e.symbol, e.event_id))
    return schema_frame(
        "liquidations",
        {
            "time": pd.to_datetime(
                np.asarray([e.time_ms for e in rows], dtype=np.int64), unit="ms", utc=True
            ),
            "exchange": pd.array([e.venue for e in rows], dtype="str"),
            "symbol": pd.array([e.symbol for e in rows], dtype="str"),
            "interval": None,
            "liquidated_side": pd.array([e.liquidated_side for e in rows], dtype="str"),
            "notional_usd": np.asarray([e.notional_usd for e in rows], dtype=float),
            "qty": np.asarray([e.qty for e in rows], dtype=float),
            "price": np.asarray([e.price for e in rows], dtype=float),
            "coverage": pd.array([e.coverage for e in rows], dtype="str"),
            "event_id": pd.array([e.event_id for e in rows], dtype="str"),
        },
        len(rows),
    )


__all__ = [
    "FrameError",
    "LiquidationEvent",
    "content_id",
    "contract_event",
    "events_frame",
    "integer",
    "number",
]
