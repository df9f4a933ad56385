"""Leverage and hedging as reported by venues: liquidations, open interest, funding,
long/short ratios, options put/call open interest and implied volatility (DVOL)."""

from __future__ import annotations

from typing import SupportsFloat

import pandas as pd

from liqcascade._time import interval_length
from liqcascade.report._access import Readable, read_known
from liqcascade.report._window import ReportWindow

ASSETS = ("BTC", "ETH")
HOURS_PER_YEAR = 365.0 * 24.0


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
) -> tuple[dict, dict[str, pd.DataFrame]]:
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
        return {"available": False, "reason": "no liquidations for BTC/ETH in the week"}, {}
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
    data = {
        "available": True,
        "assets": list(ASSETS),
        "reported_source": headline,
        "reported_long_usd": float(totals.at[headline, "long"]),
        "reported_short_usd": float(totals.at[headline, "short"]),
        "by_source": [
            {"source": s, "long_usd": float(r["long"]), "short_usd": float(r["short"])}
            for s, r in totals.iterrows()
        ],
        "by_day": [
            {"date": f"{d:%Y-%m-%d}", "long_usd": float(r["long"]), "short_usd": float(r["short"])}
            for d, r in daily.iterrows()
        ],
        "by_day_by_source": {
            source: [
                {
                    "date": f"{d:%Y-%m-%d}",
                    "long_usd": _num(r.get("long")),
                    "short_usd": _num(r.get("short")),
                }
                for d, r in per_day[source].dropna(how="all").iterrows()
            ]
            for source in key_sources
        },
        "biggest_bar": {
            "time": f"{biggest['time']:%Y-%m-%d %H:%M}",
            "symbol": biggest["symbol"],
            "source": biggest["source"],
            "side": biggest["liquidated_side"],
            "usd": float(biggest["notional_usd"]),
        },
        "note": (
            "reported numbers undercount: Binance publishes at most one liquidation per symbol "
            "per second, and the all-exchange 24h snapshots are sampled once a day with gaps; "
            "a window counts for the UTC day of its midpoint"
        ),
    }
    charted = per_day.loc[:, per_day.columns.get_level_values(0).isin(key_sources)]
    return data, {"liquidations_daily": charted}


def open_interest_section(
    store: Readable, window: ReportWindow
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``open_interest`` block: all-venue OI at the week open and at the as-of close."""
    data: dict[str, object] = {}
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
            data[asset] = {"available": False, "reason": "no all-venue 4h open interest"}
            continue
        first, last = week.iloc[0], week.iloc[-1]
        data[asset] = {
            "available": True,
            "week_open_usd": float(first["open_usd"]),
            "close_usd": float(last["close_usd"]),
            "change_usd": float(last["close_usd"] - first["open_usd"]),
            "change_pct": float(last["close_usd"] / first["open_usd"] - 1.0),
            "last_bar": f"{last['time']:%Y-%m-%d %H:%M}",
        }
        frames[f"oi_{asset}"] = oi.set_index("time")[["close_usd"]]
    return data, frames


def funding_section(store: Readable, window: ReportWindow) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``funding`` block: per-venue funding over the week (mean, last, annualised)."""
    rows = []
    frames: dict[str, pd.DataFrame] = {}
    frame = read_known(store, "funding", window.cutoff, start=window.week_start)
    for asset in ASSETS if not frame.empty else ():
        mine = frame[frame["symbol"].str.split("/").str[0] == asset]
        mine = mine[mine["weighting"] == "none"]
        for (exchange, symbol), group in mine.groupby(["exchange", "symbol"]):
            hours = (
                float(group["funding_interval_hours"].dropna().iloc[-1])
                if group["funding_interval_hours"].notna().any()
                else 8.0
            )
            mean = float(group["rate"].mean())
            rows.append(
                {
                    "asset": asset,
                    "exchange": exchange,
                    "symbol": symbol,
                    "mean_rate": mean,
                    "last_rate": float(group["rate"].iloc[-1]),
                    "interval_hours": hours,
                    "mean_annualised": mean * HOURS_PER_YEAR / hours,
                }
            )
    if not rows:
        return {"available": False, "reason": "no per-venue funding in the week"}, {}
    table = pd.DataFrame(rows)
    frames["funding"] = table
    return {
        "available": True,
        "rates_are": "FRACTION per funding interval; annualised = mean x periods per year",
        "venues": rows,
    }, frames


def long_short_section(store: Readable, window: ReportWindow) -> dict:
    """``long_short`` ratios (Binance BTC perp) at the week open and the as-of close."""
    frame = read_known(store, "long_short", window.cutoff, start=window.week_start)
    if frame.empty:
        return {"available": False, "reason": "no long/short ratios in the week"}
    out = []
    for (exchange, symbol, kind), group in frame.groupby(["exchange", "symbol", "kind"]):
        out.append(
            {
                "exchange": exchange,
                "symbol": symbol,
                "kind": kind,
                "week_open_ratio": float(group["ratio"].iloc[0]),
                "last_ratio": float(group["ratio"].iloc[-1]),
                "last_long_fraction": float(group["long_fraction"].iloc[-1]),
            }
        )
    return {"available": True, "ratios": out}


def options_section(store: Readable, window: ReportWindow) -> tuple[dict, dict[str, pd.DataFrame]]:
    """``options`` block: put/call open-interest ratio (sum over expiries) and BTC DVOL."""
    data: dict[str, object] = {}
    frames: dict[str, pd.DataFrame] = {}
    start = window.week_start - pd.Timedelta(days=60)
    for asset in ASSETS:
        frame = read_known(store, "options", window.cutoff, start=start, asset=asset)
        if frame.empty:
            data[asset] = {"available": False, "reason": "no options data"}
            continue
        oi = frame[frame["metric"].isin(["put_oi", "call_oi"])]
        table = oi.pivot_table(index="time", columns="metric", values="value", aggfunc="sum")
        if not {"put_oi", "call_oi"} <= set(table.columns):
            data[asset] = {"available": False, "reason": "no put/call open interest"}
            continue
        ratio = (table["put_oi"] / table["call_oi"]).dropna()
        before = ratio[ratio.index < window.week_start]
        data[asset] = {
            "available": True,
            "put_call_oi_ratio": float(ratio.iloc[-1]),
            "snapshot": f"{ratio.index[-1]:%Y-%m-%d %H:%M}",
            "ratio_before_week": float(before.iloc[-1]) if len(before) else None,
            "snapshot_before_week": f"{before.index[-1]:%Y-%m-%d %H:%M}" if len(before) else None,
            "change": float(ratio.iloc[-1] - before.iloc[-1]) if len(before) else None,
            "rule": "sum of put OI / sum of call OI (contracts) over all expiries, one snapshot",
        }
        frames[f"put_call_{asset}"] = ratio.to_frame("ratio")
    dvol = read_known(
        store, "candles", window.cutoff, start=start, symbol="BTC-DVOL", market="volatility"
    )
    if dvol.empty:
        data["dvol"] = {"available": False, "reason": "no BTC-DVOL candles"}
    else:
        dvol = dvol.set_index("time")
        week = dvol[dvol.index >= window.week_start]
        level = float(dvol["close"].iloc[-1])
        open_ = float(week["open"].iloc[0]) if len(week) else None
        data["dvol"] = {
            "available": True,
            "asset": "BTC",
            "level": level,
            "week_open": open_,
            "change": None if open_ is None else level - open_,
            "unit": "FRACTION (annualised 30-day implied volatility; 0.45 = 45 vol points)",
        }
        frames["dvol"] = dvol[["close"]]
    return data, frames
