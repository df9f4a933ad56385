"""The targets each score must meet (issue 10's table), as data, and the pass/fail check.

A target reads one scorer block and answers True (met), False (missed) or None (no value to
judge: the block is not available, a score is missing or NaN, or the target does not apply,
such as ``share_over_10pct`` for a shock other than 2 %).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

AREAS = ("stress", "estimator", "liquidations")

# The keys each scorer must return (its contract; ``detail`` is optional).
CONTRACT: dict[str, tuple[str, ...]] = {
    "stress": (
        "n",
        "mae",
        "mae_baseline",
        "spearman",
        "spearman_ci",
        "coverage",
        "auc",
        "auc_vol_baseline",
        "share_over_10pct",
    ),
    "estimator": ("n", "coverage", "below_p10", "above_p90", "median_log_bias"),
    "liquidations": ("n", "within_bounds"),
}

# The shock the share_over_10pct target was set for (a FRACTION).
TARGET_SHOCK = 0.02


def _num(block: Mapping[str, Any], key: str) -> float | None:
    value = block.get(key)
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _ci_low(block: Mapping[str, Any]) -> float | None:
    ci = block.get("spearman_ci")
    if not isinstance(ci, list | tuple) or len(ci) != 2:
        return None
    return _num({"lo": ci[0]}, "lo")


@dataclass(frozen=True)
class Target:
    """One row of the target table.

    Attributes
    ----------
    area, score
        Which block and which of its scores (``stress``, ``mae``).
    text
        The target as the model card prints it (``<= mae_baseline``).
    value
        Reads the number judged from a block (None when missing).
    bound
        The comparison: (value, block) -> met; only called with a finite value.
    baseline
        The block key holding the naive baseline shown beside the score, if any.
    """

    area: str
    score: str
    text: str
    value: Callable[[Mapping[str, Any]], float | None]
    bound: Callable[[float, Mapping[str, Any]], bool | None]
    baseline: str | None = None

    def applies(self, *, shock: float) -> bool:
        """Return False for a target set for another shock (``share_over_10pct``)."""
        return self.score != "share_over_10pct" or math.isclose(shock, TARGET_SHOCK)

    def check(self, block: Mapping[str, Any], *, shock: float) -> bool | None:
        """Return True (met), False (missed) or None (nothing to judge) for one block."""
        if not block.get("available", True) or not self.applies(shock=shock):
            return None
        x = self.value(block)
        return None if x is None else self.bound(x, block)


def _le_baseline(x: float, block: Mapping[str, Any]) -> bool | None:
    base = _num(block, "mae_baseline")
    return None if base is None else x <= base


def _sides_balanced(block: Mapping[str, Any]) -> float | None:
    lo, hi = _num(block, "below_p10"), _num(block, "above_p90")
    return None if lo is None or hi is None else abs(lo - hi)


TARGETS: tuple[Target, ...] = (
    Target("stress", "mae", "<= mae_baseline", lambda b: _num(b, "mae"), _le_baseline,
           baseline="mae_baseline"),
    Target("stress", "spearman", ">= 0.15", lambda b: _num(b, "spearman"),
           lambda x, b: x >= 0.15),
    Target("stress", "spearman_ci", "lower bound > 0", _ci_low, lambda x, b: x > 0.0),
    Target("stress", "coverage", "0.70 - 0.90", lambda b: _num(b, "coverage"),
           lambda x, b: 0.70 <= x <= 0.90),
    Target("stress", "auc", ">= 0.70", lambda b: _num(b, "auc"), lambda x, b: x >= 0.70,
           baseline="auc_vol_baseline"),
    Target("stress", "share_over_10pct", "<= 0.01 (2 % shock)",
           lambda b: _num(b, "share_over_10pct"), lambda x, b: x <= 0.01),
    Target("estimator", "coverage", "0.75 - 0.85", lambda b: _num(b, "coverage"),
           lambda x, b: 0.75 <= x <= 0.85),
    Target("estimator", "|below_p10 - above_p90|", "<= 0.05", _sides_balanced,
           lambda x, b: x <= 0.05),
    Target("estimator", "median_log_bias", "within +-0.10",
           lambda b: _num(b, "median_log_bias"), lambda x, b: abs(x) <= 0.10),
    Target("liquidations", "within_bounds", ">= 0.70", lambda b: _num(b, "within_bounds"),
           lambda x, b: x >= 0.70),
)  # fmt: skip


def checks(area: str, block: Mapping[str, Any], *, shock: float) -> list[dict[str, Any]]:
    """Return the JSON rows of every target of ``area`` judged on ``block``."""
    rows = []
    for target in TARGETS:
        if target.area != area:
            continue
        value = target.value(block) if block.get("available", True) else None
        rows.append(
            {
                "score": target.score,
                "value": value,
                "baseline": _num(block, target.baseline) if target.baseline else None,
                "target": target.text,
                "applies": target.applies(shock=shock),
                "pass": target.check(block, shock=shock),
            }
        )
    return rows


def targets_table() -> list[dict[str, str]]:
    """Return the target table as JSON rows (area, score, target)."""
    return [{"area": t.area, "score": t.score, "target": t.text} for t in TARGETS]


__all__ = ["AREAS", "CONTRACT", "TARGETS", "TARGET_SHOCK", "Target", "checks", "targets_table"]
