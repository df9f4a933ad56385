"""Fixtures for the validation tests: the bundled real sample loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled real sample (read-only by convention: copy to modify)."""
    from liqcascade.data import Store, load_sample

    path = tmp_path_factory.mktemp("validate_sample")
    load_sample(Store(path))
    return path
