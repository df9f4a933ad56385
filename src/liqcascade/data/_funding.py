"""The funding-interval rule, in one place: which interval a ``funding`` row's rate refers to,
and the conversions every layer uses (per 8 h, per year).

A ``funding`` row's ``rate`` is a FRACTION per ``funding_interval_hours`` (``_schema.FUNDING``).
Where a row gives no usable interval (missing, zero or negative; the store rejects the last
two on write, ``_ranges``) the interval is taken as 8 h, the period Binance, Bybit and OKX use
for BTC and ETH perps.
"""

from __future__ import annotations

from typing import TypeVar

import pandas as pd

DEFAULT_FUNDING_HOURS = 8.0  # the funding interval assumed where a row gives none
HOURS_PER_YEAR = 365.0 * 24.0

_Value = TypeVar("_Value", float, pd.Series)


def funding_hours(hours: _Value) -> _Value:
    """Return the funding interval in hours, 8 where ``hours`` is missing or not positive.

    Examples
    --------
    >>> funding_hours(4.0), funding_hours(float("nan")), funding_hours(0.0)
    (4.0, 8.0, 8.0)
    """
    if isinstance(hours, pd.Series):
        values = hours.astype(float)
        return values.where(values > 0, DEFAULT_FUNDING_HOURS)  # NaN > 0 is False
    value = float(hours)
    return value if value > 0 else DEFAULT_FUNDING_HOURS


def rate_per_8h(rate: _Value, hours: _Value) -> _Value:
    """Return a funding rate per interval of ``hours`` as the rate per 8 h (FRACTIONS).

    ``rate * 8 / hours``, the interval as :func:`funding_hours` reads it.

    Examples
    --------
    Hyperliquid settles hourly at one eighth of its 8-hour rate:

    >>> rate_per_8h(0.0000125, 1.0)
    0.0001
    """
    return rate * 8.0 / funding_hours(hours)


def annualised_funding(rate: _Value, hours: _Value) -> _Value:
    """Return a funding rate per interval of ``hours`` as the rate per year (FRACTIONS).

    ``rate * 8760 / hours`` (settlements per year times the rate), the interval as
    :func:`funding_hours` reads it.

    Examples
    --------
    Binance's fixed interest part, 0.01 % per 8 h, is 10.95 % a year:

    >>> round(annualised_funding(0.0001, 8.0), 6)
    0.1095
    """
    return rate * HOURS_PER_YEAR / funding_hours(hours)
