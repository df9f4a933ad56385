"""``liqcascade margin``: exchange-exact liquidation prices and bracket tables from the shell."""

from __future__ import annotations

import math
from typing import Any

import typer

from liqcascade._cli._common import JSON_HELP, emit_json, examples

LIQ_EPILOG = examples(
    (
        "Isolated ETHUSDT long, rate and amount given (Binance FAQ; prints 1114.78):",
        "liqcascade margin liq-price --venue binance --side long --size 3683.979 "
        "--entry 1456.84 --collateral 1535443.01 --mmr 0.10 --cum 135365",
    ),
    (
        "The same with the dated bracket table (the bracket at the liquidation price):",
        "liqcascade margin liq-price --venue binance --side long --size 3683.979 "
        "--entry 1456.84 --collateral 1535443.01 --symbol ETHUSDT --asof 2021-06-01",
    ),
    (
        "Cross margin: the BTC long sharing that wallet (Binance FAQ; prints 26316.89):",
        "liqcascade margin liq-price --venue binance --side long --size 109.488 "
        "--entry 32481.98 --collateral 1535443.01 --mmr 0.025 --cum 16300 "
        "--other-mm 356512.51 --other-upnl -448192.89",
    ),
    (
        "Hyperliquid (maintenance rate 1/(2 x max leverage)), every figure as JSON:",
        "liqcascade margin liq-price --venue hyperliquid --side long --size 0.0015 "
        "--entry 66930 --collateral 20.043862 --max-leverage 50 --json",
    ),
    note=(
        "Units: size in base units (inverse: contracts x contract value / entry); collateral "
        "in quote, or in coins with --inverse; rates as FRACTIONS (0.004 = 0.4 %). Prices "
        "print with 2 decimals (6 significant digits below 1)."
    ),
)

BRACKETS_EPILOG = examples(
    "liqcascade margin brackets --venue binance --symbol BTCUSDT --asof 2021-06-01",
    (
        "Fetch OKX's current BTC tiers into the user data folder, then print them:",
        "liqcascade margin brackets --refresh --venue okx --symbol BTC/USDT:USDT",
    ),
    "liqcascade margin brackets --venue hyperliquid --symbol BTC --json",
    note="Rates (maintMarginRatio) are FRACTIONS in --json; the table shows them in percent.",
)


def _fmt(price: float) -> str:
    if not math.isfinite(price):
        return "none (no price liquidates this position)"
    if price == 0.0:
        return "0.00 (no positive price liquidates this position)"
    return f"{price:.2f}" if abs(price) >= 1 else f"{price:.6g}"


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


def liq_price(
    venue: str = typer.Option(..., "--venue", help="binance, bybit, okx or hyperliquid."),
    side: str = typer.Option(..., "--side", help="long or short (the position's side)."),
    size: float = typer.Option(..., "--size", help="Position size in base units (> 0)."),
    entry: float = typer.Option(..., "--entry", help="Average entry price."),
    collateral: float = typer.Option(
        ..., "--collateral", help="Isolated margin, or cross wallet balance."
    ),
    mmr: float | None = typer.Option(None, "--mmr", help="Maintenance margin rate (fraction)."),
    cum: float | None = typer.Option(None, "--cum", help="Maintenance amount (Binance 'cum')."),
    symbol: str | None = typer.Option(
        None, "--symbol", help="Use the dated bracket table (BTCUSDT or BTC/USDT:USDT)."
    ),
    at: str | None = typer.Option(
        None, "--asof", "--at", help="Date of the bracket table (default: the latest table)."
    ),
    max_leverage: float | None = typer.Option(
        None, "--max-leverage", help="Hyperliquid tier max leverage."
    ),
    other_mm: float = typer.Option(
        0.0, "--other-mm", help="Cross: maintenance margin of the other positions."
    ),
    other_upnl: float = typer.Option(
        0.0, "--other-upnl", help="Cross: unrealised PnL of the other positions."
    ),
    inverse: bool = typer.Option(False, "--inverse", help="Coin-margined (inverse) contract."),
    taker_fee: float | None = typer.Option(
        None, "--taker-fee", help="Fee rate folded in at liquidation (OKX default 0.0005)."
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Liquidation price of one position as the venue computes it."""
    from liqcascade.margin import margin_detailed

    res = margin_detailed(
        venue,
        side,
        size,
        entry,
        collateral,
        mmr=mmr,
        cum=cum,
        symbol=symbol,
        at=at,
        max_leverage=max_leverage,
        other_maint_margin=other_mm,
        other_upnl=other_upnl,
        inverse=inverse,
        taker_fee=taker_fee,
    )
    res.raise_for_status({"side": side, "size": size, "entry": entry, "collateral": collateral})
    lp = float(res.liquidation_price)
    if not as_json:
        typer.echo(_fmt(lp))
        return
    bracket: dict[str, Any] | None = None
    k = int(res.bracket)
    if res.table is not None and k > 0:
        bracket = res.table.rows()[k - 1]
    elif mmr is not None:
        bracket = {"bracket": 1, "maintMarginRatio": mmr, "cum": cum or 0.0}
    elif max_leverage is not None:
        bracket = {"bracket": 1, "maintMarginRatio": 0.5 / max_leverage, "cum": cum or 0.0}
    out = {
        "venue": venue.lower(),
        "side": side,
        "liquidation_price": _finite(lp),
        "bankruptcy_price": _finite(float(res.bankruptcy_price)),
        "maintenance_margin": _finite(float(res.maintenance_margin)),
        "margin_ratio": _finite(float(res.margin_ratio)),
        "bracket": bracket,
        "status": _status_name(int(res.status)),
        "table": None
        if res.table is None
        else {
            "symbol": res.table.symbol,
            "effective_from": str(res.table.effective_from),
            "source": res.table.source,
        },
    }
    emit_json(out)


def _status_name(code: int) -> str:
    from liqcascade.margin import Status

    return Status(code).name


def brackets_cmd(
    venue: str = typer.Option(..., "--venue", help="binance, bybit, okx or hyperliquid."),
    symbol: list[str] | None = typer.Option(  # noqa: B008 - typer's idiom
        None, "--symbol", help="BTCUSDT, BTC/USDT:USDT, BTC... (repeat with --refresh)."
    ),
    at: str | None = typer.Option(
        None, "--asof", "--at", help="Date of the table (default: the latest table)."
    ),
    inverse: bool = typer.Option(False, "--inverse", help="Coin-margined contract."),
    refresh: bool = typer.Option(
        False,
        "--refresh",
        help="Fetch the venue's current tiers (extra `live`) into the user data folder first.",
    ),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Print the bracket (risk-limit tier) table in force at a date."""
    from liqcascade.errors import InputError
    from liqcascade.margin import brackets

    symbols = list(symbol or [])
    if refresh:
        _refresh(venue, symbols, inverse=inverse, quiet=as_json)
        if not symbols:
            return
    if len(symbols) != 1:
        raise InputError("give one --symbol to print a table (several only with --refresh)")
    table = brackets(venue, symbols[0], at=at, inverse=inverse)
    if as_json:
        emit_json(
            {
                "venue": table.venue,
                "symbol": table.symbol,
                "effective_from": str(table.effective_from),
                "basis": table.basis,
                "source": table.source,
                "brackets": table.rows(),
            }
        )
        return
    from rich.console import Console
    from rich.table import Table

    unit = "size (base units)" if table.basis == "quantity" else "position value"
    grid = Table(
        title=f"{table.venue} {table.symbol} brackets from {table.effective_from} (by {unit})",
        caption=f"Source: {table.source}",
        caption_justify="left",
    )
    for col in ("bracket", "floor", "cap", "max lev", "MMR", "cum"):
        grid.add_column(col, justify="right")
    for row in table.rows():
        # rows() gives None for a tier whose table lists no initialLeverage
        lev, cap = row["initialLeverage"], row["notionalCap"]
        grid.add_row(
            str(row["bracket"]),
            f"{row['notionalFloor']:,.0f}",
            "open" if cap is None or cap >= 1e15 else f"{cap:,.0f}",
            "?" if lev is None else f"{lev:g}x",
            f"{row['maintMarginRatio']:.4%}",
            f"{row['cum']:,.2f}",
        )
    Console().print(grid)


def _refresh(venue: str, symbols: list[str], *, inverse: bool, quiet: bool) -> None:
    """Fetch and write the venue's current tiers; report what was written and skipped."""
    from liqcascade.data.live_brackets import refresh_brackets
    from liqcascade.margin import normalize_symbol

    wanted = [normalize_symbol(s, inverse=inverse) for s in symbols] or None
    result = refresh_brackets(venue, wanted)
    out = typer.echo if not quiet else (lambda text: typer.echo(text, err=True))
    for sym, path in result.written.items():
        out(f"{sym}: saved {path}")
    for sym, why in result.skipped.items():
        out(f"{sym}: skipped ({why})")
    if not result.written:
        out(f"{venue}: no table written")


def register(app: typer.Typer) -> None:
    """Attach ``margin liq-price`` and ``margin brackets`` to the root app."""
    sub = typer.Typer(
        name="margin",
        help="Exchange-exact margin math: liquidation prices and bracket tables.",
        no_args_is_help=True,
    )
    sub.command("liq-price", epilog=LIQ_EPILOG)(liq_price)
    sub.command("brackets", epilog=BRACKETS_EPILOG)(brackets_cmd)
    app.add_typer(sub, name="margin")
