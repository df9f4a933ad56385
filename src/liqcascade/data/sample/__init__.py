"""The bundled real sample (package data): one zstd Parquet file per dataset.

``ATTRIBUTION.md`` names the source repository and commit of every series; ``metadata.json``
holds each file's sha256, row count and coverage. Rebuild with ``python -m
liqcascade.data.sample._build <market-data folder>``.
"""
