"""``stress(..., history=)``: one StressHistory shared by several shocks gives the same answers."""

from __future__ import annotations

import pytest

from liqcascade.errors import InputError
from liqcascade.sim import stress
from liqcascade.sim._history import StressHistory

pytestmark = pytest.mark.integration
ASOF = "2025-09-21T00:00Z"
BTC = "BTC/USDT:USDT"


def test_a_shared_history_gives_what_each_call_builds_itself(sample_store) -> None:
    history = StressHistory(sample_store, BTC, end=ASOF)
    for shock in (-0.05, -0.10):
        alone = stress(sample_store, BTC, ASOF, shock, paths=20).to_dict()
        shared = stress(sample_store, BTC, ASOF, shock, paths=20, history=history).to_dict()
        assert shared == alone


def test_a_history_of_another_symbol_is_refused(sample_store) -> None:
    history = StressHistory(sample_store, "ETH/USDT:USDT", end=ASOF)
    with pytest.raises(InputError, match="ETH/USDT:USDT, not of BTC/USDT:USDT"):
        stress(sample_store, BTC, ASOF, -0.05, history=history)
