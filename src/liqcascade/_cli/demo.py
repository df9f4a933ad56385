"""The ``liqcascade demo`` command: bundled sample -> store -> weekly report + stress test.

Defaults live under ``./liqcascade-demo/`` (the current folder), so the demo never touches the
user's own store: ``store/`` holds the sample (loading it again changes nothing) and
``report/`` the report for the week of 2025-09-22, as of 2025-09-25.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcascade._cli._common import JsonOption, emit_json, examples, make_progress, out_console
from liqcascade._cli._options import out_option

DEMO_EPILOG = examples(
    ("Everything under ./liqcascade-demo/:", "liqcascade demo"),
    (
        "Elsewhere, with the report's facts as JSON:",
        "liqcascade demo --store /tmp/lc/store --out /tmp/lc/report --json",
    ),
    note="Loading the sample again changes nothing; the report is rewritten.",
)

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console

DEMO_ASOF = "2025-09-25"
DEMO_ROOT = Path("liqcascade-demo")


def demo(
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Store folder for the sample (default: ./liqcascade-demo/store)."
        ),
    ] = None,
    out: Annotated[
        Path | None, out_option("./liqcascade-demo/report", what="Report folder")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Load the bundled real sample, write the 2025-09-25 weekly report, run a stress test."""
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    from liqcascade.data import Store, load_sample
    from liqcascade.report import weekly_report

    store_dir = store if store is not None else DEMO_ROOT / "store"
    out_dir = out if out is not None else DEMO_ROOT / "report"
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with make_progress(*columns, transient=False) as progress:
        task = progress.add_task(f"Loading the bundled sample into {store_dir}", total=None)
        the_store = Store(store_dir)
        summary = load_sample(the_store)
        added = sum(s.added for s in summary.values())
        progress.update(
            task, total=1, completed=1, description=f"Sample in {store_dir} ({added:,} new rows)"
        )
        task = progress.add_task(
            f"Weekly report as of {DEMO_ASOF}, liquidation map and stress test", total=None
        )
        report = weekly_report(the_store, DEMO_ASOF, out_dir=out_dir)
        progress.update(task, total=1, completed=1, description=f"Report written to {out_dir}")
    if as_json:
        paths = (report.html_path, report.markdown_path, report.json_path)
        emit_json({**report.data, "files": {p.suffix.lstrip("."): str(p) for p in paths if p}})
        return
    console = out_console()
    _print_facts(console, report.data)
    console.print()
    console.print(report.summary)
    console.print()
    if report.html_path is not None:  # always written here: out_dir is given
        console.print(f"[bold]Open the report:[/bold] {report.html_path.resolve().as_uri()}")


def _print_facts(console: Console, data: dict[str, Any]) -> None:
    from rich.table import Table

    from liqcascade._format import pct, usd

    table = Table(title=f"Week of {data['window']['week_start'][:10]}, as of {data['asof']}")
    table.add_column("fact")
    table.add_column("value", justify="right")
    for asset in ("ETH", "BTC"):
        block = data["assets"][asset]
        if block.get("available"):
            table.add_row(f"{asset} week-to-date", pct(block["week_change_pct"]))
    market = data["market"]
    if market.get("available"):
        table.add_row("Total market cap change", usd(market["total_mcap_change_usd"]))
    liq = data["liquidations"]
    if liq.get("available"):
        table.add_row("Reported long liquidations", usd(liq["reported_long_usd"]))
    if liq.get("estimated_long_usd") is not None:
        table.add_row("Estimated true long liquidations (p50)", usd(liq["estimated_long_usd"]))
    etf = data["etf_flows"]
    if etf.get("available"):
        table.add_row("ETF net flows (week)", usd(etf["week_total_usd"]))
    stress = data["stress"]
    if stress.get("available"):
        for shock in stress["shocks"]:
            if shock.get("available"):
                for label, value in _stress_rows(shock):
                    table.add_row(label, value)
        if any(s.get("move_p50") is not None for s in stress["shocks"]):
            table.caption = "Stress rows: Monte Carlo p50 (p10 to p90) over the paths"
    else:
        table.add_row("Stress test", f"not available ({stress.get('reason')})")
    console.print(table)


def _stress_rows(shock: dict[str, Any]) -> list[tuple[str, str]]:
    """Monte Carlo p50 (p10-p90) of the move and of longs liquidated; the central path without."""
    from liqcascade._format import pct, usd

    name = f"Stress {shock['asset']} {pct(shock['shock'], 0)}"
    if shock.get("move_p50") is None:  # no Monte Carlo: the central path only
        return [(f"{name}: longs liquidated", usd(shock["liquidated_long_usd"]))]
    return [
        (
            f"{name}: move",
            f"{pct(shock['move_p50'])} ({pct(shock['move_p10'])} to {pct(shock['move_p90'])})",
        ),
        (
            f"{name}: longs liquidated",
            f"{usd(shock['liquidated_long_p50'])} "
            f"({usd(shock['liquidated_long_p10'])} to {usd(shock['liquidated_long_p90'])})",
        ),
    ]


def register(app: typer.Typer) -> None:
    """Attach this area's commands to the root app."""
    app.command("demo", epilog=DEMO_EPILOG)(demo)
