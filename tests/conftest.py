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
