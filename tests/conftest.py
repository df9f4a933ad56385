"""Shared fixtures and paths.

Tests never read ``../shared``: real data comes from the packaged sample
(``src/liqcascade/data/sample``) or from small real cuts committed under ``tests/`` with their
source, so a fresh clone runs every test.

The sample store is built ONCE per test run (``sample_store_path``; the xdist workers share
it: ``_shared.py``); tests read it through ``sample_store`` and never write to it. A test that
writes takes ``store_copy``, a private copy (a file copy, ~1 s, instead of a ~10 s load).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from _shared import once_per_run

if TYPE_CHECKING:
    from liqcascade.data import Store


# Values built once per run that take long (the weekly report: ~15-30 s on a cold numba cache).
# While one worker builds one, any other worker that asks for it sits idle until it is done.
BUILT_ONCE = ("sample_report",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the files with ``integration`` tests first, then the rest, most tests first.

    ``./run tests`` hands whole files to the xdist workers in this order
    (``--dist loadfile --no-loadscope-reorder``; xdist's own order is by number of tests, which
    left a slow two-test file such as test_docs.py alone on one worker at the end while the
    other sat idle). Each file stays in one piece and keeps its own order. Of the files that
    use a :data:`BUILT_ONCE` value, the first builds it and the others go to the end of their
    group, so that the other worker does not wait for it (test_render.py waited ~30 s for the
    report test_asof.py was building when the two started together).
    """
    files: dict[str, list[int]] = {}  # path -> [has integration tests, test count, first index]
    users: dict[str, None] = {}  # files using a BUILT_ONCE value, in collection order
    for index, item in enumerate(items):
        path = item.nodeid.split("::")[0]
        entry = files.setdefault(path, [0, 0, index])
        entry[0] |= item.get_closest_marker("integration") is not None
        entry[1] += 1
        if any(name in getattr(item, "fixturenames", ()) for name in BUILT_ONCE):
            users.setdefault(path)
    waiting = set(list(users)[1:])

    def heavy_first(item: pytest.Item) -> tuple[int, int, int, int]:
        path = item.nodeid.split("::")[0]
        integration, count, first = files[path]
        return (-integration, path in waiting, 0 if integration else -count, first)

    items.sort(key=heavy_first)


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled real sample (BTC, ETH, ~2024-11 .. 2025-10-05); read-only."""
    from liqcascade.data import Store, load_sample

    def build(folder: Path) -> Path:
        load_sample(Store(folder / "store"))
        return folder / "store"

    return once_per_run(tmp_path_factory, "sample", build)


@pytest.fixture(scope="session")
def sample_store(sample_store_path: Path) -> Store:
    """The session's sample store, opened (do not write to it: use ``store_copy``)."""
    from liqcascade.data import Store

    return Store(sample_store_path)


@pytest.fixture
def store_copy(sample_store_path: Path, tmp_path: Path) -> Path:
    """A private copy of the sample store that a test may write to."""
    target = tmp_path / "store"
    shutil.copytree(sample_store_path, target)
    return target
