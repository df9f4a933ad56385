"""The margin arithmetic, written once: readable per-row twins of the compiled kernels.

Every margin figure of the public functions comes from these two functions, run as they are
(small calls: no numba import) or compiled by ``_kernels`` (``margin_rows = njit(margin_rows_py)``,
from ``_api.KERNEL_MIN_ROWS`` rows on). The venue modules say what differs between venues (the
tier table and its basis, whether maintenance is valued at entry, the fee in the liquidation
price, inverse support); the arithmetic here takes those as arguments and never names a venue.
The Decimal oracle (``_oracle``) is the independent reference both are tested against.

``margin_rows_py``: liquidation and bankruptcy prices, maintenance margin, margin ratio, bracket
and status of a position. It solves "margin balance = maintenance margin" in value space:
``x`` is the position value in the margin currency (``qty * price`` linear, ``qty * entry /
price`` inverse), ``mm(x) = x * (mmr_k + fee) - cum_k`` in the tier ``k`` holding ``x``, and the
condition is ``x + sigma * mm(x) = t`` with ``sigma = -side``, ``t = qty*entry - side*avail``
(linear) or ``sigma = +side``, ``t = qty + side*avail`` (inverse), ``avail`` the collateral plus
other positions' unrealised PnL minus their maintenance margin. ``h(x) = x + sigma*mm(x)`` is
continuous and strictly increasing (``mmr < 1``), so the root's tier is the last ``j`` with
``h(floor_j) <= t`` (a short walk from the entry tier) and the root is closed-form in it:
``x = (t + sigma*cum) / (1 + sigma*r)`` - the fixed point the exchanges reach by re-evaluating
the bracket at the liquidation price, without iterating. Venues valuing maintenance at entry
(Bybit) use ``LP = entry - side*(avail - MM_entry)/qty`` (inverse: ``Q / (Q/entry +
side*(avail - MM_entry))``).

``margin_state_py``: maintenance margin, margin balance and ratio at a mark price.

Kernels are dumb: they never raise, they write status codes (those of
:class:`liqcascade.margin.Status`); the loop body is branch-light (validity in one expression,
tier counts without ``if``), which is where most of the compiled kernel's time went.
"""

from __future__ import annotations

import math

import numpy as np

# The parallel build swaps in numba's prange (``_kernels``); the twin runs plain ``range`` so
# running it never imports numba.
prange = range

OK, NO_LIQUIDATION, INVALID_INPUT, BELOW_MAINTENANCE, BEYOND_LAST_BRACKET = 0, 1, 2, 3, 4


# The kernels' helpers below are plain functions: ``_kernels`` registers them with numba
# (``jitable``) so the compiled kernels call them compiled into the loop; here they run as
# written.

# A position's six columns, as the kernels take them: side (int8), qty, entry, collateral,
# other_mm, other_upnl (float64); each of length n, or 1 for a scalar broadcast to every row.
Position = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
# Where a row's maintenance rate and amount come from: floors, mmrs and cums of the table, the
# per-row mmr and cum, and use_row_rates (True: the per-row columns, the table has one tier).
Rates = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]


def _at(a, i):
    # an input of length 1 stands for a scalar broadcast to every row (no n-sized copies)
    return a[0] if a.shape[0] == 1 else a[i]


def _position_at(position, i):
    """Row ``i`` of ``position``: (valid, side as a float, qty, entry, collateral, other_mm,
    other_upnl); valid is False for a non-finite value, a side other than +-1, qty or entry
    <= 0, or collateral or other_mm < 0."""
    side, qty, entry, collateral, other_mm, other_upnl = position
    s = _at(side, i)
    # float(): Python floats in the twin (inf - inf is a silent NaN); a no-op compiled
    q = float(_at(qty, i))
    e = float(_at(entry, i))
    c = float(_at(collateral, i))
    omm = float(_at(other_mm, i))
    oup = float(_at(other_upnl, i))
    # x - x is 0.0 for a finite x, NaN for inf or NaN: one test for all five inputs;
    # non-short-circuit & keeps this branch-free (it was a fifth of the kernel's time)
    finite = (q - q) + (e - e) + (c - c) + (omm - omm) + (oup - oup) == 0.0
    ok = finite & (s * s == 1) & (min(q, e) > 0.0) & (min(c, omm) >= 0.0)
    return ok, float(s), q, e, c, omm, oup


def _tier(x, floors):
    """Tier holding the value ``x``: the floors above the first at or below ``x``."""
    k = 0
    for j in range(1, floors.shape[0]):  # floors increase: count those at or below (no branch)
        k += floors[j] <= x
    return k


def _unsolved(i, status, out_lp, out_bp, out_mm, out_bracket, out_status):
    # a row with no liquidation price: NaN results, no bracket, the reason in its status
    out_lp[i] = math.nan
    out_bp[i] = math.nan
    out_mm[i] = math.nan
    out_bracket[i] = 0
    out_status[i] = status


def margin_rows_py(
    position,
    caps,
    h2,
    rates,
    fee,
    inverse,
    mm_at_entry,
    out_lp,
    out_bp,
    out_mm,
    out_ratio,
    out_bracket,
    out_status,
):
    """Fill the ``out_*`` arrays row by row (see module docstring; ``position``: a
    :data:`Position`, ``rates``: :data:`Rates`)."""
    n = out_lp.shape[0]
    n_tiers = caps.shape[0]
    floors, mmrs, cums, row_mmr, row_cum, use_row_rates = rates
    nan = math.nan
    for i in prange(n):
        ok, sf, q, e, c, omm, oup = _position_at(position, i)
        if not ok:
            out_ratio[i] = nan
            _unsolved(i, INVALID_INPUT, out_lp, out_bp, out_mm, out_bracket, out_status)
            continue
        x_entry = q if inverse else q * e
        # tier at entry value (for the validity check and entry-valued venues)
        ke = 0 if use_row_rates else _tier(x_entry, floors)
        r_e = (row_mmr[i] if use_row_rates else mmrs[ke]) + fee
        cum_e = row_cum[i] if use_row_rates else cums[ke]
        mm_entry = x_entry * r_e - cum_e
        avail = c - omm + oup
        balance = c + oup
        out_ratio[i] = (mm_entry + omm) / balance if balance > 0.0 else math.inf
        if inverse:
            out_bp[i] = q * e / (q + sf * balance) if q + sf * balance > 0.0 else math.inf
        else:
            out_bp[i] = max(e - sf * balance / q, 0.0)
        beyond = (not use_row_rates) and x_entry >= caps[n_tiers - 1]
        if beyond or avail <= mm_entry:
            status = BEYOND_LAST_BRACKET if beyond else BELOW_MAINTENANCE
            _unsolved(i, status, out_lp, out_bp, out_mm, out_bracket, out_status)
            continue
        status = OK
        if mm_at_entry:
            k = ke
            mm = mm_entry
            if inverse:
                den = q + sf * (avail - mm)
                lp = q * e / den if den > 0.0 else math.inf
                if den <= 0.0:
                    status = NO_LIQUIDATION
            else:
                lp = e - sf * (avail - mm) / q
                if lp <= 0.0:
                    lp = 0.0
                    status = NO_LIQUIDATION
        else:
            sigma = sf if inverse else -sf
            t = q + sf * avail if inverse else q * e - sf * avail
            if use_row_rates:
                k = 0
                r = row_mmr[i] + fee
                cum = row_cum[i]
            else:
                # h(floor_j) = floor_j*(1 + sigma*r_j) - sigma*cum_j increases with j; the tier
                # is the last j with h(floor_j) <= t. Row 0 of h2 holds h for sigma = +1, row 1
                # for -1, each with h(last cap) appended; selecting the row by index avoids a
                # branch on the (random) side.
                row = int(sigma < 0.0)
                # walk from the entry tier (the liquidation value is usually in it or next
                # to it, so the branches predict well); for non-decreasing h this is the
                # same index as counting all floors at or below t. NaN t: no tier.
                k = ke if t == t else -1
                while k >= 0 and h2[row, k] > t:
                    k -= 1
                while k < n_tiers - 1 and h2[row, k + 1] <= t:
                    k += 1
                kk = max(k, 0)
                r = mmrs[kk] + fee
                cum = cums[kk]
                if k == n_tiers - 1 and t >= h2[row, n_tiers]:
                    status = BEYOND_LAST_BRACKET
                    _unsolved(i, status, out_lp, out_bp, out_mm, out_bracket, out_status)
                    continue
            num = t + sigma * cum
            den = 1.0 + sigma * r
            x = num / den
            if k < 0 or x <= 0.0:
                status = NO_LIQUIDATION
                lp = math.inf if inverse else 0.0
                mm = nan
            else:
                # from num and den, not from x: two independent divisions instead of a chain
                lp = q * e * den / num if inverse else num / (den * q)
                mm = x * r - cum
                if not inverse and lp <= 0.0:
                    status = NO_LIQUIDATION
                    lp = 0.0
                    mm = nan
        out_lp[i] = lp
        out_mm[i] = mm if status == OK else nan
        out_bracket[i] = (max(k, 0) + 1) if status == OK else 0
        out_status[i] = status


def margin_state_py(
    position,
    mark,
    rates,
    fee,
    inverse,
    mm_at_entry,
    cap,
    out_mm,
    out_balance,
    out_ratio,
    out_liquidatable,
    out_status,
):
    """Fill the ``out_*`` arrays: margin of each position at ``mark`` (see module docstring).

    ``out_mm`` includes ``other_mm``; ``out_balance`` is ``collateral + other_upnl`` plus the
    position's unrealised PnL at ``mark``. A value at ``mark`` at or above ``cap`` (the last
    bracket's cap, ``inf`` for no check) is ``BEYOND_LAST_BRACKET``.
    """
    n = out_mm.shape[0]
    floors, mmrs, cums, row_mmr, row_cum, use_row_rates = rates
    one_p = mark.shape[0] == 1
    nan = math.nan
    for i in prange(n):
        ok, sf, q, e, c, omm, oup = _position_at(position, i)
        p = float(mark[0] if one_p else mark[i])
        status = INVALID_INPUT
        x = nan
        if ok & (p - p == 0.0) & (p > 0.0):
            x_entry = q if inverse else q * e  # value at entry (Bybit values maintenance there)
            x_mark = q * e / p if inverse else q * p
            x = x_entry if mm_at_entry else x_mark
            status = OK if x < cap else BEYOND_LAST_BRACKET
        if status != OK:
            out_mm[i] = nan
            out_balance[i] = nan
            out_ratio[i] = nan
            out_liquidatable[i] = False
            out_status[i] = status
            continue
        k = 0 if use_row_rates else _tier(x, floors)
        r = (row_mmr[i] if use_row_rates else mmrs[k]) + fee
        cum = row_cum[i] if use_row_rates else cums[k]
        mm = x * r - cum + omm
        pnl = sf * q * (1.0 - e / p) if inverse else sf * q * (p - e)
        balance = c + oup + pnl
        out_mm[i] = mm
        out_balance[i] = balance
        out_ratio[i] = mm / balance if balance > 0.0 else math.inf
        out_liquidatable[i] = balance <= mm
        out_status[i] = OK


def thresholds(
    floors: np.ndarray, caps: np.ndarray, mmrs: np.ndarray, cums: np.ndarray, fee: float
):
    """``h(floor_j)`` per tier (and ``h`` of the last cap) for sigma = +1 (row 0) and -1 (row 1)."""
    r = mmrs + fee
    bounds = np.append(floors, caps[-1:])
    h2 = np.empty((2, bounds.shape[0]))
    h2[0] = bounds * (1.0 + np.append(r, r[-1:])) - np.append(cums, cums[-1:])  # sigma = +1
    h2[1] = bounds * (1.0 - np.append(r, r[-1:])) + np.append(cums, cums[-1:])  # sigma = -1
    return h2


def _outputs(n: int, floats: tuple[str, ...], **others: type) -> dict[str, np.ndarray]:
    """Output arrays of ``n`` rows: ``floats`` (float64), then ``others`` (name=dtype).

    The float outputs are rows of one block: numpy asks the kernel for huge pages on
    allocations of 4 MiB and more, and first-touch page faults on fresh output memory cost
    about a third of a large call otherwise (bench/margin.py).
    """
    block = np.empty((len(floats), n))
    out = {name: block[k] for k, name in enumerate(floats)}
    out.update({name: np.empty(n, dtype=dtype) for name, dtype in others.items()})
    return out


def run(
    position: Position,
    caps: np.ndarray,
    rates: Rates,
    *,
    n: int | None = None,
    fee: float,
    inverse: bool,
    mm_at_entry: bool,
    compiled: bool = True,
) -> dict[str, np.ndarray]:
    """Allocate outputs and fill them with the compiled kernel, or the twin (``compiled=False``).

    ``position`` (:data:`Position`) and the rate columns of ``rates`` (:data:`Rates`) are 1-D
    float64 (side int8) of length ``n`` or 1 (a scalar for every row).
    """
    if n is None:
        n = max(a.shape[0] for a in position)
    floats = ("liquidation_price", "bankruptcy_price", "maintenance_margin", "margin_ratio")
    out = _outputs(n, floats, bracket=np.int16, status=np.int8)
    kernel = margin_rows_py
    if compiled:
        from liqcascade._compat.numba import readonly
        from liqcascade.margin import _kernels

        big = n >= _kernels.PARALLEL_MIN_ROWS
        kernel = _kernels.margin_rows_parallel if big else _kernels.margin_rows
        position, caps, rates = readonly((position, caps, rates))  # one compile (readonly)
    floors, mmrs, cums = rates[0], rates[1], rates[2]
    kernel(
        position, caps, thresholds(floors, caps, mmrs, cums, fee), rates, float(fee), inverse,
        mm_at_entry,
        out["liquidation_price"], out["bankruptcy_price"], out["maintenance_margin"],
        out["margin_ratio"], out["bracket"], out["status"],
    )  # fmt: skip
    return out


def run_state(
    position: Position,
    mark: np.ndarray,
    rates: Rates,
    *,
    n: int,
    fee: float,
    inverse: bool,
    mm_at_entry: bool,
    cap: float,
    compiled: bool = True,
) -> dict[str, np.ndarray]:
    """Allocate outputs and fill them with :func:`margin_state_py`, compiled or not."""
    floats = ("maintenance_margin", "margin_balance", "margin_ratio")
    out = _outputs(n, floats, liquidatable=np.bool_, status=np.int8)
    kernel = margin_state_py
    if compiled:
        from liqcascade._compat.numba import readonly
        from liqcascade.margin import _kernels

        kernel = _kernels.margin_state
        position, mark, rates = readonly((position, mark, rates))  # one compile (readonly)
    kernel(
        position, mark, rates, float(fee), inverse, mm_at_entry, float(cap),
        out["maintenance_margin"], out["margin_balance"], out["margin_ratio"],
        out["liquidatable"], out["status"],
    )  # fmt: skip
    return out
