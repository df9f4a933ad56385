"""CLI: ``liqcascade stress`` and ``liqcascade replay`` (the cascade simulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from liqcascade._cli._common import (
    JsonOption,
    StoreOption,
    emit_json,
    examples,
    make_progress,
    open_store,
    out_console,
    pct,
    progress_steps,
    usd,
)
from liqcascade._cli._options import END, START, SymbolOption, html_option

STRESS_EPILOG = examples(
    (
        "A 3 % drop into the BTC book as of 2025-09-21 00:00 UTC (bundled sample):",
        "liqcascade stress --symbol BTC/USDT:USDT --asof 2025-09-21T00:00Z --shock -0.03",
    ),
    (
        "The same with 200 Monte Carlo paths, as JSON:",
        "liqcascade stress --symbol BTC/USDT:USDT --asof 2025-09-21T00:00Z --shock -0.03 "
        "--paths 200 --seed 1 --json",
    ),
    (
        "10,000 paths on a Dask cluster (extra `dask`):",
        "liqcascade stress --symbol BTC/USDT:USDT --asof 2025-09-21T00:00Z --shock -0.03 "
        "--paths 10000 --cluster tcp://scheduler:8786",
    ),
    note="--shock and every rate in the output (move_pct) are FRACTIONS: -0.03 = 3 % down.",
)

REPLAY_EPILOG = examples(
    (
        "Replay BTC over the week of 2025-09-22 (bundled sample):",
        "liqcascade replay --symbol BTC/USDT:USDT --start 2025-09-22 --end 2025-09-26",
    ),
    (
        "One day as JSON, with the interactive chart:",
        "liqcascade replay --symbol ETH/USDT:USDT --start 2025-09-22 --end 2025-09-23 "
        "--html replay.html --json",
    ),
    (
        "Also write the episode page (simulated vs estimated vs reported):",
        "liqcascade replay --symbol ETH/USDT:USDT --start 2025-09-22 --end 2025-09-26 "
        "--out episode/",
    ),
)

_LABELS = {
    "trough_price": "trough",
    "move_pct": "move",
    "liquidated_long_usd": "longs",
    "liquidated_short_usd": "shorts",
    "rounds": "rounds",
    "insurance_fund_used_usd": "insurance fund",
    "adl_usd": "ADL",
}


def _fmt(name: str, value: float) -> str:
    if name == "move_pct":
        return pct(value, 2)
    if name.endswith("_usd"):
        return usd(value)
    if name == "rounds":
        return f"{value:.0f}"
    return f"{value:,.0f}"


def _print_cascade(d: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="Cascade", show_header=False)
    table.add_row("start price", f"{d['start_price']:,.2f}")
    table.add_row("trough price", f"{d['trough_price']:,.2f}")
    table.add_row("move", pct(d["move_pct"], 2))
    table.add_row("liquidated longs", usd(d["liquidated_long_usd"]))
    table.add_row("liquidated shorts", usd(d["liquidated_short_usd"]))
    table.add_row("rounds", str(d["rounds"]))
    table.add_row("insurance fund used", usd(d["insurance_fund_used_usd"]))
    table.add_row("auto-deleveraged", usd(d["adl_usd"]))
    console = out_console()
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
    inputs = d.get("inputs", {})
    if inputs:
        from liqcascade._cli.leverage import echo_provenance

        echo_provenance(
            (inputs.get("depth_source"), inputs.get("positions_source")), inputs.get("missing")
        )


def register(app: typer.Typer) -> None:
    """Attach ``stress`` and ``replay`` as top-level commands."""

    @app.command("stress", epilog=STRESS_EPILOG)
    def stress_cmd(
        symbol: SymbolOption,
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
            int,
            typer.Option("--paths", help="Monte Carlo paths (quantiles of move, liquidations)."),
        ] = 200,
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
        seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed.")] = 0,
        as_json: JsonOption = False,
        store: StoreOption = None,
    ) -> None:
        """Stress a market as of a time: shock, liquidation cascade, insurance fund, ADL."""
        from liqcascade._cli._checks import check_cluster, check_paths, check_shock
        from liqcascade.errors import InputError

        check_shock(shock)
        check_paths(paths)
        check_cluster(cluster)
        from liqcascade.sim import CascadeConfig, Shock, stress

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
        run = _Progress(paths)
        with run:
            result = stress(
                open_store(store),
                symbol,
                asof,
                impulse,
                paths=paths,
                cluster=cluster,
                config=CascadeConfig(solver=solver),
                feedback=feedback,
                insurance_fund_usd=insurance_fund,
                seed=seed,
                progress=run.advance,
            )
        out = result.to_dict()
        if as_json:
            emit_json(out)
        else:
            _print_cascade(out)

    @app.command("replay", epilog=REPLAY_EPILOG)
    def replay_cmd(
        symbol: SymbolOption,
        start: Annotated[str, START],
        end: Annotated[str, END],
        refresh: Annotated[
            str | None,
            typer.Option("--refresh", help="Rebuild the position book this often (e.g. 1d)."),
        ] = "1d",
        as_json: JsonOption = False,
        html: Annotated[Path | None, html_option("an interactive HTML chart")] = None,
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                help="Also write the episode page here: episode.html and episode.json "
                "(simulated vs estimated vs reported liquidations).",
            ),
        ] = None,
        store: StoreOption = None,
    ) -> None:
        """Replay the real price path: implied liquidations per bar vs estimated true ones."""
        from liqcascade._cli._checks import (
            check_duration,
            check_output_file,
            check_output_folder,
            check_range,
        )
        from liqcascade.sim import replay

        check_range(start, end)
        check_duration(refresh, "--refresh")
        check_output_file(html, "--html")
        check_output_folder(out, "--out")
        the_store = open_store(store)
        with progress_steps(f"Replaying {symbol} {start} -> {end}", total=None):
            result = replay(the_store, symbol, start, end, refresh=refresh)
        if html is not None:
            result.write_html(html)
        doc = result.to_dict()
        if out is not None:
            doc["episode"] = write_episode(the_store, start, end, (symbol,), out)
        if as_json:
            emit_json(doc)
            return
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
        console = out_console()
        console.print(table)
        fit = result.fit
        if "pearson" in fit:
            console.print(
                f"{fit['bars']} bars: implied {usd(fit['implied_total_usd'])} vs "
                f"estimated p50 {usd(fit['estimated_p50_total_usd'])}; "
                f"Pearson {fit['pearson']:.2f}, inside p10-p90 {fit['share_within_p10_p90']:.0%}"
            )
        else:
            console.print(str(fit))
        for path in (html, *doc.get("episode", {}).values()):
            if path is not None:
                console.print(f"wrote {path}")


def write_episode(
    store: Any, start: str, end: str, symbols: tuple[str, ...] | None, out: Path
) -> dict[str, str]:
    """Write the episode page (episode.html, episode.json) and return the two paths.

    ``symbols`` None: episode_report's default symbols.
    """
    from liqcascade.report import episode_report

    with progress_steps(f"Episode page {start} -> {end}", total=None):
        if symbols is None:
            written = episode_report(store, start, end, out_dir=out)
        else:
            written = episode_report(store, start, end, out_dir=out, symbols=symbols)
    return {"html": str(written.html_path), "json": str(written.json_path)}


class _Progress:
    """A progress bar over Monte Carlo blocks on stderr (silent without paths)."""

    def __init__(self, paths: int | None) -> None:
        self.enabled = bool(paths)
        self.paths = paths or 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import Progress

            from liqcascade.sim import MonteCarloPriors

            blocks = -(-self.paths // MonteCarloPriors().block_size)
            self._bar = make_progress(*Progress.get_default_columns())
            self._bar.start()
            self._task = self._bar.add_task("Monte Carlo", total=blocks)
        return self

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
