"""The charts traders expect beside the facts: OI by exchange, funding over time, long/short
over time and ETF flows per fund (frames for ``_charts``; small JSON blocks for report.json).

Each reads only rows known at the cutoff (``time < cutoff``) over a look-back window.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from liqcascade.data import annualised_funding
from liqcascade.report._access import Readable, read_known
from liqcascade.report._block import Available, Unavailable
from liqcascade.report._window import ReportWindow

LOOKBACK = pd.Timedelta(days=30)
TOP_VENUES = 8


@dataclass(frozen=True)
class VenueOpenInterest:
    """One venue's open interest (USD) and its share of the total (FRACTION)."""

    exchange: str
    oi_usd: float
    share: float


@dataclass(frozen=True)
class OpenInterestByExchange(Available):
    """``open_interest_by_exchange``: the largest venues' OI at the last bar before the cutoff."""

    asset: str
    time: str
    total_usd: float
    venues: tuple[VenueOpenInterest, ...]


@dataclass(frozen=True)
class FundFlow:
    """One ETF fund's net flow over the week (USD)."""

    asset: str
    fund: str
    week_usd: float


@dataclass(frozen=True)
class EtfByFund(Available):
    """``etf_flows_by_fund``: the week's net flow per fund (funds with no flow left out)."""

    funds: tuple[FundFlow, ...]


def open_interest_by_exchange(
    store: Readable, window: ReportWindow, asset: str = "BTC"
) -> tuple[OpenInterestByExchange | Unavailable, dict[str, pd.DataFrame]]:
    """Open interest per venue (USD, all margin types) over 30 days; the largest 8 + other."""
    start = window.cutoff - LOOKBACK
    frame = read_known(store, "open_interest", window.cutoff, start=start, symbol=asset)
    if not frame.empty:
        frame = frame[(frame["exchange"] != "all") & (frame["margin"] == "all")]
    if frame.empty:
        return Unavailable(reason=f"no per-exchange open interest for {asset}"), {}
    wide = frame.pivot_table(index="time", columns="exchange", values="close_usd", aggfunc="last")
    wide = wide.sort_index().ffill()
    last = wide.iloc[-1].fillna(0.0).sort_values(ascending=False)
    top, rest = list(last.index[:TOP_VENUES]), list(last.index[TOP_VENUES:])
    table = wide[top].copy()
    if rest:
        table["other"] = wide[rest].sum(axis=1, min_count=1)
    total = float(last.sum())
    venues = tuple(
        VenueOpenInterest(exchange=str(name), oi_usd=float(value), share=float(value) / total)
        for name, value in last.iloc[:TOP_VENUES].items()
    )
    data = OpenInterestByExchange(
        asset=asset, time=f"{wide.index[-1]:%Y-%m-%dT%H:%MZ}", total_usd=total, venues=venues
    )
    return data, {f"oi_exchange_{asset}": table}


def funding_history(store: Readable, window: ReportWindow) -> dict[str, pd.DataFrame]:
    """Per-venue funding, annualised, over 30 days (BTC and ETH perps)."""
    frame = read_known(store, "funding", window.cutoff, start=window.cutoff - LOOKBACK)
    if frame.empty:
        return {}
    frame = frame[(frame["exchange"] != "all") & (frame["weighting"] == "none")]
    frame = frame[frame["interval"] == "8h"]
    if frame.empty:
        return {}
    out = frame.assign(
        asset=frame["symbol"].str.split("/").str[0],
        annualised=annualised_funding(frame["rate"], frame["funding_interval_hours"]),
    )
    return {"funding_history": out[["time", "asset", "exchange", "annualised"]]}


def long_short_history(store: Readable, window: ReportWindow) -> dict[str, pd.DataFrame]:
    """Binance long/short ratios (accounts, top accounts, top positions) over 30 days."""
    frame = read_known(store, "long_short", window.cutoff, start=window.cutoff - LOOKBACK)
    if frame.empty:
        return {}
    wide = frame.pivot_table(index="time", columns=["symbol", "kind"], values="ratio")
    return {"long_short_history": wide.sort_index()}


def etf_by_fund(
    store: Readable, window: ReportWindow
) -> tuple[EtfByFund | Unavailable, dict[str, pd.DataFrame]]:
    """ETF net flows per fund and day in the week (IBIT, FBTC, ETHA...; TOTAL left out).

    Fund codes are tickers as Farside prints them; ``BTC`` and ``ETH`` are the Grayscale mini
    trusts, not the all-fund totals (those are ``TOTAL``).
    """
    frame = read_known(store, "etf_flows", window.cutoff, start=window.week_start)
    if not frame.empty:
        frame = frame[frame["fund"] != "TOTAL"]
    if frame.empty:
        return Unavailable(reason="no per-fund ETF flows in the week"), {}
    week = frame.groupby(["asset", "fund"])["flow_usd"].sum().sort_values()
    funds = tuple(
        FundFlow(asset=asset, fund=fund, week_usd=float(value))
        for (asset, fund), value in week.items()
        if value != 0.0
    )
    table = frame.pivot_table(index="time", columns="fund", values="flow_usd", aggfunc="sum")
    order = frame.groupby("fund")["flow_usd"].apply(lambda s: s.abs().sum()).sort_values()
    return EtfByFund(funds=funds), {"etf_funds": table[order.index[::-1]]}
