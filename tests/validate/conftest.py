"""Fixtures for the validate tests: a small synthetic store and fake scorers.

The bundled sample store is the session's (``sample_store`` in tests/conftest.py).

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


@pytest.fixture(scope="session")
def small_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with 31 days of synthetic BTC and ETH perp 4h candles (January 2025)."""
    from liqcascade.data import Store

    path = tmp_path_factory.mktemp("validate_small")
    store = Store(path)
    store.write("candles", pd.concat([perp_bars(BTC), perp_bars(ETH)]), source="test")
    return path


@pytest.fixture
def no_lookahead() -> Callable[..., dict[str, Any]]:
    """The no-look-ahead harness (see ``_lookahead.assert_no_lookahead``)."""
    return assert_no_lookahead


@pytest.fixture
def fake_scorers(monkeypatch: pytest.MonkeyPatch) -> FakeScorers:
    """Fake scorers returning blocks that meet every target (edit ``.blocks``/``.raises``)."""
    return FakeScorers(monkeypatch)
