"""The data layer: record schemas, importers (one per source format), the store, the sample.

Owns: ``_schema`` (the column/dtype contract of every dataset), ``importers/``, the store
(``_store``), the import pipeline (``_import``) and the bundled real sample (``sample/``).
May import ``margin``; never ``leverage``, ``sim`` or ``report``.

Public API::

    from liqcascade.data import Store, default_store_path, load_sample, base_asset
    from liqcascade.data import rate_per_8h, annualised_funding   # funding on one footing
"""

from __future__ import annotations

from liqcascade.data._funding import annualised_funding, rate_per_8h
from liqcascade.data._import import ImportSummary, expand_paths, import_paths
from liqcascade.data._overview import overview, overview_summary
from liqcascade.data._sample import load_sample, sample_files
from liqcascade.data._schema import DATASETS, Dataset, dataset
from liqcascade.data._store import Store, WriteSummary, default_store_path
from liqcascade.data._symbols import base_asset
from liqcascade.data.importers._base import ImportLimits

__all__ = [
    "DATASETS",
    "Dataset",
    "ImportLimits",
    "ImportSummary",
    "Store",
    "WriteSummary",
    "annualised_funding",
    "base_asset",
    "dataset",
    "default_store_path",
    "expand_paths",
    "import_paths",
    "load_sample",
    "overview",
    "overview_summary",
    "rate_per_8h",
    "sample_files",
]
