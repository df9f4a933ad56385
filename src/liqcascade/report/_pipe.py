"""Treasury companies' shares against their PIPE issue prices (reported, secondary source).

The PIPE terms (dataset ``pipe_terms``) are SECONDARY and hand-transcribed: every number is
shown as "reported" with the page it was copied from. As-of rule: a term is used once its
publication day has closed (``time + 1 day <= cutoff``); a share close once its daily bar
has closed (the house rule, :func:`liqcascade._time.closed_by`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade._time import closed_by
from liqcascade.report._access import Readable, read_known
from liqcascade.report._window import ReportWindow

RULE = (
    "reported PIPE issue price (published by the as-of day's close) against the last daily "
    "close of the company's shares by the as-of day's close, in the listing currency"
)
CLOSE_LOOKBACK = pd.Timedelta(days=14)  # a close older than this is stale: not compared


def _term_row(term: pd.Series) -> dict[str, Any]:
    return {
        "company": term["company"],
        "ticker": None if pd.isna(term["ticker"]) else term["ticker"],
        "pipe_price": float(term["value"]),
        "unit": term["unit"],
        "period": term["period"],
        "published": f"{term['time']:%Y-%m-%d}",
        "source": term["secondary_source"],
        "attributed_primary_source": term["attributed_primary_source"],
    }


def _compare(store: Readable, window: ReportWindow, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with the share close and its distance from the PIPE price, or a reason."""
    if row["ticker"] is None:
        return {**row, "available": False, "reason": "the source gives no ticker"}
    bars = read_known(
        store, "candles", window.cutoff, start=window.cutoff - CLOSE_LOOKBACK,
        symbol=row["ticker"], market="equity", interval="1d",
    )  # fmt: skip
    if bars.empty:
        return {**row, "available": False,
                "reason": f"no daily share closes of {row['ticker']} in the 14 days to the "
                "as-of day"}  # fmt: skip
    last = bars.iloc[-1]
    currency = str(last["currency"])
    if not str(row["unit"]).startswith(currency):
        return {**row, "available": False,
                "reason": f"PIPE price in {row['unit']!r}, shares in {currency}"}  # fmt: skip
    close = float(last["close"])
    return {
        **row,
        "available": True,
        "currency": currency,
        "close": close,
        "close_date": f"{last['time']:%Y-%m-%d}",
        "vs_pipe_pct": close / row["pipe_price"] - 1.0,
    }


def pipe_section(store: Readable, window: ReportWindow) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``pipe_terms`` block: each company's close vs its reported PIPE issue price.

    One row per company: its latest ``pipe_price`` published by the as-of day's close.
    ``vs_pipe_pct`` is ``close / pipe_price - 1`` (FRACTION; -0.97 = 97 % below issue).
    """
    terms = read_known(store, "pipe_terms", window.cutoff, metric="pipe_price")
    if not terms.empty:
        terms = closed_by(terms, window.cutoff, interval="1d")  # known at the day's close
    if terms.empty:
        return {"available": False, "reason": "no PIPE terms published by the as-of day"}, {}
    latest = terms.sort_values("time", kind="stable").groupby("company", sort=False).tail(1)
    rows = [_compare(store, window, _term_row(term)) for _, term in latest.iterrows()]
    rows.sort(key=lambda r: (not r["available"], r.get("vs_pipe_pct", 0.0), r["company"]))
    compared = [r for r in rows if r["available"]]
    data = {
        "available": bool(compared),
        "label": "reported",
        "rule": RULE,
        "companies": rows,
        "below": sum(1 for r in compared if r["vs_pipe_pct"] < 0),
        "compared": len(compared),
    }
    if not compared:
        data["reason"] = "no company with both a reported PIPE price and share closes"
    return data, {}
