"""Time rules shared by every layer: UTC parsing, bar intervals, bar close and the as-of rule.

Timestamps are tz-aware UTC; a naive value is taken as UTC. A bar is stamped with its OPEN
time and lasts its ``interval`` (the store's spelling: ``1m``, ``4h``, ``8h``, ``1d``, ``24h``,
``1w``). The no-look-ahead rule, written once here (:func:`closed_by`):

- a bar counts as of ``asof`` once it has closed: ``time + interval <= asof``;
- a point or event (no interval) counts once it has happened: ``time < asof``;
- a row that carries a ``filed_time`` (a treasury filing) counts once filed: ``filed_time < asof``.

This module imports only pandas, numpy and :mod:`liqcascade.errors`, so every layer (margin and
data included) may use it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TypeAlias

import numpy as np
import pandas as pd

from liqcascade.errors import InputError

TimeLike: TypeAlias = str | date | datetime | pd.Timestamp | np.datetime64
TIME_EXAMPLE = "2025-09-22 or 2025-09-22T00:00Z"

# The one interval table: unit letter -> pandas.Timedelta keyword. ``M`` (ccxt's month) and
# ``1mo`` (Binance's month) are calendar lengths and are not bar intervals here.
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_INTERVAL = re.compile(r"\s*(\d+)\s*([mhHdDwW])\s*")


def _not_a_time(name: str, value: object) -> str:
    return f"{name}={value!r} is not a time; expected a UTC date or date-time like {TIME_EXAMPLE}"


def to_utc(value: object, name: str) -> pd.Timestamp:
    """Parse the argument ``name`` as a tz-aware UTC timestamp (a naive value is UTC).

    Raises
    ------
    InputError
        ``value`` is not a time (or is missing); the message names ``name`` and gives an
        example.

    Examples
    --------
    >>> to_utc("2025-09-22", "asof")
    Timestamp('2025-09-22 00:00:00+0000', tz='UTC')
    >>> to_utc("2025-09-22T02:00+02:00", "asof")
    Timestamp('2025-09-22 00:00:00+0000', tz='UTC')
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(_not_a_time(name, value)) from exc
    if pd.isna(stamp):
        raise InputError(_not_a_time(name, value))
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def optional_utc(value: object, name: str) -> pd.Timestamp | None:
    """Like :func:`to_utc`, but ``None`` (an open bound) stays ``None``."""
    return None if value is None else to_utc(value, name)


def parse_interval(text: object, name: str = "interval") -> pd.Timedelta:
    """Parse a bar interval such as ``4h``, ``1d`` or ``1w`` into its length.

    Units: ``m`` minutes, ``h`` hours, ``d`` days, ``w`` weeks (``H``, ``D``, ``W`` too; an
    upper-case ``M`` is ccxt's month and is refused, as is a zero length).

    Raises
    ------
    InputError
        Not a positive number followed by one of those units; the message names ``name``.

    Examples
    --------
    >>> parse_interval("4h"), parse_interval("1w")
    (Timedelta('0 days 04:00:00'), Timedelta('7 days 00:00:00'))
    """
    match = _INTERVAL.fullmatch(str(text))
    if match is None or int(match.group(1)) == 0:
        raise InputError(
            f"{name}={text!r} is not understood; expected a number and a unit (m, h, d, w) "
            "such as 4h, 12h, 1d or 1w"
        )
    unit = match.group(2) if match.group(2) == "m" else match.group(2).lower()
    return pd.Timedelta(**{_UNITS[unit]: int(match.group(1))})


def interval_length(interval: object) -> pd.Timedelta:
    """Length of a row's ``interval`` value; zero for an event (``None``, NaN or ``""``)."""
    if interval is None or interval == "" or (isinstance(interval, float) and np.isnan(interval)):
        return pd.Timedelta(0)
    return parse_interval(interval)


def bar_close(time: pd.Timestamp, interval: object) -> pd.Timestamp:
    """The instant a bar opened at ``time`` closes (an event: ``time`` itself)."""
    return time + interval_length(interval)


def _lengths(frame: pd.DataFrame, interval: object, default: object) -> np.ndarray:
    # Per-row bar lengths: one given for every row, else the frame's interval column (rows
    # with none take ``default``, an event when that is None too), else all events.
    if interval is not None:
        span = interval if isinstance(interval, pd.Timedelta) else parse_interval(interval)
        return np.full(len(frame), span.to_timedelta64())
    fallback = (
        default
        if isinstance(default, pd.Timedelta)
        else (pd.Timedelta(0) if default is None else parse_interval(default))
    )
    if "interval" not in frame.columns:
        return np.full(len(frame), fallback.to_timedelta64())
    # One parse per distinct value (a year of bars holds a handful), then one gather. The
    # index holds only lengths some row uses: pandas infers its resolution from them.
    codes, values = pd.factorize(frame["interval"], use_na_sentinel=True)
    lengths = [parse_interval(v) if isinstance(v, str) and v != "" else fallback for v in values]
    if (codes < 0).any():  # rows without a value take ``fallback``
        codes = np.where(codes < 0, len(lengths), codes)
        lengths.append(fallback)
    return pd.TimedeltaIndex(lengths).to_numpy()[codes]


def closed_by(
    frame: pd.DataFrame,
    asof: pd.Timestamp,
    *,
    interval: str | pd.Timedelta | None = None,
    default: str | pd.Timedelta | None = None,
) -> pd.DataFrame:
    """Keep the rows of ``frame`` known at ``asof``: the house's no-look-ahead rule.

    A bar counts once it has closed (``time + length <= asof``), an event once it has happened
    (``time < asof``), a filing once filed (``filed_time < asof``).

    Parameters
    ----------
    frame
        Rows with a tz-aware UTC ``time`` (the bar's open) and optionally ``interval`` and
        ``filed_time`` columns.
    asof
        The instant of knowledge (tz-aware UTC); nothing that closes after it is kept.
    interval
        One bar length for every row (``"4h"`` or a Timedelta), overriding the frame's
        ``interval`` column; for frames whose cadence is known to the caller.
    default
        The length of rows with no interval (``None``: such rows are events).

    Returns
    -------
    The known rows, in their order and with their index.

    Examples
    --------
    >>> times = pd.to_datetime(["2025-09-21 20:00", "2025-09-21 22:00"], utc=True)
    >>> bars = pd.DataFrame({"time": times, "interval": ["4h", "4h"]})
    >>> len(closed_by(bars, pd.Timestamp("2025-09-22", tz="UTC")))
    1
    """
    if frame.empty:
        return frame
    time = frame["time"]
    lengths = _lengths(frame, interval, default)
    known = ((time + lengths) <= asof) & (time < asof)
    if "filed_time" in frame.columns:
        filed = frame["filed_time"]
        known &= filed.isna() | (filed < asof)
    return frame.loc[known.to_numpy()]


__all__ = [
    "TIME_EXAMPLE",
    "TimeLike",
    "bar_close",
    "closed_by",
    "interval_length",
    "optional_utc",
    "parse_interval",
    "to_utc",
]
