"""Atomic writes: an import SIGKILLed mid-way leaves the store exactly as before (or, once the
journal is written, exactly as after). The writer's test hook ``LIQCASCADE_STORE_PAUSE``
makes it pause at a known point so the kill lands there deterministically."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store

pytestmark = pytest.mark.integration

WRITER = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from liqcascade.data import Store
    times = pd.date_range("2025-01-01", "2025-06-30", freq="1D", tz="UTC")
    frame = pd.DataFrame({"time": times, "exchange": "binance", "symbol": "BTC/USDT",
                          "market": "spot", "interval": "1d", "close": float(sys.argv[2])})
    Store(sys.argv[1]).write("candles", frame, source="writer")
    """
)


def tree(root: Path, *, with_tmp: bool = False) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock" and (with_tmp or not p.name.endswith(".tmp"))
    }


def run_writer(store: Path, close: float, pause: str | None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    if pause:
        env["LIQCASCADE_STORE_PAUSE"] = f"{pause}:60"
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store), str(close)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_when_paused(proc: subprocess.Popen[str], phase: str) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.strip() == f"liqcascade-store-paused {phase}":
            break
    else:  # pragma: no cover - the writer ended without pausing
        pytest.fail(f"writer never reached {phase}: rc={proc.wait()}")
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def write_in_process(root: Path, close: float) -> None:
    """What the WRITER subprocess does, without its start-up cost."""
    namespace = {"__name__": "writer"}
    import sys as _sys

    argv = _sys.argv
    _sys.argv = ["writer", str(root), str(close)]
    try:
        exec(WRITER, namespace)
    finally:
        _sys.argv = argv


def seeded(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    write_in_process(root, 1.0)
    return root


def test_kill_while_staging_leaves_the_store_as_before(tmp_path: Path) -> None:
    root = seeded(tmp_path)
    before = tree(root)
    proc = run_writer(root, 2.0, "staged")
    kill_when_paused(proc, "staged")
    assert any(p.endswith(".tmp") for p in tree(root, with_tmp=True))  # staged, never applied
    assert tree(root) == before  # final files untouched
    store = Store(root)  # opening recovers: leftovers are removed
    assert tree(root, with_tmp=True) == before
    assert set(store.candles("BTC/USDT")["close"]) == {1.0}


def test_kill_while_applying_rolls_forward_on_open(tmp_path: Path) -> None:
    root = seeded(tmp_path)
    expected_root = tmp_path / "expected"
    import shutil

    shutil.copytree(root, expected_root)
    write_in_process(expected_root, 2.0)
    proc = run_writer(root, 2.0, "applying")
    kill_when_paused(proc, "applying")
    assert (root / "_journal.json").exists()  # decided, half applied
    closes = pd.concat([pd.read_parquet(p) for p in sorted((root / "candles").rglob("*.parquet"))])[
        "close"
    ]
    assert set(closes) == {1.0, 2.0}  # a mix on disk until recovery
    store = Store(root)
    assert tree(root, with_tmp=True) == tree(expected_root, with_tmp=True)
    assert set(store.candles("BTC/USDT")["close"]) == {2.0}


def test_opening_a_store_does_not_wait_for_a_running_import(tmp_path: Path) -> None:
    root = seeded(tmp_path)
    proc = run_writer(root, 2.0, "staged")
    try:
        assert proc.stderr is not None
        assert proc.stderr.readline().strip() == "liqcascade-store-paused staged"
        store = Store(root)  # the writer holds the lock: open without recovering
        assert any(p.endswith(".tmp") for p in tree(root, with_tmp=True))  # not deleted
        assert set(store.candles("BTC/USDT")["close"]) == {1.0}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
