"""True liquidation volume: scale a venue's throttled per-bar feed to an all-exchange estimate.

The model, on DataFrames in the ``liquidations`` schema (see ``docs/leverage.md``):

1. Fit. Every 24h per-exchange snapshot (``interval == "24h"``) that carries both an
   all-exchange figure (``exchange == "all"``) and the reference venue's own figure
   (``exchange == "binance"``) gives one multiplier ``log(all / binance)`` per liquidated side:
   the same window, the same publisher, so the ratio is consistent even where the snapshot's
   window is not where its timestamp says. Multipliers are kept per (asset, side); an asset
   with fewer than ``MIN_ASSET_WINDOWS`` snapshots uses every asset's (pooled by side).
2. Scale. A bar's estimate at quantile q is ``reported * exp(Q_l(q)(log multipliers))``.
   The levels ``l(q)`` are recalibrated on the estimator's own out-of-time record: each
   earlier snapshot's rank (PIT) among the multipliers of the days before it; once
   ``MIN_PIT_CASES`` such ranks exist, ``l(q)`` is their q-quantile (pooled over assets and
   sides), else q itself. A band that was too narrow or leaned one way widens or shifts.
3. Clip. Liquidations close positions, so within a bar they cannot exceed the range of the
   all-exchange open interest (``high_usd - low_usd``) when that is known.
4. Floor. Nothing below what was reported: every quantile is at least the bar's reported sum
   (the floor wins over the clip), and a venue that reports every liquidation (Hyperliquid,
   daily) bounds its day's all-exchange total from below (:func:`complete_floor`).

No look-ahead: with ``asof`` only bars and snapshot windows CLOSED by ``asof`` are used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqcascade._time import closed_by, optional_utc, parse_interval
from liqcascade.errors import InputError, NoDataError

SIDES = ("long", "short")
QUANTILES = (0.1, 0.5, 0.9)
QUANTILE_NAMES = ("p10", "p50", "p90")
REFERENCE_EXCHANGE = "binance"
BAR = pd.Timedelta("4h")
SNAPSHOT = pd.Timedelta("24h")
DAY = pd.Timedelta("1D")
MIN_FIT_WINDOWS = 5  # snapshots per side needed to fit at all (pooled over assets)
MIN_ASSET_WINDOWS = 20  # snapshots per (asset, side) needed for an asset's own multipliers
MIN_PIT_CASES = 20  # out-of-time ranks needed before the quantile levels are recalibrated


@dataclass(frozen=True)
class ScaleRatios:
    """Fitted all-exchange / reference-venue log multipliers, by asset and liquidated side.

    ``windows`` holds one row per usable (snapshot, asset, side); ``log_ratios[side]`` the
    values pooled over assets. :meth:`quantiles` uses an asset's own values when it has at
    least ``MIN_ASSET_WINDOWS`` of them, else the pooled ones, at the quantile ``levels``
    (:func:`recalibrated_levels`; the nominal 0.1/0.5/0.9 until enough history exists).
    """

    log_ratios: dict[str, np.ndarray]
    windows: pd.DataFrame  # time, symbol, side, all_usd, reference_usd, log_ratio
    levels: tuple[float, float, float] = QUANTILES  # recalibrated p10/p50/p90 levels

    def values(self, side: str, symbol: str | None = None) -> np.ndarray:
        """Return the log multipliers that apply to ``symbol`` (pooled if it has too few)."""
        if symbol is not None:
            mine = self.windows.loc[
                (self.windows["side"] == side) & (self.windows["symbol"] == symbol), "log_ratio"
            ].to_numpy(dtype=float)
            if len(mine) >= MIN_ASSET_WINDOWS:
                return mine
        return self.log_ratios[side]

    def quantiles(self, side: str, symbol: str | None = None) -> np.ndarray:
        """Return the p10/p50/p90 log multipliers for ``side`` (and ``symbol``)."""
        return np.quantile(self.values(side, symbol), self.levels, method="hazen")


def bars_by_side(reported: pd.DataFrame) -> pd.DataFrame:
    """Pivot liquidation rows to one row per (time, symbol) with ``long`` and ``short`` USD.

    Parameters
    ----------
    reported
        Rows in the ``liquidations`` schema (one venue, one interval).

    Returns
    -------
    DataFrame with columns time, symbol, long, short (missing side = 0).
    """
    if reported.empty:
        return pd.DataFrame(
            {"time": pd.Series(dtype="datetime64[ns, UTC]"), "symbol": [], "long": [], "short": []}
        )
    bad = set(reported["liquidated_side"].dropna().unique()) - set(SIDES)
    if bad:
        raise InputError(
            f"liquidated_side has {sorted(bad)!r}; expected 'long' or 'short' (the side of the "
            "position that was closed, never the liquidation order's side)"
        )
    wide = reported.pivot_table(
        index=["time", "symbol"],
        columns="liquidated_side",
        values="notional_usd",
        aggfunc="sum",
        fill_value=0.0,
    )
    wide = wide.reindex(columns=list(SIDES), fill_value=0.0).reset_index()
    wide.columns.name = None
    return wide.sort_values(["time", "symbol"], kind="stable").reset_index(drop=True)


def fit_windows(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Pair each snapshot's all-exchange figure with the reference venue's in the same snapshot.

    Parameters
    ----------
    snapshots
        24h snapshot rows (``liquidations`` schema); rows of ``exchange == "all"`` and of the
        reference venue (``binance``) are used, matched on (time, symbol).

    Returns
    -------
    DataFrame with one row per (snapshot, asset, side): time, symbol, side, all_usd,
    reference_usd, log_ratio (``log(all / reference)``, at least 0 since the all-exchange
    figure includes the venue; NaN where either figure is missing or zero).
    """
    columns = ["time", "symbol", "side", "all_usd", "reference_usd", "log_ratio"]
    alls = bars_by_side(snapshots[snapshots["exchange"] == "all"])
    refs = bars_by_side(snapshots[snapshots["exchange"] == REFERENCE_EXCHANGE])
    paired = alls.merge(refs, on=["time", "symbol"], how="left", suffixes=("_all", "_ref"))
    if paired.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    frames = []
    for side in SIDES:
        total = paired[f"{side}_all"].to_numpy(dtype=float)
        ref = paired[f"{side}_ref"].to_numpy(dtype=float)
        ok = (total > 0) & (ref > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.where(ok, np.maximum(np.log(total / ref), 0.0), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "time": paired["time"],
                    "symbol": paired["symbol"],
                    "side": side,
                    "all_usd": total,
                    "reference_usd": ref,
                    "log_ratio": log_ratio,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["time", "symbol", "side"], kind="stable").reset_index(drop=True)


def fit_ratios(windows: pd.DataFrame) -> ScaleRatios:
    """Collect the usable log multipliers from :func:`fit_windows` output.

    Raises
    ------
    NoDataError
        Fewer than ``MIN_FIT_WINDOWS`` usable snapshots on a side.
    """
    usable = windows.dropna(subset=["log_ratio"])
    ratios = {}
    for side in SIDES:
        values = usable.loc[usable["side"] == side, "log_ratio"].to_numpy(dtype=float)
        if len(values) < MIN_FIT_WINDOWS:
            raise NoDataError(
                f"only {len(values)} 24h liquidation snapshots carry both an all-exchange and a "
                f"{REFERENCE_EXCHANGE} figure for {side}s; need at least {MIN_FIT_WINDOWS} to fit "
                "the multipliers (import liq_by_exchange_24h_snapshots, or load the sample)"
            )
        ratios[side] = values
    usable = usable.reset_index(drop=True)
    return ScaleRatios(
        log_ratios=ratios, windows=usable, levels=recalibrated_levels(out_of_time_ranks(usable))
    )


def out_of_time_ranks(windows: pd.DataFrame) -> np.ndarray:
    """Rank (PIT) of each window's multiplier among those of the UTC days before it.

    The reference set is what :meth:`ScaleRatios.values` would use on that day: the same
    side and asset with at least ``MIN_ASSET_WINDOWS`` earlier windows, else the same side
    pooled over assets; windows with fewer than ``MIN_FIT_WINDOWS`` earlier ones get no rank.

    Parameters
    ----------
    windows
        Usable rows of :func:`fit_windows` (finite ``log_ratio``).

    Returns
    -------
    The ranks in [0, 1] (``share below + half the share tied``), in no particular order.
    """
    # datetime64, not an object array of tz-aware Timestamps (N x N Python compares)
    day = windows["time"].dt.floor("1D").to_numpy(dtype="datetime64[ns]")
    x = windows["log_ratio"].to_numpy(dtype=float)
    side = pd.factorize(windows["side"])[0]  # integer codes: N x N compares of strings are slow
    symbol = pd.factorize(windows["symbol"])[0]
    earlier = day[None, :] < day[:, None]  # [i, j]: window j is from a day before window i's
    same_side = side[None, :] == side[:, None]
    own = earlier & same_side & (symbol[None, :] == symbol[:, None])
    pooled = earlier & same_side
    use_own = own.sum(axis=1) >= MIN_ASSET_WINDOWS
    ref = np.where(use_own[:, None], own, pooled)
    count = ref.sum(axis=1)
    below = (ref & (x[None, :] < x[:, None])).sum(axis=1)
    ties = (ref & (x[None, :] == x[:, None])).sum(axis=1)
    ok = count >= MIN_FIT_WINDOWS
    return (below[ok] + 0.5 * ties[ok]) / count[ok]


def recalibrated_levels(ranks: np.ndarray) -> tuple[float, float, float]:
    """Quantile levels that would have given the nominal p10/p50/p90 on past ranks.

    With ``MIN_PIT_CASES`` or more out-of-time ranks, level ``l(q)`` is their q-quantile: if
    15 % of past truths fell below the p10 of their day, the p10 moves down to where 10 %
    would have. Too few ranks: the nominal levels.
    """
    ranks = np.asarray(ranks, dtype=float)
    if len(ranks) < MIN_PIT_CASES:
        return QUANTILES
    low, mid, high = np.clip(np.quantile(ranks, QUANTILES), 0.0, 1.0)
    return (float(low), float(mid), float(high))


def predict_windows(ratios: ScaleRatios, windows: pd.DataFrame) -> pd.DataFrame:
    """Estimate each window's all-exchange figure from its reference-venue figure.

    Applies the fitted multipliers exactly as :func:`scale_bars` applies them to a bar (per
    asset and side, never below the reference figure). Used by the walk-forward check
    (``liqcascade.validate``), which fits ``ratios`` on earlier windows only.

    Parameters
    ----------
    ratios
        Multipliers fitted on other (earlier) windows.
    windows
        Rows of :func:`fit_windows`: time, symbol, side, reference_usd (all_usd is not read).

    Returns
    -------
    ``windows`` with p10, p50, p90 (USD estimates of ``all_usd``).
    """
    out = windows.copy()
    reference = out["reference_usd"].to_numpy(dtype=float)
    band = np.full((len(out), len(QUANTILES)), np.nan)
    for (side, symbol), rows in out.groupby(["side", "symbol"], sort=False).groups.items():
        idx = out.index.get_indexer(rows)
        band[idx] = np.exp(ratios.quantiles(side, symbol))[None, :] * reference[idx, None]
    band = np.maximum(band, reference[:, None])
    for k, name in enumerate(QUANTILE_NAMES):
        out[name] = band[:, k]
    return out


def oi_range_cap(open_interest: pd.DataFrame) -> pd.DataFrame:
    """Upper bound of liquidations per bar: the all-exchange open-interest range in USD.

    Returns
    -------
    DataFrame with columns time, symbol, cap_usd (``high_usd - low_usd``, at least 0).
    """
    cap = (open_interest["high_usd"] - open_interest["low_usd"]).clip(lower=0.0)
    return pd.DataFrame(
        {"time": open_interest["time"], "symbol": open_interest["symbol"], "cap_usd": cap}
    ).dropna()


def scale_bars(
    bars: pd.DataFrame, ratios: ScaleRatios, cap: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Turn reported per-bar liquidations into p10/p50/p90 all-exchange estimates by side.

    Each quantile is ``reported * multiplier``, clipped to the open-interest range, and never
    below ``reported`` (a reported figure is a measurement, the clip a bound: where the two
    disagree the data are off and the measurement wins).

    Parameters
    ----------
    bars
        Output of :func:`bars_by_side` for the reference feed.
    ratios
        Fitted multipliers.
    cap
        Optional output of :func:`oi_range_cap`, matched on (time, symbol).

    Returns
    -------
    DataFrame with time, symbol, reported_long_usd, reported_short_usd,
    estimated_{long,short}_{p10,p50,p90}, cap_usd (NaN if unknown), clipped (bool).
    """
    out = pd.DataFrame(
        {
            "time": bars["time"].to_numpy(),
            "symbol": bars["symbol"].to_numpy(),
            "reported_long_usd": bars["long"].to_numpy(dtype=float),
            "reported_short_usd": bars["short"].to_numpy(dtype=float),
        }
    )
    out["time"] = pd.to_datetime(out["time"], utc=True)
    if cap is not None and not cap.empty:
        out = out.merge(cap, on=["time", "symbol"], how="left")
    else:
        out["cap_usd"] = np.nan
    limit = out["cap_usd"].fillna(np.inf).to_numpy(dtype=float)
    symbols = out["symbol"].to_numpy()
    clipped = np.zeros(len(out), dtype=bool)
    for side in SIDES:
        reported = out[f"reported_{side}_usd"].to_numpy(dtype=float)
        multiplier = np.ones((len(out), len(QUANTILES)))
        for symbol in pd.unique(symbols):
            rows = symbols == symbol
            multiplier[rows] = np.exp(ratios.quantiles(side, symbol))
        for k, name in enumerate(QUANTILE_NAMES):
            raw = reported * multiplier[:, k]
            clipped |= raw > limit
            out[f"estimated_{side}_{name}"] = np.maximum(np.minimum(raw, limit), reported)
    out["clipped"] = clipped
    return out


def in_range(frame: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    """Rows of ``frame`` with ``start <= time < end`` (None = open), the bounds read as UTC."""
    start_ts, end_ts = optional_utc(start, "start"), optional_utc(end, "end")
    if start_ts is not None:
        frame = frame[frame["time"] >= start_ts]
    if end_ts is not None:
        frame = frame[frame["time"] < end_ts]
    return frame


def resample(estimates: pd.DataFrame, interval: str) -> pd.DataFrame:
    """Sum 4h estimates into coarser bars (every quantile scales by one common multiplier per
    asset and side, so the sum of quantiles is the quantile of the sum; the clip and the floors
    make it a close approximation)."""
    step = parse_interval(interval)
    if step == BAR:
        return estimates
    if step < BAR or step % BAR != pd.Timedelta(0):
        raise InputError(f"interval={interval!r}; expected a multiple of 4h such as 4h, 12h, 1d")
    values = [
        c for c in estimates.columns if c.startswith(("reported_", "estimated_")) or c == "cap_usd"
    ]
    out = (
        estimates.assign(time=estimates["time"].dt.floor(step))
        .groupby(["time", "symbol"], sort=True)[values]
        .sum(min_count=1)
        .reset_index()
    )
    flags = [c for c in ("clipped", "floored") if c in estimates.columns]
    grouped = estimates.assign(time=estimates["time"].dt.floor(step)).groupby(
        ["time", "symbol"], sort=True
    )
    for flag in flags:
        out[flag] = grouped[flag].any().to_numpy()
    return out


def estimate_frame(
    reported: pd.DataFrame,
    snapshots: pd.DataFrame,
    *,
    open_interest: pd.DataFrame | None = None,
    complete: pd.DataFrame | None = None,
    start: object = None,
    end: object = None,
    interval: str = "4h",
    asof: object = None,
) -> pd.DataFrame:
    """Estimate all-exchange liquidations per bar from DataFrames (the store-free core).

    Parameters
    ----------
    reported
        Reference-venue (Binance) 4h liquidation rows, ``liquidations`` schema; the assets to
        estimate. ``start``/``end`` cut the output.
    snapshots
        24h per-exchange snapshot rows (``liquidations`` schema; the ``all`` and ``binance``
        rows are used), any assets.
    open_interest
        Optional all-exchange 4h OI OHLC rows (``open_interest`` schema) for the upper bound.
    complete
        Optional daily rows of complete-reporting venues (Hyperliquid) for the lower bound.
    start, end
        Half-open output range ``start <= time < end`` (None = open).
    interval
        Output bar: 4h or a multiple of it.
    asof
        Use only bars and windows closed by this time (None = everything).

    Returns
    -------
    See :func:`scale_bars`; with ``complete``, also floor_usd and floored.
    """
    asof_ts = optional_utc(asof, "asof")
    if asof_ts is not None:  # no look-ahead: only bars and windows closed by asof
        reported = closed_by(reported, asof_ts, interval=BAR)
        snapshots = closed_by(snapshots, asof_ts, interval=SNAPSHOT)
        if open_interest is not None:
            open_interest = closed_by(open_interest, asof_ts, interval=BAR)
        if complete is not None:
            complete = closed_by(complete, asof_ts, interval=DAY)
    ratios = fit_ratios(fit_windows(snapshots))
    bars = bars_by_side(reported)
    bars = in_range(bars, start, end)
    cap = None
    if open_interest is not None and not open_interest.empty:
        cap = oi_range_cap(open_interest)
    estimates = scale_bars(bars.reset_index(drop=True), ratios, cap)
    if complete is not None and not complete.empty:
        estimates = complete_floor(estimates, complete)
    return resample(estimates, interval)


def complete_floor(estimates: pd.DataFrame, complete: pd.DataFrame) -> pd.DataFrame:
    """Raise each day's estimates to at least what complete-reporting venues published that day.

    A venue that reports every liquidation (Hyperliquid) gives a hard lower bound on the
    all-exchange total of its day. Where a day's estimate (long + short, at a quantile) is
    below it, every bar of that day is scaled up by the same factor, keeping the shape and the
    side split of the reference feed. Being a measurement, the floor wins over the
    open-interest clip.

    Parameters
    ----------
    estimates
        Output of :func:`scale_bars`.
    complete
        Daily rows (``liquidations`` schema, ``coverage == "complete"``, interval 1d) for the
        same assets; sides (``long``/``short``/``both``) are summed.

    Returns
    -------
    ``estimates`` with floor_usd (the day's complete total, NaN if none) and floored (bool).
    """
    daily = complete[complete["interval"] == "1d"]
    floor = (
        daily.assign(day=daily["time"].dt.floor("D"))
        .groupby(["day", "symbol"])["notional_usd"]
        .sum()
        .rename("floor_usd")
        .reset_index()
    )
    out = estimates.assign(day=estimates["time"].dt.floor("D"))
    out = out.merge(floor, on=["day", "symbol"], how="left")
    floored = np.zeros(len(out), dtype=bool)
    for name in QUANTILE_NAMES:
        cols = [f"estimated_{side}_{name}" for side in SIDES]
        day_total = out.groupby(["day", "symbol"])[cols].transform("sum").sum(axis=1)
        factor = (out["floor_usd"] / day_total).where(day_total > 0).fillna(1.0).clip(lower=1.0)
        floored |= factor.to_numpy() > 1.0
        for col in cols:
            out[col] = out[col].to_numpy(dtype=float) * factor.to_numpy()
    for side in SIDES:
        # Each quantile is scaled by its own day factor; keep p10 <= p50 <= p90 per bar.
        cols = [f"estimated_{side}_{name}" for name in QUANTILE_NAMES]
        out[cols] = np.maximum.accumulate(out[cols].to_numpy(dtype=float), axis=1)
    out["floored"] = floored
    return out.drop(columns="day")


def leave_one_out(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Estimate each snapshot's all-exchange figure from its Binance figure and the OTHER days.

    For every snapshot with both figures, the multipliers are refitted without any snapshot
    of the same UTC day (both assets), then applied to the snapshot's own Binance figure
    exactly as :func:`scale_bars` applies them to a bar (per asset, pooled if too few).

    Returns
    -------
    DataFrame with time, symbol, side, all_usd, reference_usd, p10, p50, p90 (estimates of
    ``all_usd``), log_error (``log(p50 / all_usd)``) and covered (p10 <= all_usd <= p90).
    """
    windows = fit_windows(snapshots).dropna(subset=["log_ratio"]).reset_index(drop=True)
    day = windows["time"].dt.floor("1D")
    rows = []
    fits: dict[pd.Timestamp, ScaleRatios] = {}  # one refit per left-out day, not per row
    for i, row in windows.iterrows():
        if day[i] not in fits:
            fits[day[i]] = fit_ratios(windows[day != day[i]])
        others = fits[day[i]]
        q = others.quantiles(row["side"], row["symbol"])
        p10, p50, p90 = np.maximum(row["reference_usd"] * np.exp(q), row["reference_usd"])
        rows.append(
            (
                row["time"],
                row["symbol"],
                row["side"],
                row["all_usd"],
                row["reference_usd"],
                p10,
                p50,
                p90,
            )
        )
    out = pd.DataFrame(
        rows,
        columns=["time", "symbol", "side", "all_usd", "reference_usd", "p10", "p50", "p90"],
    )
    out["log_error"] = np.log(out["p50"] / out["all_usd"])
    out["covered"] = (out["p10"] <= out["all_usd"]) & (out["all_usd"] <= out["p90"])
    return out
