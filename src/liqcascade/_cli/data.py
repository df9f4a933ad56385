"""``liqcascade data ...``: load the sample, import files, list and show what the store holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from liqcascade._cli import data_live

if TYPE_CHECKING:  # pragma: no cover
    from rich.table import Table

    from liqcascade.data import Store, WriteSummary

data_app = typer.Typer(
    name="data",
    help=(
        "The data store: `data sample` loads the bundled real sample, `data import auto "
        "<files>` imports CSV/Parquet (plain, .gz, .zip) or folders, `data list` and "
        "`data show` look inside."
    ),
    no_args_is_help=True,
)

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Store directory (default: $LIQCASCADE_HOME or the user data dir)."
    ),
]


def _store(path: Path | None) -> Store:
    from liqcascade.data import Store  # lazy: keeps `--help` fast

    return Store(path)


def _summary_table(title: str, rows: dict[str, WriteSummary]) -> Table:
    from rich.table import Table

    table = Table(title=title)
    for column in ("dataset", "added", "replaced", "unchanged"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for name, s in rows.items():
        table.add_row(name, f"{s.added:,}", f"{s.replaced:,}", f"{s.unchanged:,}")
    return table


@data_app.command("sample")
def sample(store: StoreOption = None) -> None:
    """Load the bundled real sample (BTC, ETH; ~2024-11 .. 2025-10-05) into the store."""
    from rich.console import Console

    from liqcascade.data import load_sample

    console = Console()
    the_store = _store(store)
    with console.status(f"Loading the bundled sample into {the_store.path}"):
        summary = load_sample(the_store)
    console.print(_summary_table(f"Sample -> {the_store.path}", summary))


@data_app.command("import")
def import_(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT", help="`auto` (detect from header and name) or an importer name."
        ),
    ],
    paths: Annotated[list[Path], typer.Argument(help="Files (plain/.gz/.zip) or folders.")],
    symbol: Annotated[
        str | None, typer.Option(help="ccxt symbol for files whose name does not say it.")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="Kind of file when the name does not say (e.g. markPriceKlines, 1d)."),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip malformed rows and report them.")
    ] = False,
    max_mb: Annotated[
        int,
        typer.Option("--max-mb", min=1, help="Refuse files larger than this, decompressed (MiB)."),
    ] = 4096,
    max_lines: Annotated[
        int, typer.Option("--max-lines", min=1, help="Refuse files with more lines than this.")
    ] = 50_000_000,
    store: StoreOption = None,
) -> None:
    """Import files or folders; nothing is written unless every file reads cleanly."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from liqcascade.data import import_paths
    from liqcascade.data._import import expand_paths
    from liqcascade.data.importers._base import ImportLimits

    console = Console()
    the_store = _store(store)
    total = sum(p.stat().st_size for p, _ in expand_paths(paths))
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Reading", total=total)

        def advance(path: Path, size: int) -> None:
            if size == 0:
                progress.update(task, description=f"Reading {path.name}")
            else:
                progress.update(task, advance=size, description=f"Read {path.name}")

        summary = import_paths(
            the_store,
            fmt,
            paths,
            symbol=symbol,
            kind=kind,
            skip_bad=skip_bad,
            progress=advance,
            limits=ImportLimits(max_bytes=max_mb * 1024**2, max_lines=max_lines),
        )
    console.print(_summary_table(f"Imported {len(summary.files)} file(s)", summary.totals))
    for path, reason in summary.skipped_files:
        console.print(f"[yellow]skipped[/yellow] {path}: {reason}")
    for warning in summary.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    bad = summary.bad_rows
    if bad:
        console.print(f"[yellow]{len(bad)} bad row(s) skipped[/yellow]")
        for row in bad[:20]:
            where = f"{row.path}, line {row.line}" + (
                f", column {row.column!r}" if row.column else ""
            )
            console.print(f"  {where}: {row.reason} ({row.value!r})")
        if len(bad) > 20:
            console.print(f"  ... and {len(bad) - 20} more")


@data_app.command("list")
def list_(
    dataset: Annotated[
        str | None, typer.Argument(help="Only this dataset (default: every dataset).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Datasets, series (exchange / symbol / interval...), rows, coverage and gaps."""
    from rich.console import Console
    from rich.table import Table

    from liqcascade.data._overview import overview

    console = Console()
    the_store = _store(store)
    frame = overview(the_store, dataset)
    if frame.empty:
        console.print(f"The store at {the_store.path} is empty; try `liqcascade data sample`.")
        return
    table = Table(title=f"Store {the_store.path}")
    for column in frame.columns:
        table.add_column(column, justify="right" if column in ("rows", "gaps") else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


@data_app.command("show")
def show(
    dataset: Annotated[str, typer.Argument(help="candles, open_interest, funding, ...")],
    symbol: Annotated[
        str | None,
        typer.Option(help="Symbol (or asset / index, for datasets partitioned by those)."),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First UTC time (inclusive).")] = None,
    end: Annotated[str | None, typer.Option(help="Last UTC time (exclusive).")] = None,
    exchange: Annotated[str | None, typer.Option(help="Only this exchange.")] = None,
    interval: Annotated[str | None, typer.Option(help="Only this interval.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV (re-importable).")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON records.")] = False,
    limit: Annotated[int, typer.Option(help="Rows in the table view (0 = all).")] = 50,
    store: StoreOption = None,
) -> None:
    """Print the rows of one dataset (table, --csv or --json)."""
    import sys

    from liqcascade._cli._checks import check_range
    from liqcascade.data._schema import dataset as lookup

    check_range(start, end)
    ds = lookup(dataset)
    filters: dict[str, object] = {}
    if symbol is not None:
        filters[ds.partition_by] = symbol
    if exchange is not None and "exchange" in ds.columns:
        filters["exchange"] = exchange
    if interval is not None and "interval" in ds.columns:
        filters["interval"] = interval
    frame = _store(store).read(ds.name, start=start, end=end, **filters)
    if csv:
        frame.to_csv(sys.stdout, index=False)
        return
    if json:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", date_unit="ns"))
        sys.stdout.write("\n")
        return
    from rich.console import Console
    from rich.table import Table

    shown = frame if limit <= 0 else frame.tail(limit)
    table = Table(
        title=f"{ds.name}: {len(frame):,} rows"
        + (f" (last {len(shown)})" if len(shown) < len(frame) else "")
    )
    columns = [c for c in frame.columns if c != "source"]
    for column in columns:
        table.add_column(column)
    for row in shown[columns].itertuples(index=False):
        table.add_row(*["" if v is None or v != v else str(v) for v in row])
    Console().print(table)


@data_app.command("formats")
def formats() -> None:
    """List the importer formats `data import` accepts."""
    from liqcascade.data.importers import IMPORTERS

    for module in IMPORTERS:
        typer.echo(f"{module.FORMAT:22s} {module.DESCRIPTION}")


def register(app: typer.Typer) -> None:
    """Attach the ``data`` sub-app (and its live-backfill commands) to the root app."""
    data_live.register(data_app)
    app.add_typer(data_app, name="data")
