"""CLI: ``liqcascade validate`` (walk-forward scores of every model, JSON and a model card)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

STORE_HELP = "Store directory (default: $LIQCASCADE_HOME or the user data dir)."

EPILOG = """
Example (the bundled sample, 2025, both symbols; a few minutes):

  liqcascade data sample --store v-store
  liqcascade validate --symbol BTC/USDT:USDT --symbol ETH/USDT:USDT
    --start 2025-01-01 --end 2025-10-05 --shock 0.02
    --html card.html --store v-store

Add --json for one JSON object on stdout: rates as FRACTIONS, per-symbol
blocks under "stress", "estimator" and "liquidations", each with "checks"
against the targets. Definitions and targets: docs/validation.md.
"""


def _date(value: str | None, name: str) -> Any:
    if value is None:
        return None
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise typer.BadParameter(
            f"{value!r} is not a date; expected ISO like 2025-01-01", param_hint=name
        )
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _check_shock(value: float) -> float:
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        raise typer.BadParameter(
            f"{value} is not a FRACTION in (0, 1); 0.02 means a 2 % shock (down and up)"
        )
    return value


class _Bars:
    """One rich progress bar per ``area symbol`` on stderr (only when stderr is a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _Bars:
        if self.console.is_terminal:
            from rich.progress import Progress

            self._bar = Progress(console=self.console, transient=True)
            self._bar.start()
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if self._bar is None:
            return
        if label not in self._tasks:
            self._tasks[label] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[label], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _print_tables(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from liqcascade.validate._card import AREA_TITLES
    from liqcascade.validate._targets import AREAS

    verdict = {True: "[green]met[/]", False: "[red]missed[/]", None: "[dim]not judged[/]"}
    console = Console()
    for area in AREAS:
        table = Table(title=AREA_TITLES[area])
        for col in ("symbol", "score", "value", "baseline", "target", "result"):
            table.add_column(col, justify="left" if col in ("symbol", "score") else "right")
        for symbol, block in doc[area].items():
            if not block["available"]:
                table.add_row(symbol, "[yellow]not available[/]", block["reason"], "", "", "")
                continue
            table.add_row(symbol, "n", str(block.get("n")), "", "", "")
            for check in block["checks"]:
                result = verdict[check["pass"]] if check["applies"] else "[dim]n/a[/]"
                table.add_row(
                    "",
                    check["score"],
                    _num(check["value"]),
                    _num(check["baseline"]),
                    check["target"],
                    result,
                )
        console.print(table)
    s = doc["summary"]
    console.print(
        f"{s['met']} targets met, {s['missed']} missed, {s['not_judged']} not judged "
        f"({doc['start'][:10]} -> {doc['end'][:10]}, shock {doc['shock']:.2%})"
    )
    for c in doc["constants"]:
        if c["use"] != "dated":
            console.print(
                f"[dim]{c['name']} (known from {c['known_from']}): {c['use']} in this window; "
                f"fallback {c['fallback']}[/]"
            )


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.3g}" if isinstance(value, float) else str(value)


def register(app: typer.Typer) -> None:
    """Attach ``validate`` as a top-level command."""

    @app.command("validate", epilog=EPILOG, context_settings={"max_content_width": 100})
    def validate_cmd(
        symbol: Annotated[
            list[str],
            typer.Option("--symbol", help="ccxt perp symbol, e.g. BTC/USDT:USDT; repeat."),
        ],
        start: Annotated[
            str | None,
            typer.Option("--start", help="First as-of bar open (UTC), e.g. 2025-01-01."),
        ] = None,
        end: Annotated[
            str | None, typer.Option("--end", help="End, excluded (UTC), e.g. 2025-10-05.")
        ] = None,
        shock: Annotated[
            float,
            typer.Option(
                "--shock",
                help="Stress shock as a FRACTION in (0, 1), applied down and up: 0.02 = 2 %.",
                callback=_check_shock,
            ),
        ] = 0.02,
        seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.", min=0)] = 0,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
        html: Annotated[
            Path | None, typer.Option("--html", help="Write the HTML model card here.")
        ] = None,
        store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    ) -> None:
        """Score the stress test, estimator and liquidation map walk-forward (strictly as-of)."""
        t0, t1 = _date(start, "--start"), _date(end, "--end")
        if t0 is not None and t1 is not None and t1 <= t0:
            raise typer.BadParameter(
                f"--end {end} is not after --start {start}; swap them", param_hint="--end"
            )
        from liqcascade.data import Store
        from liqcascade.validate import validate

        with _Bars() as bars:
            result = validate(
                Store(store), symbol, start=t0, end=t1, shock=shock, seed=seed, progress=bars
            )
        if html is not None:
            written = result.write_html(html)
            typer.echo(f"wrote {written}", err=as_json)
        doc = result.to_dict()
        if as_json:
            typer.echo(json.dumps(doc, indent=2))
        else:
            _print_tables(doc)
