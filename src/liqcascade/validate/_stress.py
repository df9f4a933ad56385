"""Walk-forward score of the cascade stress test against each 4h bar's realized excursion.

Contract (the ``stress.<symbol>`` block of ``liqcascade validate --json``; all rates fractions):
``n, mae, mae_baseline, spearman, spearman_ci, coverage, auc, auc_vol_baseline,
share_over_10pct`` — see docs/validation.md for each definition.

For every 4h bar of the instrument opening in ``[start, end)`` the stress test is run as of
the bar's OPEN (only data closed by then), once with ``-shock`` (a fall) and once with
``+shock`` (a rally), with a few seeded Monte Carlo paths per side. The bar's realized
excursions are measured from its own open: ``down = (open - low) / open`` and
``up = (high - open) / open``. A bar *qualifies* when its adverse excursion reached the shock;
when both sides did, the larger one is its side. On qualifying bars (amplification = move /
shock, both as magnitudes):

* ``mae``: mean |predicted p50 move - realized excursion|;
* ``mae_baseline``: the same for ``c * shock``, ``c`` = median realized / shock over the
  qualifying bars strictly before (expanding window, from the first bar the store holds);
* ``spearman`` (+ 95 % bootstrap ``spearman_ci``): predicted vs realized amplification;
* ``coverage``: share whose realized excursion lies in the Monte Carlo p10-p90 of the move.

On every scored bar: ``auc`` scores each bar by its larger predicted |p50 move| (the fixed
shock, both sides) and asks how often a top-decile |excursion| bar outscores one of the calmer
half; ``auc_vol_baseline`` uses trailing 7-day realized volatility (std of the 42 previous
4h log returns) as the score instead; ``share_over_10pct``: share of bars where either side's
p50 |move| exceeds 10 %.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._time import to_utc
from liqcascade.validate._metrics import auc, coverage, mae, spearman, spearman_ci

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store
    from liqcascade.sim._config import StressModel

Progress = Callable[[int, int], None]  # (done, total)

DEFAULT_PATHS = 48
VOL_WINDOW = 42  # 7 days of 4h bars
_LEVELS = (0.10, 0.50, 0.90)


def _predict(
    state: Any, shock: float, *, model: StressModel, paths: int, seed: np.random.SeedSequence
) -> np.ndarray:
    """p10/p50/p90 of the move (signed fraction) from ``paths`` Monte Carlo paths at ``state``."""
    from liqcascade.sim._config import CascadeConfig, Shock
    from liqcascade.sim._montecarlo import METRICS, _Payload, run_block
    from liqcascade.sim._stress import regime_priors

    config = CascadeConfig()
    priors, _ = regime_priors(state, Shock(price_move=shock), model=model)
    rows = run_block(_Payload(state.positions, state.book, config, priors), (paths, seed))
    move = rows[:, 3 + METRICS.index("move_pct")]  # draws (3 columns), then METRICS
    return np.quantile(move, _LEVELS)


def trailing_vol(close: np.ndarray, window: int = VOL_WINDOW) -> np.ndarray:
    """Std of the ``window`` 4h log returns before each bar (NaN until known)."""
    ret = np.diff(np.log(close), prepend=np.nan)
    out = np.full(close.size, np.nan)
    for i in range(window + 1, close.size):
        out[i] = np.std(ret[i - window : i], ddof=1)
    return out


def _baseline_c(amp: np.ndarray, qualifies: np.ndarray) -> np.ndarray:
    """Median of ``amp`` over qualifying bars strictly before each bar (expanding)."""
    out = np.full(amp.size, np.nan)
    seen: list[float] = []
    for i in range(amp.size):
        if seen:
            out[i] = float(np.median(seen))
        if qualifies[i]:
            seen.append(float(amp[i]))
    return out


def score_predictions(
    frame: pd.DataFrame, *, shock: float, scored: np.ndarray, seed: int = 0
) -> dict[str, Any]:
    """Scores from per-bar predictions and realized excursions (the scorer's arithmetic).

    ``frame`` columns: ``down, up`` (realized excursions, magnitudes), ``fall_p10, fall_p50,
    fall_p90, rise_p10, rise_p50, rise_p90`` (predicted |move| quantiles per side, magnitudes),
    ``vol`` (trailing volatility). ``scored`` marks the bars in the window; earlier rows only
    feed the baseline's expanding median.
    """
    down = frame["down"].to_numpy(float)
    up = frame["up"].to_numpy(float)
    fall_side = down >= up
    realized = np.where(fall_side, down, up)
    qualifies = realized >= shock
    c = _baseline_c(realized / shock, qualifies)
    pick = {q: np.where(fall_side, frame[f"fall_{q}"], frame[f"rise_{q}"]) for q in
            ("p10", "p50", "p90")}  # fmt: skip
    q = scored & qualifies & np.isfinite(pick["p50"])
    pred_amp = pick["p50"][q] / shock
    real_amp = realized[q] / shock
    lo = np.minimum(pick["p10"][q], pick["p90"][q])
    hi = np.maximum(pick["p10"][q], pick["p90"][q])
    score = np.maximum(frame["fall_p50"].to_numpy(float), frame["rise_p50"].to_numpy(float))
    exc = np.maximum(down, up)
    ok = scored & np.isfinite(score) & np.isfinite(exc)
    top = ok & (exc >= np.quantile(exc[ok], 0.9)) if ok.any() else ok
    calm = ok & (exc <= np.quantile(exc[ok], 0.5)) if ok.any() else ok
    vol = frame["vol"].to_numpy(float)
    base_q = q & np.isfinite(c)
    return {
        "n": int(q.sum()),
        "bars": int(ok.sum()),
        "mae": mae(pick["p50"][q], realized[q]),
        "mae_baseline": mae(c[base_q] * shock, realized[base_q]),
        "spearman": spearman(pred_amp, real_amp),
        "spearman_ci": list(spearman_ci(pred_amp, real_amp, seed=seed)),
        "coverage": coverage(realized[q], lo, hi),
        "auc": auc(score[top], score[calm]),
        "auc_vol_baseline": auc(vol[top], vol[calm]),
        "share_over_10pct": float(np.mean(score[ok] > 0.10)) if ok.any() else float("nan"),
    }


def score_stress(
    store: Store,
    symbol: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    shock: float = 0.02,
    seed: int = 0,
    progress: Progress | None = None,
    paths: int = DEFAULT_PATHS,
    model: StressModel | None = None,
) -> dict[str, Any]:
    """Score ``stress`` run as of every 4h bar open in ``[start, end)`` (strictly as-of).

    Parameters
    ----------
    store
        A :class:`liqcascade.data.Store` with the instrument's 4h candles, all-exchange open
        interest and ±1 % depth.
    symbol
        ccxt symbol, e.g. ``BTC/USDT:USDT``.
    start, end
        Bars opening in ``[start, end)`` are scored.
    shock
        Shock size as a FRACTION (0.02 = 2 %), applied down and up.
    seed
        Root seed: bar ``i`` draws its paths from the ``i``-th spawned child.
    progress
        Called with ``(bars done, bars total)``.
    paths
        Monte Carlo paths per bar and side.
    model
        :class:`~liqcascade.sim.StressModel` (defaults as in ``stress``).

    Returns
    -------
    dict
        The scores (module docstring), ``skipped`` (bars without a state: warm-up or missing
        data), ``first_bar``, and ``detail``: per-bar lists (``time``, ``predicted_p10``,
        ``predicted_p50``, ``predicted_p90`` and ``realized``, on the bar's adverse side as
        signed fractions) for the model card.
    """
    from liqcascade.errors import InputError, NoDataError
    from liqcascade.sim._config import StressModel
    from liqcascade.sim._history import StressHistory
    from liqcascade.sim._stress import with_resilience

    if not 0 < shock < 1:
        raise InputError(f"shock={shock}; expected a FRACTION in (0, 1), e.g. 0.02 for 2 %")
    start_ts, end_ts = to_utc(start, "start"), to_utc(end, "end")
    model = model or StressModel()
    history = StressHistory(store, symbol, start=start_ts, end=end_ts, model=model)
    candles = history.candles
    times = candles["time"]
    vol = trailing_vol(candles["close"].to_numpy(float))
    frame = pd.DataFrame(
        {
            "time": times,
            "down": history.regime.down,
            "up": history.regime.up,
            "vol": vol,
        }
    )
    for col in ("fall_p10", "fall_p50", "fall_p90", "rise_p10", "rise_p50", "rise_p90"):
        frame[col] = np.nan
    in_window = ((times >= start_ts) & (times < end_ts)).to_numpy()
    rows = np.flatnonzero(in_window)
    children = np.random.SeedSequence(seed).spawn(max(len(rows), 1))
    skipped = 0
    for k, i in enumerate(rows):
        try:
            state = with_resilience(history.state(times.iloc[i]), model.resilience)
        except NoDataError:
            skipped += 1
        else:
            if np.isfinite(state.horizon_range):
                fall_seed, rise_seed = children[k].spawn(2)
                fall = _predict(state, -shock, model=model, paths=paths, seed=fall_seed)
                rise = _predict(state, shock, model=model, paths=paths, seed=rise_seed)
                frame.loc[i, ["fall_p10", "fall_p50", "fall_p90"]] = -fall
                frame.loc[i, ["rise_p10", "rise_p50", "rise_p90"]] = rise
            else:
                skipped += 1
        if progress is not None:
            progress(k + 1, len(rows))
    scored = in_window & frame["fall_p50"].notna().to_numpy()
    out = score_predictions(frame, shock=shock, scored=scored, seed=seed)
    out["shock"] = shock
    out["paths"] = paths
    out["skipped"] = skipped
    first = np.flatnonzero(scored)
    out["first_bar"] = times.iloc[first[0]].isoformat() if first.size else None
    out["detail"] = _detail(frame[scored])
    return out


def _detail(frame: pd.DataFrame) -> dict[str, list]:
    fall = frame["down"] >= frame["up"]
    sign = np.where(fall, -1.0, 1.0)

    def side(q: str) -> np.ndarray:
        return sign * np.where(fall, frame[f"fall_{q}"], frame[f"rise_{q}"])

    return {
        "time": [t.isoformat() for t in frame["time"]],
        "predicted_p10": side("p10").tolist(),
        "predicted_p50": side("p50").tolist(),
        "predicted_p90": side("p90").tolist(),
        "realized": (sign * np.where(fall, frame["down"], frame["up"])).tolist(),
    }


__all__ = ["score_predictions", "score_stress", "trailing_vol"]
