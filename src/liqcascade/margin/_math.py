"""Tier columns as the kernels take them (the margin arithmetic itself is in ``_rows``).

``mm(x) = x * (mmr_k + fee) - cum_k`` in the tier ``k`` holding the position value ``x``
(``floor_k <= x < cap_k``); a single unbounded tier may carry per-row ``mmr``/``cum`` arrays
(explicit ``mmr=``, Hyperliquid ``max_leverage=``, OKX's size-based tiers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tiers:
    """Tier columns as float64 arrays; a single tier may hold per-row ``mmr``/``cum`` arrays."""

    floors: np.ndarray
    caps: np.ndarray
    mmrs: np.ndarray
    cums: np.ndarray
    per_row: bool = False  # True: mmrs/cums are per-row arrays of one unbounded tier
