"""The as-of rule: a bar counts once it has closed, an event once it happened."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade._time import interval_length
from liqcascade.errors import InputError
from liqcascade.report._window import known_by, parse_asof


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


@pytest.mark.property
@settings(max_examples=50, deadline=None)
@given(
    hours=st.lists(st.integers(-72, 72), min_size=1, max_size=30),
    intervals=st.lists(st.sampled_from(["1h", "4h", "8h", "1d", "24h", None]), min_size=30),
    later=st.lists(st.integers(0, 72), max_size=10),
)
def test_rows_after_the_cutoff_never_change_what_is_known(
    hours: list[int], intervals: list[str | None], later: list[int]
) -> None:
    cutoff = pd.Timestamp("2025-09-26", tz="UTC")

    def frame(offsets: list[int]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": pd.DatetimeIndex(
                    [cutoff + pd.Timedelta(hours=h) for h in offsets], dtype="datetime64[ns, UTC]"
                ),
                "interval": pd.Series(intervals[: len(offsets)], dtype=object),
            }
        )

    before = known_by(frame(hours), cutoff)
    grown = pd.concat([frame(hours), frame(later)], ignore_index=True) if later else frame(hours)
    after = known_by(grown, cutoff)
    pd.testing.assert_frame_equal(before, after)
    # and whatever is known has closed by the cutoff
    closes = [t + interval_length(i) for t, i in zip(after["time"], after["interval"], strict=True)]
    assert all(c <= cutoff for c in closes)
