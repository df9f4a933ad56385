"""Fixtures for the validate tests: a store holding the bundled sample."""

from __future__ import annotations

import pytest

from liqcascade.data import Store, load_sample


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A fresh store with the bundled real sample (BTC, ETH, ~2024-11 .. 2025-10-05)."""
    store = Store(tmp_path_factory.mktemp("sample") / "store")
    load_sample(store)
    return store
