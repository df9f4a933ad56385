"""Shared fixtures and paths.

Tests never read ``../shared``: real data comes from the packaged sample
(``src/liqcascade/data/sample``) or from small real cuts committed under ``tests/`` with their
source, so a fresh clone runs every test.
"""

from __future__ import annotations
