"""Whole-market facts: total crypto market cap and the Fear & Greed index."""

from __future__ import annotations

import math

import pandas as pd

from liqcascade.report._access import Readable, read_known
from liqcascade.report._levels import levels_crossed_down, round_step, week_low_since
from liqcascade.report._window import ReportWindow


def round_level_above(closes: pd.Series, step: float) -> dict[str, object] | None:
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
    return {"level": float(level), "below_since": since}


def market_section(store: Readable, window: ReportWindow) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``market`` block: total market cap at the as-of close, its week change, levels crossed."""
    frame = read_known(store, "market_cap", window.cutoff, asset="TOTAL", interval="1d")
    if frame.empty:
        return {"available": False, "reason": "no TOTAL market cap in the store"}, {}
    daily = frame.drop_duplicates("time", keep="last").set_index("time")
    if window.week_start not in daily.index or window.asof not in daily.index:
        return {"available": False, "reason": "no market-cap bar for Monday or the as-of day"}, {}
    week_open = float(daily.at[window.week_start, "open"])
    close = float(daily.at[window.asof, "close"])
    step = round_step(week_open)
    data = {
        "available": True,
        "total_mcap_usd": close,
        "week_open_usd": week_open,
        "total_mcap_change_usd": close - week_open,
        "total_mcap_change_pct": close / week_open - 1.0,
        "levels_crossed": levels_crossed_down(week_open, close, step),
        "round_step_usd": step,
        "round_level_above": round_level_above(daily["close"], step),
    }
    return data, {"market_cap": daily}


def sentiment_section(
    store: Readable, window: ReportWindow
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``sentiment`` block: Fear & Greed at the as-of day, its week change, "lowest since"."""
    frame = read_known(store, "sentiment", window.cutoff, index="fear_greed")
    if frame.empty:
        return {"available": False, "reason": "no fear_greed index in the store"}, {}
    series = frame.drop_duplicates("time", keep="last").set_index("time")["value"].astype(float)
    value = float(series.iloc[-1])
    before_week = series[series.index < window.week_start]
    start_value = float(before_week.iloc[-1]) if len(before_week) else None
    classification = frame["classification"].iloc[-1] if "classification" in frame else None
    data = {
        "available": True,
        "index": "fear_greed",
        "date": f"{series.index[-1]:%Y-%m-%d}",
        "value": value,
        "classification": None if pd.isna(classification) else classification,
        "value_before_week": start_value,
        "week_low": None,
        "week_low_date": None,
        "lowest_since": None,
        "rule": (
            "the week's lowest daily value against the days before the week: lowest since the "
            "latest earlier day at or below it"
        ),
    }
    low = week_low_since(series, window.week_start, window.cutoff)
    if low is not None:
        data["week_low"] = low["week_low"]
        data["week_low_date"] = low["week_low_date"]
        data["lowest_since"] = low["since"]
    return data, {"fear_greed": series.to_frame("value")}
