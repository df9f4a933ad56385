"""The market regime a stress test starts in, read from 4h bars closed by the as-of time.

A cascade over the next bar does not start from a calm book: how far a given shock carries
depends on how much the market is moving anyway. Two numbers describe that, both from bars
that closed by ``asof`` (bar timestamps are open times):

* ``horizon_range``: the expected RMS high-low range of the coming 4h bar, a HAR-style
  forecast (Corsi 2009) on squared log ranges ``ln(H/L)^2``: the geometric mix
  ``d_week^(1 - w_bar - w_day) * d_day^w_day * d_bar^w_bar`` of the mean deseasonalised
  squared range over the trailing ``window`` bars (7 days), the last 6 bars (a day) and the
  last bar, times a seasonal factor for the coming bar's UTC hour and weekday/weekend (the
  mean ratio of each past bar's squared range to its own trailing mean, averaged over past
  bars of the same bucket and shrunk towards 1 with ``season_prior`` pseudo-bars). The
  weights :data:`HAR_WEIGHTS` were chosen on BTC perp 4h bars 2024-11-19 -> 2024-12-31,
  before any scored bar (docs/validation.md);
* ``overshoots(barrier)``: how far past bars went beyond a barrier they reached, in units of
  their own ``horizon_range``: ``(excursion - barrier) / horizon_range`` over every past
  bar-side (open->low for falls, open->high for rallies) whose excursion reached ``barrier``.

Both are computed for every bar at once (:func:`regime_table`), so the walk-forward scorer and
a single :func:`~liqcascade.sim.stress` call read the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from liqcascade._dated import DatedConstant
from liqcascade.sim._config import StressModel

WEEKEND = 5  # Saturday
# (last bar, last day) weights of the range forecast: least squared error of the log squared
# range on BTC perp 4h bars 2024-11-19 -> 2024-12-31 (grid of 0.1 steps), before any scored bar.
HAR_WEIGHTS = (0.3, 0.4)
WEEK_ONLY = (0.0, 0.0)
DATED_HAR_WEIGHTS = DatedConstant(
    name="HAR_WEIGHTS",
    value=HAR_WEIGHTS,
    known_from="2025-01-01",
    source="fitted on BTC perp 4h bars 2024-11-19 -> 2024-12-31",
    fallback=WEEK_ONLY,
    fallback_source="the trailing 7-day mean range alone",
)


def har_weights_at(asof: pd.Timestamp) -> tuple[tuple[float, float], tuple[str, ...]]:
    """The range forecast's weights known at ``asof`` (the 7-day mean alone before their date)."""
    return DATED_HAR_WEIGHTS.value_at(asof)


_MODEL = StressModel()  # the regime defaults are the StressModel's (one source)
DAY_BARS = 6
SHORT_FLOOR = 0.01  # a short window's squared range counts as at least 1 % of the week's


@dataclass(frozen=True)
class RegimeTable:
    """Per 4h bar (time = open): excursions, trailing range and the regime as of its open.

    ``horizon_range[i]`` uses bars ``< i`` only; ``down``/``up`` are bar ``i``'s own
    excursions (known once it closes).
    """

    time: np.ndarray  # datetime64[ns] (UTC) bar opens
    open: np.ndarray
    down: np.ndarray  # (open - low) / open
    up: np.ndarray  # (high - open) / open
    horizon_range: np.ndarray  # NaN until ``window`` bars are known

    def index_asof(self, asof: pd.Timestamp) -> int:
        """Number of bars closed by ``asof`` (bars ``[0, n)`` are known)."""
        closes = self.time + np.timedelta64(4, "h")
        return int(np.searchsorted(closes, asof.to_datetime64(), side="right"))


def _bucket(times: pd.DatetimeIndex) -> np.ndarray:
    return (times.hour // 4).to_numpy() * 2 + (times.day_of_week >= WEEKEND).astype(np.int64)


def _seasonal(ratio: np.ndarray, bucket: np.ndarray, prior: float) -> np.ndarray:
    """Per bar, the shrunk mean of ``ratio`` over EARLIER bars of its bucket (1 with none)."""
    out = np.ones(ratio.size)
    for b in np.unique(bucket):
        idx = np.flatnonzero(bucket == b)
        r = ratio[idx]
        ok = np.isfinite(r)
        csum = np.concatenate(([0.0], np.cumsum(np.where(ok, r, 0.0))))[:-1]
        cnt = np.concatenate(([0], np.cumsum(ok)))[:-1]
        out[idx] = (csum + prior) / (cnt + prior)
    return out


def _trailing_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Mean of ``x`` over the ``k`` entries before each index (NaN until ``k`` are known)."""
    csum = np.concatenate(([0.0], np.cumsum(x)))
    out = np.full(x.size, np.nan)
    if x.size > k:
        i = np.arange(k, x.size)
        out[k:] = (csum[i] - csum[i - k]) / k
    return out


def _har(deseason: np.ndarray, window: int, weights: tuple[float, float]) -> np.ndarray:
    """``week^(1 - wb - wd) * day^wd * bar^wb`` of the mean deseasonalised squared range."""
    week = _trailing_mean(deseason, window)
    day = _trailing_mean(deseason, min(DAY_BARS, window))
    bar = _trailing_mean(deseason, 1)
    w_bar, w_day = weights
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_day = np.maximum(day / week, SHORT_FLOOR)
        rel_bar = np.maximum(bar / week, SHORT_FLOOR)
        mix = week * rel_day**w_day * rel_bar**w_bar
    return np.where(week > 0, mix, week)


def regime_table(
    bars: pd.DataFrame,
    *,
    window: int = _MODEL.window_bars,
    season_prior: float = _MODEL.season_prior,
    weights: tuple[float, float] = HAR_WEIGHTS,
) -> RegimeTable:
    """Build the :class:`RegimeTable` of 4h ``bars`` (time, open, high, low, close; sorted).

    ``weights``: (last bar, last day) weights of the range forecast; ``(0, 0)`` gives the
    trailing ``window`` mean alone.
    """
    times = pd.DatetimeIndex(pd.to_datetime(bars["time"], utc=True))
    o = bars["open"].to_numpy(dtype=float)
    h = bars["high"].to_numpy(dtype=float)
    lo = bars["low"].to_numpy(dtype=float)
    rng2 = np.log(h / lo) ** 2
    trail = _trailing_mean(rng2, window)  # bar i excluded
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = rng2 / trail
    season = _seasonal(ratio, _bucket(times), season_prior)  # each bar's, known at its open
    expected = _har(rng2 / season, window, weights)
    return RegimeTable(
        time=times.tz_convert("UTC").tz_localize(None).to_numpy(),
        open=o,
        down=(o - lo) / o,
        up=(h - o) / o,
        horizon_range=np.sqrt(expected * season),
    )


def horizon_range_at(
    bars: pd.DataFrame,
    asof: pd.Timestamp,
    *,
    window: int = _MODEL.window_bars,
    season_prior: float = _MODEL.season_prior,
    weights: tuple[float, float] = HAR_WEIGHTS,
) -> float:
    """Expected RMS range of the 4h bar opening at ``asof`` from ``bars`` closed by then."""
    closed = bars[pd.to_datetime(bars["time"], utc=True) + pd.Timedelta("4h") <= asof]
    if len(closed) < window:
        return float("nan")
    ghost = pd.DataFrame(
        {"time": [asof], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]}
    )
    table = regime_table(
        pd.concat([closed[["time", "open", "high", "low", "close"]], ghost], ignore_index=True),
        window=window,
        season_prior=season_prior,
        weights=weights,
    )
    return float(table.horizon_range[-1])


EXPONENTS = (0.25, 0.5, 0.75, 1.0)


def _hits(table: RegimeTable, known: int, barrier: float) -> tuple[np.ndarray, np.ndarray]:
    # (overshoot beyond the barrier, range scale) of every past bar-side that reached it
    scale = table.horizon_range[:known]
    over, scales = [], []
    for exc in (table.down[:known], table.up[:known]):
        hit = (exc >= barrier) & np.isfinite(scale) & (scale > 0)
        over.append(exc[hit] - barrier)
        scales.append(scale[hit])
    return np.concatenate(over), np.concatenate(scales)


def overshoots(table: RegimeTable, known: int, barrier: float, exponent: float = 1.0) -> np.ndarray:
    """Overshoots beyond ``barrier`` of bars ``[0, known)`` over ``range ** exponent``, sorted.

    Both sides pooled (open->low for falls, open->high for rallies).
    """
    over, scale = _hits(table, known, barrier)
    return np.sort(over / scale**exponent)


# standard errors by which a fitted exponent must beat the diffusion's 1 (a one-SE rule)
EVIDENCE_T = 1.0


def fit_exponent(table: RegimeTable, known: int, barrier: float) -> float:
    """The exponent ``b`` of the overshoots' range scaling: 1 unless past bars show otherwise.

    The rule predicts a bar's overshoot as ``range ** b * median(overshoot / range ** b)``.
    ``b = 1`` is a diffusion's scaling (the overshoot past a barrier is proportional to the
    volatility); the exponent in :data:`EXPONENTS` with the least mean absolute error over
    bars ``[0, known)`` replaces it only when its per-bar error gain over ``b = 1`` is more
    than :data:`EVIDENCE_T` standard errors (a paired t-test), so a noise-level difference
    does not flip the scaling from bar to bar (0.25: overshoots hardly scale with the range).
    0 is never chosen: the prediction keeps the regime's ranking.
    """
    over, scale = _hits(table, known, barrier)
    if over.size < 3:
        return 1.0
    errors = {}
    for b in EXPONENTS:
        s = scale**b
        errors[b] = np.abs(over - s * np.median(over / s))
    best = min(EXPONENTS, key=lambda b: float(errors[b].mean()))
    gain = errors[1.0] - errors[best]
    stderr = float(gain.std(ddof=1)) / np.sqrt(gain.size)
    return float(best) if float(gain.mean()) > EVIDENCE_T * stderr else 1.0


def calibrated_overshoots(
    table: RegimeTable, known: int, shock: float, *, min_samples: int = 30, floor: float = 0.005
) -> tuple[np.ndarray, float, float]:
    """Overshoots beyond ``|shock|``, lowering the barrier (x0.8 steps) to get ``min_samples``.

    Returns the sample (in units of ``range ** exponent``), the barrier used and the exponent
    (:func:`fit_exponent`). Large shocks are rare on 4h bars; the standardised overshoot
    beyond a lower barrier stands in for them (a diffusion's overshoot past a barrier, in
    units of its range, hardly depends on the barrier).
    """
    barrier = abs(shock)
    while True:
        count = _hits(table, known, barrier)[0].size
        if count >= min_samples or barrier <= floor:
            exponent = fit_exponent(table, known, barrier)
            return overshoots(table, known, barrier, exponent), barrier, exponent
        barrier = max(barrier * 0.8, floor)


__all__ = [
    "DATED_HAR_WEIGHTS",
    "EVIDENCE_T",
    "EXPONENTS",
    "HAR_WEIGHTS",
    "RegimeTable",
    "calibrated_overshoots",
    "fit_exponent",
    "har_weights_at",
    "horizon_range_at",
    "overshoots",
    "regime_table",
]
