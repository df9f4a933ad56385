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

Prints a human-readable line per measure and ONE JSON object on the last line.
Usage: ``python bench/store.py [--rows 10000000] [--repeat 20] [--shared PATH]``.
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

from liqcascade.data import Store, import_paths

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


def paired_median_times(first, second, repeat: int) -> tuple[float, float]:
    """Median seconds of two functions run alternately (both see the same machine load)."""
    first(), second()  # warm-up (imports, caches)
    a, b = [], []
    for _ in range(repeat):
        a.append(timed(first)[0])
        b.append(timed(second)[0])
    return statistics.median(a), statistics.median(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    out: dict[str, object] = {"bench": "store", "rows_generated": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        shared_store = Store(tmp_path / "shared")
        secs, summary = timed(lambda: import_paths(shared_store, "auto", [args.shared]))
        shared_rows = sum(s.total for s in summary.totals.values())
        out |= {"shared_rows": shared_rows, "shared_import_s": round(secs, 2)}
        out["shared_rows_per_s"] = round(shared_rows / secs)
        print(
            f"shared collection: {shared_rows:,} rows in {secs:.1f} s "
            f"({shared_rows / secs:,.0f} rows/s, {len(summary.files)} files)"
        )

        big = tmp_path / "liquidations.csv"
        gen_s, _ = timed(lambda: generate_liquidations(big, args.rows))
        print(
            f"generated {args.rows:,} liquidation events in {gen_s:.1f} s "
            f"({big.stat().st_size / 1e9:.2f} GB)"
        )
        parse_s, _ = timed(lambda: pacsv.read_csv(big, convert_options=_typed()))
        out |= {"csv_parse_s": round(parse_s, 2)}
        print(f"baseline: bare pyarrow.csv parse of the same file, no checks: {parse_s:.1f} s")
        big_store = Store(tmp_path / "big")
        secs, _ = timed(lambda: import_paths(big_store, "records", [big]))
        out |= {
            "big_import_s": round(secs, 2),
            "big_rows_per_s": round(args.rows / secs),
            "big_import_vs_parse": round(secs / parse_s, 2),
        }
        print(
            f"import {args.rows:,} rows: {secs:.1f} s ({args.rows / secs:,.0f} rows/s, "
            f"x{secs / parse_s:.2f} the bare parse)"
        )
        secs, summary = timed(lambda: import_paths(big_store, "records", [big]))
        assert summary.totals["liquidations"].unchanged == args.rows
        out |= {
            "reimport_s": round(secs, 2),
            "reimport_rows_per_s": round(args.rows / secs),
            "reimport_vs_parse": round(secs / parse_s, 2),
        }
        print(
            f"re-import (idempotent, nothing written): {secs:.1f} s "
            f"({args.rows / secs:,.0f} rows/s, x{secs / parse_s:.2f} the bare parse)"
        )
        big.unlink()

        csv_path = args.shared / PERP_4H
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
        store_s, pandas_s = paired_median_times(with_store, with_pandas, args.repeat)
        out |= {
            "query_store_ms": round(store_s * 1e3, 2),
            "query_pandas_csv_ms": round(pandas_s * 1e3, 2),
            "query_speedup_vs_pandas": round(pandas_s / store_s, 2),
            "query_store_cold_ms": round(cold_s * 1e3, 2),
        }
        print(
            f"one month of 4h bars: store {store_s * 1e3:.1f} ms, "
            f"pandas read_csv+filter {pandas_s * 1e3:.1f} ms "
            f"(x{pandas_s / store_s:.2f}); first query of a fresh store {cold_s * 1e3:.1f} ms"
        )
        out |= sample_load(tmp_path)
    print(json.dumps(out))


def sample_load(tmp_path: Path) -> dict[str, object]:
    """``liqcascade data sample`` into an empty store: the command's wall and CPU time."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
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
