"""Benchmark: liquidation-map build over one year of 4h bars vs a naive per-bar Python loop.

Synthetic but realistically sized input (2,190 bars, the default leverage prior: 21 leverages
x 3 entry points x 2 margin modes x 2 sides = 252 cohorts per bar). Both sides of the ratio run
in this process on this machine. Prints a human summary, then ONE JSON object on the last line.

Run: .venv/bin/python bench/leverage.py [--baseline-bars N]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from liqcascade._compat.numba import HAS_NUMBA
from liqcascade.leverage import MapConfig, map_from_frames
from liqcascade.leverage._book import run_book, run_book_py
from liqcascade.leverage._map import build_cohorts, market_bars

SYMBOL = "BTC/USDT:USDT"


def synthetic_market(n_bars: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    time_ = pd.Timestamp("2024-10-01", tz="UTC") + pd.to_timedelta(np.arange(n_bars) * 4, "h")
    close = 60_000 * np.exp(np.cumsum(rng.normal(0, 0.012, n_bars)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1 + rng.exponential(0.004, n_bars))
    low = np.minimum(open_, close) * (1 - rng.exponential(0.004, n_bars))
    candles = pd.DataFrame({"time": time_, "open": open_, "high": high, "low": low, "close": close})
    oi_usd = 60e9 * np.exp(np.cumsum(rng.normal(0, 0.01, n_bars)))
    oi = pd.DataFrame({"time": time_, "close_usd": oi_usd})
    return candles, oi


def naive_book(is_long, liq_px, share, high, low, t_long, t_short, turnover) -> np.ndarray:
    """The obvious implementation: a Python list of positions, visited one by one each bar."""
    n_bars = len(high)
    per_bar = len(is_long) // n_bars
    book: list[list] = []  # [is_long, liq_px, size]
    liquidated = np.zeros((n_bars, 2))
    for i in range(n_bars):
        alive = []
        totals = [0.0, 0.0]
        for pos in book:
            side = 0 if pos[0] else 1
            if (side == 0 and pos[1] >= low[i]) or (side == 1 and pos[1] <= high[i]):
                liquidated[i, side] += pos[2] * pos[1]
                continue
            totals[side] += pos[2]
            alive.append(pos)
        opened = [0.0, 0.0]
        keep = [1.0 - turnover[i], 1.0 - turnover[i]]
        for side, target in ((0, t_long[i]), (1, t_short[i])):
            if totals[side] * keep[side] > target:
                keep[side] = target / totals[side]
            else:
                opened[side] = target - totals[side] * keep[side]
        for pos in alive:
            pos[2] *= keep[0] if pos[0] else keep[1]
        for c in range(i * per_bar, (i + 1) * per_bar):
            alive.append(
                [bool(is_long[c]), float(liq_px[c]), share[c] * opened[0 if is_long[c] else 1]]
            )
        book = alive
    return liquidated


def kernel_inputs(n_bars: int):
    candles, oi = synthetic_market(n_bars)
    config = MapConfig()
    asof = candles["time"].iloc[-1] + pd.Timedelta("4h")
    bars = market_bars(
        candles, oi, asof=asof, lookback=pd.Timedelta(days=10_000), funding_tilt=0.0005
    )
    cohorts = build_cohorts(bars, config)
    liq = np.where(
        cohorts.is_long,
        cohorts.entry * (1 - 1 / cohorts.leverage + 0.004),
        cohorts.entry * (1 + 1 / cohorts.leverage - 0.004),
    )
    oi_base = bars["oi_usd"].to_numpy() / bars["close"].to_numpy()
    return (
        cohorts.is_long,
        liq,
        cohorts.share,
        bars["high"].to_numpy(),
        bars["low"].to_numpy(),
        oi_base * 0.022,
        oi_base * 0.022,
        np.full(len(bars), 0.1),
    )


def timed(fn, *args, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return float(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=2190, help="bars in the map (1 year of 4h)")
    parser.add_argument("--baseline-bars", type=int, default=360, help="bars for the naive loop")
    args = parser.parse_args()

    candles, oi = synthetic_market(args.bars)
    candles = candles.assign(exchange="binance", symbol=SYMBOL, market="perp", interval="4h")
    oi = oi.assign(exchange="all", symbol="BTC", interval="4h", margin="all")
    asof = candles["time"].iloc[-1] + pd.Timedelta("4h")
    config = MapConfig(lookback_days=args.bars / 6 + 1)
    map_from_frames(
        candles.iloc[:50],
        oi.iloc[:50],
        symbol=SYMBOL,
        asof=candles["time"].iloc[49] + pd.Timedelta("4h"),
    )  # compile / warm caches
    build_s = timed(lambda: map_from_frames(candles, oi, symbol=SYMBOL, asof=asof, config=config))

    grid_off = (args.baseline_bars, 1)
    small = kernel_inputs(args.baseline_bars)
    bins = np.full(len(small[0]), -1, dtype=np.int64)
    run_book(*small, bins, *grid_off)  # compile
    kernel_s = timed(run_book, *small, bins, *grid_off)
    twin_s = timed(run_book_py, *small, bins, *grid_off, repeat=1)  # interpreted twin
    naive_s = timed(naive_book, *small, repeat=1)

    result = {
        "bench": "leverage.map",
        "numba": HAS_NUMBA,
        "map_bars": args.bars,
        "map_build_s": round(build_s, 3),
        "map_bars_per_s": round(args.bars / build_s, 1),
        "kernel_bars": args.baseline_bars,
        "kernel_numba_s": round(kernel_s, 4),
        "kernel_python_twin_s": round(twin_s, 4),
        "naive_loop_s": round(naive_s, 3),
        "speedup_numba_vs_naive": round(naive_s / kernel_s, 1),
        "speedup_twin_vs_naive": round(naive_s / twin_s, 1),
    }
    print(f"map over {args.bars} 4h bars: {build_s:.2f} s ({args.bars / build_s:,.0f} bars/s)")
    print(
        f"book kernel over {args.baseline_bars} bars: numba {kernel_s * 1e3:.1f} ms, "
        f"Python twin {twin_s * 1e3:.1f} ms, naive Python loop {naive_s:.2f} s"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
