"""Fused per-row kernel: every margin figure of a position in one pass (numba + readable twin).

``margin_rows_py`` is the readable twin: plain Python over rows, the same arithmetic as the numpy
path in ``_math.py`` (solve ``x + sigma*mm(x) = t`` in value space, tier by a short walk from the
entry tier over the table, which is increasing in ``h(floor_k)``). ``margin_rows`` is it
compiled with ``numba.njit`` (one thread), ``margin_rows_parallel`` with ``parallel=True`` for
calls of ``PARALLEL_MIN_ROWS`` rows or more; without numba both names are the twin itself and
the wrapper uses the numpy path instead (never the twin on large arrays). Kernels are dumb:
they never raise, they write status codes. The loop body is written to be branch-light (the
tier counts and the side's table row are selected without ``if``), which is where most of its
time went.

Status codes match :class:`liqcascade.margin.Status`.
"""

from __future__ import annotations

import math

import numpy as np

from liqcascade._compat.numba import HAS_NUMBA, njit, prange

OK, NO_LIQUIDATION, INVALID_INPUT, BELOW_MAINTENANCE, BEYOND_LAST_BRACKET = 0, 1, 2, 3, 4


def margin_rows_py(
    side,
    qty,
    entry,
    collateral,
    other_mm,
    other_upnl,
    floors,
    caps,
    mmrs,
    cums,
    h2,
    row_mmr,
    row_cum,
    use_row_rates,
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
    """Fill the ``out_*`` arrays row by row (see module docstring)."""
    n = out_lp.shape[0]
    n_tiers = floors.shape[0]
    # inputs of length 1 stand for a scalar broadcast to every row (no n-sized copies)
    one_s, one_q, one_e = side.shape[0] == 1, qty.shape[0] == 1, entry.shape[0] == 1
    one_c, one_m, one_u = collateral.shape[0] == 1, other_mm.shape[0] == 1, other_upnl.shape[0] == 1
    nan = math.nan
    for i in prange(n):
        s = side[0] if one_s else side[i]
        # float(): Python floats in the twin (inf - inf is a silent NaN); a no-op compiled
        q = float(qty[0] if one_q else qty[i])
        e = float(entry[0] if one_e else entry[i])
        c = float(collateral[0] if one_c else collateral[i])
        omm = float(other_mm[0] if one_m else other_mm[i])
        oup = float(other_upnl[0] if one_u else other_upnl[i])
        # x - x is 0.0 for a finite x, NaN for inf or NaN: one test for all five inputs;
        # non-short-circuit & keeps this branch-free (it was a fifth of the kernel's time)
        finite = (q - q) + (e - e) + (c - c) + (omm - omm) + (oup - oup) == 0.0
        ok = finite & (s * s == 1) & (min(q, e) > 0.0) & (min(c, omm) >= 0.0)
        if not ok:
            out_lp[i] = nan
            out_bp[i] = nan
            out_mm[i] = nan
            out_ratio[i] = nan
            out_bracket[i] = 0
            out_status[i] = INVALID_INPUT
            continue
        sf = float(s)
        x_entry = q if inverse else q * e
        # tier at entry value (for the validity check and entry-valued venues)
        ke = 0
        if not use_row_rates:
            for k in range(1, n_tiers):  # floors increase: count those at or below (no branch)
                ke += floors[k] <= x_entry
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
            out_lp[i] = nan
            out_bp[i] = nan
            out_mm[i] = nan
            out_bracket[i] = 0
            out_status[i] = BEYOND_LAST_BRACKET if beyond else BELOW_MAINTENANCE
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
                    out_lp[i] = nan
                    out_bp[i] = nan
                    out_mm[i] = nan
                    out_bracket[i] = 0
                    out_status[i] = BEYOND_LAST_BRACKET
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


# Serial by default: per call numba's parallel region costs thread wake-up and, on a shared
# machine, waits for the busiest core; measured on the 2-core dev machine under load it was
# slower than one thread (docs/margin.md). Very large calls use the parallel build, compiled
# on first use and not cached to disk (one cache file per function would be shared by both).
# error_model="numpy": a division never checks for zero (every divisor here is guarded).
# The house convention (STYLE.md 3): kernel = njit(twin); without numba (or with
# LIQCASCADE_DISABLE_NUMBA=1) njit returns the twin itself and HAS_NUMBA is False.
margin_rows = njit(error_model="numpy")(margin_rows_py)
margin_rows_parallel = njit(parallel=True, error_model="numpy", cache=False)(margin_rows_py)
PARALLEL_MIN_ROWS = 2_000_000


def run(
    side: np.ndarray,
    qty: np.ndarray,
    entry: np.ndarray,
    collateral: np.ndarray,
    other_mm: np.ndarray,
    other_upnl: np.ndarray,
    floors: np.ndarray,
    caps: np.ndarray,
    mmrs: np.ndarray,
    cums: np.ndarray,
    row_mmr: np.ndarray,
    row_cum: np.ndarray,
    *,
    n: int | None = None,
    use_row_rates: bool,
    fee: float,
    inverse: bool,
    mm_at_entry: bool,
    compiled: bool = True,
) -> dict[str, np.ndarray]:
    """Allocate outputs and call the compiled kernel (or the twin with ``compiled=False``).

    Inputs are 1-D float64 (side int8) of length ``n`` or 1 (a scalar for every row).
    """
    if n is None:
        n = max(a.shape[0] for a in (side, qty, entry, collateral, other_mm, other_upnl))
    # The four float outputs are rows of one block: numpy asks the kernel for huge pages on
    # allocations of 4 MiB and more, and first-touch page faults on fresh output memory cost
    # about a third of a large call otherwise (bench/margin.py).
    block = np.empty((4, n))
    out = {
        "liquidation_price": block[0],
        "bankruptcy_price": block[1],
        "maintenance_margin": block[2],
        "margin_ratio": block[3],
        "bracket": np.empty(n, dtype=np.int16),
        "status": np.empty(n, dtype=np.int8),
    }
    r = mmrs + fee
    bounds = np.append(floors, caps[-1:])
    h2 = np.empty((2, bounds.shape[0]))
    h2[0] = bounds * (1.0 + np.append(r, r[-1:])) - np.append(cums, cums[-1:])  # sigma = +1
    h2[1] = bounds * (1.0 - np.append(r, r[-1:])) + np.append(cums, cums[-1:])  # sigma = -1
    if not (compiled and HAS_NUMBA):
        kernel = margin_rows_py
    elif n >= PARALLEL_MIN_ROWS:
        kernel = margin_rows_parallel
    else:
        kernel = margin_rows
    kernel(
        side, qty, entry, collateral, other_mm, other_upnl, floors, caps, mmrs, cums,
        h2, row_mmr, row_cum, use_row_rates, float(fee), inverse, mm_at_entry,
        out["liquidation_price"], out["bankruptcy_price"], out["maintenance_margin"],
        out["margin_ratio"], out["bracket"], out["status"],
    )  # fmt: skip
    return out
