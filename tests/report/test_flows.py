"""ETF flows and treasury purchase attribution, on real rows copied from the shared data."""

from __future__ import annotations

import pandas as pd
import pytest

from liqcascade.report._flows import check_purchases, purchase_week


def test_monday_filing_reports_the_previous_week() -> None:
    assert purchase_week(pd.Timestamp("2025-09-22", tz="UTC")) == pd.Timestamp(
        "2025-09-15", tz="UTC"
    )


def test_tuesday_filing_after_a_holiday_reports_the_previous_week() -> None:
    # 2025-09-02 (Tuesday after Labor Day): 8-K covers 2025-08-25 .. 2025-08-31
    assert purchase_week(pd.Timestamp("2025-09-02", tz="UTC")) == pd.Timestamp(
        "2025-08-25", tz="UTC"
    )


def _mstr(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["filed", "amount", "cost_usd", "avg_price_usd", "holdings", "reference"]
    )
    frame["filed"] = pd.to_datetime(frame["filed"], utc=True)
    return frame.assign(ticker="MSTR", asset="BTC", time=frame["filed"], filed_time=frame["filed"])


# shared/data/market/treasury_holdings_dattracker/mstr_btc_purchases_8k.csv, 2025-06-30..08-04
REAL_ROWS = [
    ("2025-06-30", 4980, 531900000, 106801, 597325, "0000950170-25-091211"),
    ("2025-07-07", 0, 585000000, 585, 202, "0000950170-25-094137"),
    ("2025-07-14", 4225, 472500000, 111827, 601550, "0000950170-25-095461"),
    ("2025-07-21", 6220, 739800000, 118940, 607770, "0000950170-25-097081"),
    ("2025-08-04", 21021, 2460000, 117256, 628791, "0000950170-25-101634"),
]


@pytest.mark.golden
def test_inconsistent_rows_are_skipped_and_flagged() -> None:
    kept, flags = check_purchases(_mstr(REAL_ROWS))
    # 07-07: no coins bought, holdings 202 < 597,325 -> skipped
    assert kept["reference"].tolist() == [r[5] for r in REAL_ROWS if r[1] > 0]
    skipped = [f for f in flags if f.action == "skipped"]
    assert [f.reference for f in skipped] == ["0000950170-25-094137"]


@pytest.mark.golden
def test_bad_cost_keeps_the_coins_but_not_the_dollars() -> None:
    kept, flags = check_purchases(_mstr(REAL_ROWS))
    # 21,021 BTC x 117,256 = 2.465 B, the row says 2.46 M: cost excluded, coins kept
    row = kept.set_index("reference").loc["0000950170-25-101634"]
    assert row["amount"] == 21021
    assert not row["cost_ok"]
    assert any(f.reference == "0000950170-25-101634" for f in flags)


def test_holdings_going_backwards_is_skipped() -> None:
    rows = [
        ("2025-07-14", 4225, 472500000, 111827, 601550, "a"),
        ("2025-07-21", 6220, 739800000, 118940, 600000, "b"),  # backwards
        ("2025-07-28", 100, 11800000, 118000, 601650, "c"),
    ]
    kept, flags = check_purchases(_mstr(rows))
    assert kept["reference"].tolist() == ["a", "c"]
    assert "backwards" in flags[0].problem
