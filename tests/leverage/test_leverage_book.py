"""The position-book kernel: hand-worked bars, invariants; twin, kernel and reference agree."""

from __future__ import annotations

import numpy as np
import pytest
from _book_reference import run_book_vectorised
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade._compat.numba import HAS_NUMBA, readonly
from liqcascade.leverage._book import run_book, run_book_py


def _as_the_map_calls(kernel):
    """``kernel`` called as ``leverage._map`` calls it: array inputs read-only (one compile)."""

    def call(*args):
        return kernel(*readonly(args))

    call.__name__ = kernel.__name__  # the same test ids
    return call


# the readable twin, its compiled kernel and an independently written vectorised reference
IMPLEMENTATIONS = [run_book_vectorised, run_book_py, _as_the_map_calls(run_book)]


def one_long_one_short(liq_long: float, liq_short: float, n_bars: int):
    # Per bar: cohort 0 long, cohort 1 short, each taking its whole side.
    is_long = np.tile([True, False], n_bars)
    liq = np.tile([liq_long, liq_short], n_bars)
    share = np.ones(2 * n_bars)
    bins = np.full(2 * n_bars, -1, dtype=np.int64)
    return is_long, liq, share, bins


@pytest.mark.parametrize("kernel", IMPLEMENTATIONS)
def test_long_liquidated_when_low_reaches_its_price(kernel) -> None:
    # Bar 0 opens 10 long and 10 short (targets). Bar 1's low 89 <= 90: the long cohort is
    # liquidated, 10 x 90 = 900 USD; the short (liq 120) survives the high of 101.
    is_long, liq, share, bins = one_long_one_short(90.0, 120.0, 2)
    size, liquidated, opened, _ = kernel(
        is_long,
        liq,
        share,
        np.array([101.0, 101.0]),
        np.array([99.0, 89.0]),
        np.full(2, 10.0),
        np.full(2, 10.0),
        np.zeros(2),
        bins,
        2,
        4,
    )
    assert liquidated[1].tolist() == [900.0, 0.0]
    assert opened[1].tolist() == [10.0, 0.0]  # the liquidated longs are replaced in bar 1
    assert size[0] == 0.0 and size[1] == 10.0 and size[2] == 10.0


@pytest.mark.parametrize("kernel", IMPLEMENTATIONS)
def test_new_cohort_is_not_liquidated_in_its_own_bar(kernel) -> None:
    is_long, liq, share, bins = one_long_one_short(99.5, 200.0, 1)
    _, liquidated, _, _ = kernel(
        is_long,
        liq,
        share,
        np.array([101.0]),
        np.array([90.0]),
        np.full(1, 10.0),
        np.full(1, 10.0),
        np.zeros(1),
        bins,
        1,
        4,
    )
    assert liquidated.sum() == 0.0


@pytest.mark.parametrize("kernel", IMPLEMENTATIONS)
def test_falling_open_interest_closes_pro_rata(kernel) -> None:
    # Two bars open 10 longs each (targets 10 then 20); bar 2's target 5 keeps 5/20 of each.
    is_long, liq, share, bins = one_long_one_short(1.0, 1e9, 3)
    size, liquidated, opened, _ = kernel(
        is_long,
        liq,
        share,
        np.full(3, 100.0),
        np.full(3, 99.0),
        np.array([10.0, 20.0, 5.0]),
        np.array([10.0, 20.0, 5.0]),
        np.zeros(3),
        bins,
        3,
        4,
    )
    assert size[[0, 2, 4]] == pytest.approx([2.5, 2.5, 0.0])
    assert opened[2].tolist() == [0.0, 0.0]
    assert liquidated.sum() == 0.0


@pytest.mark.parametrize("kernel", IMPLEMENTATIONS)
def test_turnover_reopens_a_share_at_current_prices(kernel) -> None:
    # Flat target 10, turnover 0.1: bar 1 keeps 9 of bar 0's cohort and opens 1 new.
    is_long, liq, share, bins = one_long_one_short(1.0, 1e9, 2)
    size, _, opened, _ = kernel(
        is_long,
        liq,
        share,
        np.full(2, 100.0),
        np.full(2, 99.0),
        np.full(2, 10.0),
        np.full(2, 10.0),
        np.array([0.1, 0.1]),
        bins,
        2,
        4,
    )
    assert size[0] == pytest.approx(9.0)
    assert opened[1, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("kernel", IMPLEMENTATIONS)
def test_grid_records_notional_by_bin(kernel) -> None:
    # One bar: 10 long at liq 90 (bin 0), 10 short at liq 110 (bin 3) -> 900 and 1100 USD.
    is_long, liq, share, _ = one_long_one_short(90.0, 110.0, 1)
    bins = np.array([0, 3], dtype=np.int64)
    _, _, _, grid = kernel(
        is_long,
        liq,
        share,
        np.array([101.0]),
        np.array([99.0]),
        np.full(1, 10.0),
        np.full(1, 10.0),
        np.zeros(1),
        bins,
        0,
        4,
    )
    assert grid[0, :, 0].tolist() == [900.0, 0.0, 0.0, 0.0]
    assert grid[0, :, 1].tolist() == [0.0, 0.0, 0.0, 1100.0]


def random_book(seed: int, n_bars: int):
    rng = np.random.default_rng(seed)
    per = 6  # 3 long + 3 short templates
    px = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n_bars)))
    high = px * (1 + rng.uniform(0, 0.02, n_bars))
    low = px * (1 - rng.uniform(0, 0.02, n_bars))
    is_long = np.tile([True, True, True, False, False, False], n_bars)
    lev = np.tile([2.0, 10.0, 50.0] * 2, n_bars)
    entry = np.repeat(px, per)
    liq = np.where(is_long, entry * (1 - 1 / lev), entry * (1 + 1 / lev))
    share = np.tile([0.5, 0.3, 0.2] * 2, n_bars)
    targets = rng.uniform(50, 150, (2, n_bars))
    bins = np.clip((liq / px[-1] * 10).astype(np.int64) - 5, -1, 9)
    turnover = rng.uniform(0, 0.2, n_bars)
    return is_long, liq, share, high, low, targets[0], targets[1], turnover, bins


@pytest.mark.property
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_bars=st.integers(1, 40))
def test_implementations_agree(seed: int, n_bars: int) -> None:
    args = random_book(seed, n_bars)
    grid_start = n_bars // 2
    ref = run_book_vectorised(*args, grid_start, 10)
    for kernel in (run_book_py, _as_the_map_calls(run_book)):
        for a, b in zip(ref, kernel(*args, grid_start, 10), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.property
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_bars=st.integers(1, 40))
def test_book_matches_its_targets_after_every_bar(seed: int, n_bars: int) -> None:
    # Whatever is liquidated or churned, each side ends the last bar at its target size.
    is_long, liq, share, high, low, t_long, t_short, turnover, bins = random_book(seed, n_bars)
    size, liquidated, _, _ = run_book_py(
        is_long, liq, share, high, low, t_long, t_short, turnover, bins, n_bars, 10
    )
    assert size[is_long].sum() == pytest.approx(t_long[-1])
    assert size[~is_long].sum() == pytest.approx(t_short[-1])
    assert (liquidated >= 0).all() and (size >= 0).all()


def test_numba_is_used_when_available() -> None:
    # one switch: the kernel is the compiled twin, or the twin itself without numba
    assert (run_book is not run_book_py) == HAS_NUMBA


@pytest.mark.property
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_bars=st.integers(1, 40), cut=st.integers(0, 40))
def test_advancing_in_steps_gives_the_whole_run_sizes(seed: int, n_bars: int, cut: int) -> None:
    # the incremental book behind the stress scorer: two calls (split at `cut`) == one run
    from liqcascade.leverage._book import advance_book, advance_book_py

    is_long, liq, share, high, low, t_long, t_short, turnover, bins = random_book(seed, n_bars)
    ref = run_book_vectorised(
        is_long, liq, share, high, low, t_long, t_short, turnover, bins, n_bars, 10
    )
    cut = min(cut, n_bars)
    for kernel in (advance_book_py, advance_book):
        size = np.zeros(is_long.size)
        live = np.empty(is_long.size, dtype=np.int64)
        inputs = readonly(((is_long, liq, share), (high, low, t_long, t_short, turnover)))
        args = (*inputs, size, live)
        n_live = kernel(*args, 0, 0, cut)
        kernel(*args, n_live, cut, n_bars)
        np.testing.assert_allclose(size, ref[0], rtol=1e-9, atol=1e-9)
