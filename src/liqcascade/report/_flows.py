"""Flows: US spot ETF net flows per day, and corporate treasury purchases per month.

Treasury purchases are attributed to the week they were MADE: an 8-K filed during a week
reports the previous Monday-Sunday week (Strategy files on Mondays, on Tuesday after a US
holiday), so the purchase week starts on the Monday 7 days before the filing's Monday, and
the purchase counts in the month of that week's Monday.
"""

from __future__ import annotations

import itertools
from typing import Any, SupportsFloat

import pandas as pd

from liqcascade.report._access import Readable, read_known
from liqcascade.report._window import ReportWindow

COST_TOLERANCE = 0.05  # cost vs amount x average price, relative
HOLDINGS_TOLERANCE = 1.0  # BTC; holdings are reported in whole coins


def etf_section(store: Readable, window: ReportWindow) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``etf_flows`` block: BTC and ETH all-fund (TOTAL) net flow per trading day of the week."""
    frame = read_known(store, "etf_flows", window.cutoff, start=window.week_start, fund="TOTAL")
    if frame.empty:
        return {"available": False, "reason": "no ETF flows (fund TOTAL) in the week"}, {}
    table = frame.pivot_table(index="time", columns="asset", values="flow_usd", aggfunc="sum")
    table = table.reindex(columns=["BTC", "ETH"])
    table["TOTAL"] = table[["BTC", "ETH"]].sum(axis=1, min_count=1)
    by_day = [
        {
            "date": f"{day:%Y-%m-%d}",
            "btc_usd": _num(row["BTC"]),
            "eth_usd": _num(row["ETH"]),
            "total_usd": _num(row["TOTAL"]),
        }
        for day, row in table.iterrows()
    ]
    worst = table["TOTAL"].idxmin()
    data = {
        "available": True,
        "by_day": by_day,
        "week_total_usd": float(table["TOTAL"].sum()),
        "week_btc_usd": float(table["BTC"].sum()),
        "week_eth_usd": float(table["ETH"].sum()),
        "biggest_outflow_day": {
            "date": f"{worst:%Y-%m-%d}",
            "total_usd": float(table.at[worst, "TOTAL"]),
        },
    }
    return data, {"etf_flows": table}


def _num(value: SupportsFloat | None) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def purchase_week(filed: pd.Timestamp) -> pd.Timestamp:
    """Monday of the week an 8-K filed on ``filed`` reports (the week before the filing's)."""
    monday = filed.normalize() - pd.Timedelta(days=filed.weekday())
    return monday - pd.Timedelta(days=7)


def check_purchases(purchases: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Drop purchase rows that contradict the holdings chain; flag rows with a bad cost.

    Rules, per company and asset in filing order:

    - cumulative holdings going backwards, or rising by less than the amount bought, since
      the previous kept row -> row skipped (holdings may rise by MORE: purchases outside the
      8-K series exist);
    - missing or non-positive amount -> row skipped;
    - ``cost_usd`` off ``amount * avg_price_usd`` by more than 5 % -> BTC kept (the holdings
      chain confirms it), cost left out of USD totals.
    """
    kept: list[pd.Series] = []
    flags: list[dict] = []
    order = purchases.sort_values(["ticker", "asset", "filed", "time"], kind="stable")
    for _, group in order.groupby(["ticker", "asset"], sort=False):
        previous_holdings = None
        for _, row in group.iterrows():
            problem = _chain_problem(row, previous_holdings)
            if problem:
                flags.append(_flag(row, problem, "skipped"))
                continue
            row = row.copy()
            row["cost_ok"] = _cost_ok(row)
            if not row["cost_ok"]:
                flags.append(
                    _flag(
                        row,
                        "cost_usd does not equal amount x avg_price_usd (off by more than 5 %)",
                        "amount kept (holdings confirm it), cost excluded",
                    )
                )
            if pd.notna(row["holdings"]):
                previous_holdings = float(row["holdings"])
            kept.append(row)
    return pd.DataFrame(kept), flags


def _chain_problem(row: pd.Series, previous_holdings: float | None) -> str | None:
    amount, holdings = row["amount"], row["holdings"]
    if pd.isna(amount) or amount <= 0:
        return f"amount {amount!r} is not a positive number of coins"
    if previous_holdings is None or pd.isna(holdings):
        return None
    if holdings < previous_holdings:
        return f"cumulative holdings go backwards ({previous_holdings:,.0f} -> {holdings:,.0f})"
    if amount > holdings - previous_holdings + HOLDINGS_TOLERANCE:
        return (
            f"amount {amount:,.0f} exceeds the rise in cumulative holdings "
            f"({holdings - previous_holdings:,.0f})"
        )
    return None


def _cost_ok(row: pd.Series) -> bool:
    cost, price = row["cost_usd"], row["avg_price_usd"]
    if pd.isna(cost) or pd.isna(price) or cost <= 0:
        return False
    return abs(row["amount"] * price - cost) / cost <= COST_TOLERANCE


def _flag(row: pd.Series, problem: str, action: str) -> dict:
    return {
        "ticker": row["ticker"],
        "filed": f"{row['filed']:%Y-%m-%d}",
        "reference": row.get("reference"),
        "problem": problem,
        "action": action,
    }


def treasury_section(
    store: Readable, window: ReportWindow, *, months: int = 3
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``treasury`` block: BTC bought per month (the as-of month and the ``months - 1`` before)."""
    frame = read_known(store, "treasury", window.cutoff, kind="purchase", asset="BTC")
    if frame.empty:
        return {"available": False, "reason": "no treasury purchases in the store"}, {}
    frame = frame.assign(filed=frame["filed_time"].fillna(frame["time"]))
    kept, flags = check_purchases(frame)
    # A row without a filing date is dated by the purchase itself.
    weeks = [
        purchase_week(r.filed)
        if pd.notna(r.filed_time)
        else r.time.normalize() - pd.Timedelta(days=r.time.weekday())
        for r in kept.itertuples()
    ]
    kept = kept.assign(week=weeks)
    kept["month"] = kept["week"].dt.strftime("%Y-%m")
    last_month = window.asof.tz_localize(None).to_period("M")
    wanted = [str(last_month - k) for k in range(months - 1, -1, -1)]
    by_month: list[dict[str, Any]] = []
    for month in wanted:
        rows = kept[kept["month"] == month]
        cost = rows.loc[rows["cost_ok"], "cost_usd"].sum()
        by_month.append(
            {
                "month": month,
                "btc": float(rows["amount"].sum()),
                "purchases": len(rows),
                "cost_usd": float(cost),
                "partial": month == str(last_month),
            }
        )
    for before, after in itertools.pairwise(by_month):
        after["change_pct"] = after["btc"] / before["btc"] - 1.0 if before["btc"] else None
    data = {
        "available": True,
        "asset": "BTC",
        "companies": sorted(kept["ticker"].unique().tolist()),
        "by_month": by_month,
        "rule": (
            "each 8-K reports the previous Monday-Sunday week; a purchase counts in the month "
            "of that week's Monday; only filings made by the as-of close count"
        ),
        "flagged_rows": flags,
    }
    weekly = kept.groupby("week")["amount"].sum().to_frame("btc")
    return data, {"treasury_weekly": weekly}
