"""Fused per-row kernel: every margin figure of a position in one pass (numba + readable twin).

``margin_rows_py`` is the readable twin: plain Python over rows, the same arithmetic as the numpy
path in ``_math.py`` (solve ``x + sigma*mm(x) = t`` in value space, tier by a short scan of the
table, which is increasing in ``h(floor_k)``). ``margin_rows`` is it compiled with
``numba.njit(parallel=True)``; without numba the wrapper uses the numpy path instead (never this
twin on large arrays). Kernels are dumb: they never raise, they write status codes.

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
    h_plus,
    h_minus,
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
        q = qty[0] if one_q else qty[i]
        e = entry[0] if one_e else entry[i]
        c = collateral[0] if one_c else collateral[i]
        omm = other_mm[0] if one_m else other_mm[i]
        oup = other_upnl[0] if one_u else other_upnl[i]
        ok = (
            (s == 1 or s == -1)
            and q > 0.0
            and e > 0.0
            and c >= 0.0
            and omm >= 0.0
            and math.isfinite(q)
            and math.isfinite(e)
            and math.isfinite(c)
            and math.isfinite(omm)
            and math.isfinite(oup)
        )
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
            for k in range(1, n_tiers):
                if floors[k] > x_entry:
                    break
                ke = k
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
                # h(floor_j) = floor_j*(1 + sigma*r_j) - sigma*cum_j increases with j: scan up;
                # h_plus/h_minus hold it for sigma = +1/-1, with h(last cap) appended.
                h = h_plus if sigma > 0.0 else h_minus
                k = -1
                for j in range(n_tiers):
                    if h[j] > t:
                        break
                    k = j
                kk = max(k, 0)
                r = mmrs[kk] + fee
                cum = cums[kk]
                if k == n_tiers - 1 and t >= h[n_tiers]:
                    out_lp[i] = nan
                    out_bp[i] = nan
                    out_mm[i] = nan
                    out_bracket[i] = 0
                    out_status[i] = BEYOND_LAST_BRACKET
                    continue
            x = (t + sigma * cum) / (1.0 + sigma * r)
            if k < 0 or x <= 0.0:
                status = NO_LIQUIDATION
                lp = math.inf if inverse else 0.0
                mm = nan
            else:
                lp = q * e / x if inverse else x / q
                mm = x * r - cum
                if not inverse and lp <= 0.0:
                    status = NO_LIQUIDATION
                    lp = 0.0
                    mm = nan
        out_lp[i] = lp
        out_mm[i] = mm if status == OK else nan
        out_bracket[i] = (max(k, 0) + 1) if status == OK else 0
        out_status[i] = status


margin_rows = njit(parallel=True)(margin_rows_py) if HAS_NUMBA else None


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
    out = {
        "liquidation_price": np.empty(n),
        "bankruptcy_price": np.empty(n),
        "maintenance_margin": np.empty(n),
        "margin_ratio": np.empty(n),
        "bracket": np.empty(n, dtype=np.int16),
        "status": np.empty(n, dtype=np.int8),
    }
    r = mmrs + fee
    bounds = np.append(floors, caps[-1:])
    h_plus = bounds * (1.0 + np.append(r, r[-1:])) - np.append(cums, cums[-1:])
    h_minus = bounds * (1.0 - np.append(r, r[-1:])) + np.append(cums, cums[-1:])
    kernel = margin_rows if (compiled and margin_rows is not None) else margin_rows_py
    kernel(
        side, qty, entry, collateral, other_mm, other_upnl, floors, caps, mmrs, cums,
        h_plus, h_minus, row_mmr, row_cum, use_row_rates, float(fee), inverse, mm_at_entry,
        out["liquidation_price"], out["bankruptcy_price"], out["maintenance_margin"],
        out["margin_ratio"], out["bracket"], out["status"],
    )  # fmt: skip
    return out
