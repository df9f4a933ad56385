"""Cascade kernels: the fixed-point solver and the event-driven stepper.

Both kernels are dumb: they see contiguous float64 arrays already sorted by trigger move
(``prepare`` lays them out), never DataFrames, and never raise. Each kernel is its readable
pure-Python twin compiled, ``foo = njit(foo_py)``; the helpers they call are plain functions
marked ``@jitable`` (compiled into the kernel, run as written from Python), so
``LIQCASCADE_DISABLE_NUMBA=1`` runs the twins end to end.

Coordinates. ``y`` is the adverse move caused by order flow, as a fraction of the shifted
price ``p_shift`` (the mid after any exogenous price shock): the price is
``p_shift * (1 + direction * y)`` with ``direction = -1`` for a falling market (longs are
liquidated, their closing orders sell into bids) and ``+1`` for a rising one. ``flow`` is the
cumulative USD that has hit the book on that side; the book turns flow into ``y`` through the
tabulated, non-decreasing curve ``grid_flow`` over ``grid_y`` (absorbed flow needed to move by
``y``; it already folds in depth, market-maker withdrawal and momentum sellers).

Both solvers process positions in the same order (ascending trigger move) with the same
per-position arithmetic, so they return identical numbers; the stepper adds time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from liqcascade._compat.numba import jitable, njit

# Per-position output columns (rows of ``out``).
FILL, FUND_DRAW, FUND_ADD, ADL_FRACTION, ROUND, TIME_S = range(6)
N_OUT = 6


def move_for_flow_py(flow: float, grid_y: np.ndarray, grid_flow: np.ndarray) -> float:
    """Smallest move whose absorbed flow reaches ``flow`` (generalised inverse, interpolated)."""
    n = grid_flow.shape[0]
    if flow <= grid_flow[0]:
        return grid_y[0]
    if flow > grid_flow[n - 1]:
        return grid_y[n - 1]
    lo = 0
    hi = n - 1  # invariant: grid_flow[lo] < flow <= grid_flow[hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if grid_flow[mid] >= flow:
            hi = mid
        else:
            lo = mid
    span = grid_flow[hi] - grid_flow[lo]
    if not span < np.inf:  # infinite depth ahead: no further move
        return grid_y[lo]
    return grid_y[lo] + (flow - grid_flow[lo]) / span * (grid_y[hi] - grid_y[lo])


def move_from_py(
    flow: float, grid_y: np.ndarray, grid_flow: np.ndarray, lo: int
) -> tuple[float, int]:
    """``move_for_flow_py`` for a flow that only grows: scan on from the last bracket ``lo``.

    Returns the move and the new bracket; identical to the binary search, O(1) amortised.
    """
    n = grid_flow.shape[0]
    if flow <= grid_flow[0]:
        return grid_y[0], 0
    if flow > grid_flow[n - 1]:
        return grid_y[n - 1], lo
    if grid_flow[lo] >= flow:  # the hint is ahead of this flow: start over
        lo = 0
    while grid_flow[lo + 1] < flow:
        lo += 1
    hi = lo + 1
    span = grid_flow[hi] - grid_flow[lo]
    if not span < np.inf:
        return grid_y[lo], lo
    return grid_y[lo] + (flow - grid_flow[lo]) / span * (grid_y[hi] - grid_y[lo]), lo


@jitable
def _bracket(flow: float, grid_flow: np.ndarray, lo: int) -> int:
    """Move the hint ``lo`` to the bracket ``grid_flow[lo] < flow <= grid_flow[lo + 1]``.

    Walks forward for a growing flow and back after an ADL cut, so a cascade costs O(1)
    amortised per position; clamped to ``0 .. len - 2`` (``_move_at`` handles the ends).
    """
    last = grid_flow.shape[0] - 1
    while lo < last - 1 and grid_flow[lo + 1] < flow:
        lo += 1
    while lo > 0 and grid_flow[lo] >= flow:
        lo -= 1
    return lo


@jitable
def _interp(
    flow: float,
    flow_lo: float,
    flow_hi: float,
    y_lo: float,
    y_hi: float,
    flow_first: float,
    flow_last: float,
    y_first: float,
    y_last: float,
) -> float:
    """``move_from_py``'s arithmetic on the scalars of the bracket and of the grid's ends."""
    if flow <= flow_first:
        return y_first
    if flow > flow_last:
        return y_last
    span = flow_hi - flow_lo
    if not span < np.inf:  # infinite depth ahead: no further move
        return y_lo
    return y_lo + (flow - flow_lo) / span * (y_hi - y_lo)


@jitable
def _move_at(flow: float, grid_y: np.ndarray, grid_flow: np.ndarray, lo: int) -> float:
    """``move_for_flow_py`` given the bracket from ``_bracket`` (same numbers).

    Only loads from the arrays; the branches live in the scalar ``_interp``. Compiled, a
    helper that branches over arrays is called out of line and every call pays reference
    counting on its arrays (~100 ns a position: most of the old solver's time).
    """
    last = grid_flow.shape[0] - 1
    return _interp(
        flow, grid_flow[lo], grid_flow[lo + 1], grid_y[lo], grid_y[lo + 1],
        grid_flow[0], grid_flow[last], grid_y[0], grid_y[last],
    )  # fmt: skip


@jitable
def _settle(
    y_before: float,
    y_after: float,
    size: float,
    bankruptcy: float,
    fund: float,
    p_shift: float,
    direction: int,
    surplus_to_fund: bool,
) -> tuple[float, float, float, float, float]:
    """Price one closing order; return (fill, fund draw, fund add, ADL fraction, new fund)."""
    # average of the price before and after the order walks the book
    fill = p_shift * (1.0 + direction * 0.5 * (y_before + y_after))
    shortfall = size * direction * (fill - bankruptcy)  # > 0: loss beyond the margin
    draw = 0.0
    add = 0.0
    adl = 0.0
    if shortfall <= 0.0:
        if surplus_to_fund:
            add = -shortfall
            fund += add
    else:
        draw = min(fund, shortfall)
        fund -= draw
        if shortfall - draw > 0.0:
            adl = (shortfall - draw) / shortfall
    return fill, draw, add, adl, fund


# The inputs both solvers take, one tuple (``_engine`` builds it): per position in ascending
# trigger order its trigger move, size, notional at the liquidation price and bankruptcy
# price; the book curve (``grid_y``, ``grid_flow``); the price frame (``p_shift``,
# ``direction``); the exogenous flow and the fund at the start; whether a surplus goes to
# the fund.
Cascade = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
    float, int, float, float, bool,
]  # fmt: skip


@jitable
def _start(cascade: Cascade) -> tuple[int, float, int]:
    """Bracket and move of the exogenous flow alone, and the positions that move reaches."""
    trigger_y, _, _, _, grid_y, grid_flow, _, _, flow0, _, _ = cascade
    lo = _bracket(flow0, grid_flow, 0)
    y = _move_at(flow0, grid_y, grid_flow, lo)
    reached = 0
    while reached < trigger_y.shape[0] and trigger_y[reached] <= y:
        reached += 1
    return lo, y, reached


def fixed_point_py(
    cascade: Cascade,
    out: np.ndarray,
    round_price: np.ndarray,
    round_count: np.ndarray,
) -> tuple[int, int, float, float]:
    """Iterate rounds until no new liquidation; return (n_liquidated, rounds, flow, fund).

    ``cascade`` holds the inputs (:data:`Cascade`). Round ``r`` settles every position whose
    trigger move is reached by the flow known at the start of the round. ``round_price[r]``
    is the price after round ``r`` (index 0: after the exogenous shock alone) and
    ``round_count[r]`` the positions settled so far. Only the rows FILL, FUND_DRAW, FUND_ADD
    and ADL_FRACTION of ``out`` are written: a position's round follows from ``round_count``
    and its time is 0 (less memory traffic than writing them).

    One pass: positions settle in trigger order, so the flow before position ``j`` is the
    same whatever the round boundaries; a round ends where the flow known at its start stops
    reaching triggers. The book is inverted through a bracket that only walks forward
    (back after an ADL cut): O(m + grid) for m settled positions, no re-scan, no allocation.
    """
    trigger_y, size, notional, bankruptcy, grid_y, grid_flow = cascade[:6]
    p_shift, direction, flow, fund, surplus_to_fund = cascade[6:]
    n = trigger_y.shape[0]
    lo, y, reached = _start(cascade)
    round_price[0] = p_shift * (1.0 + direction * y)
    round_count[0] = 0
    rounds = 0
    done = 0
    while done < reached:
        rounds += 1
        for j in range(done, reached):
            after = flow + notional[j]
            lo = _bracket(after, grid_flow, lo)
            y_after = _move_at(after, grid_y, grid_flow, lo)
            fill, draw, add, adl, fund = _settle(
                y, y_after, size[j], bankruptcy[j], fund, p_shift, direction, surplus_to_fund
            )
            out[FILL, j] = fill
            out[FUND_DRAW, j] = draw
            out[FUND_ADD, j] = add
            out[ADL_FRACTION, j] = adl
            if adl > 0.0:  # the auto-deleveraged part is matched against opposite positions
                after = flow + notional[j] * (1.0 - adl)
                lo = _bracket(after, grid_flow, lo)
                y_after = _move_at(after, grid_y, grid_flow, lo)
            flow = after
            y = y_after
        done = reached
        round_price[rounds] = p_shift * (1.0 + direction * y)
        round_count[rounds] = reached
        while reached < n and trigger_y[reached] <= y:
            reached += 1
    return done, rounds, flow, fund


def stepper_py(
    cascade: Cascade,
    usd_per_second: float,
    out: np.ndarray,
    step_time: np.ndarray,
    step_price: np.ndarray,
    step_count: np.ndarray,
    step_queue: np.ndarray,
) -> tuple[int, int, float, float]:
    """Run the liquidation engine in time; return (n_liquidated, n_steps, flow, fund).

    ``cascade`` holds the inputs (:data:`Cascade`). The engine executes queued closing orders
    in trigger order at ``usd_per_second``; after each order the mark is updated and newly
    crossed positions join the queue. A step is recorded for every second in which something
    executed (idle seconds are skipped), with the time, the price, the positions settled so
    far and the queue length in positions.
    """
    trigger_y, size, notional, bankruptcy, grid_y, grid_flow = cascade[:6]
    p_shift, direction, flow, fund, surplus_to_fund = cascade[6:]
    n = trigger_y.shape[0]
    lo, y, reached = _start(cascade)
    step_time[0] = 0.0
    step_price[0] = p_shift * (1.0 + direction * y)
    step_count[0] = 0
    step_queue[0] = reached
    steps = 1
    done = 0
    t = 0.0
    budget = 0.0
    while done < reached:
        need = notional[done] - budget
        if need > 0.0:  # wait whole seconds until the engine has capacity for the next order
            wait = np.ceil(need / usd_per_second)
            if wait < 1.0:
                wait = 1.0
            t += wait
            budget += wait * usd_per_second
        else:
            t += 1.0
            budget += usd_per_second
        while done < reached and notional[done] <= budget:
            budget -= notional[done]
            after = flow + notional[done]
            lo = _bracket(after, grid_flow, lo)
            y_after = _move_at(after, grid_y, grid_flow, lo)
            fill, draw, add, adl, fund = _settle(
                y, y_after, size[done], bankruptcy[done], fund, p_shift, direction,
                surplus_to_fund,
            )  # fmt: skip
            out[FILL, done] = fill
            out[FUND_DRAW, done] = draw
            out[FUND_ADD, done] = add
            out[ADL_FRACTION, done] = adl
            out[ROUND, done] = steps
            out[TIME_S, done] = t
            if adl > 0.0:
                after = flow + notional[done] * (1.0 - adl)
                lo = _bracket(after, grid_flow, lo)
                y_after = _move_at(after, grid_y, grid_flow, lo)
            flow = after
            y = y_after
            done += 1
            while reached < n and trigger_y[reached] <= y:
                reached += 1
        if done == reached:
            budget = 0.0  # an idle engine banks no capacity
        step_time[steps] = t
        step_price[steps] = p_shift * (1.0 + direction * y)
        step_count[steps] = done
        step_queue[steps] = reached - done
        steps += 1
    return done, steps, flow, fund


@jitable
def _order_bucket(
    key: np.ndarray,
    k: int,
    perm: np.ndarray,
    fill: np.ndarray,
    sub: np.ndarray,
    sorted_key: np.ndarray,
    at: int,
) -> None:
    """Write to ``perm[:k]`` the stable order of ``key[:k]``, the keys in that order to
    ``sorted_key[at:at + k]``.

    A counting sort into ``2k`` value sub-buckets (``fill`` holds ``2k + 1`` entries, ``sub``
    and ``perm`` ``k``), then one insertion pass over the whole: sub-buckets are in key order,
    so only inversions inside one are left (merge sort first where one is crowded: a dense
    cluster). Keys and rows move together: no indirect loads while ordering.
    """
    low = np.inf
    high = -np.inf
    for i in range(k):
        low = min(low, key[i])
        high = max(high, key[i])
    n_sub = 2 * k
    scale = n_sub * (1.0 - 1e-12) / (high - low) if high > low else 0.0
    if not scale < np.inf:
        scale = 0.0
    for f in range(n_sub + 1):
        fill[f] = 0
    crowded = 0
    for i in range(k):
        s = int((key[i] - low) * scale)
        sub[i] = s
        c = fill[s + 1] + 1
        fill[s + 1] = c
        crowded = max(crowded, c)
    for f in range(n_sub):
        fill[f + 1] += fill[f]
    for i in range(k):
        s = sub[i]
        slot = fill[s]
        perm[slot] = i
        sorted_key[at + slot] = key[i]
        fill[s] = slot + 1
    if crowded > 32:  # fill[f] is now the end of sub-bucket f
        a = 0
        for f in range(n_sub):
            b = fill[f]
            if b - a > 32:  # crowded: merge sort, still stable
                rows = perm[a:b].copy()
                ranks = np.argsort(key[rows], kind="mergesort")
                for i in range(b - a):
                    perm[a + i] = rows[ranks[i]]
                    sorted_key[at + a + i] = key[rows[ranks[i]]]
            a = b
    for i in range(1, k):
        value = sorted_key[at + i]
        if value < sorted_key[at + i - 1]:
            row = perm[i]
            j = i - 1
            while j >= 0 and sorted_key[at + j] > value:
                sorted_key[at + j + 1] = sorted_key[at + j]
                perm[j + 1] = perm[j]
                j -= 1
            sorted_key[at + j + 1] = value
            perm[j + 1] = row


@jitable
def _scaled_price(price: float, entry: float, margin_factor: float) -> float:
    """A liquidation or bankruptcy price with its distance to entry scaled (1.0: unchanged)."""
    if margin_factor == 1.0:
        return price
    return entry + margin_factor * (price - entry)


N_BUCKETS = 16384  # < 2**15 - 1: a bucket number fits the int16 row code


def bucket_pass_py(
    side: np.ndarray,
    liquidation: np.ndarray,
    entry: np.ndarray,
    size: np.ndarray,
    code: np.ndarray,
    grid_y: np.ndarray,
    grid_flow: np.ndarray,
    flow0: float,
    direction: int,
    start: float,
    p_shift: float,
    size_scale: float,
    margin_factor: float,
) -> tuple[int, int, np.ndarray]:
    """Pass 1 of ``prepare``: bucket the at-risk triggers, find where the cascade must stop.

    Writes each row's bucket to ``code`` (``N_BUCKETS``: not at risk or beyond the grid) and
    returns ``(skipped, stop, first)``: at-risk rows already beyond liquidation at ``start``,
    the first bucket the cascade cannot reach, and ``first[b]`` the first slot of bucket
    ``b`` in trigger order (``first[stop]``: the positions kept).
    """
    n = side.shape[0]
    y_cap = grid_y[grid_y.shape[0] - 1]
    t_low = direction * (start - p_shift) / p_shift
    # (t - t_low) * scale < N_BUCKETS for every t <= y_cap: the 1e-12 beats any rounding
    scale = N_BUCKETS * (1.0 - 1e-12) / (y_cap - t_low) if y_cap > t_low else 0.0
    if not scale < np.inf:  # a range too narrow to divide: one bucket
        scale = 0.0
    # per bucket, on one cache line: count (exact in a float below 2**53), notional, lowest
    hist = np.zeros((N_BUCKETS, 4))
    for b in range(N_BUCKETS):
        hist[b, 2] = np.inf
    skipped = 0
    for i in range(n):
        code[i] = N_BUCKETS
        if side[i] != -direction:
            continue
        liq = _scaled_price(liquidation[i], entry[i], margin_factor)
        if not direction * (liq - start) > 0.0:  # already beyond liquidation at the start
            skipped += 1
            continue
        t = direction * (liq - p_shift) / p_shift
        if t <= y_cap:
            b = int((t - t_low) * scale)
            code[i] = b
            hist[b, 0] += 1.0
            hist[b, 1] += size[i] * size_scale * liq
            hist[b, 2] = min(hist[b, 2], t)
    flow = flow0
    lo = 0
    stop = N_BUCKETS
    for b in range(N_BUCKETS):
        if hist[b, 0] == 0.0:
            continue
        padded = flow + 1e-9 * abs(flow) + 1e-6
        lo = _bracket(padded, grid_flow, lo)
        if hist[b, 2] > _move_at(padded, grid_y, grid_flow, lo):
            stop = b
            break
        flow += hist[b, 1]
    first = np.empty(stop + 1, dtype=np.int64)
    first[0] = 0
    for b in range(stop):
        first[b + 1] = first[b] + int(hist[b, 0])
    return skipped, stop, first


def lay_out_py(
    code: np.ndarray,
    stop: int,
    first: np.ndarray,
    liquidation: np.ndarray,
    bankruptcy: np.ndarray,
    entry: np.ndarray,
    size: np.ndarray,
    direction: int,
    p_shift: float,
    size_scale: float,
    margin_factor: float,
    record: np.ndarray,
    out_trigger: np.ndarray,
    out_notional: np.ndarray,
    out_index: np.ndarray,
    out_size: np.ndarray,
    out_bankruptcy: np.ndarray,
) -> None:
    """Pass 2 of ``prepare``: copy the rows of buckets ``< stop`` out in stable trigger order.

    One 32-byte ``record`` line (liquidation, size, bankruptcy, row) per kept row goes to its
    bucket (``first`` is advanced to each bucket's end); each bucket, small enough for the
    cache, is then ordered (``_order_bucket``) and written out column by column.
    """
    n = code.shape[0]
    for i in range(n):
        b = code[i]
        if b < stop:
            slot = first[b]
            record[slot, 0] = _scaled_price(liquidation[i], entry[i], margin_factor)
            record[slot, 1] = size[i] * size_scale
            record[slot, 2] = _scaled_price(bankruptcy[i], entry[i], margin_factor)
            record[slot, 3] = i  # exact: rows < 2**53
            first[b] = slot + 1
    widest = 0
    begin = 0  # first[b] is now the end of bucket b
    for b in range(stop):
        widest = max(widest, first[b] - begin)
        begin = first[b]
    perm = np.empty(widest + 1, dtype=np.int64)
    fill = np.empty(2 * widest + 2, dtype=np.int64)
    sub = np.empty(widest + 1, dtype=np.int64)
    key = np.empty(widest + 1)
    begin = 0
    for b in range(stop):
        end = first[b]
        k = end - begin
        for i in range(k):
            key[i] = direction * (record[begin + i, 0] - p_shift) / p_shift
        _order_bucket(key, k, perm, fill, sub, out_trigger, begin)
        for i in range(k):
            r = begin + perm[i]
            out_size[begin + i] = record[r, 1]
            out_notional[begin + i] = record[r, 1] * record[r, 0]
            out_bankruptcy[begin + i] = record[r, 2]
            out_index[begin + i] = int(record[r, 3])
        begin = end


def prepare_py(
    side: np.ndarray,
    liquidation: np.ndarray,
    bankruptcy: np.ndarray,
    entry: np.ndarray,
    size: np.ndarray,
    direction: int,
    start: float,
    p_shift: float,
    size_scale: float,
    margin_factor: float,
    flow0: float,
    grid_y: np.ndarray,
    grid_flow: np.ndarray,
    *,
    passes: tuple[Callable[..., Any], Callable[..., Any]] = (bucket_pass_py, lay_out_py),
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lay out, in stable trigger order, the positions the cascade may reach.

    Returns ``(skipped, trigger, notional, row, size, bankruptcy, spare)``: per position its
    trigger move (fraction of ``p_shift``), notional at its liquidation price, row in the
    book, size and bankruptcy price. ``skipped`` counts at-risk positions already beyond
    liquidation at ``start`` (they would have been liquidated before the shock). ``spare`` is
    the pass's scratch block, free once it returns, as a ``(4, m)`` array of stale values:
    the fixed-point solver writes its rows ``FILL .. ADL_FRACTION`` there instead of into a
    fresh block (10 M rows: no new 100 MB to fault in). ``passes`` are the two passes,
    ``bucket_pass`` and ``lay_out`` (``prepare``: compiled; ``prepare_py``: twins).

    Two streaming passes over the book and a bucket sort that stops early, O(n). Every
    at-risk trigger lies in ``[t_low, y_cap]``: above the start price's own trigger, at most
    the grid's last move (beyond it a position is never reached). Pass 1 reads side,
    liquidation price and size, counts the at-risk positions into ``N_BUCKETS`` equal-width
    buckets of that range (count, notional, lowest trigger) and notes each row's bucket (2
    bytes). The buckets are walked like the cascade at bucket resolution (all the notional
    below counts as flow, padded against summation order) and the walk stops at the first
    bucket whose lowest trigger that flow cannot reach: the positions from there on are never
    copied or sorted. Pass 2 copies the rest, one 32-byte record (liquidation, size,
    bankruptcy, row) per position, into its bucket: one write stream per bucket, not five.
    Each bucket, small enough for the cache, is ordered stably (``_order_bucket``) and
    written out column by column in order: the result is the stable sort by trigger, cut
    where the walk stops. Every array of book size is allocated here by numpy, which asks
    the kernel for huge pages on large blocks (numba's allocator does not: at 10 M rows the
    4 kB page faults of the fresh arrays cost more than a pass).
    """
    bucket_pass_k, lay_out_k = passes
    code = np.empty(side.shape[0], dtype=np.int16)
    skipped, stop, first = bucket_pass_k(
        side, liquidation, entry, size, code, grid_y, grid_flow, flow0, direction, start,
        p_shift, size_scale, margin_factor,
    )  # fmt: skip
    m = int(first[stop])
    record = np.empty((m, 4))
    out = np.empty((4, m))  # trigger, notional, size, bankruptcy: one block, huge pages
    index = np.empty(m, dtype=np.int64)
    lay_out_k(
        code, stop, first, liquidation, bankruptcy, entry, size, direction, p_shift, size_scale,
        margin_factor, record, out[0], out[1], index, out[2], out[3],
    )  # fmt: skip
    spare = record.reshape(4, m)  # the same memory: C order either way
    return int(skipped), out[0], out[1], index, out[2], out[3], spare


# error_model="numpy": a division never checks for zero (every divisor here is guarded or a
# positive price), so no branch to a ZeroDivisionError in the per-position loops
move_for_flow = njit(error_model="numpy")(move_for_flow_py)
fixed_point = njit(error_model="numpy")(fixed_point_py)
stepper = njit(error_model="numpy")(stepper_py)
bucket_pass = njit(error_model="numpy")(bucket_pass_py)
lay_out = njit(error_model="numpy")(lay_out_py)
prepare = functools.partial(prepare_py, passes=(bucket_pass, lay_out))

__all__ = [
    "ADL_FRACTION",
    "FILL",
    "FUND_ADD",
    "FUND_DRAW",
    "N_BUCKETS",
    "N_OUT",
    "ROUND",
    "TIME_S",
    "Cascade",
    "bucket_pass",
    "bucket_pass_py",
    "fixed_point",
    "fixed_point_py",
    "lay_out",
    "lay_out_py",
    "move_for_flow",
    "move_for_flow_py",
    "prepare",
    "prepare_py",
    "stepper",
    "stepper_py",
]
