"""A dashboard server started in this process on 127.0.0.1 and a free port (for the tests)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASOF_MAP = "2025-09-21T00:00Z"
SYMBOL = "BTC/USDT:USDT"
WEEK = "2025-09-25"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running dashboard: its base URL, the FastAPI app and the uvicorn server."""

    url: str
    app: Any
    server: Any
    thread: threading.Thread

    def get(self, path: str, *, method: str = "GET") -> tuple[int, Any]:
        """Status and decoded JSON body of ``path`` (errors included)."""
        request = urllib.request.Request(self.url + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start_server(store: Path, **kwargs: Any) -> Server:
    import uvicorn

    from liqcascade.serve import create_app

    app = create_app(store, **kwargs)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return Server(f"http://127.0.0.1:{port}", app, server, thread)
