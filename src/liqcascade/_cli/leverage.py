"""CLI: ``liqcascade liquidations estimate`` and ``liqcascade leverage map``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

QUANTILES = ("p10", "p50", "p90")
STORE_HELP = "Store directory (default: $LIQCASCADE_HOME or the user data dir)."


def _store(path: Path | None) -> Any:
    from liqcascade.data import Store

    return Store(path)


def _band(row: Any, side: str) -> dict[str, float]:
    return {q: float(row[f"estimated_{side}_{q}"]) for q in QUANTILES}


def estimate_json(frame: Any, *, several: bool) -> dict[str, Any]:
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
    return {"bars": bars, "total": total}


def _usd(x: float) -> str:
    return f"{x / 1e6:,.1f} M"


def register(app: typer.Typer) -> None:
    """Attach the ``liquidations`` and ``leverage`` sub-apps to the root app."""
    liquidations = typer.Typer(
        help="Liquidated notional: reported and estimated all-exchange.", no_args_is_help=True
    )
    leverage = typer.Typer(help="Hidden leverage: the liquidation map.", no_args_is_help=True)

    @liquidations.command("estimate")
    def estimate(
        symbol: Annotated[
            list[str], typer.Option("--symbol", help="ccxt symbol; repeat for several.")
        ],
        start: Annotated[
            str | None, typer.Option("--start", help="First bar (UTC), e.g. 2025-09-22.")
        ] = None,
        end: Annotated[
            str | None, typer.Option("--end", help="End (exclusive), e.g. 2025-09-26.")
        ] = None,
        interval: Annotated[
            str, typer.Option("--interval", help="4h or a multiple (1d...).")
        ] = "4h",
        asof: Annotated[
            str | None, typer.Option("--asof", help="Use only data closed by this time.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    ) -> None:
        """Estimate all-exchange liquidations per bar (p10/p50/p90) from the Binance feed."""
        from liqcascade._cli._checks import check_duration, check_range
        from liqcascade.errors import NoDataError
        from liqcascade.leverage import estimate_liquidations

        check_range(start, end)
        check_duration(interval, "--interval")
        frame = estimate_liquidations(
            _store(store), symbol, start, end, interval=interval, asof=asof
        )
        if frame.empty:
            raise NoDataError(
                f"no liquidation bars for {', '.join(symbol)} between {start or 'the start'} "
                f"and {end or 'the end'}; `liqcascade data list liquidations` shows what the "
                "store holds"
            )
        doc = estimate_json(frame, several=len(symbol) > 1)
        if as_json:
            typer.echo(json.dumps(doc))
            return
        from rich.console import Console
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
                _usd(r["reported_long_usd"]),
                f"{_usd(r['estimated_long_p50'])} [{_usd(r['estimated_long_p10'])}-"
                f"{_usd(r['estimated_long_p90'])}]",
                _usd(r["reported_short_usd"]),
                f"{_usd(r['estimated_short_p50'])} [{_usd(r['estimated_short_p10'])}-"
                f"{_usd(r['estimated_short_p90'])}]",
            )
        t = doc["total"]
        table.add_row(
            "total",
            "",
            _usd(t["reported_long_usd"]),
            f"{_usd(t['estimated_long_usd']['p50'])}",
            _usd(t["reported_short_usd"]),
            f"{_usd(t['estimated_short_usd']['p50'])}",
        )
        Console().print(table)

    @leverage.command("map")
    def map_(
        symbol: Annotated[str, typer.Option("--symbol", help="ccxt symbol, e.g. BTC/USDT:USDT.")],
        asof: Annotated[
            str, typer.Option("--asof", help="As-of time (UTC), e.g. 2025-09-21T00:00Z.")
        ],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        html: Annotated[
            Path | None, typer.Option("--html", help="Write the interactive heatmap here.")
        ] = None,
        store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    ) -> None:
        """Where open positions would be liquidated, as of a time (heatmap and curve)."""
        from liqcascade._cli._checks import check_output_file
        from liqcascade.leverage import liquidation_map

        check_output_file(html, "--html")
        result = liquidation_map(_store(store), symbol, asof)
        if html is not None:
            from liqcascade.leverage._html import write_html

            write_html(result, html)
        if as_json:
            typer.echo(json.dumps(result.to_dict()))
            return
        typer.echo(f"{symbol} as of {result.asof.isoformat()}: price {result.price:,.2f}")
        curve = result.curve.set_index("move_pct")
        for move in (-10.0, -5.0, -2.0, 2.0, 5.0, 10.0):
            if move in curve.index:
                side = "long_usd" if move < 0 else "short_usd"
                what = "longs" if move < 0 else "shorts"
                typer.echo(
                    f"  a {move:+.0f} % move liquidates {_usd(curve.at[move, side])} USD of {what}"
                )
        if html is not None:
            typer.echo(f"heatmap written to {html}")

    app.add_typer(liquidations, name="liquidations")
    app.add_typer(leverage, name="leverage")
