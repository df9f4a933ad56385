"""Captured Binance !forceOrder@arr frames (JSON lines; ``collect --raw-dir``) -> liquidations.

Parsed by :func:`liqcascade.data.feeds.binance.parse`, the live collector's parser; the side
convention and units are documented there.
"""

from __future__ import annotations

from pathlib import Path

from liqcascade.data.feeds import binance as feed
from liqcascade.data.importers._base import ImportResult
from liqcascade.data.importers._ws_capture import detect as _detect
from liqcascade.data.importers._ws_capture import read_capture

FORMAT = "binance-ws"
DESCRIPTION = (
    "Binance futures !forceOrder@arr frames, one per line as sent (.gz ok) -> liquidations"
)


def detect(path: Path, head: str) -> bool:
    """True when the first frame is a binance liquidation frame."""
    return _detect("binance", head)


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one capture file (every event names its own symbol: ``symbol`` is unused)."""
    return read_capture(Path(path), feed, skip_bad=skip_bad)


__all__ = ["DESCRIPTION", "FORMAT", "detect", "read"]
