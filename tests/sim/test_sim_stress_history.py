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


def test_the_maps_book_handed_over_is_the_book_the_history_builds(sample_store) -> None:
    from dataclasses import fields

    import numpy as np

    from liqcascade.leverage import liquidation_map

    for symbol in (BTC, "ETH/USDT:USDT"):
        built = StressHistory(sample_store, symbol, end=ASOF).state(ASOF)
        book = liquidation_map(sample_store, symbol, ASOF)
        shared = StressHistory(sample_store, symbol, end=ASOF, book=book).state(ASOF)
        for name in ("side", "size", "entry", "collateral", "liquidation", "bankruptcy"):
            assert np.array_equal(getattr(shared.positions, name), getattr(built.positions, name))
        assert shared.positions.price_source == built.positions.price_source
        others = [f.name for f in fields(built) if f.name not in ("positions", "book", "regime")]
        assert [getattr(shared, n) for n in others] == [getattr(built, n) for n in others]
        assert shared.book.mid_price == built.book.mid_price


def test_a_book_of_another_time_is_refused(sample_store) -> None:
    from liqcascade.leverage import liquidation_map

    book = liquidation_map(sample_store, BTC, "2025-09-20T00:00Z")
    with pytest.raises(InputError, match="as of 2025-09-20T00:00:00"):
        StressHistory(sample_store, BTC, end=ASOF, book=book)
