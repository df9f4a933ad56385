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


def test_the_models_regime_window_and_season_prior_shape_the_regime(sample_store) -> None:
    from liqcascade.sim import StressModel

    default = stress(sample_store, BTC, ASOF, -0.05, paths=0).to_dict()["model"]
    # a 7-day window (42 bars) vs a 1-day one (6 bars), and a season factor shrunk to 1
    for model in (StressModel(window_bars=6), StressModel(season_prior=1e12)):
        other = stress(sample_store, BTC, ASOF, -0.05, paths=0, model=model).to_dict()["model"]
        assert other["horizon_range"] != default["horizon_range"]
    # spelling out the defaults changes nothing
    same = StressModel(window_bars=42, season_prior=20.0)
    assert stress(sample_store, BTC, ASOF, -0.05, paths=0, model=same).to_dict()["model"] == (
        default
    )


def test_a_state_off_the_bar_grid_uses_the_models_window(sample_store) -> None:
    import numpy as np
    import pandas as pd

    from liqcascade.sim import StressModel
    from liqcascade.sim._regime import horizon_range_at

    # 23:00 is no 4h bar open: the range is computed from the closed bars (not the table row)
    t = pd.Timestamp("2025-09-20T23:00Z")
    model = StressModel(window_bars=6, season_prior=5.0)
    history = StressHistory(sample_store, BTC, end=ASOF, model=model)
    state = history.state(t)
    own = horizon_range_at(
        history.candles, t, window=6, season_prior=5.0, weights=history.har_weights
    )
    default = horizon_range_at(history.candles, t, weights=history.har_weights)
    assert np.isfinite(own) and own != default
    assert state.horizon_range == own


def test_a_history_built_for_another_regime_is_refused(sample_store) -> None:
    from liqcascade.sim import StressModel

    history = StressHistory(sample_store, BTC, end=ASOF)  # window 42, season prior 20
    with pytest.raises(InputError, match=r"built for window_bars=42, season_prior=20.0, not "):
        stress(sample_store, BTC, ASOF, -0.05, paths=0, history=history,
               model=StressModel(window_bars=84))  # fmt: skip
    # another resilience is fine (the history holds no depth scaling) ...
    stress(sample_store, BTC, ASOF, -0.05, paths=0, history=history,
           model=StressModel(resilience=10.0))  # fmt: skip
    # ... and no model means the history's own
    built_for = StressModel(season_prior=1e12)
    shared = StressHistory(sample_store, BTC, end=ASOF, model=built_for)
    alone = stress(sample_store, BTC, ASOF, -0.05, paths=0, model=built_for).to_dict()
    assert stress(sample_store, BTC, ASOF, -0.05, paths=0, history=shared).to_dict() == alone


@pytest.mark.parametrize("shock", [-1.5, 10.0, "a lot", float("nan")])
def test_a_bad_shock_is_an_input_error_naming_it(sample_store, shock) -> None:
    # the same message as simulate(): the value and the range expected
    with pytest.raises(InputError, match=r"shock must be a Shock or a price move FRACTION in"):
        stress(sample_store, BTC, ASOF, shock, paths=0)
