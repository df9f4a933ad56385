"""CLI: ``liqcascade liquidations estimate`` and ``liqcascade leverage map``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liqcascade._cli._common import (
    JsonOption,
    StoreOption,
    emit_json,
    examples,
    open_store,
    out_console,
    pct,
    usd,
)
from liqcascade._cli._options import END, START, SYMBOLS, SymbolOption, html_option

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

QUANTILES = ("p10", "p50", "p90")

ESTIMATE_EPILOG = examples(
    (
        "BTC and ETH over the week of 2025-09-22 (bundled sample), per 4h bar:",
        "liqcascade liquidations estimate --symbol BTC/USDT:USDT --symbol ETH/USDT:USDT "
        "--start 2025-09-22 --end 2025-09-26",
    ),
    (
        "Daily bars as JSON, using only data closed by 2025-09-25:",
        "liqcascade liquidations estimate --symbol ETH/USDT:USDT --start 2025-09-22 "
        "--end 2025-09-25 --interval 1d --asof 2025-09-25 --json",
    ),
    note="USD in dollars; p10/p50/p90 are the estimate's quantiles per bar.",
)

MAP_EPILOG = examples(
    (
        "What a 5 % / 10 % move would liquidate, as of 2025-09-21 00:00 UTC:",
        "liqcascade leverage map --symbol BTC/USDT:USDT --asof 2025-09-21T00:00Z",
    ),
    (
        "The heatmap as an HTML page and the figures as JSON:",
        "liqcascade leverage map --symbol ETH/USDT:USDT --asof 2025-09-21T00:00Z "
        "--html map.html --json",
    ),
    note="In --json, curve[].move_pct is a FRACTION of the as-of price (-0.05 = a 5 % drop).",
)


def echo_provenance(sources: Any, missing: Any) -> None:
    """Print what a result was built from and what the store lacked (one line each)."""
    for line in sources or ():
        typer.echo(f"  source: {line}")
    for line in missing or ():
        typer.echo(f"  missing: {line}")


def _band(row: pd.Series, side: str) -> dict[str, float]:
    return {q: float(row[f"estimated_{side}_{q}"]) for q in QUANTILES}


def estimate_json(frame: pd.DataFrame, *, several: bool) -> dict[str, Any]:
    """The JSON document of ``liquidations estimate`` (bars and totals)."""
    bars = []
    for _, row in frame.iterrows():
        bar: dict[str, Any] = {"time": row["time"].isoformat()}
        if several:
            bar["symbol"] = row["symbol"]
        bar.update(
            reported_long_usd=float(row["reported_long_usd"]),
            reported_short_usd=float(row["reported_short_usd"]),
            estimated_long_usd=_band(row, "long"),
            estimated_short_usd=_band(row, "short"),
        )
        bars.append(bar)
    sums = frame.sum(numeric_only=True)
    total = {
        "reported_long_usd": float(sums.get("reported_long_usd", 0.0)),
        "reported_short_usd": float(sums.get("reported_short_usd", 0.0)),
        "estimated_long_usd": {q: float(sums.get(f"estimated_long_{q}", 0.0)) for q in QUANTILES},
        "estimated_short_usd": {q: float(sums.get(f"estimated_short_{q}", 0.0)) for q in QUANTILES},
    }
    return {
        "bars": bars,
        "total": total,
        "sources": list(frame.attrs.get("sources", ())),
        "missing": list(frame.attrs.get("missing", ())),
    }


def register(app: typer.Typer) -> None:
    """Attach the ``liquidations`` and ``leverage`` sub-apps to the root app."""
    liquidations = typer.Typer(
        help="Liquidated notional: reported (Binance) and estimated all-exchange.",
        no_args_is_help=True,
    )
    leverage = typer.Typer(help="Hidden leverage: the liquidation map.", no_args_is_help=True)

    @liquidations.command("estimate", epilog=ESTIMATE_EPILOG)
    def estimate(
        symbol: Annotated[list[str], SYMBOLS],
        start: Annotated[str | None, START] = None,
        end: Annotated[str | None, END] = None,
        interval: Annotated[
            str, typer.Option("--interval", help="4h or a multiple (1d...).")
        ] = "4h",
        asof: Annotated[
            str | None, typer.Option("--asof", help="Use only data closed by this time.")
        ] = None,
        as_json: JsonOption = False,
        store: StoreOption = None,
    ) -> None:
        """Estimate all-exchange liquidations per bar (p10/p50/p90) from the Binance feed."""
        from liqcascade._cli._checks import check_duration, check_range
        from liqcascade.errors import NoDataError
        from liqcascade.leverage import estimate_liquidations

        check_range(start, end)
        check_duration(interval, "--interval")
        frame = estimate_liquidations(
            open_store(store), symbol, start, end, interval=interval, asof=asof
        )
        if frame.empty:
            raise NoDataError(
                f"no liquidation bars for {', '.join(symbol)} between {start or 'the start'} "
                f"and {end or 'the end'}; `liqcascade data list liquidations` shows what the "
                "store holds"
            )
        doc = estimate_json(frame, several=len(symbol) > 1)
        if as_json:
            emit_json(doc)
            return
        from rich.table import Table

        table = Table(title="liquidations: reported (Binance, throttled) vs estimated all-exchange")
        for col in (
            "time",
            "symbol",
            "reported long",
            "est. long p50 [p10-p90]",
            "reported short",
            "est. short p50 [p10-p90]",
        ):
            table.add_column(col)
        for _, r in frame.iterrows():
            table.add_row(
                f"{r['time']:%Y-%m-%d %H:%M}",
                str(r["symbol"]),
                usd(r["reported_long_usd"]),
                f"{usd(r['estimated_long_p50'])} [{usd(r['estimated_long_p10'])}-"
                f"{usd(r['estimated_long_p90'])}]",
                usd(r["reported_short_usd"]),
                f"{usd(r['estimated_short_p50'])} [{usd(r['estimated_short_p10'])}-"
                f"{usd(r['estimated_short_p90'])}]",
            )
        t = doc["total"]
        table.add_row(
            "total",
            "",
            usd(t["reported_long_usd"]),
            f"{usd(t['estimated_long_usd']['p50'])}",
            usd(t["reported_short_usd"]),
            f"{usd(t['estimated_short_usd']['p50'])}",
        )
        out_console().print(table)
        echo_provenance(doc["sources"], doc["missing"])

    @leverage.command("map", epilog=MAP_EPILOG)
    def map_(
        symbol: SymbolOption,
        asof: Annotated[
            str, typer.Option("--asof", help="As-of time (UTC), e.g. 2025-09-21T00:00Z.")
        ],
        as_json: JsonOption = False,
        html: Annotated[Path | None, html_option("the interactive heatmap")] = None,
        store: StoreOption = None,
    ) -> None:
        """Where open positions would be liquidated, as of a time (heatmap and curve)."""
        from liqcascade._cli._checks import check_output_file
        from liqcascade.leverage import liquidation_map

        check_output_file(html, "--html")
        result = liquidation_map(open_store(store), symbol, asof)
        if html is not None:
            result.write_html(html)
        if as_json:
            emit_json(result.to_dict())
            return
        typer.echo(f"{symbol} as of {result.asof.isoformat()}: price {result.price:,.2f}")
        curve = result.curve.set_index("move_pct")
        for move in (-0.10, -0.05, -0.02, 0.02, 0.05, 0.10):
            if move in curve.index:
                side = "long_usd" if move < 0 else "short_usd"
                what = "longs" if move < 0 else "shorts"
                typer.echo(
                    f"  a {pct(move, 0)} move liquidates {usd(curve.at[move, side])} of {what}"
                )
        echo_provenance(result.sources, result.missing)
        if html is not None:
            typer.echo(f"heatmap written to {html}")

    app.add_typer(liquidations, name="liquidations")
    app.add_typer(leverage, name="leverage")
