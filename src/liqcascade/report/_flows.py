"""Flows: US spot ETF net flows per day, and corporate treasury purchases per month.

Treasury purchases are attributed to the week they were MADE: an 8-K filed during a week
reports the previous Monday-Sunday week (Strategy files on Mondays, on Tuesday after a US
holiday), so the purchase week starts on the Monday 7 days before the filing's Monday, and
the purchase counts in the month of that week's Monday.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import SupportsFloat

import pandas as pd

from liqcascade.report._access import Readable, read_known
from liqcascade.report._block import Available, Unavailable
from liqcascade.report._window import ReportWindow

COST_TOLERANCE = 0.05  # cost vs amount x average price, relative
HOLDINGS_TOLERANCE = 1.0  # BTC; holdings are reported in whole coins
TREASURY_RULE = (
    "each 8-K reports the previous Monday-Sunday week; a purchase counts in the month "
    "of that week's Monday; only filings made by the as-of close count"
)


@dataclass(frozen=True)
class EtfDay:
    """All-fund ETF net flows of one trading day (USD; None where the asset has no row)."""

    date: str
    btc_usd: float | None
    eth_usd: float | None
    total_usd: float | None


@dataclass(frozen=True)
class OutflowDay:
    """The day of the week with the lowest BTC+ETH net flow."""

    date: str
    total_usd: float


@dataclass(frozen=True, kw_only=True)
class EtfFlows(Available):
    """``etf_flows``: BTC and ETH all-fund net flows per trading day and over the week (USD)."""

    by_day: tuple[EtfDay, ...]
    week_total_usd: float
    week_btc_usd: float
    week_eth_usd: float
    biggest_outflow_day: OutflowDay


@dataclass(frozen=True)
class FlaggedPurchase:
    """A purchase row that contradicts the holdings chain or its own cost, and what was done."""

    ticker: str
    filed: str
    reference: str | None
    problem: str
    action: str


@dataclass(frozen=True)
class MonthBought:
    """BTC bought by treasury companies in one month (``partial``: the month is not over)."""

    month: str
    btc: float
    purchases: int
    cost_usd: float
    partial: bool


@dataclass(frozen=True)
class MonthBoughtChange(MonthBought):
    """A month after the first shown, with its change against the month before (FRACTION)."""

    change_pct: float | None


@dataclass(frozen=True, kw_only=True)
class Treasury(Available):
    """``treasury``: corporate BTC purchases per month, and the rows left out or flagged."""

    asset: str = "BTC"
    companies: tuple[str, ...]
    by_month: tuple[MonthBought, ...]
    rule: str = TREASURY_RULE
    flagged_rows: tuple[FlaggedPurchase, ...]


def etf_section(
    store: Readable, window: ReportWindow
) -> tuple[EtfFlows | Unavailable, dict[str, pd.DataFrame]]:
    """``etf_flows`` block: BTC and ETH all-fund (TOTAL) net flow per trading day of the week."""
    frame = read_known(store, "etf_flows", window.cutoff, start=window.week_start, fund="TOTAL")
    if frame.empty:
        return Unavailable(reason="no ETF flows (fund TOTAL) in the week"), {}
    table = frame.pivot_table(index="time", columns="asset", values="flow_usd", aggfunc="sum")
    table = table.reindex(columns=["BTC", "ETH"])
    table["TOTAL"] = table[["BTC", "ETH"]].sum(axis=1, min_count=1)
    by_day = tuple(
        EtfDay(
            date=f"{day:%Y-%m-%d}",
            btc_usd=_num(row["BTC"]),
            eth_usd=_num(row["ETH"]),
            total_usd=_num(row["TOTAL"]),
        )
        for day, row in table.iterrows()
    )
    worst = table["TOTAL"].idxmin()
    data = EtfFlows(
        by_day=by_day,
        week_total_usd=float(table["TOTAL"].sum()),
        week_btc_usd=float(table["BTC"].sum()),
        week_eth_usd=float(table["ETH"].sum()),
        biggest_outflow_day=OutflowDay(
            date=f"{worst:%Y-%m-%d}", total_usd=float(table.at[worst, "TOTAL"])
        ),
    )
    return data, {"etf_flows": table}


def _num(value: SupportsFloat | None) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def purchase_week(filed: pd.Timestamp) -> pd.Timestamp:
    """Monday of the week an 8-K filed on ``filed`` reports (the week before the filing's)."""
    monday = filed.normalize() - pd.Timedelta(days=filed.weekday())
    return monday - pd.Timedelta(days=7)


def check_purchases(purchases: pd.DataFrame) -> tuple[pd.DataFrame, list[FlaggedPurchase]]:
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
    flags: list[FlaggedPurchase] = []
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


def _flag(row: pd.Series, problem: str, action: str) -> FlaggedPurchase:
    return FlaggedPurchase(
        ticker=row["ticker"],
        filed=f"{row['filed']:%Y-%m-%d}",
        reference=row.get("reference"),
        problem=problem,
        action=action,
    )


def treasury_section(
    store: Readable, window: ReportWindow, *, months: int = 3
) -> tuple[Treasury | Unavailable, dict[str, pd.DataFrame]]:
    """``treasury`` block: BTC bought per month (the as-of month and the ``months - 1`` before)."""
    frame = read_known(store, "treasury", window.cutoff, kind="purchase", asset="BTC")
    if frame.empty:
        return Unavailable(reason="no treasury purchases in the store"), {}
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
    bought = [_month_bought(kept, month, partial=month == str(last_month)) for month in wanted]
    changes = [
        MonthBoughtChange(
            **asdict(after), change_pct=after.btc / before.btc - 1.0 if before.btc else None
        )
        for before, after in itertools.pairwise(bought)
    ]
    data = Treasury(
        companies=tuple(sorted(kept["ticker"].unique().tolist())),
        by_month=(*bought[:1], *changes),
        flagged_rows=tuple(flags),
    )
    weekly = kept.groupby("week")["amount"].sum().to_frame("btc")
    return data, {"treasury_weekly": weekly}


def _month_bought(kept: pd.DataFrame, month: str, *, partial: bool) -> MonthBought:
    """BTC bought in ``month`` (a purchase week's month); cost only from rows whose cost checks."""
    rows = kept[kept["month"] == month]
    cost = rows.loc[rows["cost_ok"], "cost_usd"].sum()
    return MonthBought(
        month=month,
        btc=float(rows["amount"].sum()),
        purchases=len(rows),
        cost_usd=float(cost),
        partial=partial,
    )
