"""CLI commands for the report area: ``liqcascade report week``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liqcascade._cli._common import (
    JsonOption,
    StoreOption,
    emit_json,
    examples,
    note,
    open_store,
    progress_steps,
)
from liqcascade._cli._options import END, out_option

report_app = typer.Typer(
    help="Market reports computed from the store (weekly leverage & liquidation report).",
    no_args_is_help=True,
)

WEEK_EPILOG = examples(
    (
        "The week of 2025-09-22 as of Thursday 2025-09-25 (bundled sample):",
        "liqcascade report week --asof 2025-09-25 --out weekly/",
    ),
    (
        "The same facts as JSON (the content of report.json):",
        "liqcascade report week --asof 2025-09-25 --out weekly/ --json",
    ),
    note="Rates in report.json are FRACTIONS (week_change_pct -0.128 = a 12.8 % drop).",
)

REPLAY_EPILOG = examples(
    "liqcascade replay --symbol ETH/USDT:USDT --start 2025-09-22 --end 2025-09-26 --out episode/",
    note="`report replay` is DEPRECATED: use `liqcascade replay ... --out DIR`.",
)


@report_app.command("week", epilog=WEEK_EPILOG)
def week(
    asof: Annotated[
        str,
        typer.Option(
            "--asof", help="As-of DAY (UTC), e.g. 2025-09-25; only data known by its close."
        ),
    ],
    store: StoreOption = None,
    out: Annotated[Path | None, out_option("./report-out/week-<asof>")] = None,
    as_json: JsonOption = False,
) -> None:
    """Write report.html, report.md and report.json for the week containing --asof."""
    from liqcascade._cli._checks import check_output_folder

    check_output_folder(out, "--out")
    from liqcascade.report import weekly_report

    out_dir = out if out is not None else Path("report-out") / f"week-{asof}"
    the_store = open_store(store)
    with progress_steps(f"Weekly report as of {asof}") as step:
        written = weekly_report(the_store, asof, out_dir=out_dir, progress=step)
    paths = (written.html_path, written.markdown_path, written.json_path)
    if as_json:
        emit_json({**written.data, "files": {p.suffix.lstrip("."): str(p) for p in paths if p}})
        return
    typer.echo(written.summary)
    typer.echo("")
    for path in paths:
        typer.echo(f"wrote {path}")


@report_app.command("replay", epilog=REPLAY_EPILOG, deprecated=True)
def replay(
    start: Annotated[
        str, typer.Option("--start", help="First 4h bar open (UTC), e.g. 2025-09-22.")
    ],
    end: Annotated[str, END],
    symbol: Annotated[
        list[str] | None,
        typer.Option("--symbol", help="Perp symbol(s) (default: BTC/USDT:USDT and ETH/USDT:USDT)."),
    ] = None,
    store: StoreOption = None,
    out: Annotated[Path | None, out_option("./report-out/episode-<start>")] = None,
    as_json: JsonOption = False,
) -> None:
    """Deprecated alias of `liqcascade replay --out DIR` (the episode page)."""
    from liqcascade._cli._checks import check_output_folder, check_range
    from liqcascade._cli.sim import write_episode

    check_range(start, end)
    check_output_folder(out, "--out")
    note("note: `liqcascade report replay` is deprecated; use `liqcascade replay ... --out DIR`")
    out_dir = out if out is not None else Path("report-out") / f"episode-{start}"
    symbols = tuple(symbol) if symbol else None  # None: episode_report's default symbols
    files = write_episode(open_store(store), start, end, symbols, out_dir)
    if as_json:
        emit_json({"files": files})
        return
    for path in files.values():
        typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the root app."""
    app.add_typer(report_app, name="report")
