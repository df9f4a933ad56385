"""Walk-forward check of the liquidation map against each large bar's reported liquidations.

Contract (the ``liquidations.<symbol>`` block of ``liqcascade validate --json``):
``n, within_bounds`` — see docs/validation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from liqcascade.data import Store

Progress = Callable[[int, int], None]  # (done, total)


def score_liquidations(
    store: Store,
    symbol: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score the map's modelled liquidations at each |excursion| >= 3 % bar against its bounds."""
    raise NotImplementedError("score_liquidations is being built (issue 10)")
