"""``/api/live/stream``: server-sent events pushing new liquidation rows as they are written."""

from __future__ import annotations

import http.client
import json
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _server import Server, start_server

from liqcascade.data import Store, _transaction
from liqcascade.serve._service import Service

pytestmark = pytest.mark.integration


def _row(time: str, notional: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": pd.to_datetime([time], utc=True),
            "exchange": "bybit",
            "symbol": "ETH/USDT:USDT",
            "interval": None,
            "liquidated_side": "short",
            "notional_usd": [notional],
            "qty": [notional / 4_000.0],
            "price": [4_000.0],
            "coverage": "complete",
            "event_id": [f"x{int(notional)}"],
        }
    )


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Server, Store]]:
    store = Store(tmp_path / "store")
    store.write("liquidations", _row("2025-10-06T09:00:00Z", 500.0), source="test")
    running = start_server(store.path)
    yield running, store
    running.stop()


class Events:
    """Reads one text/event-stream response event by event."""

    def __init__(self, server: Server, **params: object) -> None:
        host = urllib.parse.urlparse(server.url)
        self.conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        self.conn.request("GET", "/api/live/stream?" + urllib.parse.urlencode(params))
        self.response = self.conn.getresponse()

    def next(self) -> tuple[str, dict]:
        """The next named event (comments and ``retry`` lines skipped)."""
        event, data = None, None
        while True:
            raw = self.response.readline()
            if not raw:
                raise EOFError("the server closed the stream")
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: ") :])
            elif line == "" and event is not None:
                return event, data

    def close(self) -> None:
        self.conn.close()


def test_stream_pushes_rows_written_after_it_opened(live: tuple[Server, Store]) -> None:
    server, store = live
    events = Events(server, limit=10, interval=0.2)
    try:
        assert events.response.status == 200
        assert events.response.getheader("content-type").startswith("text/event-stream")
        name, first = events.next()
        assert name == "liquidations"
        assert [r["notional_usd"] for r in first["rows"]] == [500.0]
        store.write("liquidations", _row("2025-10-06T09:00:07Z", 7_654.0), source="test")
        name, second = events.next()
        assert name == "liquidations"
        assert second["version"] != first["version"]
        # newest first: the row written while the stream was open leads
        assert [r["notional_usd"] for r in second["rows"]] == [7_654.0, 500.0]
        assert second["rows"][0]["liquidated_side"] == "short"
    finally:
        events.close()


def test_stream_pushes_only_changed_rows(live: tuple[Server, Store]) -> None:
    # A commit places its data files before it switches the manifest; a poll in between sees
    # a new file listing but reads the old rows. A stray Parquet file stands for that moment:
    # the stream must not push the unchanged rows as if they were the write.
    server, store = live
    events = Events(server, limit=10, interval=0.2)
    try:
        _, first = events.next()
        assert [r["notional_usd"] for r in first["rows"]] == [500.0]
        placed = next(store.path.rglob("*.parquet"))
        shutil.copy(placed, placed.with_name("placed-not-committed.parquet"))
        time.sleep(1.0)  # five polls see the new listing
        store.write("liquidations", _row("2025-10-06T09:00:07Z", 7_654.0), source="test")
        _, second = events.next()
        assert [r["notional_usd"] for r in second["rows"]] == [7_654.0, 500.0]
    finally:
        events.close()


def test_stream_is_documented_with_its_parameters(live: tuple[Server, Store]) -> None:
    server, _ = live
    status, spec = server.get("/openapi.json")
    assert status == 200
    names = {p["name"] for p in spec["paths"]["/api/live/stream"]["get"]["parameters"]}
    assert names == {"limit", "interval"}


def test_bad_interval_is_422(live: tuple[Server, Store]) -> None:
    server, _ = live
    status, body = server.get("/api/live/stream?interval=0")
    assert (status, body["parameter"]) == (422, "interval")


def test_a_poll_while_a_commit_places_its_files_is_followed_by_a_new_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stream sends rows when the version changes. A poll that lands after a commit placed
    # its month files but before it switched the manifest reads the old rows: the version must
    # still change once the manifest is switched, or the page never sees the new row.
    store = Store(tmp_path / "store")
    store.write("liquidations", _row("2025-10-06T09:00:00Z", 500.0), source="test")
    service = Service(store.path)
    seen: dict[str, Any] = {}
    real_publish = _transaction.publish

    def poll_then_publish(root: Path, manifest: Any) -> None:
        seen["version"] = service.version()
        seen["doc"] = service.latest_liquidations(10)
        real_publish(root, manifest)

    monkeypatch.setattr(_transaction, "publish", poll_then_publish)
    Store(store.path).write("liquidations", _row("2025-10-06T09:00:07Z", 7_654.0), source="test")
    assert [r["notional_usd"] for r in seen["doc"]["rows"]] == [500.0]
    assert service.version() != seen["version"]
    after = service.latest_liquidations(10)
    assert [r["notional_usd"] for r in after["rows"]] == [7_654.0, 500.0]


def test_version_skips_a_data_file_collected_while_it_is_listed(tmp_path: Path) -> None:
    # A writer deletes retired month files after its commit; one listed but gone before its
    # stat (here: a link to nothing) is in no version, not a failure of every stream poll.
    store = Store(tmp_path / "store")
    store.write("liquidations", _row("2025-10-06T09:00:00Z", 500.0), source="test")
    service = Service(store.path)
    before = service.version()
    (store.path / "liquidations" / "gone.parquet").symlink_to(tmp_path / "nothing.parquet")
    assert service.version() == before
