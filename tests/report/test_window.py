"""The as-of rule: a bar counts once it has closed, an event once it happened."""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.errors import InputError
from liqcascade.report._window import interval_length, known_by, parse_asof


def test_week_starts_on_monday_and_ends_at_the_asof_close() -> None:
    window = parse_asof("2025-09-25")
    assert window.week_start == pd.Timestamp("2025-09-22", tz="UTC")
    assert window.cutoff == pd.Timestamp("2025-09-26", tz="UTC")
    assert window.days_into_week == 4


@pytest.mark.parametrize("bad", ["2025-09-25 12:00", "not a day", ""])
def test_asof_must_be_a_day(bad: str) -> None:
    with pytest.raises(InputError, match="asof"):
        parse_asof(bad)


def test_unknown_interval_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="4 hours"):
        interval_length("4 hours")


def test_known_by_keeps_closed_bars_and_past_events_only() -> None:
    t = pd.to_datetime(
        [
            "2025-09-25 00:00",  # 1d bar closing exactly at the cutoff: known
            "2025-09-25 20:00",  # 4h bar closing at the cutoff: known
            "2025-09-25 12:00",  # 24h window still open at the cutoff: not known
            "2025-09-25 23:59",  # single event before the cutoff: known
            "2025-09-26 00:00",  # event at the cutoff: not known
        ],
        utc=True,
    )
    frame = pd.DataFrame({"time": t, "interval": ["1d", "4h", "24h", None, None]})
    kept = known_by(frame, pd.Timestamp("2025-09-26", tz="UTC"))
    assert kept["time"].tolist() == [t[0], t[1], t[3]]


def test_a_filing_counts_only_once_filed() -> None:
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-09-21", "2025-09-21"], utc=True),
            "filed_time": pd.to_datetime(["2025-09-22", "2025-09-29"], utc=True),
        }
    )
    kept = known_by(frame, pd.Timestamp("2025-09-26", tz="UTC"))
    assert len(kept) == 1
