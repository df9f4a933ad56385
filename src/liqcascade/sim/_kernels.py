"""Cascade kernels: the fixed-point solver and the event-driven stepper.

Both kernels are dumb: they see contiguous float64 arrays already sorted by trigger move
(the wrapper in ``_engine`` validates and sorts), never DataFrames, and never raise.
Each has a readable pure-Python twin (``*_py``); ``LIQCASCADE_DISABLE_NUMBA=1`` runs the twins.

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

import types
from collections.abc import Callable
from typing import Any

import numpy as np

from liqcascade._compat.numba import njit

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


def _bracket_py(flow: float, grid_flow: np.ndarray, lo: int) -> int:
    """Move the hint ``lo`` to the bracket ``grid_flow[lo] < flow <= grid_flow[lo + 1]``.

    Walks forward for a growing flow and back after an ADL cut, so a cascade costs O(1)
    amortised per position; clamped to ``0 .. len - 2`` (``_move_at_py`` handles the ends).
    """
    last = grid_flow.shape[0] - 1
    while lo < last - 1 and grid_flow[lo + 1] < flow:
        lo += 1
    while lo > 0 and grid_flow[lo] >= flow:
        lo -= 1
    return lo


def _interp_py(
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


def _move_at_py(flow: float, grid_y: np.ndarray, grid_flow: np.ndarray, lo: int) -> float:
    """``move_for_flow_py`` given the bracket from ``_bracket_py`` (same numbers).

    Only loads from the arrays; the branches live in the scalar ``_interp_py``. Compiled, a
    helper that branches over arrays is called out of line and every call pays reference
    counting on its arrays (~100 ns a position: most of the old solver's time).
    """
    last = grid_flow.shape[0] - 1
    return _interp_py(
        flow, grid_flow[lo], grid_flow[lo + 1], grid_y[lo], grid_y[lo + 1],
        grid_flow[0], grid_flow[last], grid_y[0], grid_y[last],
    )  # fmt: skip


def _settle_py(
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


def fixed_point_py(
    trigger_y: np.ndarray,
    size: np.ndarray,
    notional: np.ndarray,
    bankruptcy: np.ndarray,
    grid_y: np.ndarray,
    grid_flow: np.ndarray,
    p_shift: float,
    direction: int,
    flow0: float,
    fund0: float,
    surplus_to_fund: bool,
    out: np.ndarray,
    round_price: np.ndarray,
    round_count: np.ndarray,
) -> tuple[int, int, float, float]:
    """Iterate rounds until no new liquidation; return (n_liquidated, rounds, flow, fund).

    Round ``r`` settles every position whose trigger move is reached by the flow known at
    the start of the round. ``round_price[r]`` is the price after round ``r`` (index 0: after
    the exogenous shock alone) and ``round_count[r]`` the positions settled so far.

    One pass: positions settle in trigger order, so the flow before position ``j`` is the
    same whatever the round boundaries; a round ends where the flow known at its start stops
    reaching triggers. The book is inverted through a bracket that only walks forward
    (back after an ADL cut): O(m + grid) for m settled positions, no re-scan, no allocation.
    """
    n = trigger_y.shape[0]
    flow = flow0
    fund = fund0
    lo = _bracket_py(flow, grid_flow, 0)
    y = _move_at_py(flow, grid_y, grid_flow, lo)
    round_price[0] = p_shift * (1.0 + direction * y)
    round_count[0] = 0
    reached = 0
    while reached < n and trigger_y[reached] <= y:
        reached += 1
    rounds = 0
    done = 0
    while done < reached:
        rounds += 1
        for j in range(done, reached):
            after = flow + notional[j]
            lo = _bracket_py(after, grid_flow, lo)
            y_after = _move_at_py(after, grid_y, grid_flow, lo)
            fill, draw, add, adl, fund = _settle_py(
                y, y_after, size[j], bankruptcy[j], fund, p_shift, direction, surplus_to_fund
            )
            out[FILL, j] = fill
            out[FUND_DRAW, j] = draw
            out[FUND_ADD, j] = add
            out[ADL_FRACTION, j] = adl
            out[ROUND, j] = rounds
            out[TIME_S, j] = 0.0
            if adl > 0.0:  # the auto-deleveraged part is matched against opposite positions
                after = flow + notional[j] * (1.0 - adl)
                lo = _bracket_py(after, grid_flow, lo)
                y_after = _move_at_py(after, grid_y, grid_flow, lo)
            flow = after
            y = y_after
        done = reached
        round_price[rounds] = p_shift * (1.0 + direction * y)
        round_count[rounds] = reached
        while reached < n and trigger_y[reached] <= y:
            reached += 1
    return done, rounds, flow, fund


def stepper_py(
    trigger_y: np.ndarray,
    size: np.ndarray,
    notional: np.ndarray,
    bankruptcy: np.ndarray,
    grid_y: np.ndarray,
    grid_flow: np.ndarray,
    p_shift: float,
    direction: int,
    flow0: float,
    fund0: float,
    surplus_to_fund: bool,
    usd_per_second: float,
    out: np.ndarray,
    step_time: np.ndarray,
    step_price: np.ndarray,
    step_count: np.ndarray,
    step_queue: np.ndarray,
) -> tuple[int, int, float, float]:
    """Run the liquidation engine in time; return (n_liquidated, n_steps, flow, fund).

    The engine executes queued closing orders in trigger order at ``usd_per_second``; after
    each order the mark is updated and newly crossed positions join the queue. A step is
    recorded for every second in which something executed (idle seconds are skipped), with
    the time, the price, the positions settled so far and the queue length in positions.
    """
    n = trigger_y.shape[0]
    flow = flow0
    fund = fund0
    lo = _bracket_py(flow, grid_flow, 0)
    y = _move_at_py(flow, grid_y, grid_flow, lo)
    reached = 0
    while reached < n and trigger_y[reached] <= y:
        reached += 1
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
            lo = _bracket_py(after, grid_flow, lo)
            y_after = _move_at_py(after, grid_y, grid_flow, lo)
            fill, draw, add, adl, fund = _settle_py(
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
                lo = _bracket_py(after, grid_flow, lo)
                y_after = _move_at_py(after, grid_y, grid_flow, lo)
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


def _sort_segment_py(
    trigger: np.ndarray,
    notional: np.ndarray,
    index: np.ndarray,
    size: np.ndarray,
    bankruptcy: np.ndarray,
    start: int,
    end: int,
    perm: np.ndarray,
    fill: np.ndarray,
    scratch: np.ndarray,
    scratch_rows: np.ndarray,
) -> None:
    """Stable sort of the rows ``start:end`` of the five arrays by trigger, in cache.

    The segment is cut into ~2-position buckets by value, each ordered by insertion (merge
    sort if crowded), and the permutation applied to every array through ``scratch``.
    ``perm``, ``fill``, ``scratch`` and ``scratch_rows`` are work arrays of at least
    ``end - start + 2`` entries.
    """
    k = end - start
    low = np.inf
    high = -np.inf
    for i in range(start, end):
        low = min(low, trigger[i])
        high = max(high, trigger[i])
    n_buckets = k // 2 + 1
    scale = n_buckets * (1.0 - 1e-12) / (high - low) if high > low else 0.0
    if not scale < np.inf:
        scale = 0.0
    for f in range(n_buckets + 1):
        fill[f] = 0
    for i in range(k):
        fill[int((trigger[start + i] - low) * scale) + 1] += 1
    for f in range(n_buckets):
        fill[f + 1] += fill[f]
    for i in range(k):
        f = int((trigger[start + i] - low) * scale)
        perm[fill[f]] = i
        fill[f] += 1
    first = 0  # fill[f] is now the end of bucket f
    for f in range(n_buckets):
        last = fill[f]
        if last - first > 32:  # crowded (a dense cluster): merge sort, still stable
            ranks = np.argsort(trigger[start + perm[first:last]], kind="mergesort")
            rows = perm[first:last].copy()
            for i in range(last - first):
                perm[first + i] = rows[ranks[i]]
        else:
            for i in range(first + 1, last):
                row = perm[i]
                key = trigger[start + row]
                j = i - 1
                while j >= first and trigger[start + perm[j]] > key:
                    perm[j + 1] = perm[j]
                    j -= 1
                perm[j + 1] = row
        first = last
    for arr in (trigger, notional, size, bankruptcy):
        for i in range(k):
            scratch[i] = arr[start + perm[i]]
        for i in range(k):
            arr[start + i] = scratch[i]
    for i in range(k):
        scratch_rows[i] = index[start + perm[i]]
    for i in range(k):
        index[start + i] = scratch_rows[i]


def _at_risk_py(
    side: float,
    liquidation: float,
    bankruptcy: float,
    entry: float,
    direction: int,
    start: float,
    margin_factor: float,
) -> tuple[bool, float, float]:
    """Whether a position is on the side the move liquidates and not already beyond its
    liquidation price at ``start``; with its (liquidation, bankruptcy) prices after the
    margin factor (the entry-to-price distances scaled; 1.0 leaves them untouched)."""
    if side != -direction:
        return False, liquidation, bankruptcy
    if margin_factor != 1.0:
        liquidation = entry + margin_factor * (liquidation - entry)
        bankruptcy = entry + margin_factor * (bankruptcy - entry)
    return direction * (liquidation - start) > 0.0, liquidation, bankruptcy


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
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lay out, in stable trigger order, the positions the cascade may reach.

    Returns ``(skipped, trigger, notional, row, size, bankruptcy)``: per position its trigger
    move (fraction of ``p_shift``), notional at its liquidation price, row in the book, size
    and bankruptcy price. ``skipped`` counts at-risk positions already beyond liquidation at
    ``start`` (they would have been liquidated before the shock).

    Two streaming passes over the book and a bucket sort that stops early, O(n). Every
    at-risk trigger lies in ``[t_low, y_cap]``: above the start price's own trigger, at most
    the grid's last move (beyond it a position is never reached). Pass 1 counts the at-risk
    positions into 16384 equal-width buckets of that range (count, notional, lowest
    trigger); the buckets are walked like the cascade at bucket resolution (all the notional
    below counts as flow, padded against summation order) and the walk stops at the first
    bucket whose lowest trigger that flow cannot reach, so the positions from there on are
    never copied or sorted. Pass 2 copies the rest bucket by bucket; each bucket, small
    enough for the cache, is sorted stably (``_sort_segment_py``): the result is the
    stable sort by trigger, cut where the walk stops.
    """
    n = side.shape[0]
    y_cap = grid_y[grid_y.shape[0] - 1]
    t_low = direction * (start - p_shift) / p_shift
    n_buckets = 16384
    # (t - t_low) * scale < n_buckets for every t <= y_cap: the 1e-12 beats any rounding
    scale = n_buckets * (1.0 - 1e-12) / (y_cap - t_low) if y_cap > t_low else 0.0
    if not scale < np.inf:  # a range too narrow to divide: one bucket
        scale = 0.0
    count = np.zeros(n_buckets + 1, dtype=np.int64)  # count[b + 1]: positions in bucket b
    mass = np.zeros(n_buckets)
    lowest = np.full(n_buckets, np.inf)
    skipped = 0
    for i in range(n):
        risk, liq, _ = _at_risk_py(
            side[i], liquidation[i], bankruptcy[i], entry[i], direction, start, margin_factor
        )
        if side[i] == -direction and not risk:
            skipped += 1
        t = direction * (liq - p_shift) / p_shift
        if risk and t <= y_cap:
            b = int((t - t_low) * scale)
            count[b + 1] += 1
            mass[b] += size[i] * size_scale * liq
            lowest[b] = min(lowest[b], t)
    flow = flow0
    lo = 0
    stop = n_buckets
    for b in range(n_buckets):
        if count[b + 1] == 0:
            continue
        padded = flow + 1e-9 * abs(flow) + 1e-6
        lo = _bracket_py(padded, grid_flow, lo)
        if lowest[b] > _move_at_py(padded, grid_y, grid_flow, lo):
            stop = b
            break
        flow += mass[b]
    for b in range(stop):  # count[b] becomes the first slot of bucket b
        count[b + 1] += count[b]
    m = count[stop]
    out_trigger = np.empty(m)
    out_notional = np.empty(m)
    out_index = np.empty(m, dtype=np.int64)
    out_size = np.empty(m)
    out_bankruptcy = np.empty(m)
    for i in range(n):
        risk, liq, bk = _at_risk_py(
            side[i], liquidation[i], bankruptcy[i], entry[i], direction, start, margin_factor
        )
        t = direction * (liq - p_shift) / p_shift
        if risk and t <= y_cap:
            b = int((t - t_low) * scale)
            if b < stop:
                slot = count[b]
                out_trigger[slot] = t
                out_notional[slot] = size[i] * size_scale * liq
                out_index[slot] = i
                out_size[slot] = size[i] * size_scale
                out_bankruptcy[slot] = bk
                count[b] = slot + 1
    widest = 0
    first = 0  # count[b] is now the end of bucket b
    for b in range(stop):
        widest = max(widest, count[b] - first)
        first = count[b]
    perm = np.empty(widest + 2, dtype=np.int64)
    fill = np.empty(widest + 2, dtype=np.int64)
    scratch = np.empty(widest + 2)
    scratch_rows = np.empty(widest + 2, dtype=np.int64)
    first = 0
    for b in range(stop):
        end = count[b]
        if end - first > 1:
            _sort_segment_py(
                out_trigger, out_notional, out_index, out_size, out_bankruptcy, first, end,
                perm, fill, scratch, scratch_rows,
            )  # fmt: skip
        first = end
    return skipped, out_trigger, out_notional, out_index, out_size, out_bankruptcy


# Compiled twins. The compiled kernels must call compiled helpers, so each twin is compiled
# from the same source with the helpers compiled so far swapped in for their ``*_py`` names.
_COMPILED: dict[str, object] = {}


def _compiled(func_py: Callable[..., Any]) -> Callable[..., Any]:
    if not isinstance(func_py, types.FunctionType):  # pragma: no cover - a programming error
        raise TypeError(f"{func_py!r} is not a plain Python function and cannot be compiled")
    glb = dict(func_py.__globals__)
    glb.update(_COMPILED)
    clone = types.FunctionType(func_py.__code__, glb, func_py.__name__, func_py.__defaults__)
    compiled = njit(clone)
    _COMPILED[func_py.__name__] = compiled
    return compiled


move_for_flow = _compiled(move_for_flow_py)
move_from = _compiled(move_from_py)
_settle = _compiled(_settle_py)
_bracket = _compiled(_bracket_py)
_interp = _compiled(_interp_py)
_move_at = _compiled(_move_at_py)
fixed_point = _compiled(fixed_point_py)
stepper = _compiled(stepper_py)
_sort_segment = _compiled(_sort_segment_py)
_at_risk = _compiled(_at_risk_py)
prepare = _compiled(prepare_py)

__all__ = [
    "ADL_FRACTION",
    "FILL",
    "FUND_ADD",
    "FUND_DRAW",
    "N_OUT",
    "ROUND",
    "TIME_S",
    "fixed_point",
    "fixed_point_py",
    "move_for_flow",
    "move_for_flow_py",
    "prepare",
    "prepare_py",
    "stepper",
    "stepper_py",
]
