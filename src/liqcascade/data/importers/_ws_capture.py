"""Captured websocket frames (JSON lines, one frame as the venue sent it per line) -> liquidations.

The four ``<venue>_ws`` importers share this reader: every line goes through the SAME
``parse`` as the live collector (:mod:`liqcascade.data.feeds`), so a capture replays into
any store exactly as it was collected. Plain, ``.gz`` and ``.zip`` files; blank lines and
heartbeat text (``pong``) are skipped; an event seen twice (a resent frame) is stored once.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

from liqcascade.data.feeds import FrameError, LiquidationEvent, events_frame
from liqcascade.data.importers._base import BadRow, ImportResult, open_text
from liqcascade.errors import ImportFormatError

# what a venue's liquidation frame has near its start (for `data import auto`)
SIGNATURES = {
    "binance": re.compile(r'"e"\s*:\s*"forceOrder"'),
    "bybit": re.compile(r'"topic"\s*:\s*"allLiquidation\.'),
    "okx": re.compile(r'"channel"\s*:\s*"liquidation-orders"'),
    "hyperliquid": re.compile(r'"channel"\s*:\s*"userFills"'),
}


def detect(venue: str, head: str) -> bool:
    """True when ``head`` is JSON lines and one of its frames is ``venue``'s liquidation frame
    (acks and heartbeats may come first)."""
    if not head.lstrip().startswith(("{", "[", "pong", "ping")):
        return False
    return bool(SIGNATURES[venue].search(head))


def read_capture(
    path: Path, feed: ModuleType, *, skip_bad: bool = False, **parse_options: Any
) -> ImportResult:
    """Parse every frame of a capture with ``feed.parse`` into ``liquidations`` rows.

    Raises
    ------
    ImportFormatError
        A line that is not JSON or a liquidation that cannot be read (names line and why),
        unless ``skip_bad``, which records it in ``bad_rows`` and goes on.
    """
    path = Path(path)
    result = ImportResult()
    events: list[LiquidationEvent] = []
    frames = 0
    for number, line in enumerate(open_text(path), start=1):
        if not line.strip():
            continue
        try:
            parsed = feed.parse(line, **parse_options)
        except FrameError as exc:
            error = ImportFormatError(
                str(exc),
                path=path,
                line=number,
                expected=f"one {feed.VENUE} websocket frame per line, as the venue sent it",
            )
            if not skip_bad:
                raise error from None
            result.bad_rows.append(BadRow(str(path), number, None, line.strip()[:120], str(error)))
            continue
        frames += 1
        events.extend(parsed)
    frame = events_frame(events)
    repeated = len(events) - len(frame)
    if repeated:
        result.warnings.append(f"{repeated} repeated liquidation event(s) stored once")
    if frames and not len(frame):
        result.warnings.append(f"{frames} frame(s) read, none carried a liquidation")
    result.add("liquidations", frame)
    return result


__all__ = ["SIGNATURES", "detect", "read_capture"]
