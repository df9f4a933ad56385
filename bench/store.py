"""Store benchmark: import throughput and a typical query, against pandas in the same run.

1. import every folder of ``../shared/data/market`` (all importers, one transaction);
2. import a generated liquidation file (``--rows``, default 10 M events, records CSV) into a
   fresh store, then import it again (the idempotent path: every row compared, nothing written);
   both against a bare ``pyarrow.csv`` parse of the same file in the same run (no checks, no
   store: the floor any import pays);
3. a typical query, one month of 4h bars for one symbol (``store.candles``), against
   ``pandas.read_csv`` + filter of the source CSV (median of ``--repeat`` runs each, the two
   run alternately so both see the same machine load); the
   first query of a freshly opened store (nothing decoded yet) is reported beside it;
4. ``liqcascade data sample`` into an empty store, the whole command in a fresh process
   (start-up and imports included), median of 3.

Prints a human-readable line per measure and ONE JSON object on the last line, with the
process's CPU seconds (all threads) beside each import's wall time.
Usage: ``python bench/store.py [--rows 10000000] [--repeat 20] [--shared PATH]
[--only shared,big,query,sample]`` (``--only``: just those parts; ``query`` imports the
shared folder first, as it queries that store).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

import liqcascade
from liqcascade.data import ImportSummary, Store, import_paths

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "market"
PERP_4H = "coinglass_liquidityreport_felipe/price_ohlc_binance_BTCUSDT_perp_4h.csv"
MONTH = ("2025-09-01", "2025-10-01")


def generate_liquidations(path: Path, rows: int, *, seed: int = 7) -> None:
    """Write ``rows`` synthetic liquidation events in the records CSV format."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01", tz="UTC").value
    span = pd.Timestamp("2025-10-01", tz="UTC").value - start
    symbols = np.array(["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "XRP/USDT:USDT"])
    sides = np.array(["long", "short"])
    chunk = 2_000_000
    with pacsv.CSVWriter(path, _schema()) as writer:
        for lo in range(0, rows, chunk):
            n = min(chunk, rows - lo)
            times = np.sort(rng.integers(0, span, n)) + start
            writer.write_table(
                pa.table(
                    {
                        "time": pa.array(times, pa.timestamp("ns", tz="UTC")),
                        "exchange": pa.array(np.full(n, "binance")),
                        "symbol": pa.array(symbols[rng.integers(0, 4, n)]),
                        "interval": pa.nulls(n, pa.string()),
                        "liquidated_side": pa.array(sides[rng.integers(0, 2, n)]),
                        "notional_usd": rng.lognormal(8, 2, n).round(2),
                        "qty": rng.lognormal(0, 1, n).round(3),
                        "price": (100_000 + rng.normal(0, 1_000, n)).round(1),
                        "coverage": pa.array(np.full(n, "complete")),
                        "event_id": pa.array(np.arange(lo, lo + n).astype(str)),
                    },
                    schema=_schema(),
                )
            )


def _schema() -> pa.Schema:
    return pa.schema(
        [
            ("time", pa.timestamp("ns", tz="UTC")),
            ("exchange", pa.string()),
            ("symbol", pa.string()),
            ("interval", pa.string()),
            ("liquidated_side", pa.string()),
            ("notional_usd", pa.float64()),
            ("qty", pa.float64()),
            ("price", pa.float64()),
            ("coverage", pa.string()),
            ("event_id", pa.string()),
        ]
    )


def _typed() -> pacsv.ConvertOptions:
    """The schema's types, as the importer asks for them (the baseline parses as much)."""
    return pacsv.ConvertOptions(column_types={f.name: f.type for f in _schema()})


def timed(fn):  # -> (seconds, result)
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def cpu_timed(fn):  # -> (wall seconds, CPU seconds of this process's threads, result)
    cpu = time.process_time()
    wall, result = timed(fn)
    return wall, time.process_time() - cpu, result


def paired_median_times(first, second, repeat: int) -> tuple[float, float]:
    """Median seconds of two functions run alternately (both see the same machine load)."""
    first(), second()  # warm-up (imports, caches)
    a, b = [], []
    for _ in range(repeat):
        a.append(timed(first)[0])
        b.append(timed(second)[0])
    return statistics.median(a), statistics.median(b)


PARTS = ("shared", "big", "query", "sample")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all)",
    )
    args = parser.parse_args()
    unknown = args.only - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown part(s) {sorted(unknown)}; choose from {PARTS}")
    out: dict[str, object] = {"bench": "store", "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        shared_store = Store(tmp_path / "shared")
        if args.only & {"shared", "query"}:
            out |= shared_import(shared_store, args.shared)
        if "big" in args.only:
            out |= big_import(tmp_path, args.rows)
        if "query" in args.only:
            out |= query(shared_store, args.shared, args.repeat)
        if "sample" in args.only:
            out |= sample_load(tmp_path)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out))


def shared_import(store: Store, folder: Path) -> dict[str, object]:
    """Every folder of the shared collection, all importers, one transaction."""
    secs, cpu, summary = cpu_timed(lambda: import_paths(store, "auto", [folder]))
    rows = sum(s.total for s in summary.totals.values())
    print(
        f"shared collection: {rows:,} rows in {secs:.1f} s, {cpu:.1f} s CPU "
        f"({rows / secs:,.0f} rows/s, {len(summary.files)} files)"
    )
    return {
        "shared_rows": rows,
        "shared_import_s": round(secs, 2),
        "shared_import_cpu_s": round(cpu, 2),
        "shared_rows_per_s": round(rows / secs),
    }


def big_import(tmp_path: Path, rows: int) -> dict[str, object]:
    """A generated liquidation file: bare parse, first import, idempotent re-import."""
    out: dict[str, object] = {"rows_generated": rows}
    big = tmp_path / "liquidations.csv"
    gen_s, _ = timed(lambda: generate_liquidations(big, rows))
    print(
        f"generated {rows:,} liquidation events in {gen_s:.1f} s "
        f"({big.stat().st_size / 1e9:.2f} GB)"
    )
    parse_s, parse_cpu, _ = cpu_timed(lambda: pacsv.read_csv(big, convert_options=_typed()))
    out |= {"csv_parse_s": round(parse_s, 2), "csv_parse_cpu_s": round(parse_cpu, 2)}
    print(
        "baseline: bare pyarrow.csv parse of the same file, no checks: "
        f"{parse_s:.1f} s, {parse_cpu:.1f} s CPU"
    )
    big_store = Store(tmp_path / "big")

    def timed_import(label: str, stem: str, rate_key: str) -> ImportSummary:
        """Import ``big`` into ``big_store``: print and record its figures (keys ``stem_*``)."""
        secs, cpu, summary = cpu_timed(lambda: import_paths(big_store, "records", [big]))
        out.update(
            {
                f"{stem}_s": round(secs, 2),
                f"{stem}_cpu_s": round(cpu, 2),
                rate_key: round(rows / secs),
                f"{stem}_vs_parse": round(secs / parse_s, 2),
            }
        )
        print(
            f"{label}: {secs:.1f} s, {cpu:.1f} s CPU ({rows / secs:,.0f} rows/s, "
            f"x{secs / parse_s:.2f} the bare parse)"
        )
        return summary

    timed_import(f"import {rows:,} rows", "big_import", "big_rows_per_s")
    summary = timed_import(
        "re-import (idempotent, nothing written)", "reimport", "reimport_rows_per_s"
    )
    assert summary.totals["liquidations"].unchanged == rows
    big.unlink()
    return out


def query(shared_store: Store, folder: Path, repeat: int) -> dict[str, object]:
    """One month of 4h bars from the store against pandas on the series' CSV."""
    csv_path = folder / PERP_4H
    lo, hi = (pd.Timestamp(t, tz="UTC") for t in MONTH)

    def with_store() -> pd.DataFrame:
        return shared_store.candles("BTC/USDT:USDT", *MONTH, interval="4h")

    def with_pandas() -> pd.DataFrame:
        frame = pd.read_csv(csv_path)
        time_ = pd.to_datetime(frame["time"], unit="ms", utc=True)
        return frame[(time_ >= lo) & (time_ < hi)]

    cold_s, cold = timed(
        lambda: Store(shared_store.path).candles("BTC/USDT:USDT", *MONTH, interval="4h")
    )
    assert len(cold) == len(with_store()) == len(with_pandas()) == 180  # 30 days x 6 bars
    store_s, pandas_s = paired_median_times(with_store, with_pandas, repeat)
    print(
        f"one month of 4h bars: store {store_s * 1e3:.1f} ms, "
        f"pandas read_csv+filter {pandas_s * 1e3:.1f} ms "
        f"(x{pandas_s / store_s:.2f}); first query of a fresh store {cold_s * 1e3:.1f} ms"
    )
    return {
        "query_store_ms": round(store_s * 1e3, 2),
        "query_pandas_csv_ms": round(pandas_s * 1e3, 2),
        "query_speedup_vs_pandas": round(pandas_s / store_s, 2),
        "query_store_cold_ms": round(cold_s * 1e3, 2),
    }


def sample_load(tmp_path: Path) -> dict[str, object]:
    """``liqcascade data sample`` into an empty store: the command's wall and CPU time.

    The child finds liqcascade where this process found it: PYTHONPATH names that one
    folder, as a user's checkout would. (It used to get this process's whole ``sys.path``,
    ``bench/`` and the standard library included, ahead of its own; paired runs under load
    showed no CPU difference beyond noise, 1.82 vs 1.88 s at best, but the child should
    start as a user's process does.)
    """
    env = dict(os.environ, PYTHONPATH=str(Path(liqcascade.__file__).parents[1]))
    walls, cpus = [], []
    for i in range(3):
        before = os.times()
        wall, _ = timed(
            lambda i=i: subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "liqcascade.cli",
                    "data",
                    "sample",
                    "--store",
                    str(tmp_path / f"sample{i}"),
                ],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
        )
        after = os.times()
        walls.append(wall)
        cpus.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    files = sum(1 for _ in (tmp_path / "sample0").rglob("*.parquet"))
    print(f"data sample into an empty store: {wall:.2f} s ({cpu:.2f} s CPU, {files} files)")
    return {
        "sample_load_s": round(wall, 2),
        "sample_load_cpu_s": round(cpu, 2),
        "sample_files": files,
    }


if __name__ == "__main__":
    main()
