"""Whole-market facts: total crypto market cap and the Fear & Greed index."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from liqcascade.report._access import Readable, read_known
from liqcascade.report._block import Available, Unavailable
from liqcascade.report._levels import (
    levels_crossed_down,
    round_step,
    week_change,
    week_low_since,
)
from liqcascade.report._window import ReportWindow

SENTIMENT_RULE = (
    "the week's lowest daily value against the days before the week: lowest since the "
    "latest earlier day at or below it"
)


@dataclass(frozen=True)
class RoundLevel:
    """The round level just above the last close; ``below_since`` the first day below it."""

    level: float
    below_since: str | None


@dataclass(frozen=True, kw_only=True)
class Market(Available):
    """``market``: total crypto market cap at the as-of close and its week change (USD)."""

    total_mcap_usd: float
    week_open_usd: float
    total_mcap_change_usd: float
    total_mcap_change_pct: float  # FRACTION
    levels_crossed: tuple[float, ...]
    round_step_usd: float
    round_level_above: RoundLevel | None


@dataclass(frozen=True, kw_only=True)
class Sentiment(Available):
    """``sentiment``: Fear & Greed at the as-of day and the week's low ("lowest since")."""

    index: str = "fear_greed"
    date: str
    value: float
    classification: str | None
    value_before_week: float | None
    week_low: float | None
    week_low_date: str | None
    lowest_since: str | None
    rule: str = SENTIMENT_RULE


def round_level_above(closes: pd.Series, step: float) -> RoundLevel | None:
    """The round level just above the last close, and since when the closes stay below it.

    ``below_since`` is the day after the last close at or above the level (None if the
    series never closed above it in the data).
    """
    if closes.empty or not step > 0:
        return None
    last = float(closes.iloc[-1])
    level = (math.floor(last / step) + 1) * step
    above = closes[closes >= level]
    since = None if above.empty else f"{above.index.max() + pd.Timedelta(days=1):%Y-%m-%d}"
    return RoundLevel(level=float(level), below_since=since)


def market_section(
    store: Readable, window: ReportWindow
) -> tuple[Market | Unavailable, dict[str, pd.DataFrame]]:
    """``market`` block: total market cap at the as-of close, its week change, levels crossed."""
    frame = read_known(store, "market_cap", window.cutoff, asset="TOTAL", interval="1d")
    if frame.empty:
        return Unavailable(reason="no TOTAL market cap in the store"), {}
    daily = frame.drop_duplicates("time", keep="last").set_index("time")
    change = week_change(daily, window)
    if change is None:
        return Unavailable(reason="no market-cap bar for Monday or the as-of day"), {}
    step = round_step(change.week_open)
    data = Market(
        total_mcap_usd=change.close,
        week_open_usd=change.week_open,
        total_mcap_change_usd=change.close - change.week_open,
        total_mcap_change_pct=change.change,
        levels_crossed=tuple(levels_crossed_down(change.week_open, change.close, step)),
        round_step_usd=step,
        round_level_above=round_level_above(daily["close"], step),
    )
    return data, {"market_cap": daily}


def sentiment_section(
    store: Readable, window: ReportWindow
) -> tuple[Sentiment | Unavailable, dict[str, pd.DataFrame]]:
    """``sentiment`` block: Fear & Greed at the as-of day, its week change, "lowest since"."""
    frame = read_known(store, "sentiment", window.cutoff, index="fear_greed")
    if frame.empty:
        return Unavailable(reason="no fear_greed index in the store"), {}
    series = frame.drop_duplicates("time", keep="last").set_index("time")["value"].astype(float)
    before_week = series[series.index < window.week_start]
    classification = frame["classification"].iloc[-1] if "classification" in frame else None
    low = week_low_since(series, window.week_start, window.cutoff)
    data = Sentiment(
        date=f"{series.index[-1]:%Y-%m-%d}",
        value=float(series.iloc[-1]),
        classification=None if pd.isna(classification) else classification,
        value_before_week=float(before_week.iloc[-1]) if len(before_week) else None,
        week_low=None if low is None else low.week_low,
        week_low_date=None if low is None else low.week_low_date,
        lowest_since=None if low is None else low.since,
    )
    return data, {"fear_greed": series.to_frame("value")}
