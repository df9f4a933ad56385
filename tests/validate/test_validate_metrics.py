"""The scoring functions on small hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.validate import auc, coverage, mae, spearman, spearman_ci


def test_perfect_predictor_has_zero_mae() -> None:
    realized = np.array([0.02, -0.05, 0.031])
    assert mae(realized, realized) == 0.0


def test_mae_hand_worked() -> None:
    # |0.03-0.02| + |0.01-0.04| = 0.01 + 0.03 -> mean 0.02; the NaN pair is dropped
    assert mae(np.array([0.03, 0.01, np.nan]), np.array([0.02, 0.04, 1.0])) == pytest.approx(0.02)


def test_auc_perfect_and_constant() -> None:
    assert auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert auc(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 0.0
    # a constant score ties every pair: each tie counts half
    assert auc(np.full(5, 7.0), np.full(9, 7.0)) == 0.5


def test_auc_hand_worked_with_tie() -> None:
    # pairs (pos, neg): (2,1) win, (2,2) tie, (2,3) loss -> (1 + 0.5 + 0) / 3
    assert auc(np.array([2.0]), np.array([1.0, 2.0, 3.0])) == pytest.approx(0.5)


def test_spearman_monotone_and_reversed() -> None:
    x = np.arange(10.0)
    assert spearman(x, x**3) == pytest.approx(1.0)
    assert spearman(x, -np.exp(x)) == pytest.approx(-1.0)
    assert np.isnan(spearman(x, np.ones(10)))


def test_spearman_ci_brackets_the_estimate() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    lo, hi = spearman_ci(x, y, seed=3)
    assert lo < spearman(x, y) < hi
    assert lo > 0.3


def test_coverage_counts_inclusive_bounds() -> None:
    # 1 inside, 2 on a bound (inside), 1 outside -> 3/4
    cov = coverage(np.array([0.5, 1.0, 0.0, 2.0]), np.zeros(4), np.ones(4))
    assert cov == pytest.approx(0.75)
