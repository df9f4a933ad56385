"""Walk-forward score of the cascade stress test against each 4h bar's realized excursion.

Contract (the ``stress.<symbol>`` block of ``liqcascade validate --json``; all rates fractions):
``n, mae, mae_baseline, spearman, spearman_ci, coverage, auc, auc_vol_baseline,
share_over_10pct`` — see docs/validation.md for each definition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from liqcascade.data import Store

Progress = Callable[[int, int], None]  # (done, total)


def score_stress(
    store: Store,
    symbol: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    shock: float = 0.02,
    seed: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score ``stress`` run as of every 4h bar open in ``[start, end)`` (strictly as-of)."""
    raise NotImplementedError("score_stress is being built (issue 10)")
