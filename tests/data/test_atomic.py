"""Whole imports or nothing: kill -9 at each import phase, and readers during a paused apply.

A writer subprocess imports a records CSV (close 2.0 on every bar) into a store seeded with
close 1.0. The test patches one function of the writer (in the subprocess only; production
code has no hooks) so that it stops at a known point — after parsing, after staging the first
file, with every file placed but the manifest not yet switched, right after the switch — prints
``paused <phase>`` and waits for a line on stdin. The test then SIGKILLs it, or reads the store
meanwhile, or lets it go on.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store

pytestmark = pytest.mark.integration

# phase -> (module, function, pause before (b) or after (a) calling it)
PHASES = {
    "parse": ("liqcascade.data.importers.records", "read", "a"),
    "stage": ("liqcascade.data._transaction", "write_parquet", "a"),
    "apply": ("liqcascade.data._transaction", "publish", "b"),
    "switched": ("liqcascade.data._transaction", "collect", "b"),
}

WRITER = textwrap.dedent(
    """
    import importlib, sys
    from liqcascade.data import Store, import_paths
    root, csv, phase, module_name, function, when = sys.argv[1:7]
    module = importlib.import_module(module_name)
    real = getattr(module, function)
    state = {"paused": False}

    def pause():
        if not state["paused"]:
            state["paused"] = True
            print("paused " + phase, flush=True)
            sys.stdin.readline()

    def patched(*args, **kwargs):
        if when == "b":
            pause()
        out = real(*args, **kwargs)
        if when == "a":
            pause()
        return out

    setattr(module, function, patched)
    import_paths(Store(root), "records", [csv], kind="candles")
    print("done", flush=True)
    """
)

TIMES = pd.date_range("2025-01-01", "2025-06-30", freq="1D", tz="UTC")


def bars(close: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": TIMES,
            "exchange": "binance",
            "symbol": "BTC/USDT",
            "market": "spot",
            "interval": "1d",
            "close": close,
        }
    )


def tree(root: Path) -> dict[str, str]:
    """sha256 of every store file but the lock (the staging folder included)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def seeded(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "store"
    Store(root).write("candles", bars(1.0), source="seed")
    csv = tmp_path / "bars.csv"
    frame = bars(2.0)
    frame["time"] = frame["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame.to_csv(csv, index=False)
    return root, csv


def start_writer(root: Path, csv: Path, phase: str) -> subprocess.Popen[str]:
    module, function, when = PHASES[phase]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(csv), phase, module, function, when],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != f"paused {phase}":  # pragma: no cover - the writer failed
        proc.kill()
        pytest.fail(f"writer never reached {phase}: {line!r}, rc={proc.wait()}")
    return proc


def closes(root: Path) -> set[float]:
    return set(Store(root).candles("BTC/USDT")["close"])


@pytest.mark.parametrize("phase", ["parse", "stage", "apply"])
def test_kill_before_the_switch_leaves_the_old_store(tmp_path: Path, phase: str) -> None:
    root, csv = seeded(tmp_path)
    before = tree(root)
    proc = start_writer(root, csv, phase)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if phase != "parse":
        assert tree(root) != before  # the writer had written something
    store = Store(root)  # opening recovers: leftovers of the killed commit are removed
    assert tree(root) == before
    assert set(store.candles("BTC/USDT")["close"]) == {1.0}
    assert len(store.candles("BTC/USDT")) == len(TIMES)


def test_kill_after_the_switch_leaves_the_new_store(tmp_path: Path) -> None:
    root, csv = seeded(tmp_path)
    expected = tmp_path / "expected"
    import shutil

    shutil.copytree(root, expected)
    from liqcascade.data import import_paths

    import_paths(Store(expected), "records", [csv], kind="candles")
    proc = start_writer(root, csv, "switched")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert closes(root) == {2.0}
    Store(root).write("candles", bars(3.0).head(1), source="next")  # the next writer collects
    Store(expected).write("candles", bars(3.0).head(1), source="next")
    assert tree(root) == tree(expected)


@pytest.mark.parametrize("phase", ["stage", "apply"])
def test_a_reader_during_a_paused_apply_sees_the_old_version_whole(
    tmp_path: Path, phase: str
) -> None:
    root, csv = seeded(tmp_path)
    proc = start_writer(root, csv, phase)
    try:
        store = Store(root)  # the writer holds the lock: opening neither waits nor recovers
        frame = store.candles("BTC/USDT")
        assert set(frame["close"]) == {1.0}  # not one row of the new import
        assert len(frame) == len(TIMES)
        assert set(store.sql("SELECT DISTINCT close FROM candles")["close"]) == {1.0}
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "done"
        assert proc.wait() == 0
        assert set(store.candles("BTC/USDT")["close"]) == {2.0}  # all of it, at once
        assert len(store.candles("BTC/USDT")) == len(TIMES)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_read_whose_version_was_collected_retries_on_the_current_one(
    tmp_path: Path,
) -> None:
    root, _ = seeded(tmp_path)
    store = Store(root)
    pinned = store._manifest()
    store.write("candles", bars(2.0), source="b")  # version 2 retires version 1's files
    store.write("candles", bars(3.0), source="c")  # version 3 deletes them
    assert not any((root / e.path).exists() for e in pinned.entries.values())
    current = store._manifest()
    answers = iter([pinned, current, current, current])
    store._manifest = lambda: next(answers)  # type: ignore[method-assign]
    assert set(store.candles("BTC/USDT")["close"]) == {3.0}
