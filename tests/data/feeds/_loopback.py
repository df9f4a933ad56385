"""A loopback (127.0.0.1 only) websocket server that replays venue frames unreliably.

Each connection resumes a little before where the previous one stopped (so frames are
re-sent), repeats a frame, swaps two neighbours, then drops the TCP connection without a
close frame. Once every frame has gone out it keeps the last connection open, answering
heartbeats, so a collector can be stopped at leisure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve


@dataclass
class FlakyFeed:
    frames: list[str]
    chunk: int = 5
    overlap: int = 2
    connections: int = 0
    sent: int = 0  # frames sent in total (with the repeats)
    delivered: int = 0  # highest frame index reached
    subscriptions: list[Any] = field(default_factory=list)
    pings: int = 0
    port: int = 0

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        listener = asyncio.create_task(self._listen(ws))
        try:
            start = max(0, self.delivered - self.overlap)
            batch = list(range(start, min(len(self.frames), start + self.chunk)))
            if len(batch) >= 3:
                batch[1], batch[2] = batch[2], batch[1]  # reorder
                batch.insert(0, batch[0])  # duplicate
            for index in batch:
                await ws.send(self.frames[index])
                self.sent += 1
                self.delivered = max(self.delivered, index + 1)
                await asyncio.sleep(0)
            if self.delivered < len(self.frames):
                await asyncio.sleep(0.01)
                ws.transport.abort()  # drop, no close frame
                return
            await ws.wait_closed()  # all sent: stay up until the client leaves
        finally:
            listener.cancel()
            with contextlib.suppress(BaseException):
                await listener

    async def _listen(self, ws: ServerConnection) -> None:
        async for message in ws:
            if message == "ping" or '"ping"' in message:
                self.pings += 1
                await ws.send("pong" if message == "ping" else json.dumps({"op": "pong"}))
            else:
                self.subscriptions.append(json.loads(message))

    @contextlib.asynccontextmanager
    async def running(self):  # type: ignore[no-untyped-def]
        async with serve(self.handler, "127.0.0.1", 0) as server:
            self.port = server.sockets[0].getsockname()[1]
            yield f"ws://127.0.0.1:{self.port}"


def bybit_frames(n: int) -> list[str]:
    """``n`` distinct allLiquidation frames in the documented shape (ROSEUSDT example)."""
    out = []
    for i in range(n):
        side = "Sell" if i % 2 else "Buy"
        item = {
            "T": 1739502302929 + 250 * i,
            "s": "BTCUSDT",
            "S": side,
            "v": f"{0.001 * (i + 1):.3f}",
            "p": "60000",
        }
        out.append(
            json.dumps(
                {
                    "topic": "allLiquidation.BTCUSDT",
                    "type": "snapshot",
                    "ts": item["T"] + 5,
                    "data": [item],
                }
            )
        )
    return out
