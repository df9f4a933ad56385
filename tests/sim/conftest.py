"""Fixtures for the simulator's store tests: the bundled real sample loaded once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled real sample (read-only by convention: copy to modify)."""
    from liqcascade.data import Store, load_sample

    path = tmp_path_factory.mktemp("sim_store")
    load_sample(Store(path))
    return path


@pytest.fixture
def store_copy(sample_store_path: Path, tmp_path: Path) -> Path:
    """A private copy of the sample store that a test may append to."""
    target = tmp_path / "store"
    shutil.copytree(sample_store_path, target)
    return target
