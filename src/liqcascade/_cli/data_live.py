"""CLI commands for live backfill through ccxt (extra ``live``); attached under ``data``."""

from __future__ import annotations

import typer


def register(data_app: typer.Typer) -> None:
    """Attach the live-data commands to the ``data`` sub-app."""
