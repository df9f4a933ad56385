"""Captured websocket frames (JSON lines, one frame as the venue sent it per line) -> liquidations.

One importer per venue (:data:`CAPTURE_IMPORTERS`, formats ``<venue>-ws``), all reading with
:func:`read_capture`: every line goes through the SAME
``parse`` as the live collector (:mod:`liqcascade.data.feeds`), so a capture replays into
any store exactly as it was collected. Plain, ``.gz`` and ``.zip`` files; blank lines and
heartbeat text (``pong``) are skipped; an event seen twice (a resent frame) is stored once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from liqcascade.data.feeds import FEEDS, FrameError, LiquidationEvent, events_frame
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


@dataclass(frozen=True)
class CaptureImporter:
    """The importer of one venue's captured frames, in the importer-module shape of
    :mod:`~liqcascade.data.importers._base` (``FORMAT``, ``DESCRIPTION``, ``detect``, ``read``).

    ``read`` parses with the venue's live-collector parser (``liqcascade.data.feeds.<venue>``),
    where the side convention and units are documented. Every event names its own symbol, so
    ``symbol`` and ``kind`` are unused.
    """

    FORMAT: str
    DESCRIPTION: str
    venue: str

    def detect(self, path: Path, head: str) -> bool:
        """True when the first frame is this venue's liquidation frame."""
        return detect(self.venue, head)

    def read(
        self, path: Path, *, symbol: object = None, kind: object = None, skip_bad: bool = False
    ) -> ImportResult:
        """Read one capture file into ``liquidations`` rows (see :func:`read_capture`)."""
        return read_capture(Path(path), FEEDS[self.venue], skip_bad=skip_bad)


# (collect --raw-dir writes these files; .gz ok)
CAPTURE_IMPORTERS = (
    CaptureImporter(
        "binance-ws",
        "Binance futures !forceOrder@arr frames, one per line as sent (.gz ok) -> liquidations",
        "binance",
    ),
    CaptureImporter(
        "bybit-ws",
        "Bybit v5 allLiquidation frames, one per line as sent (.gz ok) -> liquidations",
        "bybit",
    ),
    CaptureImporter(
        "okx-ws",
        "OKX liquidation-orders frames, one per line as sent (.gz ok) -> liquidations",
        "okx",
    ),
    CaptureImporter(
        "hyperliquid-ws",
        "Hyperliquid userFills frames, one per line (.gz ok) -> liquidations",
        "hyperliquid",
    ),
)


__all__ = ["CAPTURE_IMPORTERS", "SIGNATURES", "CaptureImporter", "detect", "read_capture"]
