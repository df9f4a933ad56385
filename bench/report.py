"""Report benchmark: ``weekly_report`` on the bundled sample, against a baseline in the same run.

1. load the bundled sample into a fresh store (``load_sample``): the baseline;
2. ``weekly_report`` as of 2025-09-25 on that store (html, markdown and json written), best
   of ``--repeat`` runs;
3. ``compute_weekly`` alone (the facts and frames, no files), best of ``--repeat`` runs.

Prints a human-readable line per measure and ONE JSON object on the last line.
Usage: ``python bench/report.py [--repeat 1] [--profile 25]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import sys
import tempfile
import time
from pathlib import Path

from liqcascade.data import Store, load_sample
from liqcascade.report import weekly_report
from liqcascade.report._weekly import compute_weekly

ASOF = "2025-09-25"


def timed(fn):  # -> (seconds, result)
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(fn, repeat: int) -> float:
    return min(timed(fn)[0] for _ in range(max(repeat, 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--profile", type=int, default=0, help="print the top N of a cProfile of compute_weekly"
    )
    args = parser.parse_args()
    out: dict[str, object] = {
        "bench": "report",
        "asof": ASOF,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, python {sys.version.split()[0]}",
        "load_average": round(os.getloadavg()[0], 1),
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        load_s, _ = timed(lambda: load_sample(store))
        print(f"baseline: load_sample into an empty store {load_s:.2f} s")
        report_s = best_of(
            lambda: weekly_report(store, ASOF, out_dir=Path(tmp) / "report"), args.repeat
        )
        print(f"weekly_report {ASOF}: {report_s:.2f} s (x{report_s / load_s:.2f} load_sample)")
        compute_s = best_of(lambda: compute_weekly(store, ASOF), args.repeat)
        print(f"compute_weekly {ASOF}: {compute_s:.2f} s (x{compute_s / load_s:.2f} load_sample)")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(compute_weekly, store, ASOF)
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(args.profile)
            print(text.getvalue())
    out |= {
        "sample_load_s": round(load_s, 3),
        "report_week_s": round(report_s, 3),
        "compute_weekly_s": round(compute_s, 3),
        "report_x_load_sample": round(report_s / load_s, 2),
        "compute_x_load_sample": round(compute_s / load_s, 2),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
