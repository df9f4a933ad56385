"""Importers for exchange public-data dumps (Binance USDⓈ-M CSVs) and vendor dumps (Tardis).

``DUMP_IMPORTERS`` lists the importer modules of this package, in detection order.
"""

from __future__ import annotations

from types import ModuleType

DUMP_IMPORTERS: tuple[ModuleType, ...] = ()
