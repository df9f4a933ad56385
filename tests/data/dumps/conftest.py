"""Fixtures of the dump-importer tests: the hand-written files in ``tests/data/fixtures``."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """``tests/data/fixtures`` (binance/, tardis/, ccxt/)."""
    return FIXTURES
