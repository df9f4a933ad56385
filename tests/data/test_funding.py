"""The funding-interval rule (``data/_funding.py``): one interval default, two conversions.

Golden values from the venues' documentation of the fixed interest part of funding:
Binance "Introduction to Binance Futures Funding Rates" (0.03 % a day: 0.01 % per 8-hour
settlement; contracts that settle every 4 h pay 0.03 % / 6 = 0.005 % per settlement) and
Hyperliquid Docs, Trading > Funding (https://hyperliquid.gitbook.io/hyperliquid-docs/trading/funding:
an 8-hour rate paid hourly at one eighth, so the 0.01 % per 8 h interest is 0.00125 % an hour).
The same interest, whichever interval it is paid over, is one rate per 8 h and one rate per year.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liqcascade.data import annualised_funding, rate_per_8h
from liqcascade.data._funding import DEFAULT_FUNDING_HOURS, funding_hours

# (venue's interval in hours, the 0.01 %-per-8h interest as that venue quotes it per interval)
INTEREST = [(8.0, 0.0001), (4.0, 0.00005), (1.0, 0.0000125)]


@pytest.mark.parametrize(("hours", "rate"), INTEREST)
def test_documented_interest_is_one_hundredth_percent_per_8h(hours: float, rate: float) -> None:
    # Binance 8h: 0.0001 * 8 / 8; Binance 4h: 0.00005 * 8 / 4; Hyperliquid 1h: 0.0000125 * 8 / 1
    assert rate_per_8h(rate, hours) == pytest.approx(0.0001, rel=1e-12)


@pytest.mark.parametrize(("hours", "rate"), INTEREST)
def test_documented_interest_is_10_95_percent_a_year(hours: float, rate: float) -> None:
    # 0.01 % x 3 settlements a day x 365 days = 10.95 %; 0.00125 % x 24 x 365 = 10.95 % as well
    assert annualised_funding(rate, hours) == pytest.approx(0.1095, rel=1e-12)


@pytest.mark.parametrize("given_hours", [float("nan"), 0.0, -4.0])
def test_missing_zero_or_negative_interval_reads_as_8h(given_hours: float) -> None:
    assert funding_hours(given_hours) == DEFAULT_FUNDING_HOURS == 8.0
    assert rate_per_8h(0.0003, given_hours) == 0.0003  # 0.0003 * 8 / 8
    assert annualised_funding(0.0001, given_hours) == pytest.approx(0.1095)  # 0.0001 * 1095


@pytest.mark.parametrize("hours", [1.0, 4.0, 8.0])
def test_a_positive_interval_is_kept(hours: float) -> None:
    assert funding_hours(hours) == hours


def test_series_follow_the_same_rule_row_by_row() -> None:
    # rows: Hyperliquid 1h, Binance 4h, Binance 8h, then missing, zero and negative intervals
    hours = pd.Series([1.0, 4.0, 8.0, np.nan, 0.0, -1.0], index=list("abcdef"))
    rate = pd.Series([0.0000125, 0.00005, 0.0001, 0.0001, 0.0001, 0.0001], index=hours.index)
    assert funding_hours(hours).tolist() == [1.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    per_8h = rate_per_8h(rate, hours)
    assert list(per_8h.index) == list("abcdef")
    np.testing.assert_allclose(per_8h, 0.0001, rtol=1e-12)
    np.testing.assert_allclose(annualised_funding(rate, hours), 0.1095, rtol=1e-12)


def test_an_integer_or_nullable_column_is_read_as_float() -> None:
    hours = pd.Series([4, None], dtype="Int64")  # pd.NA where the interval is unknown
    assert funding_hours(hours).tolist() == [4.0, 8.0]


def test_a_missing_rate_stays_missing() -> None:
    assert math.isnan(rate_per_8h(float("nan"), 8.0))
    assert math.isnan(annualised_funding(float("nan"), float("nan")))


@given(
    rate=st.floats(-0.05, 0.05, allow_nan=False),
    hours=st.sampled_from([1.0, 2.0, 4.0, 8.0]),
)
def test_per_8h_and_per_year_are_one_scale_apart(rate: float, hours: float) -> None:
    # a year is 8760 / 8 = 1095 periods of 8 h, whatever interval the venue settles over
    assert annualised_funding(rate, hours) == pytest.approx(rate_per_8h(rate, hours) * 1095.0)


def test_docstring_examples_run() -> None:
    import doctest

    from liqcascade.data import _funding

    result = doctest.testmod(_funding)
    assert result.attempted >= 3 and result.failed == 0
