"""Compatibility shims for optional or version-dependent dependencies."""
