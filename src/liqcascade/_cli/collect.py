"""``liqcascade collect``: the live liquidation collector (extra ``live``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liqcascade._cli._common import StoreOption, examples

COLLECT_EPILOG = examples(
    (
        "Binance and Bybit BTC liquidations for an hour, keeping the raw frames (extra `live`):",
        "liqcascade collect --exchange binance --exchange bybit --symbol BTC/USDT:USDT "
        "--raw-dir raw/ --duration 3600",
    ),
    (
        "Hyperliquid liquidation fills of one watched wallet, until Ctrl-C:",
        "liqcascade collect --exchange hyperliquid --hl-user 0xYourWatchedWallet",
    ),
    note="Disconnects are stored as gaps: `liqcascade data show liquidations` lists them. "
    "Replay raw frames with `liqcascade data import bybit-ws raw/bybit/FILE`.",
)


def register(app: typer.Typer) -> None:
    """Attach ``collect`` to the root app."""
    app.command("collect", epilog=COLLECT_EPILOG)(collect)


def _urls(values: list[str]) -> dict[str, str]:
    from liqcascade.errors import InputError

    out = {}
    for value in values:
        venue, sep, url = value.partition("=")
        if not sep or not url:
            raise InputError(f"--url {value!r}: expected VENUE=ws://host:port")
        out[venue.strip().lower()] = url.strip()
    return out


def collect(
    exchange: Annotated[
        list[str] | None,
        typer.Option(help="binance, bybit, okx, hyperliquid (repeat; default: the first three)."),
    ] = None,
    symbol: Annotated[
        list[str] | None,
        typer.Option(
            help="ccxt symbol to keep, e.g. BTC/USDT:USDT (repeat); its base asset is kept on "
            "every venue. Default: everything the streams send (Bybit: BTC, ETH, SOL)."
        ),
    ] = None,
    store: StoreOption = None,
    raw_dir: Annotated[
        Path | None,
        typer.Option(help="Also keep every raw frame here (JSON lines, `data import <venue>-ws`)."),
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: until Ctrl-C).")
    ] = None,
    hl_user: Annotated[
        list[str] | None,
        typer.Option(help="Hyperliquid wallet whose liquidation fills to watch (repeat)."),
    ] = None,
    flush: Annotated[float, typer.Option(help="Seconds between fsyncs of the spool.")] = 2.0,
    compact: Annotated[
        float, typer.Option(help="Seconds between compactions into the store.")
    ] = 30.0,
    spool: Annotated[
        Path | None, typer.Option(help="Spool folder (default: <store>.spool beside the store).")
    ] = None,
    url: Annotated[
        list[str] | None, typer.Option(hidden=True, help="VENUE=URL override (tests, mirrors).")
    ] = None,
) -> None:
    """Collect public liquidation streams into the store until --duration or Ctrl-C.

    Binance `!forceOrder@arr` (at most one order per symbol per second), Bybit
    `allLiquidation.<symbol>`, OKX `liquidation-orders`, Hyperliquid `userFills` of the wallets
    given with --hl-user. Disconnects are retried with back-off and stored as gaps
    (`liqcascade data show liquidations` lists them). See docs/live.md.
    """
    from liqcascade.data import Store
    from liqcascade.data.feeds import spool_dir
    from liqcascade.data.feeds._collect import CollectConfig
    from liqcascade.data.feeds._collect import collect as run

    the_store = Store(store)
    config = CollectConfig(
        exchanges=tuple(e.strip().lower() for e in (exchange or ["binance", "bybit", "okx"])),
        symbols=tuple(symbol or ()),
        hyperliquid_users=tuple(hl_user or ()),
        spool=spool or spool_dir(the_store.path),
        raw_dir=raw_dir,
        duration_s=duration,
        flush_s=flush,
        compact_s=compact,
        urls=_urls(url or []),
    )
    typer.echo(
        f"collecting {', '.join(config.exchanges)} into {the_store.path} (Ctrl-C stops)", err=True
    )
    result = run(the_store, config=config)
    for venue in config.exchanges:
        gaps = [g for g in result.gaps if g.venue == venue]
        typer.echo(
            f"{venue}: {result.events[venue]} liquidation(s) read, "
            f"{result.connections[venue]} connection(s), {len(gaps)} gap(s), "
            f"{result.frame_errors[venue]} unreadable frame(s)"
        )
    for inst, count in sorted(result.unknown_contracts.items()):
        typer.echo(f"okx: {count} liquidation(s) of {inst} skipped: no known contract value")
    typer.echo(f"stored: {result.stored} distinct liquidation(s)")
