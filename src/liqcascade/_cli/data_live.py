"""CLI commands for live backfill through ccxt (extra ``live``); attached under ``data``."""

from __future__ import annotations

from typing import Annotated

import typer

from liqcascade._cli._common import JsonOption, StoreOption, emit_json, examples, make_progress

BACKFILL_EPILOG = examples(
    (
        "Bybit BTC perp 4h OHLCV, funding and open interest since 2025-09-01 (extra `live`):",
        "liqcascade data backfill --exchange bybit --symbol BTC/USDT:USDT --start 2025-09-01",
    ),
    (
        "One week of Hyperliquid ETH funding only, as JSON:",
        "liqcascade data backfill --exchange hyperliquid --symbol ETH/USDC:USDC "
        "--start 2025-09-22 --end 2025-09-29 --what funding --json",
    ),
    note="--since/--until/--timeframe are accepted as old names of --start/--end/--interval.",
)


def register(data_app: typer.Typer) -> None:
    """Attach the live-data commands to the ``data`` sub-app."""
    data_app.command("backfill", epilog=BACKFILL_EPILOG)(backfill)


def backfill(
    since: Annotated[
        str,
        typer.Option("--start", "--since", help="First UTC date/time, e.g. 2025-09-01."),
    ],
    exchange: Annotated[
        str, typer.Option(help="binance, bybit, okx, hyperliquid or deribit (ccxt id).")
    ] = "binance",
    symbol: Annotated[
        str, typer.Option(help="ccxt symbol, e.g. BTC/USDT:USDT (hyperliquid: BTC/USDC:USDC).")
    ] = "BTC/USDT:USDT",
    until: Annotated[
        str | None, typer.Option("--end", "--until", help="End (exclusive); default now.")
    ] = None,
    what: Annotated[
        str,
        typer.Option(
            help="Comma list of ohlcv, funding, oi, mark, spot, ls (long/short ratio), dvol, "
            "options (Deribit), dump-klines, dump-metrics, dump-bookdepth (Binance public data)."
        ),
    ] = "ohlcv,funding,oi",
    timeframe: Annotated[
        str, typer.Option("--interval", "--timeframe", help="Bar length for OHLCV and OI.")
    ] = "4h",
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Backfill OHLCV, funding and open interest from an exchange's REST API into the store."""
    import pandas as pd
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    from liqcascade.data import Store, live
    from liqcascade.errors import InputError

    if not since:
        raise InputError("--start is required, e.g. --start 2025-09-01")
    items = [w.strip() for w in what.split(",") if w.strip()]
    unknown = sorted(set(items) - set(live.WHAT))
    if unknown or not items:
        raise InputError(f"unknown --what {unknown}; expected some of {', '.join(live.WHAT)}")
    rest = [i for i in items if not i.startswith("dump-")]
    # checks the venue, the network and the `live` extra (dumps only: data.binance.vision)
    client = live.make_client(exchange) if rest else None
    start_ms = live.to_ms(since)
    end_ms = live.to_ms(until) if until else live.to_ms(pd.Timestamp.now(tz="UTC"))
    with make_progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]} rows"),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:
        tasks = {
            item: progress.add_task(f"{exchange} {item}", total=max(1, end_ms - start_ms), rows=0)
            for item in items
        }

        def on_page(item: str, rows: int, last: pd.Timestamp) -> None:
            task = tasks.get(item)
            if task is None:  # mark/spot bars report as "ohlcv"
                return
            done = min(end_ms, int(last.value // 1_000_000)) - start_ms
            progress.update(task, completed=max(0, done), rows=rows)

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
    files = {item: [str(p) for p in paths] for item, paths in result.files.items()}
    if as_json:
        emit_json(
            {
                "exchange": exchange,
                "symbol": symbol,
                "datasets": {
                    dataset: {
                        "fetched": len(result.frames[dataset])
                        if dataset in result.frames
                        else None,
                        "written": None
                        if result.written.get(dataset) is None
                        else {
                            "added": result.written[dataset].added,
                            "replaced": result.written[dataset].replaced,
                            "unchanged": result.written[dataset].unchanged,
                        },
                    }
                    for dataset in dict.fromkeys([*result.frames, *result.written])
                },
                "files": files,
                "skipped": dict(result.skipped),
            }
        )
        return
    for dataset, frame in result.frames.items():
        summary = result.written.get(dataset)
        typer.echo(f"{dataset}: {len(frame)} rows fetched; {summary or 'nothing new to write'}")
    for item, paths in files.items():
        typer.echo(f"{item}: {len(paths)} file(s) verified (SHA-256 = .CHECKSUM) and imported")
    for dataset, summary in result.written.items():
        if dataset not in result.frames:
            typer.echo(f"{dataset}: {summary}")
    for item, reason in result.skipped.items():
        typer.echo(f"{item}: skipped ({reason})")
