"""The shared time rules: UTC parsing, bar intervals and the as-of rule (``liqcascade._time``)."""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade._time import (
    bar_close,
    closed_by,
    interval_length,
    optional_utc,
    parse_interval,
    to_utc,
)
from liqcascade.errors import InputError

T = pd.Timestamp("2025-09-22", tz="UTC")


def test_naive_times_are_utc_and_offsets_are_converted() -> None:
    assert to_utc("2025-09-22", "asof") == T
    assert to_utc("2025-09-22T02:00+02:00", "asof") == T  # 02:00 at UTC+2 is 00:00 UTC
    assert to_utc(T.tz_convert("America/New_York"), "asof").tzname() == "UTC"


@pytest.mark.parametrize("bad", ["not a time", "", None, float("nan")])
def test_a_bad_time_names_the_argument_and_gives_an_example(bad: object) -> None:
    with pytest.raises(InputError, match=r"^start=.* is not a time; .*2025-09-22"):
        to_utc(bad, "start")


def test_an_open_bound_stays_open() -> None:
    assert optional_utc(None, "end") is None
    assert optional_utc("2025-09-22", "end") == T


@pytest.mark.parametrize(
    ("text", "hours"),
    [("1m", 1 / 60), ("15m", 0.25), ("4h", 4), ("4H", 4), ("8h", 8), ("1d", 24), ("24h", 24)],
)
def test_intervals_in_the_stores_spelling(text: str, hours: float) -> None:
    assert parse_interval(text) == pd.Timedelta(hours=hours)


def test_a_week_is_seven_days() -> None:
    assert parse_interval("1w") == pd.Timedelta(days=7)


@pytest.mark.parametrize("bad", ["0h", "1M", "1mo", "4 hours", "h4", ""])
def test_a_bad_interval_names_the_argument(bad: str) -> None:
    # 1M is ccxt's month and 1mo Binance's: calendar lengths, not bars
    with pytest.raises(InputError, match=r"^timeframe="):
        parse_interval(bad, "timeframe")


def test_an_event_has_no_length_and_closes_when_it_happens() -> None:
    assert interval_length(None) == interval_length(float("nan")) == pd.Timedelta(0)
    assert bar_close(T, None) == T
    assert bar_close(T, "4h") == T + pd.Timedelta(hours=4)


def _frame(times: list[str], intervals: list[str | None] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"time": pd.to_datetime(times, utc=True)})
    if intervals is not None:
        frame["interval"] = pd.Series(intervals, dtype=object)
    return frame


def test_a_given_length_overrides_the_interval_column() -> None:
    bars = _frame(["2025-09-21 16:00", "2025-09-21 20:00"], ["4h", "4h"])
    # as 8h bars only the 16:00 one has closed at midnight
    assert closed_by(bars, T, interval="8h")["time"].tolist() == [bars["time"][0]]
    assert len(closed_by(bars, T)) == 2


def test_rows_without_an_interval_take_the_default_else_count_as_events() -> None:
    rows = _frame(["2025-09-21 20:00", "2025-09-21 23:00"])
    assert len(closed_by(rows, T)) == 2  # events: both happened before midnight
    assert len(closed_by(rows, T, default="4h")) == 1  # 23:00 + 4h is after midnight


def test_closed_by_keeps_the_index_and_the_order() -> None:
    bars = _frame(["2025-09-21 20:00", "2025-09-21 12:00", "2025-09-22 00:00"], ["4h"] * 3)
    assert closed_by(bars, T).index.tolist() == [0, 1]
