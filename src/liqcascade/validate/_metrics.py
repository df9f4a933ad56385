"""Scores shared by every walk-forward check: error, rank agreement, ranking skill, coverage.

Plain numpy over 1-D float arrays; NaN pairs are dropped before scoring. Each function returns
``nan`` when there is too little data to score, never raises on an empty input.
"""

from __future__ import annotations

import numpy as np


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"arrays differ in length: {a.size} vs {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def mae(predicted: np.ndarray, realized: np.ndarray) -> float:
    """Mean absolute error over the finite pairs."""
    p, r = _pairs(predicted, realized)
    return float(np.mean(np.abs(p - r))) if p.size else float("nan")


def _ranks(x: np.ndarray) -> np.ndarray:
    # Average ranks for ties (what Spearman's rho needs).
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(x.size, dtype=np.float64)
    sorted_x = x[order]
    edges = np.flatnonzero(np.diff(sorted_x) != 0) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [x.size]))
    for s, e in zip(starts, ends, strict=True):
        ranks[order[s:e]] = 0.5 * (s + e - 1)
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); nan if either side is constant."""
    x, y = _pairs(a, b)
    if x.size < 3:
        return float("nan")
    rx, ry = _ranks(x), _ranks(y)
    sx, sy = rx.std(), ry.std()
    if sx == 0 or sy == 0:
        return float("nan")
    return float(np.mean((rx - rx.mean()) * (ry - ry.mean())) / (sx * sy))


def spearman_ci(
    a: np.ndarray, b: np.ndarray, *, seed: int = 0, resamples: int = 1000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of Spearman's rho (pairs resampled with replacement)."""
    x, y = _pairs(a, b)
    if x.size < 3:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = np.empty(resamples)
    for i in range(resamples):
        idx = rng.integers(0, x.size, x.size)
        draws[i] = spearman(x[idx], y[idx])
    draws = draws[np.isfinite(draws)]
    if draws.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(draws, [tail, 1.0 - tail])
    return float(lo), float(hi)


def auc(scores_positive: np.ndarray, scores_negative: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half): the ROC AUC.

    Computed with the Mann-Whitney U statistic from average ranks.
    """
    pos = np.asarray(scores_positive, dtype=np.float64).ravel()
    neg = np.asarray(scores_negative, dtype=np.float64).ravel()
    pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    ranks = _ranks(np.concatenate((pos, neg)))
    # U = (sum of the positives' 1-based ranks) - n(n+1)/2; _ranks is 0-based, hence + n.
    u = ranks[: pos.size].sum() + pos.size - pos.size * (pos.size + 1) / 2.0
    return float(u / (pos.size * neg.size))


def coverage(realized: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of finite cases with ``lower <= realized <= upper``."""
    r = np.asarray(realized, dtype=np.float64).ravel()
    lo = np.asarray(lower, dtype=np.float64).ravel()
    hi = np.asarray(upper, dtype=np.float64).ravel()
    keep = np.isfinite(r) & np.isfinite(lo) & np.isfinite(hi)
    if not keep.any():
        return float("nan")
    r, lo, hi = r[keep], lo[keep], hi[keep]
    return float(np.mean((r >= lo) & (r <= hi)))
