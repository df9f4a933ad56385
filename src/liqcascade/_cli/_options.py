"""Options several commands share, declared once so that ``--help`` says the same thing.

``--store`` and ``--json`` live in :mod:`liqcascade._cli._common`. The ``Annotated`` aliases
are whole parameters; the ``typer.Option`` values (``SYMBOLS``, ``START``, ``END``) go in an
``Annotated[...]`` whose type says whether the option is required (``str``) or not
(``str | None``); the factories fill in what a command writes.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

SymbolOption = Annotated[str, typer.Option("--symbol", help="ccxt symbol, e.g. BTC/USDT:USDT.")]
#: ``--symbol`` where several perps may be given (required, or optional with ``| None``).
SYMBOLS = typer.Option("--symbol", help="ccxt perp symbol, e.g. BTC/USDT:USDT; repeat for several.")
#: ``--start``/``--end`` of a bar range, in ``Annotated[str, START]`` (or ``str | None``).
START = typer.Option("--start", help="First bar (UTC), e.g. 2025-09-22.")
END = typer.Option("--end", help="End (exclusive, UTC), e.g. 2025-09-26.")


def html_option(what: str) -> Any:
    """``--html FILE``: where to write ``what``, e.g. "the interactive heatmap"."""
    return typer.Option("--html", help=f"Write {what} here.")


def out_option(default: str, *, what: str = "Output folder") -> Any:
    """``--out DIR``: the folder a command writes its files into, and its default."""
    return typer.Option("--out", help=f"{what} (default: {default}).")
