"""Importers, one module per source format (see ``_base`` for the shape of a module)."""
