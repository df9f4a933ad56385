"""Fixtures for the validate tests: a store holding the bundled sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.data import Store, load_sample


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A fresh store with the bundled real sample (BTC, ETH, ~2024-11 .. 2025-10-05)."""
    store = Store(tmp_path_factory.mktemp("sample") / "store")
    load_sample(store)
    return store


@pytest.fixture(scope="session")
def sample_store_path(sample_store: Store) -> Path:
    """The folder of :func:`sample_store` (read-only by convention: copy it to modify)."""
    return sample_store.path
