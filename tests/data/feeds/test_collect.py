"""``collect`` against a loopback server that drops, duplicates, reorders and disconnects."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _loopback import FlakyFeed, bybit_frames

from liqcascade.data import Store
from liqcascade.data.feeds._collect import CollectConfig, collect_async
from liqcascade.data.feeds._event import LiquidationEvent
from liqcascade.data.feeds._spool import Segments, compact, spool_dir

pytestmark = pytest.mark.integration


async def _run(feed: FlakyFeed, store: Store, tmp: Path, *, expected: int) -> object:
    seen: set[str] = set()
    stop = asyncio.Event()

    def on_event(event: LiquidationEvent) -> None:
        seen.add(event.event_id)
        if len(seen) == expected:
            stop.set()

    async with feed.running() as url:
        config = CollectConfig(
            exchanges=("bybit",),
            symbols=("BTC/USDT:USDT",),
            spool=tmp / "spool",
            raw_dir=tmp / "raw",
            duration_s=60,  # a bound only: the run stops when every event was seen
            flush_s=0.05,
            compact_s=0.2,
            backoff_base_s=0.01,
            backoff_max_s=0.05,
            urls={"bybit": url},
            seed=7,
        )
        return await asyncio.wait_for(
            collect_async(store, config=config, stop=stop, on_event=on_event), timeout=90
        )


def test_every_distinct_liquidation_stored_exactly_once(tmp_path: Path) -> None:
    frames = bybit_frames(23)
    feed = FlakyFeed(frames, chunk=5, overlap=2)
    store = Store(tmp_path / "store")
    result = asyncio.run(_run(feed, store, tmp_path, expected=len(frames)))
    rows = store.liquidations("BTC/USDT:USDT")
    assert len(rows) == len(frames)
    assert rows["event_id"].is_unique
    # frame i: (i+1) mBTC at 60000; even i Buy -> long (Bybit's position side)
    assert rows["qty"].sum() == pytest.approx(0.001 * sum(range(1, 24)))
    assert (rows["liquidated_side"] == "long").sum() == 12
    assert feed.sent > len(frames)  # the server really did resend and duplicate
    assert feed.connections >= 5
    assert all(
        s == {"op": "subscribe", "args": ["allLiquidation.BTCUSDT"]} for s in feed.subscriptions
    )
    # each drop is a recorded gap; a gap ends where the next connection began
    gaps = store.read("feed_gaps")
    assert len(gaps) == feed.connections - 1 == len(result.gaps)
    assert (gaps["end"] >= gaps["time"]).all()
    assert gaps["reason"].str.startswith("disconnected").all()


def test_raw_frames_replay_into_the_same_rows(tmp_path: Path) -> None:
    from liqcascade.data import import_paths

    frames = bybit_frames(9)
    store = Store(tmp_path / "store")
    asyncio.run(_run(FlakyFeed(frames, chunk=4), store, tmp_path, expected=len(frames)))
    (raw,) = (tmp_path / "raw" / "bybit").glob("*.jsonl")
    replay = Store(tmp_path / "replay")
    import_paths(replay, "bybit-ws", [raw])
    cols = ["time", "symbol", "liquidated_side", "qty", "price", "notional_usd", "event_id"]
    assert replay.read("liquidations")[cols].equals(store.read("liquidations")[cols])


def test_a_killed_run_loses_only_the_unflushed_tail(tmp_path: Path) -> None:
    # A run killed mid-write leaves a segment whose last line is torn; the next run's
    # compaction stores every complete line and skips the torn one.
    spool = spool_dir(tmp_path / "store")
    segments = Segments(spool, "bybit")
    from liqcascade.data.feeds import bybit

    events = [e for f in bybit_frames(4) for e in bybit.parse(f)]
    for event in events:
        segments.event(event, 1)
    segments.flush(2)
    (path,) = segments.folder.glob("seg-*.jsonl")
    with path.open("a") as fh:
        fh.write('{"kind":"liq","time_ms":17395')  # the unflushed tail, cut by kill -9
    store = Store(tmp_path / "store")
    done = compact(store, [path])
    assert (done.events, done.torn_lines) == (4, 1)
    assert len(store.liquidations("BTC/USDT:USDT")) == 4
    assert not path.exists()
    # compacting the same events again (a crash before the delete) changes nothing
    again = Segments(spool, "bybit")
    for event in events:
        again.event(event, 3)
    again.rotate(4)
    summary = compact(store, again.closed()).written["liquidations"]
    assert (summary.added, summary.replaced) == (0, 0)


def test_data_show_says_when_there_was_no_data(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from liqcascade.cli import app
    from liqcascade.data.feeds._spool import Gap, gaps_frame

    store = Store(tmp_path / "store")
    start = 1764590580000  # 2025-12-01 12:03:00 UTC
    store.write(
        "feed_gaps",
        gaps_frame([Gap("bybit", start, start + 4 * 60_000, "disconnected: reset")]),
        source="test",
    )
    result = CliRunner().invoke(app, ["data", "show", "liquidations", "--store", str(store.path)])
    assert "bybit: no data 2025-12-01 12:03–12:07 UTC, disconnected: reset" in result.output


@contextlib.contextmanager
def _server_thread(feed: FlakyFeed) -> Iterator[str]:
    """Run ``feed`` on a loopback port in a background thread; yield its URL."""
    ready, stop = threading.Event(), threading.Event()
    url: list[str] = []

    def serve() -> None:
        async def main() -> None:
            async with feed.running() as address:
                url.append(address)
                ready.set()
                while not stop.is_set():
                    await asyncio.sleep(0.05)

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield url[0]
    finally:
        stop.set()
        thread.join(30)


def _collect_command(store: Path, url: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "liqcascade.cli", "collect", "--exchange", "bybit",
        "--symbol", "BTC/USDT:USDT", "--store", str(store), "--url", f"bybit={url}", *extra,
    ]  # fmt: skip


def test_cli_collect_against_the_loopback_server(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with _server_thread(FlakyFeed(bybit_frames(6), chunk=6)) as url:
        command = _collect_command(store, url, "--duration", "4", "--flush", "0.2")
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "stored: 6 distinct liquidation(s)" in out.stdout
    assert len(Store(store).liquidations("BTC/USDT:USDT")) == 6


def test_kill_9_then_restart_stores_everything_once(tmp_path: Path) -> None:
    store = tmp_path / "store"
    spool = spool_dir(store)
    frames = bybit_frames(12)
    with _server_thread(FlakyFeed(frames, chunk=12, overlap=3)) as url:
        command = _collect_command(store, url, "--flush", "0.1", "--compact", "3600")
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(600):  # until every frame is flushed to the spool (<= 60 s)
                lines = sum(len(p.read_text().splitlines()) for p in spool.glob("bybit/seg-*"))
                # the lines show before the flush's fsync ends and dates the run in bybit.alive
                # (what the restart's gap starts from): wait for both, or the kill races it
                alive = (spool / "bybit.alive").exists()
                if lines >= len(frames) + 1 and alive:  # + the duplicate the server sends
                    break
                time.sleep(0.1)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
        assert not Store(store).files("liquidations")  # nothing compacted before the kill
        again = subprocess.run(
            _collect_command(store, url, "--duration", "2", "--flush", "0.1"),
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert again.returncode == 0, again.stderr
    rows = Store(store).liquidations("BTC/USDT:USDT")
    assert len(rows) == len(frames)
    assert rows["event_id"].is_unique
    gaps = Store(store).read("feed_gaps")
    assert "collector not running" in set(gaps["reason"])
