"""Importers for exchange public-data dumps (Binance USDⓈ-M CSVs) and vendor dumps (Tardis).

``DUMP_IMPORTERS`` lists the importer modules of this package, in detection order (each module
has the shape described in ``importers/_base``). The formats and unit conversions are described
in ``docs/data_dumps.md``.
"""

from __future__ import annotations

from types import ModuleType

from liqcascade.data.importers.dumps import (
    binance_book_depth,
    binance_funding,
    binance_klines,
    binance_liquidations,
    binance_metrics,
    tardis_liquidations,
)

DUMP_IMPORTERS: tuple[ModuleType, ...] = (
    tardis_liquidations,
    binance_liquidations,
    binance_metrics,
    binance_book_depth,
    binance_funding,
    binance_klines,
)

__all__ = ["DUMP_IMPORTERS"]
