"""Out-of-sample check of the map: predicted vs estimated liquidations per bar, vs the ladder.

For each 4h bar the book built from the bars BEFORE it (the kernel is causal) meets the bar's
high/low; what it removes is the bar's predicted liquidation. Predictions are compared with the
estimated all-exchange liquidations (:mod:`._estimate`) on the same bars, for the map and for
the naive fixed ladder run through the same book.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqcascade._time import to_utc
from liqcascade.leverage._config import MapConfig
from liqcascade.leverage._map import map_from_frames

SIDES = ("long", "short")


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation: Pearson's r of the average ranks (ties share a rank)."""
    return float(pd.Series(a).rank().corr(pd.Series(b).rank()))


def _scores(pred: np.ndarray, est: pd.DataFrame, side_cols: dict[str, str]) -> dict[str, float]:
    p50 = est[side_cols["p50"]].to_numpy(dtype=float)
    p10 = est[side_cols["p10"]].to_numpy(dtype=float)
    p90 = est[side_cols["p90"]].to_numpy(dtype=float)
    both = (pred > 0) & (p50 > 0)
    return {
        "bars": float(len(pred)),
        "spearman": _spearman(pred, p50),
        "median_log_ratio": float(np.median(np.log(pred[both] / p50[both])))
        if both.any()
        else float("nan"),
        "total_ratio": float(pred.sum() / p50.sum()) if p50.sum() > 0 else float("nan"),
        "in_band": float(np.mean((pred >= p10) & (pred <= p90))),
    }


def compare_with_ladder(
    candles: pd.DataFrame,
    open_interest: pd.DataFrame,
    estimates: pd.DataFrame,
    *,
    symbol: str,
    start: object,
    end: object,
    long_short: pd.DataFrame | None = None,
    funding: pd.DataFrame | None = None,
    config: MapConfig | None = None,
    burn_in_days: float = 30.0,
) -> pd.DataFrame:
    """Score the map and the fixed ladder on the same bars in ``[start, end)``.

    Parameters
    ----------
    candles, open_interest, long_short, funding
        As for :func:`~liqcascade.leverage._map.map_from_frames`.
    estimates
        Output of ``estimate_frame`` for the asset (time, estimated_{side}_{p10,p50,p90}).
    start, end
        Bars scored; the book starts ``burn_in_days`` before ``start`` so it is not empty.

    Returns
    -------
    One row per (model, side) and (model, "both"): bars, spearman, median_log_ratio
    (calibration: 0 is unbiased), total_ratio, in_band (share of bars inside p10..p90).
    """
    config = config or MapConfig()
    start_ts, end_ts = to_utc(start, "start"), to_utc(end, "end")
    lookback = (end_ts - start_ts) / pd.Timedelta(days=1) + burn_in_days
    config = config.model_copy(update={"lookback_days": lookback, "grid_days": 1.0})
    rows = []
    for model, ladder in (("map", False), ("ladder", True)):
        result = map_from_frames(
            candles,
            open_interest,
            symbol=symbol,
            asof=end_ts,
            long_short=long_short,
            funding=funding,
            config=config,
            ladder=ladder,
        )
        bars = result.bars[result.bars["time"] >= start_ts]
        joined = bars.merge(estimates, on="time", how="inner")
        preds = {}
        for side in SIDES:
            cols = {q: f"estimated_{side}_{q}" for q in ("p10", "p50", "p90")}
            preds[side] = joined[f"liquidated_{side}_usd"].to_numpy(dtype=float)
            rows.append({"model": model, "side": side, **_scores(preds[side], joined, cols)})
        stacked = pd.concat(
            [
                joined[[f"estimated_{s}_{q}" for q in ("p10", "p50", "p90")]].set_axis(
                    ["p10", "p50", "p90"], axis=1
                )
                for s in SIDES
            ],
            ignore_index=True,
        )
        pred = np.concatenate([preds[s] for s in SIDES])
        cols = {"p10": "p10", "p50": "p50", "p90": "p90"}
        rows.append({"model": model, "side": "both", **_scores(pred, stacked, cols)})
    return pd.DataFrame(rows)
