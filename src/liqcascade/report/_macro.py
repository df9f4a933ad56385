"""Macro links and listed treasury companies: rolling correlations, share prices."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from liqcascade.report._access import Readable, daily_closes, read_known
from liqcascade.report._block import Available, Unavailable
from liqcascade.report._window import ReportWindow

MACRO = {"SPX": "S&P 500", "NDX": "Nasdaq-100", "DXY": "US dollar index"}
CRYPTO = {"BTC": "BTC/USDT", "ETH": "ETH/USDT"}
WINDOW = "30D"


@dataclass(frozen=True)
class CorrelationPair:
    """30-day return correlation of a crypto asset with a macro series, now and earlier."""

    asset: str
    macro: str
    macro_name: str
    corr_30d: float
    date: str
    corr_then: float
    then_date: str
    change: float


@dataclass(frozen=True, kw_only=True)
class Macro(Available):
    """``macro``: rolling correlations of BTC/ETH with SPX, NDX and DXY."""

    window: str = "30 calendar days of daily returns on common trading days (>= 15 returns)"
    compare: str = "a year before the as-of day, or the first full window in the data if later"
    pairs: tuple[CorrelationPair, ...]


@dataclass(frozen=True)
class TreasuryStock:
    """One listed treasury company's shares: week change and distance from the YTD high."""

    ticker: str
    currency: str
    close: float
    week_change_pct: float  # FRACTION
    high_ytd: float
    from_ytd_high_pct: float  # FRACTION
    last_day: str


@dataclass(frozen=True, kw_only=True)
class TreasuryStocks(Available):
    """``treasury_stocks``: each company's shares over the week, worst first."""

    rule: str = "week change: last close before Monday to the last close by the as-of day"
    high_label: str
    high_window: str
    companies: tuple[TreasuryStock, ...]


def rolling_correlation(crypto: pd.Series, macro: pd.Series, window: str = WINDOW) -> pd.Series:
    """Rolling correlation of daily returns on the days both series have a close.

    Crypto trades every day, macro on trading days: both are sampled on the macro trading days
    and returns are close-to-close between consecutive common days.
    """
    joined = pd.concat({"crypto": crypto, "macro": macro}, axis=1, join="inner").dropna()
    returns = joined.pct_change().dropna()
    corr = returns["crypto"].rolling(window, min_periods=15).corr(returns["macro"])
    return corr.dropna()


def macro_section(
    store: Readable, window: ReportWindow
) -> tuple[Macro | Unavailable, dict[str, pd.DataFrame]]:
    """``macro`` block: 30-day return correlations now and about a year earlier."""
    start = window.asof - pd.Timedelta(days=450)
    closes = {}
    for asset, symbol in CRYPTO.items():
        daily = daily_closes(store, window.cutoff, symbol=symbol, exchange="binance", market="spot")
        if not daily.empty:
            closes[asset] = daily.loc[daily.index >= start, "close"]
    for ticker in MACRO:
        daily = daily_closes(store, window.cutoff, symbol=ticker, exchange="yahoo", market="macro")
        if not daily.empty:
            closes[ticker] = daily.loc[daily.index >= start, "close"]
    pairs = []
    curves = {}
    for asset in CRYPTO:
        for ticker, name in MACRO.items():
            if asset not in closes or ticker not in closes:
                continue
            corr = rolling_correlation(closes[asset], closes[ticker])
            if corr.empty:
                continue
            year_ago = corr[corr.index <= window.asof - pd.Timedelta(days=365)]
            base = year_ago if len(year_ago) else corr
            then_date = base.index[-1] if len(year_ago) else base.index[0]
            pairs.append(
                CorrelationPair(
                    asset=asset,
                    macro=ticker,
                    macro_name=name,
                    corr_30d=float(corr.iloc[-1]),
                    date=f"{corr.index[-1]:%Y-%m-%d}",
                    corr_then=float(base.loc[then_date]),
                    then_date=f"{then_date:%Y-%m-%d}",
                    change=float(corr.iloc[-1] - base.loc[then_date]),
                )
            )
            curves[f"{asset} vs {ticker}"] = corr
    if not pairs:
        return Unavailable(reason="no overlapping crypto and macro closes"), {}
    return Macro(pairs=tuple(pairs)), {"correlations": pd.DataFrame(curves)}


def treasury_stocks_section(
    store: Readable, window: ReportWindow
) -> tuple[TreasuryStocks | Unavailable, dict[str, pd.DataFrame]]:
    """``treasury_stocks`` block: week change and distance from the year-to-date high per company.

    The high is taken over the as-of day's calendar year up to its close (``high_ytd``); the
    block's ``high_label`` names that year, e.g. "2026 year-to-date high".
    """
    year_start = pd.Timestamp(year=window.asof.year, month=1, day=1, tz="UTC")
    frame = read_known(
        store, "candles", window.cutoff, start=year_start, market="equity", interval="1d"
    )
    if frame.empty:
        return Unavailable(reason="no treasury-company share prices"), {}
    rows = _company_rows(frame.sort_values(["symbol", "time"], kind="stable"), window)
    if not rows:
        return Unavailable(reason="no share prices in the week"), {}
    rows.sort(key=lambda r: r.week_change_pct)
    data = TreasuryStocks(
        high_label=f"{year_start.year} year-to-date high",
        high_window=f"{year_start:%Y-%m-%d} to {window.asof:%Y-%m-%d} close",
        companies=tuple(rows),
    )
    return data, {"treasury_stocks": pd.DataFrame(rows)}


def _company_rows(frame: pd.DataFrame, window: ReportWindow) -> list[TreasuryStock]:
    """One row per ticker with closes both before and in the week (``frame`` sorted by time).

    Done per column over all tickers at once: a per-ticker loop cost ~20 ms a ticker.
    """
    in_week = frame["time"] >= window.week_start
    week = frame[in_week].groupby("symbol").tail(1).set_index("symbol")
    before = frame[~in_week].groupby("symbol").tail(1).set_index("symbol")
    by = frame.groupby("symbol")
    high = by["high"].max().fillna(by["close"].max())  # the close where no high was stored
    currency = by.tail(1).set_index("symbol")["currency"]
    rows = []
    for ticker in sorted(week.index.intersection(before.index)):
        close = float(week.at[ticker, "close"])
        ref = float(before.at[ticker, "close"])
        top = float(high[ticker])
        rows.append(
            TreasuryStock(
                ticker=ticker,
                currency=currency[ticker],
                close=close,
                week_change_pct=close / ref - 1.0,
                high_ytd=top,
                from_ytd_high_pct=close / top - 1.0,
                last_day=f"{week.at[ticker, 'time']:%Y-%m-%d}",
            )
        )
    return rows
