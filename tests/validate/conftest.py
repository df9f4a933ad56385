"""Fixtures for the validate tests: the sample store is the session's (tests/conftest.py)."""
