"""Benchmark: vectorized liquidation prices for 1,000,000 mixed positions vs a per-position loop.

Positions: Binance BTCUSDT/ETHUSDT (2021 tables) and Hyperliquid BTC/ETH/SOL (tiered), both
sides, notionals log-uniform from 100 USD to 400 M USD so every bracket is hit, leverage 1-100x
capped by the bracket's max leverage. The vectorized path is the public ``margin_detailed``
(validation, bracket search, closed form, bankruptcy price, maintenance margin, status). The
baseline is a plain-float Python loop of the same formulas with the exchanges' procedure
(bracket at the entry value, recompute at the liquidation value until stable), timed on a
subsample and extrapolated. One timed run each, after one untimed call that loads the
compiled kernel; the machine may be shared, so read ratios, not
absolute speeds. The LAST line is one JSON object.

Usage: .venv/bin/python bench/margin.py [--positions N] [--loop-sample M] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np

from liqcascade.margin import brackets, liquidation_price, margin_detailed

GROUPS = [
    ("binance", "BTCUSDT", 30_000.0),
    ("binance", "ETHUSDT", 2_000.0),
    ("hyperliquid", "BTC", 100_000.0),
    ("hyperliquid", "ETH", 4_000.0),
    ("hyperliquid", "SOL", 200.0),
]
AT = {"binance": "2021-06-01", "hyperliquid": "2025-09-22"}


def make_positions(n: int, seed: int) -> list[dict]:
    """Random positions per group: side, size, entry, collateral (isolated)."""
    children = np.random.SeedSequence(seed).spawn(len(GROUPS))
    out = []
    per = n // len(GROUPS)
    for (venue, symbol, px), ss in zip(GROUPS, children, strict=True):
        rng = np.random.default_rng(ss)
        m = per if symbol != "SOL" else n - per * (len(GROUPS) - 1)
        table = brackets(venue, symbol, at=AT[venue])
        last = min(table.last_cap, 4e8)
        notional = np.exp(rng.uniform(np.log(100.0), np.log(last * 0.8), m))
        entry = px * np.exp(rng.normal(0.0, 0.1, m))
        size = notional / entry
        k = np.searchsorted(table.array("floors"), notional, side="right") - 1
        max_lev = np.nan_to_num(table.array("max_leverages")[k], nan=20.0)
        lev = np.minimum(rng.uniform(1.0, 100.0, m), max_lev)
        side = np.where(rng.random(m) < 0.5, 1, -1)
        out.append(
            {
                "venue": venue,
                "symbol": symbol,
                "table": table,
                "side": side,
                "size": size,
                "entry": entry,
                "collateral": notional / lev,
            }
        )
    return out


def vectorized(groups: list[dict]) -> list[np.ndarray]:
    return [
        margin_detailed(
            g["venue"], g["side"], g["size"], g["entry"], g["collateral"], symbol=g["table"]
        ).liquidation_price
        for g in groups
    ]


def loop_one(side, q, ep, coll, floors, caps, mmrs, cums) -> float:
    """Exchange procedure for one position in plain floats."""

    def tier(value):
        for k in range(len(floors)):
            if floors[k] <= value < caps[k]:
                return k
        return 0 if value < 0 else len(floors) - 1

    k = tier(q * ep)
    if coll <= q * ep * mmrs[k] - cums[k] or q * ep >= caps[-1]:
        return float("nan")
    for _ in range(len(floors) + 1):
        lp = (coll + cums[k] - side * q * ep) / (q * mmrs[k] - side * q)
        k_new = tier(q * lp)
        if k_new == k:
            break
        k = k_new
    if q * lp >= caps[-1]:
        return float("nan")
    return max(lp, 0.0)


def _valid(g: dict, i: int) -> bool:
    # the scalar API raises for positions the venue would not hold; the loop returns NaN
    t = g["table"]
    value = g["size"][i] * g["entry"][i]
    k = int(np.searchsorted(t.array("floors"), value, side="right") - 1)
    return value < t.last_cap and g["collateral"][i] > value * t.mmrs[k] - t.cums[k]


def loop(groups: list[dict], m: int) -> tuple[list[np.ndarray], int]:
    outs, count = [], 0
    for g in groups:
        t = g["table"]
        cols = (list(t.floors), list(t.caps), list(t.mmrs), list(t.cums))
        res = [
            loop_one(int(s), float(q), float(e), float(c), *cols)
            for s, q, e, c in zip(
                g["side"][:m], g["size"][:m], g["entry"][:m], g["collateral"][:m], strict=True
            )
        ]
        outs.append(np.array(res))
        count += len(res)
    return outs, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=1_000_000)
    parser.add_argument("--loop-sample", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20250922)
    args = parser.parse_args()

    groups = make_positions(args.positions, args.seed)
    vectorized(groups)  # the first call loads (or compiles) the numba kernel: not timed

    t0 = time.perf_counter()
    fast = vectorized(groups)
    t_vec = time.perf_counter() - t0

    per_group = max(1, args.loop_sample // len(groups))
    t0 = time.perf_counter()
    slow, n_loop = loop(groups, per_group)
    t_loop = time.perf_counter() - t0

    # context: the public scalar API called once per position (what not to do)
    n_api = 0
    t0 = time.perf_counter()
    for g in groups:
        for i in range(max(1, per_group // 10)):
            liquidation_price(
                g["venue"],
                int(g["side"][i]),
                float(g["size"][i]),
                float(g["entry"][i]),
                float(g["collateral"][i]),
                symbol=g["table"],
            ) if _valid(g, i) else None
            n_api += 1
    api_rate = n_api / (time.perf_counter() - t0)

    diffs = []
    for f, s in zip(fast, slow, strict=True):
        a, b = f[: len(s)], s
        both = np.isfinite(a) & np.isfinite(b) & (b > 0)
        diffs.append(np.max(np.abs(a[both] - b[both]) / b[both]) if both.any() else 0.0)
        assert np.array_equal(np.isnan(a), np.isnan(b)), "loop and vector disagree on NaN rows"

    vec_rate = args.positions / t_vec
    loop_rate = n_loop / t_loop
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(f"{'path':<28}{'positions':>12}{'seconds':>10}{'positions/s':>16}")
    print(
        f"{'vectorized (margin_detailed)':<28}{args.positions:>12,}{t_vec:>10.3f}{vec_rate:>16,.0f}"
    )
    print(f"{'python loop (subsample)':<28}{n_loop:>12,}{t_loop:>10.3f}{loop_rate:>16,.0f}")
    print(f"{'scalar API per position':<28}{n_api:>12,}{'':>10}{api_rate:>16,.0f}")
    print(f"ratio vs loop: {vec_rate / loop_rate:,.0f}x; max relative difference {max(diffs):.2e}")
    print(
        json.dumps(
            {
                "positions": args.positions,
                "seconds": round(t_vec, 4),
                "positions_per_s": round(vec_rate),
                "loop_positions": n_loop,
                "loop_positions_per_s": round(loop_rate),
                "ratio_vs_loop": round(vec_rate / loop_rate, 1),
                "scalar_api_positions_per_s": round(api_rate),
                "ratio_vs_scalar_api": round(vec_rate / api_rate, 1),
                "max_rel_diff_vs_loop": float(max(diffs)),
            }
        )
    )


if __name__ == "__main__":
    main()
