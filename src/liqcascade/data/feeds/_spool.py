"""The collector's append-only spool: segment files flushed every few seconds, then compacted.

Layout under the spool folder (default ``<store>/../<store name>.spool``; see :func:`spool_dir`)::

    <venue>/seg-<opened ms>-<pid>.jsonl   one JSON object per line: a liquidation or a gap
    <venue>.alive                         epoch ms of the last flush (to date a restart's gap)

A line is ``{"kind": "liq", ...LiquidationEvent fields}`` or ``{"kind": "gap", "venue",
"start_ms", "end_ms", "reason"}``. Segments are only appended to and fsynced at each flush,
so a ``kill -9`` loses at most what arrived since the last flush (and may leave a torn last
line, which compaction skips). Compaction writes every closed segment into the store in one
transaction and only then deletes it; a crash in between leaves the segment to be compacted
again, which changes nothing (every event has a stable key).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from liqcascade.data.feeds._event import LiquidationEvent, events_frame
from liqcascade.data.importers.dumps._convert import schema_frame


@dataclass(frozen=True)
class Gap:
    """A stretch with no data from a venue, and why (``disconnected: ...``)."""

    venue: str
    start_ms: int
    end_ms: int
    reason: str


def spool_dir(store_path: Path) -> Path:
    """The default spool folder beside a store (never inside it: the store owns its folder)."""
    store_path = Path(store_path)
    return store_path.parent / f"{store_path.name}.spool"


class Segments:
    """Append-only segment files of one venue (one open at a time)."""

    def __init__(self, root: Path, venue: str) -> None:
        self.folder = Path(root) / venue
        self.folder.mkdir(parents=True, exist_ok=True)
        self.venue = venue
        self._fh: IO[str] | None = None
        self._path: Path | None = None
        self.lines = 0

    def _open(self, now_ms: int) -> IO[str]:
        if self._fh is None:
            self._path = self.folder / f"seg-{now_ms:013d}-{os.getpid()}.jsonl"
            self._fh = self._path.open("a", encoding="utf-8")
        return self._fh

    def append(self, record: dict[str, Any], now_ms: int) -> None:
        """Append one record (buffered until :meth:`flush`)."""
        self._open(now_ms).write(json.dumps(record, separators=(",", ":")) + "\n")
        self.lines += 1

    def event(self, event: LiquidationEvent, now_ms: int) -> None:
        self.append({"kind": "liq", **asdict(event)}, now_ms)

    def gap(self, gap: Gap, now_ms: int) -> None:
        self.append({"kind": "gap", **asdict(gap)}, now_ms)

    def flush(self, now_ms: int) -> None:
        """Make everything appended so far durable (fsync), and date it in ``<venue>.alive``."""
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        alive = self.folder.parent / f"{self.venue}.alive"
        tmp = alive.with_suffix(".alive.tmp")
        tmp.write_text(str(now_ms))
        os.replace(tmp, alive)

    def rotate(self, now_ms: int) -> None:
        """Flush and close the open segment: it becomes eligible for compaction."""
        self.flush(now_ms)
        if self._fh is not None:
            self._fh.close()
        self._fh, self._path = None, None

    def closed(self) -> list[Path]:
        """Segment files not open for writing (all of them after :meth:`rotate`)."""
        return sorted(p for p in self.folder.glob("seg-*.jsonl") if p != self._path)


def last_alive(root: Path, venue: str) -> int | None:
    """When a previous run last flushed ``venue`` (epoch ms), or None."""
    try:
        return int((Path(root) / f"{venue}.alive").read_text().strip())
    except (OSError, ValueError):
        return None


def read_segment(path: Path) -> tuple[list[LiquidationEvent], list[Gap], int]:
    """Events and gaps of one segment, and how many torn/unreadable lines were skipped."""
    events: list[LiquidationEvent] = []
    gaps: list[Gap] = []
    skipped = 0
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                record = json.loads(line)
                kind = record.pop("kind")
                if kind == "liq":
                    events.append(LiquidationEvent(**record))
                elif kind == "gap":
                    gaps.append(Gap(**record))
            except (ValueError, TypeError, KeyError):
                skipped += 1  # the torn tail of a killed run
    return events, gaps, skipped


def gaps_frame(gaps: list[Gap]) -> pd.DataFrame:
    """``feed_gaps`` rows of ``gaps``."""
    return schema_frame(
        "feed_gaps",
        {
            "time": pd.to_datetime(
                np.asarray([g.start_ms for g in gaps], np.int64), unit="ms", utc=True
            ),
            "exchange": pd.array([g.venue for g in gaps], dtype="str"),
            "end": pd.to_datetime(
                np.asarray([g.end_ms for g in gaps], np.int64), unit="ms", utc=True
            ),
            "reason": pd.array([g.reason for g in gaps], dtype="str"),
        },
        len(gaps),
    )


def describe_gaps(gaps: pd.DataFrame) -> list[str]:
    """One line per ``feed_gaps`` row: ``bybit: no data 2026-12-01 12:03–12:07, disconnected``.

    Examples
    --------
    >>> g = pd.DataFrame({"exchange": ["bybit"], "reason": ["disconnected: reset"],
    ...     "time": [pd.Timestamp("2026-12-01 12:03:10", tz="UTC")],
    ...     "end": [pd.Timestamp("2026-12-01 12:07:55", tz="UTC")]})
    >>> describe_gaps(g)
    ['bybit: no data 2026-12-01 12:03–12:07 UTC, disconnected: reset']
    """
    lines = []
    for row in gaps.sort_values("time").itertuples(index=False):
        start, end = pd.Timestamp(row.time), pd.Timestamp(row.end)
        until = (
            end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
        )
        lines.append(f"{row.exchange}: no data {start:%Y-%m-%d %H:%M}–{until} UTC, {row.reason}")
    return lines


@dataclass
class Compaction:
    """What one compaction moved into the store."""

    segments: int = 0
    events: int = 0
    gaps: int = 0
    torn_lines: int = 0
    written: dict[str, Any] = field(default_factory=dict)


def compact(store: Any, segments: list[Path]) -> Compaction:
    """Write ``segments`` into ``store`` in one transaction, then delete them."""
    result = Compaction()
    events: list[LiquidationEvent] = []
    gaps: list[Gap] = []
    for path in segments:
        seg_events, seg_gaps, torn = read_segment(path)
        events += seg_events
        gaps += seg_gaps
        result.torn_lines += torn
    result.segments = len(segments)
    if events or gaps:
        liquidations = events_frame(events)
        result.events, result.gaps = len(liquidations), len(gaps)
        with store.transaction() as tx:
            if len(liquidations):
                result.written["liquidations"] = tx.write(
                    "liquidations", liquidations, source="collect"
                )
            if gaps:
                result.written["feed_gaps"] = tx.write(
                    "feed_gaps", gaps_frame(gaps), source="collect"
                )
    for path in segments:
        path.unlink(missing_ok=True)
    return result


__all__ = [
    "Compaction",
    "Gap",
    "Segments",
    "compact",
    "gaps_frame",
    "last_alive",
    "read_segment",
    "spool_dir",
]
