"""Check that a change left report.json unchanged: write it on the sample, then diff two copies.

``python bench/report_diff.py write OUT.json`` loads the bundled sample into a fresh store and
writes the weekly report's facts as of 2025-09-25 (the ``report.json`` content) to OUT.json;
``python bench/report_diff.py diff A.json B.json`` lists every key whose value differs
(numbers compared to ``--tol``, relative and absolute, default 1e-12) and exits 1 if any does.
Typical use: ``write before.json`` on the old commit, ``write after.json`` on the new one, diff.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

ASOF = "2025-09-25"


def write(out: Path) -> None:
    from liqcascade.data import Store, load_sample
    from liqcascade.report import compute_weekly

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "store")
        load_sample(store)
        data, _ = compute_weekly(store, ASOF)
    out.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def differences(a: Any, b: Any, tol: float, path: str = "$") -> list[str]:
    """Every path where ``a`` and ``b`` differ (numbers within ``tol`` count as equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in the first" for k in a.keys() - b.keys()]
        out += [f"{path}.{k}: only in the second" for k in b.keys() - a.keys()]
        for key in a.keys() & b.keys():
            out += differences(a[key], b[key], tol, f"{path}.{key}")
        return sorted(out)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items vs {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, tol, f"{path}[{i}]")]  # fmt: skip
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        if math.isclose(a, b, rel_tol=tol, abs_tol=tol):
            return []
        return [f"{path}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("write").add_argument("out", type=Path)
    diff = sub.add_parser("diff")
    diff.add_argument("first", type=Path)
    diff.add_argument("second", type=Path)
    diff.add_argument("--tol", type=float, default=1e-12)
    args = parser.parse_args()
    if args.command == "write":
        write(args.out)
        return
    found = differences(
        json.loads(args.first.read_text(encoding="utf-8")),
        json.loads(args.second.read_text(encoding="utf-8")),
        args.tol,
    )
    print("\n".join(found) if found else f"identical (numbers to {args.tol:g})")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
