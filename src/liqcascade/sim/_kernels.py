"""Cascade kernels: the fixed-point solver and the event-driven stepper.

Both kernels are dumb: they see contiguous float64 arrays already sorted by trigger move
(``prepare_count`` and ``prepare_place`` lay them out), never DataFrames, and never raise.
Each kernel is its readable pure-Python twin compiled, ``foo = njit(foo_py)``; the helpers
they call are plain functions marked ``@jitable`` (compiled into the kernel, run as written
from Python), so ``LIQCASCADE_DISABLE_NUMBA=1`` runs the twins end to end.

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

from typing import NamedTuple

import numpy as np

from liqcascade._compat.numba import jitable, njit

# Per-position output columns (rows of ``out``).
FILL, FUND_DRAW, FUND_ADD, ADL_FRACTION, ROUND, TIME_S = range(6)
N_OUT = 6
N_BUCKETS = 16384  # prepare's trigger buckets; < 2**15 - 1: a bucket number fits an int16
_CHUNK = 512  # rows whose at-risk positions prepare's first pass gathers before bucketing them


class Workspace(NamedTuple):
    """The arrays ``prepare`` and the solvers write, reused from one cascade to the next.

    Sized by :func:`workspace` for at most ``capacity`` positions. ``prepare`` and the solvers
    overwrite what they read and return views into it, so a result is valid until the
    workspace's next use. Reusing one per Monte Carlo block keeps a path from allocating
    (and, above glibc's 128 kB mmap threshold, page-faulting in) ~5 MB of fresh arrays.
    """

    bucket_count: np.ndarray  # int64 (N_BUCKETS + 1): positions per bucket, then bucket ends
    mass: np.ndarray  # (N_BUCKETS,) notional per bucket
    code: np.ndarray  # int16 (capacity,): each row's bucket
    record: np.ndarray  # (capacity, 4): liquidation, size, bankruptcy, row
    trigger: np.ndarray  # (capacity,) prepare's outputs, in trigger order
    notional: np.ndarray
    row: np.ndarray  # int64
    size: np.ndarray
    bankruptcy: np.ndarray
    perm: np.ndarray  # int64 (capacity + 2): the order within one bucket
    fill: np.ndarray  # int64 (capacity + 2)
    key: np.ndarray  # (capacity + 2,)
    out: np.ndarray  # (N_OUT, capacity): the stepper's per-position rows (see fixed_point_out)
    step_time: np.ndarray  # (capacity + 2,) the solvers' per-round / per-step path
    step_price: np.ndarray
    step_count: np.ndarray  # int64
    step_queue: np.ndarray  # int64


def workspace(capacity: int) -> Workspace:
    """Allocate a :class:`Workspace` for cascades over at most ``capacity`` positions."""
    return sized(counting_workspace(capacity), capacity, capacity, stepper=True)


def counting_workspace(capacity: int) -> Workspace:
    """Only the arrays of ``prepare``'s first pass, for a book of ``capacity`` rows.

    The others are empty: :func:`sized` adds them once the pass knows how many positions
    are kept (a fresh ``simulate`` thus allocates, and first-touches, nothing sized by the
    whole book but ``code``).
    """
    none = np.empty(0)
    rows = np.empty(0, dtype=np.int64)
    return Workspace(
        bucket_count=np.empty(N_BUCKETS + 1, dtype=np.int64),
        mass=np.empty(N_BUCKETS),
        code=np.empty(capacity, dtype=np.int16),
        record=np.empty((0, 4)),
        trigger=none,
        notional=none,
        row=rows,
        size=none,
        bankruptcy=none,
        perm=rows,
        fill=rows,
        key=none,
        out=np.empty((N_OUT, 0)),
        step_time=none,
        step_price=none,
        step_count=rows,
        step_queue=rows,
    )


def sized(work: Workspace, kept: int, widest: int, *, stepper: bool) -> Workspace:
    """``work``'s first-pass arrays plus the rest, for ``kept`` positions.

    ``widest``: the largest bucket ``prepare`` orders; ``stepper``: also the stepper's rows
    (the fixed point writes its rows over ``record``, see :func:`fixed_point_out`).
    """
    row = kept + 2
    timed = row if stepper else 0  # the fixed point writes neither step times nor queues
    # one block for the records and the five sorted columns: numpy asks for huge pages on
    # blocks of 4 MB or more, so a fresh block is faulted in 2 MB at a time, not 4 kB
    block = np.empty(9 * kept)
    return work._replace(
        record=block[: 4 * kept].reshape(kept, 4),
        trigger=block[4 * kept : 5 * kept],
        notional=block[5 * kept : 6 * kept],
        row=block[6 * kept : 7 * kept].view(np.int64),
        size=block[7 * kept : 8 * kept],
        bankruptcy=block[8 * kept :],
        perm=np.empty(widest + 2, dtype=np.int64),
        fill=np.empty(widest + 2, dtype=np.int64),
        key=np.empty(widest + 2),
        out=np.empty((N_OUT, kept if stepper else 0)),
        step_time=np.empty(timed),
        step_price=np.empty(row),
        step_count=np.empty(row, dtype=np.int64),
        step_queue=np.empty(timed, dtype=np.int64),
    )


def fixed_point_out(work: Workspace) -> np.ndarray:
    """The fixed point's output rows (FILL .. ADL_FRACTION), laid over ``work.record``.

    ``prepare`` is done with its records once it returns, and the fixed point writes only the
    first four rows: reusing that block spares a single ``simulate`` first-touching (and the
    kernel zeroing) a fresh ``out`` block, about a quarter of the call at 1 M positions.
    """
    return work.record.reshape(ADL_FRACTION + 1, work.record.shape[0])


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
def _at(i: int) -> np.uint64:
    """``i`` (never negative) as an index that compiled code takes as is.

    numba adds the array's length to a signed index that may be negative (a shift, a mask
    and an add before every load and store, and registers that the loop's array pointers
    then lose to the stack); it takes an unsigned index as is.
    """
    return np.uint64(i)


@jitable
def _bracket(flow: float, grid_flow: np.ndarray, lo: int) -> int:
    """Move the hint ``lo`` to the bracket ``grid_flow[lo] < flow <= grid_flow[lo + 1]``.

    Walks forward for a growing flow and back after an ADL cut, so a cascade costs O(1)
    amortised per position; clamped to ``0 .. len - 2`` (``_move_at`` handles the ends).
    """
    last = grid_flow.shape[0] - 1
    while lo < last - 1 and grid_flow[_at(lo + 1)] < flow:
        lo += 1
    while lo > 0 and grid_flow[_at(lo)] >= flow:
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
    last = grid_flow.shape[0] - 1  # the grid's ends and the output rows, loaded once
    flow_first, flow_last, y_first, y_last = grid_flow[0], grid_flow[last], grid_y[0], grid_y[last]
    fills, draws, adds, adls = out[FILL], out[FUND_DRAW], out[FUND_ADD], out[ADL_FRACTION]
    while done < reached:
        rounds += 1
        for i in range(done, reached):
            j = _at(i)
            after = flow + notional[j]
            lo = _bracket(after, grid_flow, lo)
            y_after = _interp(  # _move_at's numbers, the ends not reloaded
                after, grid_flow[_at(lo)], grid_flow[_at(lo + 1)], grid_y[_at(lo)],
                grid_y[_at(lo + 1)], flow_first, flow_last, y_first, y_last,
            )  # fmt: skip
            fill, draw, add, adl, fund = _settle(
                y, y_after, size[j], bankruptcy[j], fund, p_shift, direction, surplus_to_fund
            )
            fills[j] = fill
            draws[j] = draw
            adds[j] = add
            adls[j] = adl
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
    low: float,
    width: float,
    perm: np.ndarray,
    fill: np.ndarray,
    sorted_key: np.ndarray,
    at: int,
) -> None:
    """Write to ``perm[:k]`` the stable order of ``key[:k]``, the keys in that order to
    ``sorted_key[at:at + k]``.

    A counting sort into ``k + 1`` value sub-buckets of ``[low, low + width)`` (``perm`` and
    ``fill`` hold at least ``k + 2`` entries; ``width <= 0``: the keys' own range, scanned
    first), then one insertion pass over the whole: sub-buckets are in key order, so only
    inversions inside one are left (merge sort first where one is crowded: a dense
    cluster). Keys and rows move together: no indirect loads while ordering. Any
    sub-bucketing gives the same result (the insertion pass finishes the order), so the
    range only decides the speed.
    """
    high = low + width
    if not width > 0.0:
        low = np.inf
        high = -np.inf
        for i in range(k):
            low = min(low, key[i])
            high = max(high, key[i])
    n_sub = k + 1
    scale = n_sub * (1.0 - 1e-12) / (high - low) if high > low else 0.0
    if not scale < np.inf:
        scale = 0.0
    for f in range(n_sub + 1):
        fill[f] = 0
    crowded = 0
    for i in range(k):  # clamped: a key may round onto the bucket's upper edge
        sub = _at(min(max(int((key[i] - low) * scale), 0), k) + 1)
        c = fill[sub] + 1
        fill[sub] = c
        crowded = max(crowded, c)
    total = 0
    for f in range(n_sub + 1):  # running sum in a register, not through memory
        total += fill[f]
        fill[f] = total
    for i in range(k):
        sub = _at(min(max(int((key[i] - low) * scale), 0), k))
        slot = fill[sub]
        perm[_at(slot)] = i
        sorted_key[_at(at + slot)] = key[i]
        fill[sub] = slot + 1
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
        value = sorted_key[_at(at + i)]
        if value < sorted_key[_at(at + i - 1)]:
            row = perm[i]
            j = i - 1
            while j >= 0 and sorted_key[_at(at + j)] > value:
                sorted_key[_at(at + j + 1)] = sorted_key[_at(at + j)]
                perm[_at(j + 1)] = perm[_at(j)]
                j -= 1
            sorted_key[_at(at + j + 1)] = value
            perm[_at(j + 1)] = row


@jitable
def _bucket_frame(
    direction: int, start: float, p_shift: float, y_cap: float
) -> tuple[float, float]:
    """The lowest at-risk trigger ``t_low`` and buckets per unit of move over ``[t_low, y_cap]``."""
    t_low = direction * (start - p_shift) / p_shift
    # (t - t_low) * scale < N_BUCKETS for every t <= y_cap: the 1e-12 beats any rounding
    scale = N_BUCKETS * (1.0 - 1e-12) / (y_cap - t_low) if y_cap > t_low else 0.0
    if not scale < np.inf:  # a range too narrow to divide: one bucket
        scale = 0.0
    return t_low, scale


# ``prepare``'s inputs besides the workspace, one tuple (``_engine`` builds it): the book's
# columns (side, liquidation, bankruptcy, entry, size), the price frame (direction, start,
# p_shift), the size and margin-distance scales, the exogenous flow and the book curve
# (grid_y, grid_flow).
Layout = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
    int, float, float, float, float, float, np.ndarray, np.ndarray,
]  # fmt: skip


# prepare: lay out, in stable trigger order, the positions the cascade may reach, as views into
# the workspace: per position its trigger move (fraction of ``p_shift``), notional at its
# liquidation price, row in the book, size and bankruptcy price; ``skipped`` counts at-risk
# positions already beyond liquidation at ``start`` (they would have been liquidated before
# the shock). Two streaming passes over the book and a bucket sort that stops early, O(n).
# Every at-risk trigger lies in ``[t_low, y_cap]``: above the start price's own trigger, at
# most the grid's last move (beyond it a position is never reached). Pass 1
# (``prepare_count``) reads side, liquidation price and size (one chunk of rows at a time:
# first the chunk's at-risk rows, without a branch, then those), counts the at-risk positions
# into 16384 equal-width buckets of that range (count, notional) and notes each row's bucket
# (2 bytes). The buckets are walked like the cascade at bucket resolution (all the notional
# below counts as flow, padded against summation order) and the walk stops at the first
# bucket that flow cannot reach even at the lower edge of the bucket before it (a bucket's
# width of margin against rounding): the positions from there on are never copied or sorted.
# Pass 2 (``prepare_place``) copies the rest, one 32-byte record (liquidation, size,
# bankruptcy, row) per position, into its bucket: one write stream per bucket, not five. Each
# bucket, small enough for the cache, is ordered stably (``_order_bucket``) and written out
# column by column in order: the result is the stable sort by trigger, cut where the walk
# stops. ``_engine`` calls the two halves apart, to size the arrays of the second by what the
# first keeps (:func:`sized`).


def prepare_count_py(layout: Layout, work: Workspace) -> tuple[int, int, int]:
    """``prepare``'s first pass and walk; return ``(skipped, stop, widest)``.

    Writes ``work.code`` (each row's bucket) and turns ``work.bucket_count[b]`` into the
    first slot of bucket ``b`` for ``b <= stop``: ``bucket_count[stop]`` positions are kept,
    the largest bucket below ``stop`` holds ``widest``. Only the pass-1 arrays of ``work``
    are used (``bucket_count``, ``mass``, ``code``), so a caller can size the
    rest by what is kept (:func:`sized`).
    """
    side, liquidation, _, entry, size = layout[:5]
    direction, start, p_shift, size_scale, margin_factor, flow0, grid_y, grid_flow = layout[5:]
    n = side.shape[0]
    y_cap = grid_y[grid_y.shape[0] - 1]
    t_low, scale = _bucket_frame(direction, start, p_shift, y_cap)
    n_buckets = N_BUCKETS
    count = work.bucket_count  # count[b + 1]: positions in bucket b
    count[:] = 0
    mass = work.mass
    mass[:] = 0.0
    code = work.code  # the row's bucket; n_buckets: not at risk or too far
    skipped = 0
    want = -direction  # the side at risk
    at_risk = np.empty(_CHUNK, dtype=np.int64)
    for first in range(0, n, _CHUNK):
        c = 0
        for i in range(first, min(first + _CHUNK, n)):  # no branch: the chunk's at-risk rows
            code[i] = n_buckets
            at_risk[c] = i
            c += side[i] == want
        for j in range(c):
            r = _at(at_risk[j])
            liq = liquidation[r]
            if margin_factor != 1.0:  # entry is read only under a margin factor
                liq = entry[r] + margin_factor * (liq - entry[r])
            if not direction * (liq - start) > 0.0:  # already beyond liquidation at the start
                skipped += 1
                continue
            t = direction * (liq - p_shift) / p_shift
            if t <= y_cap:
                b = int((t - t_low) * scale)
                code[r] = b
                count[_at(b + 1)] += 1
                mass[_at(b)] += size[r] * size_scale * liq
    flow = flow0
    lo = 0
    stop = n_buckets
    for b in range(n_buckets):
        if count[b + 1] == 0:
            continue
        # below every trigger in bucket b: the lower edge of the bucket before it (a whole
        # bucket of margin against rounding); a single bucket (scale 0): never cut
        floor = t_low + (b - 1) / scale if scale > 0.0 else -np.inf
        padded = flow + 1e-9 * abs(flow) + 1e-6
        lo = _bracket(padded, grid_flow, lo)
        if floor > _move_at(padded, grid_y, grid_flow, lo):
            stop = b
            break
        flow += mass[b]
    widest = 0
    for b in range(stop):  # count[b] becomes the first slot of bucket b
        widest = max(widest, count[b + 1])
        count[b + 1] += count[b]
    return skipped, stop, widest


def prepare_place_py(
    layout: Layout, stop: int, work: Workspace
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``prepare``'s second pass and bucket sorts, after :func:`prepare_count_py` (same inputs).

    Returns ``(trigger, notional, row, size, bankruptcy)`` as views into ``work``, whose
    ``record`` and output columns hold ``bucket_count[stop]`` positions and ``perm``,
    ``fill``, ``key`` the widest bucket plus 2.
    """
    _, liquidation, bankruptcy, entry, size = layout[:5]
    direction, start, p_shift, size_scale, margin_factor, _, grid_y, _ = layout[5:]
    n = liquidation.shape[0]
    t_low, scale = _bucket_frame(direction, start, p_shift, grid_y[grid_y.shape[0] - 1])
    count = work.bucket_count
    code = work.code
    m = count[stop]
    record = work.record  # liquidation, size, bankruptcy, row: one line per 2 positions
    for i in range(n):
        b = code[i]
        if b < stop:
            slot = count[_at(b)]
            at = _at(slot)
            liq = liquidation[i]
            bk = bankruptcy[i]
            if margin_factor != 1.0:  # each distance to entry scaled
                liq = entry[i] + margin_factor * (liq - entry[i])
                bk = entry[i] + margin_factor * (bk - entry[i])
            record[at, 0] = liq
            record[at, 1] = size[i] * size_scale
            record[at, 2] = bk
            record[at, 3] = i  # exact: rows < 2**53
            count[_at(b)] = slot + 1
    out_trigger = work.trigger[:m]
    out_notional = work.notional[:m]
    out_index = work.row[:m]
    out_size = work.size[:m]
    out_bankruptcy = work.bankruptcy[:m]
    perm = work.perm
    fill = work.fill
    key = work.key
    width = 1.0 / scale if scale > 0.0 else 0.0  # a bucket's width (0: unknown, scan)
    first = 0  # count[b] is now the end of bucket b
    for b in range(stop):
        end = count[b]
        k = end - first
        for i in range(k):
            key[i] = direction * (record[_at(first + i), 0] - p_shift) / p_shift
        _order_bucket(key, k, t_low + b * width, width, perm, fill, out_trigger, first)
        for i in range(k):
            r = _at(first + perm[i])
            o = _at(first + i)
            out_size[o] = record[r, 1]
            out_notional[o] = record[r, 1] * record[r, 0]
            out_bankruptcy[o] = record[r, 2]
            out_index[o] = int(record[r, 3])
        first = end
    return out_trigger, out_notional, out_index, out_size, out_bankruptcy


# error_model="numpy": a division never checks for zero (every divisor here is guarded or a
# positive price), so no branch to a ZeroDivisionError in the per-position loops
move_for_flow = njit(error_model="numpy")(move_for_flow_py)
fixed_point = njit(error_model="numpy")(fixed_point_py)
stepper = njit(error_model="numpy")(stepper_py)
prepare_count = njit(error_model="numpy")(prepare_count_py)
prepare_place = njit(error_model="numpy")(prepare_place_py)

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
    "Layout",
    "Workspace",
    "counting_workspace",
    "fixed_point",
    "fixed_point_out",
    "fixed_point_py",
    "move_for_flow",
    "move_for_flow_py",
    "prepare_count",
    "prepare_count_py",
    "prepare_place",
    "prepare_place_py",
    "sized",
    "stepper",
    "stepper_py",
    "workspace",
]
