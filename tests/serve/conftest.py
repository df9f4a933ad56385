"""Fixtures for the dashboard tests: the bundled sample store and a live server on it.

The server is per test MODULE, not per session: its threads (uvicorn, AnyIO workers, jobs)
must be gone before later test packages fork Monte Carlo worker processes (forking a process
that runs those threads can crash the child: tests/sim/test_sim_montecarlo.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the serve extra is not installed")
pytest.importorskip("uvicorn", reason="the serve extra is not installed")

from _server import Server, start_server


@pytest.fixture(scope="session")
def serve_store(sample_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled real sample (a copy of the session's: the server's own)."""
    path = tmp_path_factory.mktemp("serve") / "store"
    shutil.copytree(sample_store_path, path)
    return path


@pytest.fixture(scope="module")
def server(serve_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The dashboard over the sample, with one (fake) model card to list."""
    cards = tmp_path_factory.mktemp("cards")
    (cards / "model_card.html").write_text("<html><body><h1>Model card</h1></body></html>")
    running = start_server(serve_store, cards=cards)
    yield running
    running.stop()
