"""CLI commands for live backfill through ccxt (extra ``live``); attached under ``data``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(data_app: typer.Typer) -> None:
    """Attach the live-data commands to the ``data`` sub-app."""
    data_app.command("backfill")(backfill)


def backfill(
    exchange: Annotated[
        str, typer.Option(help="binance, bybit, okx or hyperliquid (ccxt id).")
    ] = "binance",
    symbol: Annotated[
        str, typer.Option(help="ccxt symbol, e.g. BTC/USDT:USDT (hyperliquid: BTC/USDC:USDC).")
    ] = "BTC/USDT:USDT",
    since: Annotated[str, typer.Option(help="First UTC date/time, e.g. 2025-09-01.")] = "",
    until: Annotated[str | None, typer.Option(help="End (exclusive); default now.")] = None,
    what: Annotated[str, typer.Option(help="Comma list of ohlcv, funding, oi.")] = (
        "ohlcv,funding,oi"
    ),
    timeframe: Annotated[str, typer.Option(help="Bar length for OHLCV and OI.")] = "4h",
    store: Annotated[
        Path | None, typer.Option(help="Store directory (default: LIQCASCADE_HOME / user dir).")
    ] = None,
) -> None:
    """Backfill OHLCV, funding and open interest from an exchange's REST API into the store."""
    import pandas as pd
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from liqcascade.data import Store, live
    from liqcascade.errors import InputError

    if not since:
        raise InputError("--since is required, e.g. --since 2025-09-01")
    items = [w.strip() for w in what.split(",") if w.strip()]
    unknown = sorted(set(items) - set(live.WHAT))
    if unknown or not items:
        raise InputError(f"unknown --what {unknown}; expected some of {', '.join(live.WHAT)}")
    client = live.make_client(exchange)  # checks the venue, the network and the `live` extra
    console = Console(stderr=True)
    start_ms = live.to_ms(since)
    end_ms = live.to_ms(until) if until else live.to_ms(pd.Timestamp.now(tz="UTC"))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]} rows"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        tasks = {
            item: progress.add_task(f"{exchange} {item}", total=max(1, end_ms - start_ms), rows=0)
            for item in items
        }

        def on_page(item: str, rows: int, last: pd.Timestamp) -> None:
            done = min(end_ms, int(last.value // 1_000_000)) - start_ms
            progress.update(tasks[item], completed=max(0, done), rows=rows)

        result = live.backfill(
            exchange,
            symbol,
            since=since,
            until=until,
            what=items,
            timeframe=timeframe,
            store=Store(store),
            client=client,
            on_page=on_page,
        )
        for item in items:
            progress.update(tasks[item], completed=max(1, end_ms - start_ms))
    for dataset, frame in result.frames.items():
        summary = result.written.get(dataset)
        typer.echo(f"{dataset}: {len(frame)} rows fetched; {summary or 'nothing new to write'}")
    for item, reason in result.skipped.items():
        typer.echo(f"{item}: skipped ({reason})")
