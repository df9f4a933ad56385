"""The report's time window and the as-of rule (no look-ahead).

The week runs from Monday 00:00 UTC (the open of Monday's daily bar) to the close of the as-of
day, i.e. ``asof + 1 day`` 00:00 UTC. A bar counts once it has closed (``time + interval <=
cutoff``); a point or event counts once it happened (``time < cutoff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from liqcascade._time import closed_by, to_utc
from liqcascade.errors import InputError

DAY = pd.Timedelta(days=1)


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
    ts = to_utc(asof, "asof")
    if ts != ts.normalize():
        raise InputError(
            f"asof {asof!r} has a time of day; expected a day such as 2025-09-25 "
            "(the report covers up to that day's close)"
        )
    return ReportWindow(asof=ts)


def known_by(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """Keep the rows known at ``cutoff`` (:func:`liqcascade._time.closed_by`), index reset."""
    return closed_by(frame, cutoff).reset_index(drop=True)
