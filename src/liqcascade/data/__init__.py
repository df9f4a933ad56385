"""The data layer: record schemas, importers (one per source format), the store, the sample.

Owns: ``_schema`` (the column/dtype contract of every dataset), ``importers/``, ``store``,
``sample/``. May import ``margin``; never ``leverage``, ``sim`` or ``report``.
"""
