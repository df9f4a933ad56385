"""Shared fixtures: paths to the repository, the shared real data and a throw-away store."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_MARKET = REPO.parent / "shared" / "data" / "market"


@pytest.fixture(scope="session")
def shared_market() -> Path:
    """``../shared/data/market`` (tests may read it; the package never does)."""
    if not SHARED_MARKET.is_dir():
        pytest.skip(f"shared market data not found at {SHARED_MARKET}")
    return SHARED_MARKET
