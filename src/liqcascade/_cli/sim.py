"""CLI: ``liqcascade stress`` and ``liqcascade replay`` (the cascade simulator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

STORE_HELP = "Store directory (default: $LIQCASCADE_HOME or the user data dir)."


def _store(path: Path | None) -> Any:
    from liqcascade.data import Store

    return Store(path)


def _usd(x: float) -> str:
    return f"{x / 1e6:,.1f} M USD"


_LABELS = {
    "trough_price": "trough",
    "move_pct": "move %",
    "liquidated_long_usd": "longs M$",
    "liquidated_short_usd": "shorts M$",
    "rounds": "rounds",
    "insurance_fund_used_usd": "fund M$",
    "adl_usd": "ADL M$",
}


def _fmt(name: str, value: float) -> str:
    if name == "move_pct":
        return f"{value * 100:+.2f}"
    if name.endswith("_usd"):
        return f"{value / 1e6:,.1f}"
    if name == "rounds":
        return f"{value:.0f}"
    return f"{value:,.0f}"


def _print_cascade(d: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Cascade", show_header=False)
    table.add_row("start price", f"{d['start_price']:,.2f}")
    table.add_row("trough price", f"{d['trough_price']:,.2f}")
    table.add_row("move", f"{d['move_pct'] * 100:+.2f} %")
    table.add_row("liquidated longs", _usd(d["liquidated_long_usd"]))
    table.add_row("liquidated shorts", _usd(d["liquidated_short_usd"]))
    table.add_row("rounds", str(d["rounds"]))
    table.add_row("insurance fund used", _usd(d["insurance_fund_used_usd"]))
    table.add_row("auto-deleveraged", _usd(d["adl_usd"]))
    console = Console()
    console.print(table)
    if "quantiles" in d:
        qt = Table(title=f"Monte Carlo ({d['paths']} paths)")
        levels = list(next(iter(d["quantiles"].values())))
        qt.add_column("metric", no_wrap=True)
        for level in levels:
            qt.add_column(level, justify="right", no_wrap=True)
        for name, qs in d["quantiles"].items():
            qt.add_row(_LABELS.get(name, name), *[_fmt(name, qs[lv]) for lv in levels])
        console.print(qt)


def register(app: typer.Typer) -> None:
    """Attach ``stress`` and ``replay`` as top-level commands."""

    @app.command("stress")
    def stress_cmd(
        symbol: Annotated[str, typer.Option("--symbol", help="ccxt symbol, e.g. BTC/USDT:USDT.")],
        asof: Annotated[
            str, typer.Option("--asof", help="Book and depth as known at this time (UTC).")
        ],
        shock: Annotated[
            float,
            typer.Option("--shock", help="Price move as a FRACTION: -0.03 = 3 % down."),
        ],
        flow_usd: Annotated[
            float,
            typer.Option(
                "--flow-usd", help="Market order hitting the book, USD (negative = sell)."
            ),
        ] = 0.0,
        paths: Annotated[
            int | None, typer.Option("--paths", help="Also run this many Monte Carlo paths.")
        ] = None,
        cluster: Annotated[
            str | None,
            typer.Option(
                "--cluster",
                help="Monte Carlo executor: local (default), dask (LocalCluster) or tcp://host:port.",
            ),
        ] = None,
        feedback: Annotated[
            bool,
            typer.Option(
                "--feedback/--no-feedback",
                help="Switch on momentum, funding pressure, depth withdrawal and ETF flow.",
            ),
        ] = False,
        solver: Annotated[
            str, typer.Option("--solver", help="fixed_point or stepper (same results).")
        ] = "fixed_point",
        insurance_fund: Annotated[
            float, typer.Option("--insurance-fund", help="Insurance fund balance, USD.")
        ] = 1.0e9,
        seed: Annotated[int | None, typer.Option("--seed", help="Monte Carlo seed.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    ) -> None:
        """Stress a market as of a time: shock, liquidation cascade, insurance fund, ADL."""
        from liqcascade._cli._checks import check_cluster, check_paths, check_shock
        from liqcascade.errors import InputError

        check_shock(shock)
        check_paths(paths)
        check_cluster(cluster)
        from liqcascade.sim import CascadeConfig, Shock
        from liqcascade.sim._stress import stress

        if solver not in ("fixed_point", "stepper"):
            raise InputError(f"--solver {solver!r}; expected fixed_point or stepper")
        try:
            impulse = Shock(price_move=shock, flow_usd=flow_usd)
        except ValueError as exc:
            errors = getattr(exc, "errors", None)
            why = errors()[0]["msg"] if callable(errors) else str(exc)
            raise InputError(
                f"--shock {shock} / --flow-usd {flow_usd}: {why} (--shock is a FRACTION: "
                "-0.03 = 3 % down; --flow-usd in USD, negative = sell)"
            ) from None
        run = _Progress(paths, enabled=not as_json)
        with run:
            result = stress(
                _store(store),
                symbol,
                asof,
                impulse,
                paths=paths,
                cluster=cluster,
                config=CascadeConfig(solver=solver),  # type: ignore[arg-type]
                feedback=feedback,
                insurance_fund_usd=insurance_fund,
                seed=seed,
                progress=run.advance,
            )
        out = result.to_dict()
        if as_json:
            typer.echo(json.dumps(out, indent=2, default=str))
        else:
            _print_cascade(out)

    @app.command("replay")
    def replay_cmd(
        symbol: Annotated[str, typer.Option("--symbol", help="ccxt symbol, e.g. BTC/USDT:USDT.")],
        start: Annotated[str, typer.Option("--start", help="First bar (UTC), e.g. 2025-09-22.")],
        end: Annotated[str, typer.Option("--end", help="End (exclusive), e.g. 2025-09-29.")],
        refresh: Annotated[
            str | None,
            typer.Option("--refresh", help="Rebuild the position book this often (e.g. 1d)."),
        ] = "1d",
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        html: Annotated[
            Path | None, typer.Option("--html", help="Write an interactive HTML chart here.")
        ] = None,
        store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
    ) -> None:
        """Replay the real price path: implied liquidations per bar vs estimated true ones."""
        from liqcascade._cli._checks import check_duration, check_output_file, check_range
        from liqcascade.sim._replay import replay

        check_range(start, end)
        check_duration(refresh, "--refresh")
        check_output_file(html, "--html")
        result = replay(_store(store), symbol, start, end, refresh=refresh)
        if html is not None:
            result.write_html(html)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Replay {symbol} {start} -> {end}: implied vs estimated, M USD")
        for col in ("bar", "low", "high", "longs", "est. p50", "shorts", "est. p50"):
            table.add_column(col, justify="right", no_wrap=True)
        for row in result.bars.itertuples(index=False):
            table.add_row(
                row.time.strftime("%m-%d %Hh"),
                f"{row.low:,.0f}",
                f"{row.high:,.0f}",
                f"{row.implied_long_usd / 1e6:,.1f}",
                f"{row.estimated_long_p50 / 1e6:,.1f}",
                f"{row.implied_short_usd / 1e6:,.1f}",
                f"{row.estimated_short_p50 / 1e6:,.1f}",
            )
        console = Console()
        console.print(table)
        fit = result.fit
        if "pearson" in fit:
            console.print(
                f"{fit['bars']} bars: implied {fit['implied_total_usd'] / 1e6:,.1f} M vs "
                f"estimated p50 {fit['estimated_p50_total_usd'] / 1e6:,.1f} M; "
                f"Pearson {fit['pearson']:.2f}, inside p10-p90 {fit['share_within_p10_p90']:.0%}"
            )
        else:
            console.print(json.dumps(fit))
        if html is not None:
            console.print(f"wrote {html}")


class _Progress:
    """A rich progress bar over Monte Carlo blocks (silent without paths or with --json)."""

    def __init__(self, paths: int | None, *, enabled: bool) -> None:
        self.enabled = bool(paths) and enabled
        self.paths = paths or 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import Progress

            from liqcascade.sim import MonteCarloPriors

            blocks = -(-self.paths // MonteCarloPriors().block_size)
            self._bar = Progress(transient=True)
            self._bar.start()
            self._task = self._bar.add_task("Monte Carlo", total=blocks)
        return self

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
