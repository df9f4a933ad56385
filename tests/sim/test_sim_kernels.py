"""The compiled kernels agree with their readable twins, and the two solvers agree."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from liqcascade._compat.numba import readonly
from liqcascade.sim import _kernels as k


def _prepare(count: Callable, place: Callable) -> Callable[..., tuple]:
    """``prepare`` whole, as ``_engine`` runs it: the first half, then the second."""

    def run(*args: object) -> tuple:
        layout, work = args[:-1], args[-1]
        skipped, stop, _ = count(layout, work)
        return (skipped, *place(layout, stop, work))

    return run


# the Python twins, then the compiled kernels
PREPARES = (
    _prepare(k.prepare_count_py, k.prepare_place_py),
    _prepare(k.prepare_count, k.prepare_place),
)


def _inputs(seed: int, n: int = 500) -> tuple:
    rng = np.random.default_rng(seed)
    trigger = np.sort(rng.uniform(-0.01, 0.3, n))
    size = rng.lognormal(0, 1, n)
    notional = size * 100 * (1 - trigger)
    bankruptcy = 100 * (1 - trigger - rng.uniform(-0.005, 0.02, n))
    grid_y = np.concatenate(([0.0], np.geomspace(1e-6, 0.95, 511)))
    grid_flow = 50.0 * (grid_y / 0.01) ** 0.8
    # read-only, as the engine passes them (one compile of each kernel: readonly's docstring)
    return readonly(
        (trigger, size, notional, bankruptcy, grid_y, grid_flow, 100.0, -1, 30.0, 5.0, True)
    )


def _fixed(fn, args):
    n = args[0].size
    out = np.zeros((k.N_OUT, n))
    price, count = np.zeros(n + 2), np.zeros(n + 2, dtype=np.int64)
    res = fn(args, out, price, count)
    return res, out, price[: res[1] + 1], count[: res[1] + 1]


def _step(fn, args, rate=40.0):
    n = args[0].size
    out = np.zeros((k.N_OUT, n))
    bufs = [np.zeros(n + 2), np.zeros(n + 2), np.zeros(n + 2, np.int64), np.zeros(n + 2, np.int64)]
    res = fn(args, rate, out, *bufs)
    return res, out, [b[: res[1]] for b in bufs]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_fixed_point_matches_python_twin(seed: int) -> None:
    args = _inputs(seed)
    a, b = _fixed(k.fixed_point_py, args), _fixed(k.fixed_point, args)
    assert a[0] == pytest.approx(b[0], rel=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12)
    np.testing.assert_allclose(a[2], b[2], rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_stepper_matches_python_twin(seed: int) -> None:
    args = _inputs(seed)
    a, b = _step(k.stepper_py, args), _step(k.stepper, args)
    assert a[0] == pytest.approx(b[0], rel=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12)
    for x, y in zip(a[2], b[2], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_solvers_settle_the_same_positions_at_the_same_fills(seed: int) -> None:
    args = _inputs(seed)
    (done_f, _, flow_f, fund_f), out_f, _, _ = _fixed(k.fixed_point, args)
    (done_s, _, flow_s, fund_s), out_s, _ = _step(k.stepper, args)
    assert done_f == done_s > 0
    assert (flow_f, fund_f) == (flow_s, fund_s)
    for row in (k.FILL, k.FUND_DRAW, k.FUND_ADD, k.ADL_FRACTION):
        np.testing.assert_array_equal(out_f[row], out_s[row])


def test_move_for_flow_is_the_generalised_inverse() -> None:
    grid_y = np.array([0.0, 0.01, 0.02, 0.03])
    grid_flow = np.array([0.0, 10.0, 10.0, 40.0])  # flat step: depth withdrawn between 1 and 2 %
    assert k.move_for_flow_py(5.0, grid_y, grid_flow) == pytest.approx(0.005)
    assert k.move_for_flow_py(10.0, grid_y, grid_flow) == pytest.approx(0.01)  # smallest move
    assert k.move_for_flow_py(25.0, grid_y, grid_flow) == pytest.approx(0.025)
    assert k.move_for_flow_py(99.0, grid_y, grid_flow) == 0.03  # beyond the model: the floor
    assert k.move_for_flow(25.0, *readonly((grid_y, grid_flow))) == pytest.approx(0.025)


def test_stepper_time_follows_engine_throughput() -> None:
    # 4 positions of 30 USD each all triggered at once, engine 40 USD/s:
    # t=1 budget 40 -> 1 done (10 left); t=2: 50 -> 1 (20); t=3: 60 -> 2 done.
    n = 4
    trig = np.zeros(n)
    size = np.ones(n)
    notional = np.full(n, 30.0)
    bk = np.zeros(n)
    gy = np.array([0.0, 0.5])
    gf = np.array([0.0, np.inf])
    args = (trig, size, notional, bk, gy, gf, 100.0, -1, 0.0, 0.0, True)
    (done, _, _, _), out, (_, _, _, queue) = _step(k.stepper_py, args)
    assert done == 4
    assert out[k.TIME_S].tolist() == [1.0, 2.0, 3.0, 3.0]
    assert queue.tolist() == [4, 3, 2, 0]


def test_forward_scan_matches_binary_search_for_growing_flow() -> None:
    rng = np.random.default_rng(4)
    grid_y = np.concatenate(([0.0], np.geomspace(1e-6, 0.9, 300)))
    grid_flow = np.maximum.accumulate(rng.uniform(0, 1, 301).cumsum() * (rng.random(301) > 0.2))
    lo = 0
    for flow in np.sort(rng.uniform(-1, grid_flow[-1] * 1.1, 500)):
        y, lo = k.move_from_py(flow, grid_y, grid_flow, lo)
        assert y == k.move_for_flow_py(flow, grid_y, grid_flow)


_SCRIPT = """
import json, numpy as np, pandas as pd
from liqcascade._compat.numba import HAS_NUMBA
from liqcascade.sim import Book, CascadeConfig, Momentum, simulate
rng = np.random.default_rng(8)
n = 400
size = rng.lognormal(0, 1, n) * 10
entry = 100 * (1 + rng.normal(0, 0.03, n))
pos = pd.DataFrame({"venue": "toy", "symbol": "X/USDT:USDT",
    "side": np.where(rng.random(n) < 0.6, "long", "short"), "size": size,
    "entry_price": entry, "collateral": size * entry / rng.uniform(3, 80, n),
    "margin_mode": "isolated"})
book = Book.parametric(100.0, 3e4, insurance_fund_usd=50.0)
out = {"numba": HAS_NUMBA}
for solver in ("fixed_point", "stepper"):
    cfg = CascadeConfig(solver=solver, momentum=Momentum(usd_per_pct=5e3),
                        engine_usd_per_second=2e3)
    r = simulate(pos, book, -0.04, config=cfg)
    out[solver] = [r.trough_price, r.liquidated_long_usd, r.insurance_fund_used_usd, r.adl_usd,
                   r.n_liquidated, r.liquidations["fill_price"].tolist()]
print(json.dumps(out))
"""


def test_pure_python_path_matches_compiled_path_end_to_end() -> None:
    import contextlib
    import io
    import json
    import os
    import subprocess
    import sys

    from liqcascade._compat.numba import HAS_NUMBA

    def run(disable: str) -> dict:
        if disable == "0" and HAS_NUMBA:  # this process already runs the compiled path
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(_SCRIPT, {})
            return json.loads(out.getvalue().strip().splitlines()[-1])
        # the switch is read at import: the pure path needs a fresh process
        env = {**os.environ, "LIQCASCADE_DISABLE_NUMBA": disable}
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    pure, compiled = run("1"), run("0")
    assert pure.pop("numba") is False
    assert compiled.pop("numba") is True
    for solver in ("fixed_point", "stepper"):
        np.testing.assert_allclose(pure[solver][:5], compiled[solver][:5], rtol=1e-12)
        np.testing.assert_allclose(pure[solver][5], compiled[solver][5], rtol=1e-12)
    assert pure["fixed_point"][:5] == pure["stepper"][:5]


def _book_arrays(trigger: np.ndarray, size: np.ndarray, bk: np.ndarray, p: float) -> tuple:
    """Long positions whose liquidation price is ``p * (1 - trigger)``, for ``prepare``."""
    n = trigger.size
    return np.ones(n), p * (1 - trigger), bk, np.full(n, 2 * p), size


@pytest.mark.parametrize("seed", range(6))
def test_prepare_is_the_stable_sort_cut_after_the_cascade(seed: int) -> None:
    # run the cascade on every position (no pre-filter); prepare must keep all it settles,
    # in the order of a stable argsort, whatever the input order (shock 0: p_shift = start)
    trigger, size, _, bk, grid_y, grid_flow, p, d, flow0, _, _ = _inputs(seed, 2000)
    trigger = np.round(trigger, 3)  # ties: equal triggers must stay in row order
    book = _book_arrays(trigger, size, bk, p)
    args = readonly((trigger, size, book[1] * size, bk, grid_y, grid_flow, p, d, flow0, 1e12, True))
    (done, _, _, _), _, _, _ = _fixed(k.fixed_point, args)
    shuffled = np.random.default_rng(seed).permutation(trigger.size)
    shuffled_book = readonly(tuple(a[shuffled] for a in book))
    # a position exactly at the start price is not at risk: skipped, never sorted
    at_start = np.flatnonzero(trigger[shuffled] <= 0)
    for fn in PREPARES:
        skipped, t, notional_out, rows, size_out, bk_out = fn(
            *shuffled_book, d, p, p, 1.0, 1.0, flow0, grid_y, grid_flow, k.workspace(trigger.size)
        )
        assert skipped == at_start.size
        assert done - at_start.size <= t.size <= trigger.size
        want = np.argsort(np.where(trigger[shuffled] > 0, trigger[shuffled], np.inf), kind="stable")
        np.testing.assert_array_equal(rows, want[: t.size])
        np.testing.assert_array_equal(t, -(shuffled_book[1][rows] - p) / p)
        np.testing.assert_array_equal(size_out, shuffled_book[4][rows])
        np.testing.assert_array_equal(bk_out, shuffled_book[2][rows])
        np.testing.assert_array_equal(notional_out, shuffled_book[4][rows] * shuffled_book[1][rows])


def test_prepare_stops_at_the_first_unreachable_trigger() -> None:
    # 1 USD per position, the book moves 1 % per USD, 0.2 USD of exogenous flow: triggers
    # 0.1 %, 0.5 %, 1.5 % are reached one after the other (flow 0.2 -> 0.2 %, 1.2 -> 1.2 %,
    # 2.2 -> 2.2 %, 3.2 -> 3.2 %), 5 % never is, 60 % is beyond the grid's last move (50 %)
    grid_y = np.array([0.0, 0.5])
    grid_flow = np.array([0.0, 50.0])
    trigger = np.array([0.05, 0.015, 0.001, 0.005, 0.6])
    liq = 100.0 * (1 - trigger)
    size = 1.0 / liq  # 1 USD of notional each
    book = readonly((np.ones(5), liq, liq - 1, np.full(5, 200.0), size))
    grid_y, grid_flow = readonly((grid_y, grid_flow))
    for fn in PREPARES:
        skipped, _, _, rows, _, _ = fn(
            *book, -1, 100.0, 100.0, 1.0, 1.0, 0.2, grid_y, grid_flow, k.workspace(5)
        )
        assert skipped == 0
        assert rows.tolist() == [2, 3, 1]


@pytest.mark.parametrize("seed", range(3))
def test_prepare_in_two_halves_on_arrays_sized_by_what_is_kept(seed: int) -> None:
    # simulate runs prepare's halves itself, sizing the second half's arrays by the positions
    # the first keeps: same layout as prepare on a workspace sized for the whole book
    trigger, size, _, bk, grid_y, grid_flow, p, d, flow0, _, _ = _inputs(seed, 3000)
    trigger = np.round(trigger, 3)  # ties: equal triggers stay in row order
    order = np.random.default_rng(seed).permutation(trigger.size)
    book = readonly(tuple(a[order] for a in _book_arrays(trigger, size, bk, p)))
    want = _prepare(k.prepare_count, k.prepare_place)(
        *book, d, p, p, 1.0, 0.9, flow0, grid_y, grid_flow, k.workspace(3000)
    )
    layout = (*book, d, p, p, 1.0, 0.9, flow0, grid_y, grid_flow)
    for count, place in (
        (k.prepare_count_py, k.prepare_place_py),
        (k.prepare_count, k.prepare_place),
    ):
        work = k.counting_workspace(3000)
        skipped, stop, widest = count(layout, work)
        kept = int(work.bucket_count[stop])
        sizes = np.diff(np.concatenate(([0], work.bucket_count[: stop + 1])))
        assert kept == want[1].size and widest == sizes.max(initial=0)
        work = k.sized(work, kept, int(widest), stepper=False)
        assert work.record.shape == (kept, 4) and work.perm.size == widest + 2
        got = (skipped, *place(layout, stop, work))
        assert got[0] == want[0]
        for a, b in zip(got[1:], want[1:], strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(4))
def test_a_bucket_is_ordered_stably_whatever_its_stated_range(seed: int) -> None:
    # the sub-buckets only decide the speed: keys on, below or above the stated edges (float
    # rounding of a bucket's edges), crowded keys and ties all come out as a stable argsort
    rng = np.random.default_rng(seed)
    key = np.concatenate((rng.uniform(0.2, 0.3, 60), np.full(40, 0.25), [0.2, 0.3, 0.19, 0.31]))
    key = rng.permutation(np.round(key, 4))
    want = np.argsort(key, kind="stable")
    for low, width in ((0.2, 0.1), (0.21, 0.05), (0.0, 0.0), (0.25, 1e-9)):
        perm = np.empty(key.size + 2, dtype=np.int64)
        fill = np.empty(key.size + 2, dtype=np.int64)
        out = np.zeros(key.size + 3)
        k._order_bucket(key, key.size, low, width, perm, fill, out, 3)
        np.testing.assert_array_equal(perm[: key.size], want)
        np.testing.assert_array_equal(out[3:], key[want])


def test_kernels_are_their_twins_compiled() -> None:
    # the house pattern (STYLE.md 3): kernel = njit(kernel_py), nothing cloned or patched
    from liqcascade._compat.numba import HAS_NUMBA

    pairs = [
        (k.prepare_count, k.prepare_count_py),
        (k.prepare_place, k.prepare_place_py),
        (k.fixed_point, k.fixed_point_py),
        (k.stepper, k.stepper_py),
        (k.move_for_flow, k.move_for_flow_py),
    ]
    for kernel, twin in pairs:
        assert (kernel.py_func if HAS_NUMBA else kernel) is twin
