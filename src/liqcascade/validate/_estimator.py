"""Walk-forward score of the all-exchange liquidation estimator's p10–p90 band.

Contract (the ``estimator.<symbol>`` block of ``liqcascade validate --json``; rates fractions):
``n, coverage, below_p10, above_p90, median_log_bias`` — see docs/validation.md.

The truth is each 24h per-exchange snapshot's all-exchange figure (Coinglass ``All``), per
liquidated side. For every snapshot day ``D`` in ``[start, end)`` the estimator is fitted on the
snapshots of days strictly before ``D`` (all assets: the estimator pools thin assets) and asked
for the band of that snapshot's all-exchange figure from its Binance figure — the estimator's
per-bar input, measured over the same window. One case per (snapshot, liquidated side).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade.errors import NoDataError
from liqcascade.validate._metrics import coverage

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store

Progress = Callable[[int, int], None]  # (done, total)

DETAIL_COLUMNS = ["time", "side", "actual_usd", "reference_usd", "p10", "p50", "p90"]


def walk_forward_bands(
    snapshots: pd.DataFrame,
    asset: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Band of each snapshot's all-exchange figure, fitted on the days before its own.

    Parameters
    ----------
    snapshots
        24h per-exchange snapshot rows (``liquidations`` schema, any assets).
    asset
        Base asset scored (``BTC``); other assets only feed the fit.
    start, end
        Scored snapshots: ``start <= time < end`` (time = the snapshot window's open).
    progress
        Called as ``progress(done, total)`` after each scored day.

    Returns
    -------
    DataFrame with time, side, actual_usd, reference_usd, p10, p50, p90 (NaN where fewer
    earlier snapshots exist than the estimator needs).
    """
    from liqcascade.leverage._estimate import fit_ratios, fit_windows, predict_windows

    windows = fit_windows(snapshots)
    windows = windows[np.isfinite(windows["reference_usd"]) & (windows["all_usd"] > 0)]
    windows = windows.assign(day=windows["time"].dt.floor("1D")).reset_index(drop=True)
    usable = windows.dropna(subset=["log_ratio"])
    target = windows[
        (windows["symbol"] == asset) & (windows["time"] >= start) & (windows["time"] < end)
    ]
    days = np.sort(target["day"].unique())
    frames = []
    for done, day in enumerate(days, start=1):
        cases = target[target["day"] == day]
        try:
            ratios = fit_ratios(usable[usable["day"] < day])
            band = predict_windows(ratios, cases)
        except NoDataError:
            band = cases.assign(p10=np.nan, p50=np.nan, p90=np.nan)
        frames.append(band)
        if progress is not None:
            progress(done, len(days))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in DETAIL_COLUMNS})
    out = pd.concat(frames, ignore_index=True).rename(columns={"all_usd": "actual_usd"})
    return out[DETAIL_COLUMNS].sort_values(["time", "side"], kind="stable").reset_index(drop=True)


def band_scores(bands: pd.DataFrame) -> dict[str, Any]:
    """Score a band table (:func:`walk_forward_bands`): n, coverage, misses, median log bias.

    Cases without a band (too little history) are not scored.
    """
    scored = bands.dropna(subset=["p10", "p50", "p90", "actual_usd"])
    actual = scored["actual_usd"].to_numpy(dtype=float)
    p10, p50, p90 = (scored[c].to_numpy(dtype=float) for c in ("p10", "p50", "p90"))
    n = len(scored)
    if n == 0:
        nan = float("nan")
        return {"n": 0, "coverage": nan, "below_p10": nan, "above_p90": nan, "median_log_bias": nan}
    with np.errstate(divide="ignore"):
        log_bias = np.log(p50 / actual)
    return {
        "n": n,
        "coverage": coverage(actual, p10, p90),
        "below_p10": float(np.mean(actual < p10)),
        "above_p90": float(np.mean(actual > p90)),
        "median_log_bias": float(np.median(log_bias)),
    }


def score_estimator(
    store: Store,
    symbol: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score each day's all-exchange figure against a band fitted only on earlier data.

    Parameters
    ----------
    store
        A store with the 24h per-exchange liquidation snapshots (``load_sample`` has them).
    symbol
        ccxt symbol or asset (``BTC/USDT:USDT``, ``ETH``).
    start, end
        Scored snapshots ``start <= time < end`` (UTC).
    progress
        Called as ``progress(done, total)`` after each scored day.

    Returns
    -------
    dict with n (scored (snapshot, side) cases), coverage (share with p10 <= actual <= p90),
    below_p10, above_p90 (shares of misses), median_log_bias (median ``log(p50 / actual)``)
    and detail (per case: time, side, actual_usd, reference_usd, p10, p50, p90 as lists).
    """
    from liqcascade.data import base_asset

    snapshots = store.read("liquidations", interval="24h")
    bands = walk_forward_bands(
        snapshots, base_asset(symbol), start=start, end=end, progress=progress
    )
    out = band_scores(bands)
    out["detail"] = {
        "time": [t.isoformat() for t in bands["time"]],
        **{c: bands[c].tolist() for c in DETAIL_COLUMNS[1:]},
    }
    return out
