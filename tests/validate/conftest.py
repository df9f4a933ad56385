"""Fixtures for the validate tests: a small synthetic store, the bundled sample, fake scorers.

The no-look-ahead harness lives in ``_lookahead.py`` (``from _lookahead import
assert_no_lookahead``) and is also offered as the ``no_lookahead`` fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _lookahead import assert_no_lookahead
from _validate_fakes import BTC, ETH, FakeScorers, perp_bars

from liqcascade.data import Store


@pytest.fixture(scope="session")
def small_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with 31 days of synthetic BTC and ETH perp 4h candles (January 2025)."""
    from liqcascade.data import Store

    path = tmp_path_factory.mktemp("validate_small")
    store = Store(path)
    store.write("candles", pd.concat([perp_bars(BTC), perp_bars(ETH)]), source="test")
    return path


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled real sample (read-only by convention)."""
    from liqcascade.data import Store, load_sample

    path = tmp_path_factory.mktemp("sample") / "store"
    load_sample(Store(path))
    return path


@pytest.fixture(scope="session")
def sample_store(sample_store_path: Path) -> Store:
    """A fresh store with the bundled real sample (BTC, ETH, ~2024-11 .. 2025-10-05)."""
    return Store(sample_store_path)


@pytest.fixture
def no_lookahead() -> Callable[..., dict[str, Any]]:
    """The no-look-ahead harness (see ``_lookahead.assert_no_lookahead``)."""
    return assert_no_lookahead


@pytest.fixture
def fake_scorers(monkeypatch: pytest.MonkeyPatch) -> FakeScorers:
    """Fake scorers returning blocks that meet every target (edit ``.blocks``/``.raises``)."""
    return FakeScorers(monkeypatch)
