"""``liqcascade data ...``: load the sample, import files, list and show what the store holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from liqcascade._cli import data_live
from liqcascade._cli._common import (
    JsonOption,
    StoreOption,
    emit_json,
    err_console,
    examples,
    make_progress,
    note,
    open_store,
    out_console,
    progress_steps,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
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

SAMPLE_EPILOG = examples(
    "liqcascade data sample",
    "liqcascade data sample --store ./my-store --json",
    note="Loading again changes nothing (every row is already there).",
)

IMPORT_EPILOG = examples(
    (
        "Binance Vision klines and a folder of liquidation CSVs, formats detected:",
        "liqcascade data import auto BTCUSDT-4h-2025-09.zip data/liquidations/",
    ),
    (
        "A file whose name does not say its symbol, bad rows skipped and reported, as JSON:",
        "liqcascade data import ohlcvfeed prices.csv --symbol BTC/USDT --kind 1d --skip-bad --json",
    ),
    note="`liqcascade data formats` lists the importer names.",
)

LIST_EPILOG = examples(
    ("One line per dataset:", "liqcascade data list"),
    ("Every series of one dataset:", "liqcascade data list --dataset candles"),
    ("Every series of one symbol, as JSON:", "liqcascade data list --symbol BTC/USDT --json"),
    ("Every series of every dataset:", "liqcascade data list --all"),
)

SHOW_EPILOG = examples(
    (
        "BTC spot daily candles for the week of 2025-09-22 as CSV (re-importable):",
        "liqcascade data show candles --symbol BTC/USDT --interval 1d --start 2025-09-22 "
        "--end 2025-09-29 --csv",
    ),
    (
        "Binance liquidations of ETH over two days as JSON:",
        "liqcascade data show liquidations --symbol ETH --exchange binance --start 2025-09-22 "
        "--end 2025-09-24 --json",
    ),
    note=(
        "With several intervals in the selection and no --interval, the shortest is shown "
        "(a note on stderr says which)."
    ),
)

FORMATS_EPILOG = examples("liqcascade data formats", "liqcascade data formats --json")


def _store(path: Path | None) -> Store:
    return open_store(path)


def _summary_json(rows: dict[str, WriteSummary]) -> dict[str, dict[str, int]]:
    return {
        name: {"added": s.added, "replaced": s.replaced, "unchanged": s.unchanged}
        for name, s in rows.items()
    }


def _summary_table(title: str, rows: dict[str, WriteSummary]) -> Table:
    from rich.table import Table

    table = Table(title=title)
    for column in ("dataset", "added", "replaced", "unchanged"):
        table.add_column(column, justify="left" if column == "dataset" else "right")
    for name, s in rows.items():
        table.add_row(name, f"{s.added:,}", f"{s.replaced:,}", f"{s.unchanged:,}")
    return table


@data_app.command("sample", epilog=SAMPLE_EPILOG)
def sample(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """Load the bundled real sample (BTC, ETH; ~2024-11 .. 2025-10-05) into the store."""
    from liqcascade.data import load_sample

    the_store = _store(store)
    with progress_steps(f"Loading the bundled sample into {the_store.path}"):
        summary = load_sample(the_store)
    if as_json:
        emit_json({"store": str(the_store.path), "datasets": _summary_json(summary)})
        return
    out_console().print(_summary_table(f"Sample -> {the_store.path}", summary))


@data_app.command("import", epilog=IMPORT_EPILOG)
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
    as_json: JsonOption = False,
) -> None:
    """Import files or folders; nothing is written unless every file reads cleanly."""
    from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeElapsedColumn

    from liqcascade.data import ImportLimits, expand_paths, import_paths

    console = err_console()
    the_store = _store(store)
    total = sum(p.stat().st_size for p, _ in expand_paths(paths))
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with make_progress(*columns) as progress:
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
    if as_json:
        emit_json(
            {
                "store": str(the_store.path),
                "files": [str(f) for f in summary.files],
                "datasets": _summary_json(summary.totals),
                "skipped_files": [{"path": str(p), "reason": r} for p, r in summary.skipped_files],
                "warnings": [str(w) for w in summary.warnings],
                "bad_rows": [
                    {
                        "path": str(row.path),
                        "line": row.line,
                        "column": row.column,
                        "reason": row.reason,
                        "value": row.value,
                    }
                    for row in summary.bad_rows
                ],
            }
        )
        return
    console = out_console()
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


@data_app.command("list", epilog=LIST_EPILOG)
def list_(
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Every series of this dataset.")
    ] = None,
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="Every series of this symbol (or asset).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every series of every dataset.")] = False,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """What the store holds: one line per dataset, or its series with --dataset/--symbol/--all.

    A series is one exchange / symbol / interval...; each shows rows, first and last time and
    gaps (missing bars, for series with a regular interval).
    """
    from rich.table import Table

    from liqcascade.data import overview, overview_summary

    the_store = _store(store)
    frame = overview(the_store, dataset, symbol=symbol)
    expanded = all_ or dataset is not None or symbol is not None
    shown = frame if expanded else overview_summary(frame)
    if as_json:
        records = shown.astype(object).where(shown.notna(), None).to_dict(orient="records")
        emit_json({"store": str(the_store.path), "level": "series" if expanded else "dataset",
                   "rows": records})  # fmt: skip
        return
    console = out_console()
    if frame.empty:
        console.print(
            f"The store at {the_store.path} holds nothing here; try `liqcascade data sample`."
        )
        return
    table = Table(title=f"Store {the_store.path}")
    for column in shown.columns:
        numeric = column in ("rows", "gaps", "series") and (column != "series" or not expanded)
        table.add_column(column, justify="right" if numeric else "left")
    for row in shown.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    console.print(table)
    if not expanded:
        console.print("One line per dataset; --dataset NAME, --symbol SYMBOL or --all for series.")


@data_app.command("show", epilog=SHOW_EPILOG)
def show(
    dataset: Annotated[str, typer.Argument(help="candles, open_interest, funding, ...")],
    symbol: Annotated[
        str | None,
        typer.Option(help="Symbol (or asset / index, for datasets partitioned by those)."),
    ] = None,
    start: Annotated[str | None, typer.Option(help="First UTC time (inclusive).")] = None,
    end: Annotated[str | None, typer.Option(help="Last UTC time (exclusive).")] = None,
    exchange: Annotated[str | None, typer.Option(help="Only this exchange.")] = None,
    interval: Annotated[
        str | None,
        typer.Option(help="Only this interval (default: the shortest in the selection)."),
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV (re-importable).")] = False,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(help="Rows in the table view (0 = all).")] = 50,
    store: StoreOption = None,
) -> None:
    """Print the rows of one dataset (table, --csv or --json)."""
    import sys

    from liqcascade._cli._checks import check_range
    from liqcascade.data import dataset as lookup

    check_range(start, end)
    ds = lookup(dataset)
    filters: dict[str, object] = {}
    if symbol is not None:
        filters[ds.partition_by] = symbol
    if exchange is not None and "exchange" in ds.columns:
        filters["exchange"] = exchange
    if interval is not None and "interval" in ds.columns:
        filters["interval"] = interval
    the_store = _store(store)
    frame = the_store.read(ds.name, start=start, end=end, **filters)
    if interval is None and "interval" in frame.columns:
        frame = _one_interval(frame)
    gaps = _gap_lines(the_store, ds.name, start, end, exchange)
    if csv:
        for line in gaps:  # stderr: the CSV stays re-importable
            typer.echo(line, err=True)
    if csv:
        frame.to_csv(sys.stdout, index=False)
        return
    if as_json:
        records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
        extra = {"gaps": gaps} if gaps else {}
        emit_json({"dataset": ds.name, "rows": len(frame), "records": records, **extra})
        return
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
    out_console().print(table)
    for line in gaps:
        typer.echo(line)


def _gap_lines(
    store: Store, name: str, start: str | None, end: str | None, exchange: str | None
) -> list[str]:
    """Collector gaps overlapping [start, end) for the liquidations view (``collect``)."""
    if name != "liquidations" or not store.files("feed_gaps"):
        return []
    from liqcascade.data.feeds import describe_gaps

    gaps = store.read("feed_gaps", **({"exchange": exchange} if exchange else {}))
    if start is not None:
        gaps = gaps[gaps["end"] > pd_time(start)]
    if end is not None:
        gaps = gaps[gaps["time"] < pd_time(end)]
    return describe_gaps(gaps)


def pd_time(value: str) -> object:
    import pandas as pd

    stamp = pd.Timestamp(value)
    return stamp if stamp.tzinfo else stamp.tz_localize("UTC")


def _cell(value: object) -> str:
    """A table cell: blank for missing, thousands separators for counts."""
    import pandas as pd

    if value is None or value is pd.NA:
        return ""
    return f"{value:,}" if isinstance(value, int) else str(value)


def _one_interval(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep the shortest interval when a selection mixes several (a note says so)."""

    from liqcascade._time import interval_length

    present = [str(i) for i in frame["interval"].dropna().unique()]
    if len(present) <= 1:
        return frame
    known = []
    for i in present:
        try:
            known.append((interval_length(i), i))
        except ValueError:
            continue
    chosen = min(known)[1] if known else sorted(present)[0]
    note(
        f"note: the selection holds several intervals ({', '.join(sorted(present))}); "
        f"showing {chosen}. Pass --interval to choose."
    )
    return frame[frame["interval"] == chosen].reset_index(drop=True)


@data_app.command("formats", epilog=FORMATS_EPILOG)
def formats(as_json: JsonOption = False) -> None:
    """List the importer formats `data import` accepts."""
    from liqcascade.data.importers import IMPORTERS

    if as_json:
        emit_json({"formats": {m.FORMAT: m.DESCRIPTION for m in IMPORTERS}})
        return
    for module in IMPORTERS:
        typer.echo(f"{module.FORMAT:22s} {module.DESCRIPTION}")


def register(app: typer.Typer) -> None:
    """Attach the ``data`` sub-app (and its live-backfill commands) to the root app."""
    data_live.register(data_app)
    app.add_typer(data_app, name="data")
