"""The position-book kernel behind the liquidation map (numba, with its readable Python twin).

Cohorts are laid out bar-major: bar ``i`` owns cohorts ``[i * per_bar, (i + 1) * per_bar)``
(every entry point x leverage x margin mode, both sides). Each bar, in this order:

1. liquidate: a live long whose liquidation price is >= the bar's low (a short: <= its high)
   is removed; its notional at the liquidation price is that bar's predicted liquidation;
2. close pro rata: a share ``turnover[i]`` of every live cohort closes (positions churn even
   when open interest is flat); if the side's remaining size still exceeds its target (open
   interest fell), every live cohort of that side shrinks by the same factor instead;
   cohorts shrunk below ``DUST`` of the book are dropped;
3. open: any shortfall to the target is opened at this bar's prices, split by the cohort shares.
   New cohorts can be liquidated from the next bar on.
4. record the heatmap row (notional at risk by liquidation-price bin) for bars >= grid_start.

Kernels are dumb: the wrapper validates shapes, finiteness and the layout. Each kernel is
``njit`` of its readable twin (``run_book = njit(run_book_py)``, ``advance_book =
njit(advance_book_py)``); ``LIQCASCADE_DISABLE_NUMBA=1`` makes the kernels the twins.
"""

from __future__ import annotations

import numpy as np

from liqcascade._compat.numba import jitable, njit

# Cohorts shrunk below this share of the book are dropped (churn decays old cohorts
# geometrically; without pruning every bar would revisit the whole history).
DUST = 1e-12


@jitable
def _bar(
    i: int,
    per_bar: int,
    cohorts: tuple[np.ndarray, np.ndarray, np.ndarray],
    bars: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    size: np.ndarray,
    live: np.ndarray,
    n_live: int,
) -> tuple[int, float, float, float, float]:
    """Steps 1-3 of bar ``i`` on ``size``/``live`` in place (the one copy of the book's rule).

    Returns the new ``n_live`` and the bar's liquidated notional and opened size, long then
    short. ``cohorts`` is ``(is_long, liq_px, share)``, ``bars`` ``(high, low, target_long,
    target_short, turnover)``.
    """
    is_long, liq_px, share = cohorts
    high, low, target_long, target_short, turnover = bars
    total_long = 0.0
    total_short = 0.0
    liq_long = 0.0
    liq_short = 0.0
    kept = 0
    for j in range(n_live):
        c = live[j]
        if is_long[c]:
            if liq_px[c] >= low[i] and size[c] > 0.0:
                liq_long += size[c] * liq_px[c]
                size[c] = 0.0
                continue
            total_long += size[c]
        else:
            if liq_px[c] <= high[i] and size[c] > 0.0:
                liq_short += size[c] * liq_px[c]
                size[c] = 0.0
                continue
            total_short += size[c]
        live[kept] = c
        kept += 1
    n_live = kept
    keep_long = 1.0 - turnover[i]
    keep_short = 1.0 - turnover[i]
    open_long = 0.0
    open_short = 0.0
    if total_long * keep_long > target_long[i]:
        keep_long = target_long[i] / total_long
    else:
        open_long = target_long[i] - total_long * keep_long
    if total_short * keep_short > target_short[i]:
        keep_short = target_short[i] / total_short
    else:
        open_short = target_short[i] - total_short * keep_short
    dust = DUST * (target_long[i] + target_short[i])
    kept = 0
    for j in range(n_live):
        c = live[j]
        size[c] *= keep_long if is_long[c] else keep_short
        if size[c] < dust:
            size[c] = 0.0
            continue
        live[kept] = c
        kept += 1
    n_live = kept
    for c in range(i * per_bar, (i + 1) * per_bar):
        size[c] = share[c] * (open_long if is_long[c] else open_short)
        live[n_live] = c
        n_live += 1
    return n_live, liq_long, liq_short, open_long, open_short


def run_book_py(
    is_long: np.ndarray,
    liq_px: np.ndarray,
    share: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    target_long: np.ndarray,
    target_short: np.ndarray,
    turnover: np.ndarray,
    bin_of: np.ndarray,
    grid_start: int,
    n_bins: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the book over all bars: the readable twin of :data:`run_book` (``njit`` of this).

    Written as loops over a compacted list of live cohorts, the form numba compiles well (no
    temporaries; dead cohorts are never visited again). With numba disabled
    (``LIQCASCADE_DISABLE_NUMBA=1``) ``run_book`` is this function itself.

    Parameters
    ----------
    is_long
        Cohort side (bool), bar-major layout, ``n_bars * per_bar`` long.
    liq_px
        Cohort liquidation price (0 for a long that cannot be liquidated).
    share
        Share of its side's new size each cohort receives (sums to 1 per bar and side).
    high, low
        Bar high/low prices.
    target_long, target_short
        Book size per side after each bar, base units.
    turnover
        Share of the live book closed and reopened at the bar's prices, per bar.
    bin_of
        Heatmap price bin of each cohort's liquidation price, -1 outside the grid.
    grid_start, n_bins
        First bar recorded in the heatmap; number of price bins.

    Returns
    -------
    size
        Final cohort sizes, base units.
    liquidated
        ``(n_bars, 2)`` notional (size x liquidation price) liquidated per bar, long then short.
    opened
        ``(n_bars, 2)`` new size opened per bar, base units.
    grid
        ``(n_bars - grid_start, n_bins, 2)`` notional at risk after each bar by bin and side.
    """
    n_bars = high.shape[0]
    per_bar = is_long.shape[0] // n_bars
    cohorts = (is_long, liq_px, share)
    bars = (high, low, target_long, target_short, turnover)
    size = np.zeros(is_long.shape[0])
    liquidated = np.zeros((n_bars, 2))
    opened = np.zeros((n_bars, 2))
    grid = np.zeros((max(n_bars - grid_start, 0), n_bins, 2))
    live = np.empty(is_long.shape[0], dtype=np.int64)
    n_live = 0
    for i in range(n_bars):
        n_live, liq_long, liq_short, open_long, open_short = _bar(
            i, per_bar, cohorts, bars, size, live, n_live
        )
        liquidated[i, 0] = liq_long
        liquidated[i, 1] = liq_short
        opened[i, 0] = open_long
        opened[i, 1] = open_short
        if i >= grid_start:
            for j in range(n_live):
                c = live[j]
                if bin_of[c] >= 0:
                    grid[i - grid_start, bin_of[c], 0 if is_long[c] else 1] += size[c] * liq_px[c]
    return size, liquidated, opened, grid


# The house convention (STYLE.md 3): kernel = njit(twin); callers always call the kernel, and
# with numba disabled njit returns the twin itself (one switch, in liqcascade._compat.numba).
run_book = njit(run_book_py)

__all__ = ["run_book", "run_book_py"]


def advance_book_py(
    cohorts: tuple[np.ndarray, np.ndarray, np.ndarray],
    bars: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    size: np.ndarray,
    live: np.ndarray,
    n_live: int,
    first_bar: int,
    last_bar: int,
) -> int:
    """Advance the book of :func:`run_book_py` over bars ``[first_bar, last_bar)`` in place.

    ``cohorts`` is ``(is_long, liq_px, share)`` and ``bars`` is ``(high, low, target_long,
    target_short, turnover)``, as in :func:`run_book_py`. ``size`` and ``live`` (the compacted
    live cohorts, ``n_live`` of them) carry the state between calls; start from zeros and
    ``n_live = 0`` at bar 0. Returns the new ``n_live``. Calling it bar by bar gives the same
    sizes as one :func:`run_book_py` over the same bars (no heatmap is recorded), so as-of books
    can be built incrementally.
    """
    per_bar = cohorts[0].shape[0] // bars[0].shape[0]
    for i in range(first_bar, last_bar):
        n_live = _bar(i, per_bar, cohorts, bars, size, live, n_live)[0]
    return n_live


advance_book = njit(advance_book_py)

__all__ += ["advance_book", "advance_book_py"]
