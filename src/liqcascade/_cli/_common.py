"""The conventions every ``liqcascade`` command follows (written down in docs/cli.md).

- ``--json`` prints the result as ONE JSON object on stdout; progress and notes go to stderr.
- ``-h`` and ``--help``; every help ends with worked examples (:func:`examples`).
- One name per thing: ``--store``, ``--symbol``, ``--interval``, ``--asof``, ``--start/--end``.
- Rates are FRACTIONS in every output (-0.05 = 5 % down); people-facing money goes through
  :func:`liqcascade._format.usd` ("$721 M").

``tests/test_cli_conventions.py`` walks every command and checks these rules, so a new
command that imports its options from here (``--store``, ``--json``) and from
:mod:`liqcascade._cli._options` (``--symbol``, ``--start/--end``, ``--html``, ``--out``) passes
by construction.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcascade._format import pct, usd

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

    from liqcascade.data import Store

#: Click context settings for every command: ``-h`` as well as ``--help``, wider help.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

STORE_HELP = "Store folder (default: $LIQCASCADE_HOME, else the user data folder)."
JSON_HELP = "Print the result as one JSON object on stdout (progress goes to stderr)."

StoreOption = Annotated[Path | None, typer.Option("--store", help=STORE_HELP, show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help=JSON_HELP)]


#: Option names other tools use for the same things; no command may use them as its main name.
SYNONYMS = {
    "--timeframe": "--interval",
    "--tf": "--interval",
    "--since": "--start",
    "--until": "--end",
    "--from": "--start",
    "--to": "--end",
    "--as-of": "--asof",
    "--at": "--asof",
    "--db": "--store",
    "--store-dir": "--store",
    "--pair": "--symbol",
    "--output-json": "--json",
}


def examples(*items: str | tuple[str, str], note: str = "") -> str:
    """Build a help epilog of worked examples.

    Parameters
    ----------
    *items
        Each a command line, or ``(what it shows, command line)``.
    note
        A closing paragraph (units, defaults).

    Returns
    -------
    str
        ``Examples:`` followed by the commands, indented, ready for ``epilog=``.
    """
    lines = ["Examples:", ""]
    for item in items:
        what, command = item if isinstance(item, tuple) else ("", item)
        if what:
            lines.append(f"  {what}")
            lines.append("")
        lines.append(f"    {command}")
        lines.append("")
    if note:
        lines.append(note)
    return "\n".join(lines).rstrip() + "\n"


def open_store(path: Path | None) -> Store:
    """Open the store at ``path`` (``None``: the default location)."""
    from liqcascade.data import Store  # lazy: keeps `--help` fast

    return Store(path)


def emit_json(document: Mapping[str, object]) -> None:
    """Write ``document`` as one JSON object on one line of stdout (strict JSON, no NaN)."""
    from liqcascade._json import jsonable  # lazy: numpy/pandas stay out of `--help`

    # default=str: an object with no JSON form (an enum, a custom type) is written as its text
    sys.stdout.write(json.dumps(jsonable(document), allow_nan=False, default=str) + "\n")
    sys.stdout.flush()


def out_console() -> Console:
    """Console for results (stdout)."""
    from rich.console import Console

    return Console()


def err_console() -> Console:
    """Console for progress, notes and warnings (stderr), so stdout stays the result."""
    from rich.console import Console

    return Console(stderr=True)


def note(message: str) -> None:
    """Print a one-line note for people on stderr."""
    typer.echo(message, err=True)


def make_progress(*columns: Any, transient: bool = True) -> Any:
    """A rich ``Progress`` on stderr, drawn only when stderr is a terminal (logs stay clean)."""
    from rich.progress import Progress

    console = err_console()
    return Progress(*columns, console=console, transient=transient, disable=not console.is_terminal)


class Steps:
    """A progress bar over named steps, on stderr (``advance`` moves one step on)."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress = progress
        self._task = task

    def __call__(self, description: str) -> None:
        """Start the step called ``description`` (the previous one is done)."""
        self._progress.update(self._task, description=description)
        self._progress.advance(self._task)

    def total(self, total: int) -> None:
        """Set the number of steps once known."""
        self._progress.update(self._task, total=total)


@contextmanager
def progress_steps(description: str, total: int | None = None) -> Iterator[Steps]:
    """Show a progress bar with elapsed time on stderr while the body runs.

    Parameters
    ----------
    description
        What is running, e.g. ``Weekly report as of 2025-09-25``.
    total
        Number of steps when known (a spinner until then).
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with make_progress(*columns) as bar:
        task = bar.add_task(description, total=total)
        yield Steps(bar, task)


__all__ = [
    "CONTEXT_SETTINGS",
    "JSON_HELP",
    "STORE_HELP",
    "SYNONYMS",
    "JsonOption",
    "Steps",
    "StoreOption",
    "emit_json",
    "err_console",
    "examples",
    "make_progress",
    "note",
    "open_store",
    "out_console",
    "pct",
    "progress_steps",
    "usd",
]
