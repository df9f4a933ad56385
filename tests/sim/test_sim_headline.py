"""``summarize`` (the Monte Carlo inner loop) names its numbers and agrees with ``simulate``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.sim import Book, CascadeConfig, Shock, simulate
from liqcascade.sim import _kernels as k
from liqcascade.sim._engine import Headline, summarize
from liqcascade.sim._montecarlo import METRICS
from liqcascade.sim._positions import prepare_positions


def _positions(n: int = 200, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lev = rng.uniform(3, 60, n)
    entry = 100 * (1 + rng.normal(0, 0.02, n))
    size = rng.lognormal(0, 1, n) * 100
    return pd.DataFrame({"venue": "toy", "symbol": "BTC/USDT:USDT",
                         "side": np.where(rng.random(n) < 0.6, "long", "short"),
                         "size": size, "entry_price": entry, "collateral": size * entry / lev,
                         "margin_mode": "isolated"})  # fmt: skip


def test_monte_carlo_metrics_are_the_headline_fields() -> None:
    assert Headline._fields == METRICS


@pytest.mark.parametrize("move", [-0.04, 0.03])
def test_summarize_names_the_same_numbers_as_simulate(move: float) -> None:
    positions = _positions()
    book = Book.parametric(100.0, 2e5, insurance_fund_usd=1e3)
    config = CascadeConfig()
    pos = prepare_positions(positions, maintenance_margin_rate=config.maintenance_margin_rate)
    head = summarize(pos, book, Shock(price_move=move), config)
    full = simulate(positions, book, move, config=config)
    assert isinstance(head, Headline)
    for name in METRICS:
        assert getattr(head, name) == pytest.approx(getattr(full, name), rel=1e-9, abs=1e-9), name


@pytest.mark.parametrize("solver", ["fixed_point", "stepper"])
def test_a_reused_workspace_gives_the_numbers_of_a_fresh_one(solver: str) -> None:
    # the Monte Carlo block reuses one workspace across paths: whatever the previous cascade
    # (or garbage) left in it, a path's numbers must be those of a fresh workspace
    positions = _positions(300)
    book = Book.parametric(100.0, 2e5, insurance_fund_usd=1e3)
    config = CascadeConfig(solver=solver)
    pos = prepare_positions(positions, maintenance_margin_rate=config.maintenance_margin_rate)
    work = k.workspace(len(pos))
    for array in work:
        array.fill(-7 if array.dtype.kind == "i" else -1e30)  # left over from "before"
    for move, margin in [(-0.06, 1.0), (0.05, 0.7), (-0.02, 1.3), (-0.06, 1.0)]:
        shock = Shock(price_move=move)
        reused = summarize(pos, book, shock, config, margin, work=work)
        assert reused == summarize(pos, book, shock, config, margin)
        assert reused.liquidated_long_usd + reused.liquidated_short_usd > 0  # a real cascade


def test_a_workspace_too_small_for_the_book_is_refused() -> None:
    positions = _positions(50)
    config = CascadeConfig()
    pos = prepare_positions(positions, maintenance_margin_rate=config.maintenance_margin_rate)
    book = Book.parametric(100.0, 2e5)
    with pytest.raises(InputError, match=r"workspace holds 49 positions but the book has 50"):
        summarize(pos, book, Shock(price_move=-0.05), config, work=k.workspace(49))
