"""Build a session fixture's value once per test run, shared by the pytest-xdist workers.

Each xdist worker runs its own session, so a plain ``scope="session"`` fixture is built once
PER WORKER. ``once_per_run`` builds it once for the whole run: the first worker to ask builds
it under the run's common temp folder and pickles the value there; the others wait for it and
read it back (the pattern in pytest-xdist's docs, with ``mkdir`` as the lock). Without xdist it
simply builds.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
WAIT_S = 900.0  # the builder's own time limit; a builder that died leaves a .failed file


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]
) -> T:
    """``build(folder)`` run once per test run; its (picklable) value, read-only for tests.

    ``folder`` is an empty folder the value may point into; tests must not write there.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return build(tmp_path_factory.mktemp(name))
    root = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    value_file, failed = root / "value.pickle", root / ".failed"
    try:
        root.mkdir()
    except FileExistsError:
        return _wait_for(value_file, failed, name)
    try:
        folder = root / "data"
        folder.mkdir()
        value = build(folder)
        partial = root / "value.pickle.part"
        partial.write_bytes(pickle.dumps(value))
        partial.rename(value_file)  # atomic: a waiting worker never reads half a file
    except BaseException:
        failed.touch()
        raise
    return value


def _wait_for(value_file: Path, failed: Path, name: str) -> T:
    deadline = time.monotonic() + WAIT_S
    while not value_file.exists():
        if failed.exists():
            pytest.fail(f"building the shared {name!r} failed in another worker (see its error)")
        if time.monotonic() > deadline:
            pytest.fail(f"the shared {name!r} was not built within {WAIT_S:.0f} s")
        time.sleep(0.1)
    value: T = pickle.loads(value_file.read_bytes())
    return value
