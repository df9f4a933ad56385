"""Hidden leverage: true-liquidation estimation and the liquidation map.

Owns: the all-exchange liquidation estimator (``_estimate``), the position book and its numba
kernel (``_book``), the liquidation map (``_map``), its out-of-sample check against the fixed
ladder (``_check``) and the heatmap HTML (``_html``). May import ``margin`` and ``data``;
never ``sim`` or ``report``. The model is written down in ``docs/leverage.md``.

Public API::

    from liqcascade.leverage import estimate_liquidations, liquidation_map, MapConfig
"""

from __future__ import annotations

from liqcascade.leverage._api import estimate_liquidations, liquidation_map
from liqcascade.leverage._check import compare_with_ladder
from liqcascade.leverage._config import HYPERLIQUID_2025_PRIOR, LeverageBucket, MapConfig
from liqcascade.leverage._estimate import estimate_frame, leave_one_out
from liqcascade.leverage._map import LiquidationMap, map_from_frames

__all__ = [
    "HYPERLIQUID_2025_PRIOR",
    "LeverageBucket",
    "LiquidationMap",
    "MapConfig",
    "compare_with_ladder",
    "estimate_frame",
    "estimate_liquidations",
    "leave_one_out",
    "liquidation_map",
    "map_from_frames",
]
