"""``liqcascade collect``: keep public liquidation streams flowing into the store.

One asyncio task per venue holds a websocket (the ``websockets`` client of the ``live``
extra) and feeds every frame to the venue's parser (the same one ``data import <venue>-ws``
uses). Why not ccxt.pro: it hands back parsed structures, not the frames ``--raw-dir`` must
keep verbatim for audit; it hides disconnects, which must be recorded as gaps; and it loads
every market over REST before subscribing.

Reliability:

- **Reconnect** with exponential back-off and full jitter (``base x 2^attempt`` capped at
  ``backoff_max_s``, times a uniform factor in [0.5, 1.5)), reset once a connection is up.
- **Heartbeats** as each venue requires (``PING_INTERVAL_S`` of its module, plus websocket
  protocol pings); a connection silent for ``idle_timeout_s`` is treated as dead.
- **Gaps**: every disconnect is stored (dataset ``feed_gaps``) as ``[lost, back)`` with the
  reason, and a restart records ``[last flush of the previous run, now)``.
- **Durability**: events go to append-only segment files (:mod:`._spool`) fsynced every
  ``flush_s`` seconds and compacted into the store every ``compact_s`` seconds and at exit;
  a ``kill -9`` loses at most the unflushed tail, and the next run compacts what is left.
- **Exactly once**: every event has a stable key (venue id or a digest of its published
  fields), so duplicates, replays after reconnects and re-compacted segments are stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from liqcascade.data.feeds import FEEDS, feed, okx
from liqcascade.data.feeds._event import FrameError, LiquidationEvent
from liqcascade.data.feeds._spool import Compaction, Gap, Segments, compact, last_alive
from liqcascade.errors import InputError, MissingExtraError

DEFAULT_SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")


@dataclass(frozen=True, kw_only=True)
class CollectConfig:
    """What to collect and how (all options keyword-only; see :func:`collect`)."""

    exchanges: tuple[str, ...] = ("binance", "bybit", "okx")
    symbols: tuple[str, ...] = ()
    hyperliquid_users: tuple[str, ...] = ()
    spool: Path
    raw_dir: Path | None = None
    duration_s: float | None = None
    flush_s: float = 2.0
    compact_s: float = 30.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    idle_timeout_s: float = 90.0
    open_timeout_s: float = 10.0
    urls: dict[str, str] = field(default_factory=dict)
    contract_values: dict[str, float] = field(default_factory=dict)
    seed: int | None = None


@dataclass
class CollectResult:
    """What a run did, per venue."""

    events: Counter[str] = field(default_factory=Counter)
    connections: Counter[str] = field(default_factory=Counter)
    gaps: list[Gap] = field(default_factory=list)
    frame_errors: Counter[str] = field(default_factory=Counter)
    unknown_contracts: Counter[str] = field(default_factory=Counter)
    compactions: list[Compaction] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(c.events for c in self.compactions)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def backoff_delay(attempt: int, *, base_s: float, max_s: float, rng: random.Random) -> float:
    """Seconds to wait before reconnect ``attempt`` (0-based): capped exponential x jitter.

    Examples
    --------
    >>> rng = random.Random(0)
    >>> 0.5 <= backoff_delay(0, base_s=1.0, max_s=60.0, rng=rng) < 1.5
    True
    >>> backoff_delay(20, base_s=1.0, max_s=60.0, rng=rng) < 90.0
    True
    """
    return min(max_s, base_s * 2.0**attempt) * rng.uniform(0.5, 1.5)


def _validate(config: CollectConfig) -> None:
    for venue in config.exchanges:
        feed(venue)  # an unknown venue lists the valid ones
    if "hyperliquid" in config.exchanges and not config.hyperliquid_users:
        raise InputError(
            "hyperliquid publishes liquidation fills only in the userFills of the wallets "
            "involved (no market-wide stream): pass --hl-user 0x... (e.g. the liquidator "
            "vault) to watch, see docs/live.md"
        )
    if config.flush_s <= 0 or config.compact_s <= 0:
        raise InputError("flush and compaction intervals must be positive seconds")


def _wanted(symbols: tuple[str, ...]) -> Callable[[LiquidationEvent], bool]:
    """Keep events whose base asset is one of the symbols' (each venue lists its own quote)."""
    bases = {s.split("/", 1)[0].upper() for s in symbols}
    return (lambda e: e.symbol.split("/", 1)[0] in bases) if bases else (lambda e: True)


class _Sink:
    """Where the venue tasks put what they read: segments, raw files, counters."""

    def __init__(self, config: CollectConfig, result: CollectResult) -> None:
        self.config = config
        self.result = result
        self.segments = {v: Segments(config.spool, v) for v in config.exchanges}
        self.keep = _wanted(config.symbols)
        self._raw: dict[str, Any] = {}
        self.on_event: Callable[[LiquidationEvent], None] | None = None

    def raw(self, venue: str, text: str) -> None:
        if self.config.raw_dir is None:
            return
        day = time.strftime("%Y-%m-%d", time.gmtime())
        path = self.config.raw_dir / venue / f"{venue}-{day}.jsonl"
        fh = self._raw.get(venue)
        if fh is None or fh.name != str(path):
            if fh is not None:
                fh.close()
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = self._raw[venue] = path.open("a", encoding="utf-8")
        fh.write(text.replace("\r", " ").replace("\n", " ") + "\n")

    def frame(self, venue: str, module: ModuleType, text: str) -> None:
        self.raw(venue, text)
        try:
            if module is okx:
                events = module.parse(text, contract_values=self.config.contract_values)
            else:
                events = module.parse(text)
        except okx.UnknownContractError as exc:
            self.result.unknown_contracts[exc.inst_id] += 1
            return
        except FrameError:
            self.result.frame_errors[venue] += 1
            return
        now = _now_ms()
        for event in events:
            if self.keep(event):
                self.segments[venue].event(event, now)
                self.result.events[venue] += 1
                if self.on_event is not None:
                    self.on_event(event)

    def gap(self, gap: Gap) -> None:
        self.segments[gap.venue].gap(gap, _now_ms())
        self.result.gaps.append(gap)

    def flush(self) -> None:
        now = _now_ms()
        for segments in self.segments.values():
            segments.flush(now)
        for fh in self._raw.values():
            fh.flush()

    def close(self) -> None:
        for fh in self._raw.values():
            fh.close()


def _subscriptions(venue: str, module: ModuleType, config: CollectConfig) -> list[Any]:
    if venue == "hyperliquid":
        return module.subscribe_messages(list(config.hyperliquid_users))
    if venue == "bybit":
        return module.subscribe_messages(list(config.symbols or DEFAULT_SYMBOLS))
    return module.subscribe_messages(list(config.symbols))


def _encode(message: Any) -> str:
    return message if isinstance(message, str) else json.dumps(message)


async def _heartbeat(ws: Any, module: ModuleType) -> None:
    interval = module.PING_INTERVAL_S
    if interval is None:
        return
    while True:
        await asyncio.sleep(interval)
        await ws.send(_encode(module.ping_message()))


async def _session(ws: Any, venue: str, module: ModuleType, sink: _Sink, idle_s: float) -> None:
    """Read frames until the connection fails (raises) or the task is cancelled."""
    beat = asyncio.create_task(_heartbeat(ws, module))
    try:
        while True:
            async with asyncio.timeout(idle_s):  # not wait_for: it can swallow a cancel (3.11)
                message = await ws.recv()
            text = message.decode("utf-8") if isinstance(message, bytes) else message
            sink.frame(venue, module, text)
    finally:
        beat.cancel()
        with contextlib.suppress(BaseException):
            await beat


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "disconnected: no message within the idle timeout"
    text = str(exc) or type(exc).__name__
    return f"disconnected: {text[:160]}"


async def _venue_task(venue: str, config: CollectConfig, sink: _Sink, rng: random.Random) -> None:
    """Connect, subscribe, read; on any failure record the gap, back off and reconnect."""
    from websockets.asyncio.client import connect

    module = FEEDS[venue]
    url = config.urls.get(venue, module.URL)
    attempt = 0
    down_since = last_alive(config.spool, venue)
    reason = "collector not running"
    while True:
        try:
            async with connect(
                url,
                open_timeout=config.open_timeout_s,
                ping_interval=20,
                ping_timeout=20,
                close_timeout=2,
                max_size=2**23,
                proxy=None if url.startswith(("ws://127.", "ws://localhost")) else True,
            ) as ws:
                for message in _subscriptions(venue, module, config):
                    await ws.send(_encode(message))
                sink.result.connections[venue] += 1
                if down_since is not None:
                    sink.gap(Gap(venue, down_since, _now_ms(), reason))
                down_since, attempt = None, 0
                await _session(ws, venue, module, sink, config.idle_timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any transport or protocol failure: reconnect
            if down_since is None:  # a gap keeps the reason it began with (e.g. not running)
                reason = _reason(exc)
        if down_since is None:
            down_since = _now_ms()
        delay = backoff_delay(
            attempt, base_s=config.backoff_base_s, max_s=config.backoff_max_s, rng=rng
        )
        attempt += 1
        await asyncio.sleep(delay)


async def _maintain(sink: _Sink, store: Any, config: CollectConfig, result: CollectResult) -> None:
    """Flush every ``flush_s``; compact closed segments every ``compact_s``."""
    last_compact = time.monotonic()
    while True:
        await asyncio.sleep(config.flush_s)
        sink.flush()
        if time.monotonic() - last_compact >= config.compact_s:
            await asyncio.to_thread(_compact_all, sink, store, result, rotate=True)
            last_compact = time.monotonic()


def _compact_all(sink: _Sink, store: Any, result: CollectResult, *, rotate: bool) -> None:
    now = _now_ms()
    paths: list[Path] = []
    for segments in sink.segments.values():
        if rotate:
            segments.rotate(now)
        paths += segments.closed()
    if paths:
        result.compactions.append(compact(store, paths))


async def collect_async(
    store: Any,
    *,
    config: CollectConfig,
    stop: asyncio.Event | None = None,
    on_event: Callable[[LiquidationEvent], None] | None = None,
) -> CollectResult:
    """Run the collector until ``config.duration_s`` passes or ``stop`` is set.

    Leftover segments of a previous (killed) run are compacted first; on exit everything
    read is flushed and compacted.
    """
    try:
        import websockets  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("websockets", "live") from exc
    _validate(config)
    result = CollectResult()
    sink = _Sink(config, result)
    sink.on_event = on_event
    await asyncio.to_thread(_compact_all, sink, store, result, rotate=False)  # resume
    rng = random.Random(config.seed)
    tasks = [asyncio.create_task(_venue_task(v, config, sink, rng)) for v in config.exchanges]
    tasks.append(asyncio.create_task(_maintain(sink, store, config, result)))
    stop = stop or asyncio.Event()
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(config.duration_s):
                await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        sink.flush()
        await asyncio.to_thread(_compact_all, sink, store, result, rotate=True)
        sink.close()
    return result


def collect(store: Any, *, config: CollectConfig) -> CollectResult:
    """Blocking :func:`collect_async`; SIGINT/SIGTERM stop it cleanly (flush, compact, return)."""

    async def main() -> CollectResult:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        return await collect_async(store, config=config, stop=stop)

    return asyncio.run(main())


__all__ = [
    "DEFAULT_SYMBOLS",
    "CollectConfig",
    "CollectResult",
    "backoff_delay",
    "collect",
    "collect_async",
]
