"""CLI: ``liqcascade validate`` (walk-forward scores of every model, JSON and a model card)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli._common import (
    JsonOption,
    StoreOption,
    emit_json,
    examples,
    make_progress,
    note,
    open_store,
)
from liqcascade._cli._options import END, SYMBOLS, html_option

EPILOG = examples(
    (
        "The model card over 2025 on the bundled sample, both symbols (a few minutes):",
        "liqcascade validate --symbol BTC/USDT:USDT --symbol ETH/USDT:USDT "
        "--start 2025-01-01 --end 2025-10-05 --shock 0.02 --html card.html",
    ),
    (
        "One week of BTC as JSON:",
        "liqcascade validate --symbol BTC/USDT:USDT --start 2025-09-20 --end 2025-09-27 --json",
    ),
    note=(
        "--json prints one JSON object on stdout: rates as FRACTIONS, per-symbol blocks under\n"
        '"stress", "estimator" and "liquidations", each with "checks" against the targets.\n'
        "Load the sample first with `liqcascade data sample`. Definitions and targets:\n"
        "docs/validation.md."
    ),
)


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
    """One rich progress bar per ``area symbol`` on stderr (drawn only on a terminal)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _Bars:
        from rich.progress import Progress

        self._bar = make_progress(*Progress.get_default_columns())
        self._bar.start()
        return self

    def __call__(self, label: str, done: int, total: int) -> None:
        if label not in self._tasks:
            self._tasks[label] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[label], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def _print_tables(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from liqcascade.validate import AREA_TITLES

    verdict = {True: "[green]met[/]", False: "[red]missed[/]", None: "[dim]not judged[/]"}
    console = Console()
    for area, title in AREA_TITLES.items():  # the scored areas, in report order
        table = Table(title=title)
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

    @app.command("validate", epilog=EPILOG)
    def validate_cmd(
        symbol: Annotated[list[str], SYMBOLS],
        start: Annotated[
            str | None,
            typer.Option("--start", help="First as-of bar open (UTC), e.g. 2025-01-01."),
        ] = None,
        end: Annotated[str | None, END] = None,
        shock: Annotated[
            float,
            typer.Option(
                "--shock",
                help="Stress shock as a FRACTION in (0, 1), applied down and up: 0.02 = 2 %.",
                callback=_check_shock,
            ),
        ] = 0.02,
        seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.", min=0)] = 0,
        as_json: JsonOption = False,
        html: Annotated[Path | None, html_option("the HTML model card")] = None,
        store: StoreOption = None,
    ) -> None:
        """Score the stress test, estimator and liquidation map walk-forward (strictly as-of)."""
        t0, t1 = _date(start, "--start"), _date(end, "--end")
        if t0 is not None and t1 is not None and t1 <= t0:
            raise typer.BadParameter(
                f"--end {end} is not after --start {start}; swap them", param_hint="--end"
            )
        from liqcascade.validate import validate

        with _Bars() as bars:
            result = validate(
                open_store(store), symbol, start=t0, end=t1, shock=shock, seed=seed, progress=bars
            )
        if html is not None:
            note(f"wrote {result.write_html(html)}")
        if as_json:
            emit_json(result.to_dict())
        else:
            _print_tables(result.to_dict())
