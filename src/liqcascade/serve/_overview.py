"""The Overview and Live pages' series, read from the store as known at an as-of time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from liqcascade.data import Store, annualised_funding

DAY = pd.Timedelta(days=1)
TOP_VENUES = 8


def _series(frame: pd.DataFrame, value: str) -> dict[str, list]:
    return {"time": [t.isoformat() for t in frame["time"]], "value": frame[value].tolist()}


def _closed_daily(store: Store, symbol: str, asof: pd.Timestamp) -> pd.DataFrame:
    # a 1d bar (time = open) is known once closed: open + 1 day <= asof
    end = asof - DAY + pd.Timedelta(1, "ns")
    bars = store.candles(symbol, asof - pd.Timedelta(days=500), end, interval="1d",
                         exchange="binance", market="spot")  # fmt: skip
    return bars.reset_index(drop=True) if "time" in bars.columns else bars.reset_index()


def price_block(store: Store, asset: str, asof: pd.Timestamp) -> dict[str, Any]:
    """Daily candles of the last 180 days and the 100-day average of closes."""
    bars = _closed_daily(store, f"{asset}/USDT", asof)
    if bars.empty:
        return {"available": False, "reason": f"no Binance spot {asset}/USDT daily candles"}
    ma = bars["close"].rolling(100).mean()
    recent = bars.iloc[-180:]
    return {
        "available": True,
        "time": [t.isoformat() for t in recent["time"]],
        **{c: recent[c].tolist() for c in ("open", "high", "low", "close")},
        "ma100": [None if np.isnan(v) else float(v) for v in ma.iloc[-180:]],
    }


def open_interest_block(store: Store, asset: str, asof: pd.Timestamp) -> dict[str, Any]:
    """Open interest per venue (USD), the largest venues and the rest as "other"."""
    oi = store.open_interest(asset, asof - pd.Timedelta(days=90), asof + pd.Timedelta(1, "ns"))
    oi = oi[(oi["exchange"] != "all") & (oi["margin"] == "all")]
    if oi.empty:
        return {"available": False, "reason": f"no per-exchange open interest for {asset}"}
    wide = oi.pivot_table(index="time", columns="exchange", values="close_usd", aggfunc="last")
    wide = wide.dropna(how="all").sort_index()
    order = wide.iloc[-1].fillna(0.0).sort_values(ascending=False).index.tolist()
    top, rest = order[:TOP_VENUES], order[TOP_VENUES:]
    series = {venue: wide[venue].tolist() for venue in top}
    if rest:
        series["other"] = wide[rest].sum(axis=1, min_count=1).tolist()
    return {"available": True, "time": [t.isoformat() for t in wide.index], "venues": series}


def funding_block(store: Store, asset: str, asof: pd.Timestamp) -> dict[str, Any]:
    """Funding per venue over 60 days, annualised (rate x settlements per year)."""
    frame = store.funding(None, asof - pd.Timedelta(days=60), asof + pd.Timedelta(1, "ns"))
    frame = frame[(frame["exchange"] != "all") & frame["symbol"].str.startswith(f"{asset}/")]
    frame = frame[frame["interval"] == "8h"]
    if frame.empty:
        return {"available": False, "reason": f"no per-venue funding for {asset}"}
    frame = frame.assign(annual=annualised_funding(frame["rate"], frame["funding_interval_hours"]))
    venues = {
        venue: _series(rows, "annual") for venue, rows in frame.groupby("exchange", sort=True)
    }
    return {"available": True, "venues": venues}


def long_short_block(store: Store, asset: str, asof: pd.Timestamp) -> dict[str, Any]:
    """Binance long/short ratios (accounts, top accounts, top positions) over 60 days."""
    frame = store.long_short(f"{asset}/USDT:USDT", asof - pd.Timedelta(days=60),
                             asof + pd.Timedelta(1, "ns"))  # fmt: skip
    if frame.empty:
        return {"available": False, "reason": f"no long/short ratios for {asset}"}
    kinds = {kind: _series(rows, "ratio") for kind, rows in frame.groupby("kind", sort=True)}
    return {"available": True, "kinds": kinds}


def liquidations_block(store: Store, asset: str, asof: pd.Timestamp) -> dict[str, Any]:
    """Reported 24h liquidations per venue and side (last snapshot) and the estimated band."""
    from liqcascade.leverage import estimate_liquidations

    snap = store.liquidations(asset, asof - pd.Timedelta(days=3), asof + pd.Timedelta(1, "ns"))
    snap = snap[(snap["interval"] == "24h") & (snap["exchange"] != "all")]
    out: dict[str, Any] = {"available": not snap.empty}
    if not snap.empty:
        last = snap[snap["time"] == snap["time"].max()]
        wide = last.pivot_table(index="exchange", columns="liquidated_side",
                                values="notional_usd", aggfunc="sum").fillna(0.0)  # fmt: skip
        wide = wide.reindex(columns=["long", "short"], fill_value=0.0)
        wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
        out["snapshot_time"] = last["time"].iloc[0].isoformat()
        out["venues"] = wide.index.tolist()
        out["long_usd"] = wide["long"].tolist()
        out["short_usd"] = wide["short"].tolist()
    day0 = asof.floor("D")
    try:
        est = estimate_liquidations(store, [f"{asset}/USDT:USDT"], day0 - pd.Timedelta(days=14),
                                    day0, interval="1d", asof=asof)  # fmt: skip
    except Exception as exc:  # the band is optional; say why it is missing
        out["estimated"] = {"available": False, "reason": str(exc).splitlines()[0]}
        return out
    out["estimated"] = {
        "available": not est.empty,
        "time": [t.isoformat() for t in est["time"]],
        **{c: est[c].tolist() for c in est.columns if c.startswith(("estimated_", "reported_"))},
    }
    return out


def overview(store: Store, asset: str, asof: pd.Timestamp) -> dict[str, Any]:
    """Every Overview block for ``asset`` (BTC or ETH) as of ``asof``."""
    from liqcascade.serve._service import plain

    return plain(
        {
            "asset": asset,
            "asof": asof.isoformat(),
            "price": price_block(store, asset, asof),
            "open_interest": open_interest_block(store, asset, asof),
            "funding": funding_block(store, asset, asof),
            "long_short": long_short_block(store, asset, asof),
            "liquidations": liquidations_block(store, asset, asof),
        }
    )


def latest_liquidations(store: Store, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` liquidation rows (any venue, symbol, interval), newest first."""
    frame = store.sql(
        "SELECT time, exchange, symbol, interval, liquidated_side, notional_usd, price, qty, "
        "event_id FROM liquidations ORDER BY time DESC, exchange, symbol LIMIT $n",
        n=int(limit),
    )
    from liqcascade.serve._service import plain

    return plain(frame.to_dict(orient="records"))
