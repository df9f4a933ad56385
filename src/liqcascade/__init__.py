"""liqcascade: leverage and liquidation cascades in crypto perpetual-futures markets.

Layers, lowest first (a layer never imports one above it):

- ``liqcascade.margin``   exchange margin math (liquidation / bankruptcy prices, brackets)
- ``liqcascade.data``     record schemas, importers, the DuckDB/Parquet store, the bundled sample
- ``liqcascade.leverage`` hidden-leverage estimation and the liquidation map
- ``liqcascade.sim``      the cascade simulator and Monte Carlo stress tests
- ``liqcascade.validate`` walk-forward scoring of the models against later data
- ``liqcascade.report``   analytics and HTML reports

``import liqcascade`` is cheap: subpackages load on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from liqcascade.errors import LiqcascadeError

__version__ = "0.1.0"

__all__ = [
    "LiqcascadeError",
    "__version__",
    "data",
    "leverage",
    "margin",
    "report",
    "sim",
    "validate",
]

_SUBPACKAGES = frozenset({"data", "leverage", "margin", "report", "sim", "validate"})

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade import data, leverage, margin, report, sim, validate


def __getattr__(name: str) -> Any:
    # Lazy subpackages keep `import liqcascade` fast (no numba/pandas/duckdb at import).
    if name in _SUBPACKAGES:
        return importlib.import_module(f"liqcascade.{name}")
    raise AttributeError(f"module 'liqcascade' has no attribute {name!r}")
