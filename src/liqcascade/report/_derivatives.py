"""Leverage and hedging as reported by venues: liquidations, open interest, funding,
long/short ratios, options put/call open interest and implied volatility (DVOL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import SupportsFloat

import pandas as pd

from liqcascade._time import interval_length
from liqcascade.data import annualised_funding
from liqcascade.data._funding import funding_hours
from liqcascade.report._access import Readable, read_known
from liqcascade.report._block import Available, Unavailable
from liqcascade.report._engines import EstimatedLiquidations
from liqcascade.report._window import ReportWindow

ASSETS = ("BTC", "ETH")
LIQUIDATIONS_NOTE = (
    "reported numbers undercount: Binance publishes at most one liquidation per symbol "
    "per second, and the all-exchange 24h snapshots are sampled once a day with gaps; "
    "a window counts for the UTC day of its midpoint"
)
PUT_CALL_RULE = "sum of put OI / sum of call OI (contracts) over all expiries, one snapshot"
DVOL_UNIT = "FRACTION (annualised 30-day implied volatility; 0.45 = 45 vol points)"


@dataclass(frozen=True)
class SourceTotal:
    """One liquidation source's week total per liquidated side (USD)."""

    source: str
    long_usd: float
    short_usd: float


@dataclass(frozen=True)
class LiquidationDay:
    """Liquidations of one UTC day per liquidated side (USD; None where a source has none)."""

    date: str
    long_usd: float | None
    short_usd: float | None


@dataclass(frozen=True)
class BiggestBar:
    """The single largest liquidation row of the week."""

    time: str
    symbol: str
    source: str
    side: str  # the LIQUIDATED side
    usd: float


@dataclass(frozen=True, kw_only=True)
class Liquidations(Available):
    """``liquidations``: reported BTC+ETH liquidations per source and day, and the estimate.

    ``estimated*`` are filled by the engine block after the section (``dataclasses.replace``).
    """

    assets: tuple[str, ...] = ASSETS
    reported_source: str
    reported_long_usd: float
    reported_short_usd: float
    by_source: tuple[SourceTotal, ...]
    by_day: tuple[LiquidationDay, ...]
    by_day_by_source: dict[str, tuple[LiquidationDay, ...]]
    biggest_bar: BiggestBar
    note: str = LIQUIDATIONS_NOTE
    estimated: EstimatedLiquidations | Unavailable | None = None
    estimated_long_usd: float | None = None  # p50
    estimated_short_usd: float | None = None  # p50


@dataclass(frozen=True, kw_only=True)
class LiquidationsUnavailable(Unavailable):
    """No reported liquidations in the week (the estimate, filled later, may still exist)."""

    reported_long_usd: None = field(default=None, init=False)
    reported_short_usd: None = field(default=None, init=False)
    by_day: tuple[LiquidationDay, ...] = field(default=(), init=False)
    estimated: EstimatedLiquidations | Unavailable | None = None
    estimated_long_usd: float | None = None  # p50
    estimated_short_usd: float | None = None  # p50


@dataclass(frozen=True, kw_only=True)
class AssetOpenInterest(Available):
    """``open_interest.<asset>``: all-venue OI at the week open and the last 4h bar (USD)."""

    week_open_usd: float
    close_usd: float
    change_usd: float
    change_pct: float  # FRACTION
    last_bar: str


@dataclass(frozen=True)
class FundingVenue:
    """One venue's funding over the week (rates are FRACTIONS per funding interval)."""

    asset: str
    exchange: str
    symbol: str
    mean_rate: float
    last_rate: float
    interval_hours: float
    mean_annualised: float


@dataclass(frozen=True, kw_only=True)
class Funding(Available):
    """``funding``: per-venue funding over the week."""

    rates_are: str = "FRACTION per funding interval; annualised = mean x periods per year"
    venues: tuple[FundingVenue, ...]


@dataclass(frozen=True)
class LongShortRatio:
    """One long/short ratio series at the week open and at its last row."""

    exchange: str
    symbol: str
    kind: str
    week_open_ratio: float
    last_ratio: float
    last_long_fraction: float


@dataclass(frozen=True, kw_only=True)
class LongShort(Available):
    """``long_short``: the venues' long/short ratios over the week."""

    ratios: tuple[LongShortRatio, ...]


@dataclass(frozen=True, kw_only=True)
class PutCallRatio(Available):
    """``options.<asset>``: put/call open-interest ratio now and before the week."""

    put_call_oi_ratio: float
    snapshot: str
    ratio_before_week: float | None
    snapshot_before_week: str | None
    change: float | None
    rule: str = PUT_CALL_RULE


@dataclass(frozen=True, kw_only=True)
class Dvol(Available):
    """``options.dvol``: BTC implied volatility (DVOL) now and at the week open (FRACTIONS)."""

    asset: str = "BTC"
    level: float
    week_open: float | None
    change: float | None
    unit: str = DVOL_UNIT


def _num(value: SupportsFloat | None) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _source_name(exchange: str, interval: object, coverage: object) -> str:
    return f"{exchange} {interval or 'events'} ({coverage})"


def _midpoint_day(frame: pd.DataFrame) -> pd.Series:
    """UTC day of each window's midpoint: a 24h window from 20:19 counts for the next day."""
    half = [
        interval_length(i) / 2 if isinstance(i, str) else pd.Timedelta(0) for i in frame["interval"]
    ]
    return (frame["time"] + pd.TimedeltaIndex(half).to_numpy()).dt.normalize()


def liquidations_section(
    store: Readable, window: ReportWindow
) -> tuple[Liquidations | LiquidationsUnavailable, dict[str, pd.DataFrame]]:
    """``liquidations`` block: reported BTC+ETH liquidations in the week, per source and day.

    The headline ("reported") numbers come from the source with the largest weekly total;
    every source is listed with its coverage, because sources overlap and none is complete.
    """
    frames = [
        read_known(store, "liquidations", window.cutoff, start=window.week_start, symbol=asset)
        for asset in ASSETS
    ]
    frame = (
        pd.concat([f for f in frames if not f.empty], ignore_index=True)
        if any(not f.empty for f in frames)
        else pd.DataFrame()
    )
    if frame.empty:
        return LiquidationsUnavailable(reason="no liquidations for BTC/ETH in the week"), {}
    frame = frame.assign(
        source=[
            _source_name(e, i, c)
            for e, i, c in zip(frame["exchange"], frame["interval"], frame["coverage"], strict=True)
        ],
        day=_midpoint_day(frame),
    )
    totals = (
        frame.pivot_table(
            index="source", columns="liquidated_side", values="notional_usd", aggfunc="sum"
        )
        .reindex(columns=["long", "short"])
        .fillna(0.0)
    )
    headline = (totals["long"] + totals["short"]).idxmax()
    per_day = frame.pivot_table(
        index="day", columns=["source", "liquidated_side"], values="notional_usd", aggfunc="sum"
    )
    daily = per_day[headline].reindex(columns=["long", "short"]).dropna(how="all").fillna(0.0)
    key_sources = [
        s
        for s in totals.index
        if s == headline or s.startswith("all ") or "(throttled)" in s or "(complete)" in s
    ]
    biggest = frame.loc[frame["notional_usd"].idxmax()]
    data = Liquidations(
        reported_source=headline,
        reported_long_usd=float(totals.at[headline, "long"]),
        reported_short_usd=float(totals.at[headline, "short"]),
        by_source=tuple(
            SourceTotal(source=s, long_usd=float(r["long"]), short_usd=float(r["short"]))
            for s, r in totals.iterrows()
        ),
        by_day=_days(daily),
        by_day_by_source={source: _days(per_day[source]) for source in key_sources},
        biggest_bar=BiggestBar(
            time=f"{biggest['time']:%Y-%m-%d %H:%M}",
            symbol=biggest["symbol"],
            source=biggest["source"],
            side=biggest["liquidated_side"],
            usd=float(biggest["notional_usd"]),
        ),
    )
    charted = per_day.loc[:, per_day.columns.get_level_values(0).isin(key_sources)]
    return data, {"liquidations_daily": charted}


def _days(per_day: pd.DataFrame) -> tuple[LiquidationDay, ...]:
    """One row per day with any liquidation (columns ``long``/``short``; a side may be absent)."""
    return tuple(
        LiquidationDay(
            date=f"{d:%Y-%m-%d}", long_usd=_num(r.get("long")), short_usd=_num(r.get("short"))
        )
        for d, r in per_day.dropna(how="all").iterrows()
    )


def open_interest_section(
    store: Readable, window: ReportWindow
) -> tuple[dict[str, AssetOpenInterest | Unavailable], dict[str, pd.DataFrame]]:
    """``open_interest`` block: all-venue OI at the week open and at the as-of close."""
    data: dict[str, AssetOpenInterest | Unavailable] = {}
    frames: dict[str, pd.DataFrame] = {}
    start = window.week_start - pd.Timedelta(days=30)
    for asset in ASSETS:
        oi = read_known(
            store,
            "open_interest",
            window.cutoff,
            start=start,
            symbol=asset,
            exchange="all",
            margin="all",
            interval="4h",
        )
        week = oi[oi["time"] >= window.week_start] if not oi.empty else oi
        if week.empty:
            data[asset] = Unavailable(reason="no all-venue 4h open interest")
            continue
        first, last = week.iloc[0], week.iloc[-1]
        data[asset] = AssetOpenInterest(
            week_open_usd=float(first["open_usd"]),
            close_usd=float(last["close_usd"]),
            change_usd=float(last["close_usd"] - first["open_usd"]),
            change_pct=float(last["close_usd"] / first["open_usd"] - 1.0),
            last_bar=f"{last['time']:%Y-%m-%d %H:%M}",
        )
        frames[f"oi_{asset}"] = oi.set_index("time")[["close_usd"]]
    return data, frames


def funding_section(
    store: Readable, window: ReportWindow
) -> tuple[Funding | Unavailable, dict[str, pd.DataFrame]]:
    """``funding`` block: per-venue funding over the week (mean, last, annualised)."""
    rows = []
    frames: dict[str, pd.DataFrame] = {}
    frame = read_known(store, "funding", window.cutoff, start=window.week_start)
    for asset in ASSETS if not frame.empty else ():
        mine = frame[frame["symbol"].str.split("/").str[0] == asset]
        mine = mine[mine["weighting"] == "none"]
        for (exchange, symbol), group in mine.groupby(["exchange", "symbol"]):
            known = group["funding_interval_hours"].dropna()
            hours = funding_hours(float(known.iloc[-1]) if len(known) else float("nan"))
            mean = float(group["rate"].mean())
            rows.append(
                FundingVenue(
                    asset=asset,
                    exchange=exchange,
                    symbol=symbol,
                    mean_rate=mean,
                    last_rate=float(group["rate"].iloc[-1]),
                    interval_hours=hours,
                    mean_annualised=annualised_funding(mean, hours),
                )
            )
    if not rows:
        return Unavailable(reason="no per-venue funding in the week"), {}
    frames["funding"] = pd.DataFrame(rows)
    return Funding(venues=tuple(rows)), frames


def long_short_section(store: Readable, window: ReportWindow) -> LongShort | Unavailable:
    """``long_short`` ratios (Binance BTC perp) at the week open and the as-of close."""
    frame = read_known(store, "long_short", window.cutoff, start=window.week_start)
    if frame.empty:
        return Unavailable(reason="no long/short ratios in the week")
    ratios = tuple(
        LongShortRatio(
            exchange=exchange,
            symbol=symbol,
            kind=kind,
            week_open_ratio=float(group["ratio"].iloc[0]),
            last_ratio=float(group["ratio"].iloc[-1]),
            last_long_fraction=float(group["long_fraction"].iloc[-1]),
        )
        for (exchange, symbol, kind), group in frame.groupby(["exchange", "symbol", "kind"])
    )
    return LongShort(ratios=ratios)


def options_section(
    store: Readable, window: ReportWindow
) -> tuple[dict[str, PutCallRatio | Dvol | Unavailable], dict[str, pd.DataFrame]]:
    """``options`` block: put/call open-interest ratio (sum over expiries) and BTC DVOL."""
    data: dict[str, PutCallRatio | Dvol | Unavailable] = {}
    frames: dict[str, pd.DataFrame] = {}
    start = window.week_start - pd.Timedelta(days=60)
    for asset in ASSETS:
        frame = read_known(store, "options", window.cutoff, start=start, asset=asset)
        if frame.empty:
            data[asset] = Unavailable(reason="no options data")
            continue
        oi = frame[frame["metric"].isin(["put_oi", "call_oi"])]
        table = oi.pivot_table(index="time", columns="metric", values="value", aggfunc="sum")
        if not {"put_oi", "call_oi"} <= set(table.columns):
            data[asset] = Unavailable(reason="no put/call open interest")
            continue
        ratio = (table["put_oi"] / table["call_oi"]).dropna()
        before = ratio[ratio.index < window.week_start]
        data[asset] = PutCallRatio(
            put_call_oi_ratio=float(ratio.iloc[-1]),
            snapshot=f"{ratio.index[-1]:%Y-%m-%d %H:%M}",
            ratio_before_week=float(before.iloc[-1]) if len(before) else None,
            snapshot_before_week=f"{before.index[-1]:%Y-%m-%d %H:%M}" if len(before) else None,
            change=float(ratio.iloc[-1] - before.iloc[-1]) if len(before) else None,
        )
        frames[f"put_call_{asset}"] = ratio.to_frame("ratio")
    dvol = read_known(
        store, "candles", window.cutoff, start=start, symbol="BTC-DVOL", market="volatility"
    )
    if dvol.empty:
        data["dvol"] = Unavailable(reason="no BTC-DVOL candles")
    else:
        dvol = dvol.set_index("time")
        week = dvol[dvol.index >= window.week_start]
        level = float(dvol["close"].iloc[-1])
        open_ = float(week["open"].iloc[0]) if len(week) else None
        data["dvol"] = Dvol(
            level=level, week_open=open_, change=None if open_ is None else level - open_
        )
        frames["dvol"] = dvol[["close"]]
    return data, frames
