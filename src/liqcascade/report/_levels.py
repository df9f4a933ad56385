"""Price levels: week-to-date change and its rank, round numbers, moving average, 30-day range.

All functions take daily bars indexed by their UTC open time (columns open/high/low/close),
already cut at the as-of close; the ``assets.<X>`` block of report.json is an
:class:`AssetLevels` (or :class:`AssetUnavailable`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from liqcascade.report._window import DAY, ReportWindow


@dataclass(frozen=True)
class WeekChange:
    """Week open (Monday's open), as-of close and the change between them (FRACTION)."""

    week_open: float
    close: float
    change: float


@dataclass(frozen=True)
class SteepestSince:
    """The latest earlier week whose same span fell as much (``date`` None: none did)."""

    date: str | None
    change: float | None
    rule: str
    note: str


@dataclass(frozen=True)
class RangePosition:
    """The high-low range of the last ``days`` daily bars; ``position`` 0 = low, 1 = high."""

    low: float
    high: float
    position: float
    days: int


@dataclass(frozen=True)
class AssetLevels:
    """``assets.<X>``: week change, its rank, round levels broken, 100-day average, range."""

    series: str
    available: bool = field(default=True, init=False)
    week_open: float
    close: float
    week_change_pct: float  # FRACTION
    week_low: float
    week_high: float
    steepest_since: SteepestSince
    ma100: float | None
    below_ma100: bool | None
    supports_broken: tuple[float, ...]
    round_step: float
    range_30d: RangePosition | None


@dataclass(frozen=True)
class AssetUnavailable:
    """An asset whose daily bars lack the week's Monday or the as-of day."""

    series: str
    available: bool = field(default=False, init=False)
    reason: str


def round_step(price: float) -> float:
    """Spacing of "round-number" levels near ``price``: the power of ten below ``price / 2``.

    ETH near 4,400 -> 1,000 (levels 4,000, 3,000); BTC near 115,000 -> 10,000 (110,000,
    100,000); a total market cap near 4 T -> 1 T.
    """
    if not price > 0 or not math.isfinite(price):
        return float("nan")
    return 10.0 ** math.floor(math.log10(price / 2.0))


def levels_crossed_down(start: float, end: float, step: float) -> list[float]:
    """Round levels ``k * step`` strictly between ``end`` and ``start`` (descending)."""
    if not (end < start) or not step > 0:
        return []
    top = math.ceil(start / step) - 1
    bottom = math.floor(end / step) + 1
    return [float(k * step) for k in range(top, bottom - 1, -1) if k > 0]


def week_change(daily: pd.DataFrame, window: ReportWindow) -> WeekChange | None:
    """Week open (Monday's open), as-of close and the change between them as a FRACTION."""
    if window.week_start not in daily.index or window.asof not in daily.index:
        return None
    week_open = float(daily.at[window.week_start, "open"])
    close = float(daily.at[window.asof, "close"])
    return WeekChange(week_open=week_open, close=close, change=close / week_open - 1.0)


def same_span_changes(daily: pd.DataFrame, window: ReportWindow) -> pd.Series:
    """Change from Monday open to the same weekday's close for every complete earlier week.

    Index: the Monday of each week. This is the yardstick for "steepest drop since".
    """
    offset = pd.Timedelta(days=window.days_into_week - 1)
    mondays = daily.index[(daily.index.day_of_week == 0) & (daily.index < window.week_start)]
    ends = mondays + offset
    present = ends.isin(daily.index)
    mondays, ends = mondays[present], ends[present]
    opens = daily.loc[mondays, "open"].to_numpy(dtype=float)
    closes = daily.loc[ends, "close"].to_numpy(dtype=float)
    return pd.Series(closes / opens - 1.0, index=mondays)


def steepest_since(daily: pd.DataFrame, window: ReportWindow, change: float) -> SteepestSince:
    """Latest earlier week whose same span fell at least as much ("steepest drop since").

    Returns ``date`` (that week's Monday, ISO) or None, with ``rule`` and ``note`` in words.
    """
    span = f"Monday open to {window.asof:%A} close"
    rule = (
        f"this week's {span} change compared with the same span ({span}) of every earlier "
        "week in the data; the answer is the latest earlier week that fell as much or more"
    )
    history = same_span_changes(daily, window)
    if change >= 0:
        return SteepestSince(date=None, change=None, rule=rule, note="no drop this week")
    worse = history[history <= change]
    if worse.empty:
        first = history.index.min()
        first_text = f"{first:%Y-%m-%d}" if len(history) else "the start of the data"
        note = f"steepest in the data (weeks since {first_text})"
        return SteepestSince(date=None, change=None, rule=rule, note=note)
    when = worse.index.max()
    return SteepestSince(date=f"{when:%Y-%m-%d}", change=float(worse.loc[when]), rule=rule, note="")


def moving_average(daily: pd.DataFrame, days: int = 100) -> float | None:
    """Simple moving average of the last ``days`` daily closes (None if fewer bars exist)."""
    closes = daily["close"].dropna()
    if len(closes) < days:
        return None
    return float(closes.iloc[-days:].mean())


def range_position(
    daily: pd.DataFrame, window: ReportWindow, days: int = 30
) -> RangePosition | None:
    """Where the as-of close sits in the high-low range of the last ``days`` daily bars.

    0 = at the range low, 1 = at the range high.
    """
    recent = daily.loc[(daily.index > window.asof - days * DAY) & (daily.index <= window.asof)]
    if recent.empty:
        return None
    low, high = float(recent["low"].min()), float(recent["high"].max())
    close = float(recent["close"].iloc[-1])
    position = (close - low) / (high - low) if high > low else float("nan")
    return RangePosition(low=low, high=high, position=position, days=days)


def asset_levels(
    daily: pd.DataFrame, window: ReportWindow, *, series: str
) -> AssetLevels | AssetUnavailable:
    """The ``assets.<X>`` block of report.json for one asset's daily bars (named ``series``)."""
    change = week_change(daily, window)
    if change is None:
        reason = "no daily bar for the week's Monday or the as-of day"
        return AssetUnavailable(series=series, reason=reason)
    week = daily.loc[window.week_start : window.asof]
    step = round_step(change.week_open)
    ma100 = moving_average(daily, 100)
    return AssetLevels(
        series=series,
        week_open=change.week_open,
        close=change.close,
        week_change_pct=change.change,
        week_low=float(week["low"].min()),
        week_high=float(week["high"].max()),
        steepest_since=steepest_since(daily, window, change.change),
        ma100=ma100,
        below_ma100=None if ma100 is None else bool(change.close < ma100),
        supports_broken=tuple(levels_crossed_down(change.week_open, change.close, step)),
        round_step=step,
        range_30d=range_position(daily, window, 30),
    )


def lowest_since(values: pd.Series, asof_value: float) -> str | None:
    """Date of the latest earlier value at or below ``asof_value`` ("lowest since"), ISO."""
    earlier = values.iloc[:-1]
    hit = earlier[earlier <= asof_value]
    if hit.empty:
        return None
    return f"{hit.index.max():%Y-%m-%d}"


@dataclass(frozen=True)
class WeekLow:
    """The week's lowest value, its day, and the latest earlier day at or below it (or None)."""

    week_low: float
    week_low_date: str
    since: str | None


def week_low_since(
    values: pd.Series, week_start: pd.Timestamp, cutoff: pd.Timestamp
) -> WeekLow | None:
    """The week's lowest value and the latest day BEFORE the week at or below it.

    "Lowest since D" is judged on the week's low against the history before the week, so a
    dip on Tuesday is not "the lowest since Monday". ``since`` is None when no earlier value
    is as low (lowest in the data).
    """
    week = values[(values.index >= week_start) & (values.index < cutoff)]
    if week.empty:
        return None
    low = float(week.min())
    history = values[values.index < week_start]
    hit = history[history <= low]
    return WeekLow(
        week_low=low,
        week_low_date=f"{week.idxmin():%Y-%m-%d}",
        since=None if hit.empty else f"{hit.index.max():%Y-%m-%d}",
    )


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN: map non-finite floats to None."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None
