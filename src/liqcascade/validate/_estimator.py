"""Walk-forward score of the all-exchange liquidation estimator's p10–p90 band.

Contract (the ``estimator.<symbol>`` block of ``liqcascade validate --json``; rates fractions):
``n, coverage, below_p10, above_p90, median_log_bias`` — see docs/validation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from liqcascade.data import Store

Progress = Callable[[int, int], None]  # (done, total)


def score_estimator(
    store: Store,
    symbol: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score each day's all-exchange figure against a band fitted only on earlier data."""
    raise NotImplementedError("score_estimator is being built (issue 10)")
