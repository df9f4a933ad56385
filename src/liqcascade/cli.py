"""The ``liqcascade`` command line: a thin layer over the Python API.

Each area registers its commands from ``liqcascade._cli.<area>``; this file only assembles them.
"""

from __future__ import annotations

import typer

from liqcascade import __version__
from liqcascade._cli import collect, data, demo, leverage, margin, report, serve, sim, validate
from liqcascade._cli._common import CONTEXT_SETTINGS, examples
from liqcascade.errors import LiqcascadeError

app = typer.Typer(
    name="liqcascade",
    help=(
        "Measure and simulate leverage and liquidation cascades in crypto perpetual futures.\n\n"
        "Start with `liqcascade demo` (loads the bundled real sample and writes the weekly "
        "report), or `liqcascade margin liq-price --help` for exchange-exact liquidation prices. "
        "Every command takes -h; result commands take --json (one JSON object on stdout)."
    ),
    epilog=examples(
        ("Load the bundled sample and write the weekly report:", "liqcascade demo"),
        ("Any command's options and worked examples:", "liqcascade report week -h"),
    ),
    context_settings=CONTEXT_SETTINGS,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"liqcascade {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """liqcascade: exact margin math, a clean data layer, hidden leverage, cascades, reports."""


for _area in (margin, data, collect, leverage, sim, validate, report, demo, serve):
    _area.register(app)


def main() -> None:
    """Console-script entry point: our own errors print one clear line, not a traceback.

    Exit status 2 for a bad parameter, 1 for any other error (a file system error, such as a
    full disk or a denied permission, included).
    """
    from liqcascade._cli._checks import ParameterError

    try:
        app()
    except LiqcascadeError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(2 if isinstance(exc, ParameterError) else 1) from None
    except OSError as exc:
        typer.secho(f"error: {_os_error(exc)}", fg=typer.colors.RED, err=True)
        raise SystemExit(1) from None


def _os_error(exc: OSError) -> str:
    import errno

    what = {errno.ENOSPC: "the disk is full", errno.EACCES: "permission denied"}.get(
        exc.errno or 0, exc.strerror or str(exc)
    )
    where = f": {exc.filename}" if exc.filename else ""
    return f"{what}{where}"


if __name__ == "__main__":  # pragma: no cover
    main()
