"""CLI commands for the report area: ``liqcascade report week``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

report_app = typer.Typer(
    help="Market reports computed from the store (weekly leverage & liquidation report).",
    no_args_is_help=True,
)

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store folder (default: $LIQCASCADE_HOME or the user data dir)."),
]


@report_app.command("week")
def week(
    asof: Annotated[
        str,
        typer.Option(
            "--asof", help="As-of DAY (UTC), e.g. 2025-09-25; only data known by its close."
        ),
    ],
    store: StoreOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: ./report-out/week-<asof>)."),
    ] = None,
) -> None:
    """Write report.html, report.md and report.json for the week containing --asof."""
    from liqcascade._cli._checks import check_output_folder
    from liqcascade.data import Store

    check_output_folder(out, "--out")
    from liqcascade.report import weekly_report

    out_dir = out if out is not None else Path("report-out") / f"week-{asof}"
    written = weekly_report(Store(store), asof, out_dir=out_dir)
    typer.echo(written.summary)
    typer.echo("")
    for path in (written.html_path, written.markdown_path, written.json_path):
        typer.echo(f"wrote {path}")


@report_app.command("replay")
def replay(
    start: Annotated[
        str, typer.Option("--start", help="First 4h bar open (UTC), e.g. 2025-09-22.")
    ],
    end: Annotated[str, typer.Option("--end", help="End (exclusive, UTC), e.g. 2025-09-26.")],
    symbol: Annotated[
        list[str] | None,
        typer.Option("--symbol", help="Perp symbol(s) (default: BTC/USDT:USDT and ETH/USDT:USDT)."),
    ] = None,
    store: StoreOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: ./report-out/episode-<start>)."),
    ] = None,
) -> None:
    """Replay an episode bar by bar: simulated vs estimated vs reported liquidations."""
    from liqcascade._cli._checks import check_output_folder, check_range
    from liqcascade.data import Store

    check_range(start, end)
    check_output_folder(out, "--out")
    from liqcascade.report import episode_report
    from liqcascade.report._episode import DEFAULT_SYMBOLS

    out_dir = out if out is not None else Path("report-out") / f"episode-{start}"
    symbols = tuple(symbol) if symbol else DEFAULT_SYMBOLS
    written = episode_report(Store(store), start, end, out_dir=out_dir, symbols=symbols)
    typer.echo(f"wrote {written.html_path}")
    typer.echo(f"wrote {written.json_path}")


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the root app."""
    app.add_typer(report_app, name="report")
