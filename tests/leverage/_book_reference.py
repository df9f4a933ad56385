"""A second, vectorised implementation of the position-book kernel, for agreement tests.

It was the package's numpy path before the book followed the one-twin convention
(``run_book = njit(run_book_py)``); kept here as an independently written reference that the
twin and the compiled kernel must match.
"""

from __future__ import annotations

import numpy as np

from liqcascade.leverage._book import DUST


def run_book_vectorised(
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
    """Run the book over all bars, vectorised over cohorts (an independent reference).

    Same arguments and results as ``liqcascade.leverage._book.run_book_py`` (see its docstring).
    """
    n_bars = high.shape[0]
    per_bar = is_long.shape[0] // n_bars
    is_short = np.logical_not(is_long)
    size = np.zeros(is_long.shape[0])
    liquidated = np.zeros((n_bars, 2))
    opened = np.zeros((n_bars, 2))
    grid = np.zeros((max(n_bars - grid_start, 0), n_bins, 2))
    for i in range(n_bars):
        live = i * per_bar
        s = size[:live]
        px = liq_px[:live]
        hit_long = is_long[:live] & (px >= low[i]) & (s > 0.0)
        hit_short = is_short[:live] & (px <= high[i]) & (s > 0.0)
        liquidated[i, 0] = np.sum(np.where(hit_long, s * px, 0.0))
        liquidated[i, 1] = np.sum(np.where(hit_short, s * px, 0.0))
        s = np.where(hit_long | hit_short, 0.0, s)
        total_long = np.sum(np.where(is_long[:live], s, 0.0))
        total_short = np.sum(s) - total_long
        keep_long = 1.0 - turnover[i]
        keep_short = 1.0 - turnover[i]
        if total_long * keep_long > target_long[i]:
            keep_long = target_long[i] / total_long
        else:
            opened[i, 0] = target_long[i] - total_long * keep_long
        if total_short * keep_short > target_short[i]:
            keep_short = target_short[i] / total_short
        else:
            opened[i, 1] = target_short[i] - total_short * keep_short
        s = s * np.where(is_long[:live], keep_long, keep_short)
        dust = DUST * (target_long[i] + target_short[i])
        size[:live] = np.where(s < dust, 0.0, s)
        upto = live + per_bar
        size[live:upto] = share[live:upto] * np.where(
            is_long[live:upto], opened[i, 0], opened[i, 1]
        )
        if i >= grid_start:
            notional = size[:upto] * liq_px[:upto]
            inside = bin_of[:upto] >= 0
            bins = np.where(inside, bin_of[:upto], 0)
            grid[i - grid_start, :, 0] = np.bincount(
                bins, np.where(inside & is_long[:upto], notional, 0.0), n_bins
            )
            grid[i - grid_start, :, 1] = np.bincount(
                bins, np.where(inside & is_short[:upto], notional, 0.0), n_bins
            )
    return size, liquidated, opened, grid
