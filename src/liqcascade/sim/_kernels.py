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


def select_py(
    side: np.ndarray,
    liquidation: np.ndarray,
    entry: np.ndarray,
    size: np.ndarray,
    direction: int,
    start: float,
    p_shift: float,
    size_scale: float,
    margin_factor: float,
    trigger: np.ndarray,
    notional: np.ndarray,
    index: np.ndarray,
) -> tuple[int, int]:
    """Pick the positions the move puts at risk; return (count, skipped).

    Writes, compacted, each at-risk position's trigger move, notional at its liquidation
    price and row. ``margin_factor`` scales the entry-to-liquidation distance (Monte Carlo
    leverage prior; 1.0 leaves the price untouched). ``skipped`` counts at-risk positions
    already beyond liquidation at ``start`` (they would have been liquidated before the shock).
    """
    count = 0
    skipped = 0
    for i in range(side.shape[0]):
        if side[i] != -direction:
            continue
        liq = liquidation[i]
        if margin_factor != 1.0:
            liq = entry[i] + margin_factor * (liq - entry[i])
        if direction * (liq - start) <= 0.0:
            skipped += 1
            continue
        trigger[count] = direction * (liq - p_shift) / p_shift
        notional[count] = size[i] * size_scale * liq
        index[count] = i
        count += 1
    return count, skipped


def reachable_py(
    trigger: np.ndarray,
    notional: np.ndarray,
    flow0: float,
    grid_y: np.ndarray,
    grid_flow: np.ndarray,
    iterations: int,
) -> float:
    """Upper bound on the final move: iterate ``y(flow0 + sum of notional triggered by y)``.

    Starts from all notional and only tightens, so it never drops a position the cascade
    reaches (padded against summation-order rounding).
    """
    total = flow0
    for j in range(trigger.shape[0]):
        total += notional[j]
    y_max = move_for_flow_py(total * (1.0 + 1e-9) + 1e-6, grid_y, grid_flow)
    for _ in range(iterations):
        new_total = flow0
        for j in range(trigger.shape[0]):
            if trigger[j] <= y_max:
                new_total += notional[j]
        if new_total >= 0.99 * total:  # under 1 % tighter: not worth another pass
            break
        total = new_total
        y_max = move_for_flow_py(total * (1.0 + 1e-9) + 1e-6, grid_y, grid_flow)
    return y_max


def gather_py(
    order: np.ndarray,
    trigger: np.ndarray,
    notional: np.ndarray,
    index: np.ndarray,
    size: np.ndarray,
    bankruptcy: np.ndarray,
    entry: np.ndarray,
    size_scale: float,
    margin_factor: float,
    out_trigger: np.ndarray,
    out_notional: np.ndarray,
    out_index: np.ndarray,
    out_size: np.ndarray,
    out_bankruptcy: np.ndarray,
) -> None:
    """Lay the chosen positions out in trigger order for the solvers."""
    for k in range(order.shape[0]):
        j = order[k]
        row = index[j]
        out_trigger[k] = trigger[j]
        out_notional[k] = notional[j]
        out_index[k] = row
        out_size[k] = size[row] * size_scale
        bk = bankruptcy[row]
        if margin_factor != 1.0:
            bk = entry[row] + margin_factor * (bk - entry[row])
        out_bankruptcy[k] = bk


# Compiled twins. The compiled kernels must call compiled helpers, so each twin is compiled
# from the same source with the helpers compiled so far swapped in for their ``*_py`` names.
_COMPILED: dict[str, object] = {}


def _compiled(func_py):  # type: ignore[no-untyped-def]
    import types

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
select = _compiled(select_py)
reachable = _compiled(reachable_py)
gather = _compiled(gather_py)

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
    "gather",
    "gather_py",
    "move_for_flow",
    "move_for_flow_py",
    "reachable",
    "reachable_py",
    "select",
    "select_py",
    "stepper",
    "stepper_py",
]
