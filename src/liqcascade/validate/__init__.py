"""Walk-forward validation: score the models out of time against what markets then did.

Owns the scoring of the cascade stress test, the liquidation estimator and the liquidation map
against later data, with naive baselines side by side. May import ``data``, ``leverage``,
``sim`` and ``margin``; never ``report`` or the CLI.
"""

from __future__ import annotations

from liqcascade.validate._api import ValidationResult, validate
from liqcascade.validate._card import AREA_TITLES
from liqcascade.validate._metrics import auc, coverage, mae, spearman, spearman_ci

__all__ = [
    "AREA_TITLES",
    "ValidationResult",
    "auc",
    "coverage",
    "mae",
    "spearman",
    "spearman_ci",
    "validate",
]
