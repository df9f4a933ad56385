"""The report's time window and the as-of rule (no look-ahead).

The week runs from Monday 00:00 UTC (the open of Monday's daily bar) to the close of the as-of
day, i.e. ``asof + 1 day`` 00:00 UTC. A bar counts once it has closed (``time + interval <=
cutoff``); a point or event counts once it happened (``time < cutoff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from liqcascade.errors import InputError

DAY = pd.Timedelta(days=1)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class ReportWindow:
    """As-of day and the week that contains it (all timestamps tz-aware UTC)."""

    asof: pd.Timestamp  # the as-of DAY, 00:00 UTC

    @property
    def cutoff(self) -> pd.Timestamp:
        """The as-of day's close: nothing at or after this instant is used."""
        return self.asof + DAY

    @property
    def week_start(self) -> pd.Timestamp:
        """Monday 00:00 UTC of the as-of day's ISO week."""
        return self.asof - pd.Timedelta(days=self.asof.weekday())

    @property
    def days_into_week(self) -> int:
        """Number of daily bars in the week-to-date span (1 on Monday, 7 on Sunday)."""
        return self.asof.weekday() + 1

    def describe(self) -> str:
        return (
            f"week = {self.week_start:%a %Y-%m-%d} 00:00 UTC (open) to "
            f"{self.asof:%a %Y-%m-%d} close ({self.cutoff:%Y-%m-%d} 00:00 UTC); "
            "only bars closed by then count"
        )


def parse_asof(asof: str | date | datetime | pd.Timestamp) -> ReportWindow:
    """Turn ``asof`` (a day) into a :class:`ReportWindow`; reject times within the day."""
    try:
        ts = pd.Timestamp(asof)
    except (TypeError, ValueError) as exc:
        raise InputError(f"asof {asof!r} is not a date; expected a day such as 2025-09-25") from exc
    if pd.isna(ts):
        raise InputError(f"asof {asof!r} is not a date; expected a day such as 2025-09-25")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if ts != ts.normalize():
        raise InputError(
            f"asof {asof!r} has a time of day; expected a day such as 2025-09-25 "
            "(the report covers up to that day's close)"
        )
    return ReportWindow(asof=ts)


def interval_length(interval: object) -> pd.Timedelta:
    """Length of a bar interval string (``4h``, ``1d``, ``24h``, ``1w``); zero for events."""
    if interval is None or (isinstance(interval, float) and pd.isna(interval)) or interval == "":
        return pd.Timedelta(0)
    text = str(interval).strip()
    number, unit = text[:-1], text[-1:].lower()
    if unit not in _UNITS or not number.isdigit():
        raise InputError(
            f"bar interval {interval!r} is not understood; expected a number and a unit "
            "(m, h, d, w) such as 4h or 1d"
        )
    return pd.Timedelta(**{_UNITS[unit]: int(number)})


def known_by(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Keep the rows known at ``cutoff``: bars that have closed, events that have happened."""
    if frame.empty:
        return frame
    if "interval" in frame.columns:
        cache: dict[object, pd.Timedelta] = {}
        lengths = [
            cache.setdefault(i, interval_length(i)) if isinstance(i, str) else pd.Timedelta(0)
            for i in frame["interval"]
        ]
        closes = frame["time"] + pd.TimedeltaIndex(lengths).to_numpy()
        known = (closes <= cutoff) & (frame["time"] < cutoff)
    else:
        known = frame["time"] < cutoff
    if "filed_time" in frame.columns:
        filed = frame["filed_time"]
        known &= filed.isna() | (filed < cutoff)
    return frame.loc[known].reset_index(drop=True)
