"""Treasury companies' shares against their PIPE issue prices (reported, secondary source).

The PIPE terms (dataset ``pipe_terms``) are SECONDARY and hand-transcribed: every number is
shown as "reported" with the page it was copied from. As-of rule: a term is used once its
publication day has closed (``time + 1 day <= cutoff``); a share close once its daily bar
has closed (the house rule, :func:`liqcascade._time.closed_by`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from liqcascade._time import closed_by
from liqcascade.report._access import Readable, read_known
from liqcascade.report._block import Available, Unavailable
from liqcascade.report._window import ReportWindow

RULE = (
    "reported PIPE issue price (published by the as-of day's close) against the last daily "
    "close of the company's shares by the as-of day's close, in the listing currency"
)
CLOSE_LOOKBACK = pd.Timedelta(days=14)  # a close older than this is stale: not compared


@dataclass(frozen=True)
class PipeTerm:
    """One company's latest reported PIPE issue price and where it was copied from."""

    company: str
    ticker: str | None
    pipe_price: float
    unit: str
    period: str
    published: str
    source: str
    attributed_primary_source: str


# Available/Unavailable come first among the bases so that their ``available`` (and
# ``reason``) follow the term's fields in report.json: dataclass fields are collected from
# the last base to the first.
@dataclass(frozen=True)
class PipeCompared(Available, PipeTerm):
    """A PIPE term beside the company's last share close (``vs_pipe_pct`` a FRACTION)."""

    currency: str
    close: float
    close_date: str
    vs_pipe_pct: float


@dataclass(frozen=True)
class PipeNotCompared(Unavailable, PipeTerm):
    """A PIPE term without a share close to compare it with, and why."""


@dataclass(frozen=True, kw_only=True)
class PipeTerms(Available):
    """``pipe_terms``: each company's close against its reported PIPE issue price."""

    label: str = "reported"
    rule: str = RULE
    companies: tuple[PipeCompared | PipeNotCompared, ...]
    below: int
    compared: int


@dataclass(frozen=True, kw_only=True)
class PipeTermsNotCompared(PipeTerms):
    """PIPE terms are known but no company has share closes to compare (each says why)."""

    available: bool = field(default=False, init=False)
    reason: str = "no company with both a reported PIPE price and share closes"


def _term_row(term: pd.Series) -> PipeTerm:
    return PipeTerm(
        company=term["company"],
        ticker=None if pd.isna(term["ticker"]) else term["ticker"],
        pipe_price=float(term["value"]),
        unit=term["unit"],
        period=term["period"],
        published=f"{term['time']:%Y-%m-%d}",
        source=term["secondary_source"],
        attributed_primary_source=term["attributed_primary_source"],
    )


def _compare(
    store: Readable, window: ReportWindow, row: PipeTerm
) -> PipeCompared | PipeNotCompared:
    """``row`` with the share close and its distance from the PIPE price, or a reason."""
    if row.ticker is None:
        return _not_compared(row, "the source gives no ticker")
    bars = read_known(
        store, "candles", window.cutoff, start=window.cutoff - CLOSE_LOOKBACK,
        symbol=row.ticker, market="equity", interval="1d",
    )  # fmt: skip
    if bars.empty:
        reason = f"no daily share closes of {row.ticker} in the 14 days to the as-of day"
        return _not_compared(row, reason)
    last = bars.iloc[-1]
    currency = str(last["currency"])
    if not str(row.unit).startswith(currency):
        return _not_compared(row, f"PIPE price in {row.unit!r}, shares in {currency}")
    close = float(last["close"])
    return PipeCompared(
        **asdict(row),
        currency=currency,
        close=close,
        close_date=f"{last['time']:%Y-%m-%d}",
        vs_pipe_pct=close / row.pipe_price - 1.0,
    )


def _not_compared(row: PipeTerm, reason: str) -> PipeNotCompared:
    return PipeNotCompared(**asdict(row), reason=reason)


def _order(row: PipeCompared | PipeNotCompared) -> tuple[bool, float, str]:
    """Compared rows first, most below their PIPE price first; then by company."""
    if isinstance(row, PipeCompared):
        return (False, row.vs_pipe_pct, row.company)
    return (True, 0.0, row.company)


def pipe_section(
    store: Readable, window: ReportWindow
) -> tuple[PipeTerms | Unavailable, dict[str, pd.DataFrame]]:
    """``pipe_terms`` block: each company's close vs its reported PIPE issue price.

    One row per company: its latest ``pipe_price`` published by the as-of day's close.
    ``vs_pipe_pct`` is ``close / pipe_price - 1`` (FRACTION; -0.97 = 97 % below issue).
    """
    terms = read_known(store, "pipe_terms", window.cutoff, metric="pipe_price")
    if not terms.empty:
        terms = closed_by(terms, window.cutoff, interval="1d")  # known at the day's close
    if terms.empty:
        return Unavailable(reason="no PIPE terms published by the as-of day"), {}
    latest = terms.sort_values("time", kind="stable").groupby("company", sort=False).tail(1)
    rows = sorted(
        (_compare(store, window, _term_row(term)) for _, term in latest.iterrows()), key=_order
    )
    compared = [r for r in rows if isinstance(r, PipeCompared)]
    kind = PipeTerms if compared else PipeTermsNotCompared
    data = kind(
        companies=tuple(rows),
        below=sum(1 for r in compared if r.vs_pipe_pct < 0),
        compared=len(compared),
    )
    return data, {}
