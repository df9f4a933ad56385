"""All-exchange series from whatever the store has, each named with its sources and gaps.

The models were first fed Coinglass panels (``exchange == "all"`` rows). A store filled only
by ``liqcascade data backfill`` and ``liqcascade collect`` has per-venue rows instead; these
helpers build the all-exchange series from the venues present and say what they lack:

- open interest: the panel's ``all`` 4h OHLC, else the SUM of every venue's 4h open interest
  of the asset (all its contracts and margins), on the bars every such venue covers;
- funding: the panel's OI-weighted ``all`` rate, else the plain MEAN over venues of each
  venue's rate per 8 h;
- liquidations: Binance 4h aggregates, else 4h bars of the liquidation events ``collect`` or
  ``data import <venue>-ws`` stored.

Each builder returns a :class:`Sourced` (frame, sources, missing) and never raises for
missing data: an empty frame says "none", ``missing`` says what would fill it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store

BAR = pd.Timedelta("4h")
# What fills each missing input (shown to the user beside the gap).
FILL = {
    "open_interest": (
        "liqcascade data backfill --exchange <venue> --symbol <ccxt symbol> --what oi, "
        "or liqcascade data import coinglass <oi_allexch_ohlc_4h.csv>"
    ),
    "funding": "liqcascade data backfill --exchange <venue> --symbol <ccxt symbol> --what funding",
    "liquidations": "liqcascade collect --exchange binance --exchange bybit --exchange okx",
    "liquidation_snapshots": (
        "liqcascade data import coinglass <liq_by_exchange_24h_snapshots.csv>"
    ),
    "long_short": "liqcascade data import binance-metrics <BTCUSDT-metrics-*.csv>",
    "depth": "liqcascade data import binance-bookdepth <BTCUSDT-bookDepth-*.csv>",
    "candles": "liqcascade data backfill --exchange binance --symbol <ccxt symbol> --what ohlcv",
}


@dataclass(frozen=True)
class Sourced:
    """A series with the sources it was built from and what it lacks (with how to fill it)."""

    frame: pd.DataFrame
    sources: tuple[str, ...]
    missing: tuple[str, ...] = ()


def missing_note(what: str, detail: str) -> str:
    """``"<detail> (fill: <command>)"`` for the dataset ``what`` of :data:`FILL`."""
    return f"{detail} (fill: {FILL[what]})"


def _base(symbol: object) -> str:
    text = str(symbol).upper()
    return text.split("/", 1)[0] if "/" in text else text


def _of_asset(frame: pd.DataFrame, asset: str) -> pd.DataFrame:
    return frame[[_base(s) == asset for s in frame["symbol"]]] if len(frame) else frame


def _venue_oi_usd(rows: pd.DataFrame, prices: pd.DataFrame | None) -> pd.Series:
    # USD open interest per row; where a venue gave base units only, base x the bar's close.
    usd = rows["close_usd"].astype(float)
    if prices is not None and not prices.empty and usd.isna().any():
        close = prices.drop_duplicates("time", keep="last").set_index("time")["close"]
        usd = usd.fillna(rows["close_base"].astype(float) * rows["time"].map(close))
    return usd


def all_exchange_open_interest(
    store: Store,
    asset: str,
    *,
    start: Any = None,
    end: Any = None,
    prices: pd.DataFrame | None = None,
) -> Sourced:
    """All-exchange 4h open interest of ``asset`` (``open_interest`` schema, ``exchange=all``).

    The stored ``all`` rows when there are any; else the sum over venues of their 4h rows
    (``close_usd``; ``close_base x close`` of ``prices`` where a venue gave no USD value),
    on the bars every summed venue covers. A sum has no intrabar high/low (NaN): the
    estimator then has no open-interest cap.
    """
    stored = store.read(
        "open_interest", start=start, end=end, symbol=asset, exchange="all", interval="4h"
    )
    stored = stored[stored["margin"].isin(["all"]) | stored["margin"].isna()]
    if not stored.empty:
        origin = sorted({str(s) for s in stored["source"].dropna()})[:1]
        return Sourced(stored, (f"all-exchange 4h open interest ({', '.join(origin) or 'store'})",))
    rows = store.read("open_interest", start=start, end=end, interval="4h")
    rows = _of_asset(rows[rows["exchange"] != "all"], asset)
    rows = rows.assign(usd=_venue_oi_usd(rows, prices)).dropna(subset=["usd"])
    if rows.empty:
        gap = missing_note("open_interest", f"no 4h open interest for {asset} from any venue")
        return Sourced(rows.iloc[:0], (), (gap,))
    per_venue = rows.groupby(["time", "exchange"])["usd"].sum().unstack("exchange")
    per_venue = per_venue.dropna()  # bars every venue covers: the sum never jumps by a venue
    venues = list(per_venue.columns)
    contracts = rows.groupby("exchange")["symbol"].unique()
    total = per_venue.sum(axis=1)
    frame = pd.DataFrame(
        {
            "time": total.index,
            "exchange": "all",
            "symbol": asset,
            "interval": "4h",
            "margin": "all",
            "open_usd": np.nan,
            "high_usd": np.nan,
            "low_usd": np.nan,
            "close_usd": total.to_numpy(dtype=float),
            "close_base": np.nan,
            "source": "sum of venues: " + ", ".join(venues),
        }
    ).reset_index(drop=True)
    named = [f"{v} ({', '.join(sorted(map(str, contracts[v])))})" for v in venues]
    gap = (
        "all-exchange open interest (Coinglass panel): the sum covers only "
        f"{', '.join(venues)}, so it understates the market; no intrabar high/low"
    )
    return Sourced(frame, (f"sum of venue 4h open interest: {'; '.join(named)}",), (gap,))


def all_exchange_funding(
    store: Store, asset: str, *, start: Any = None, end: Any = None
) -> Sourced:
    """Cross-venue funding of ``asset`` (``funding`` schema, rate per ``funding_interval_hours``).

    The stored OI-weighted ``all`` rows, else the mean over venues of each venue's rate
    converted to 8 h (one row per funding time, ``funding_interval_hours = 8``).
    """
    stored = store.read(
        "funding", start=start, end=end, symbol=asset, exchange="all", weighting="oi"
    )
    if not stored.empty:
        return Sourced(stored, ("all-exchange OI-weighted funding",))
    rows = store.read("funding", start=start, end=end)
    rows = _of_asset(rows[rows["exchange"] != "all"], asset).dropna(subset=["rate"])
    if rows.empty:
        return Sourced(rows.iloc[:0], (), (missing_note("funding", f"no funding for {asset}"),))
    from liqcascade.data import rate_per_8h

    per_8h = rows.assign(
        rate=rate_per_8h(rows["rate"].astype(float), rows["funding_interval_hours"])
    )
    mean = per_8h.groupby("time")["rate"].mean()
    venues = sorted(rows["exchange"].unique())
    frame = pd.DataFrame(
        {
            "time": mean.index,
            "exchange": "all",
            "symbol": asset,
            "interval": "8h",
            "weighting": "none",
            "rate": mean.to_numpy(dtype=float),
            "rate_high": np.nan,
            "rate_low": np.nan,
            "funding_interval_hours": 8.0,
            "source": "mean of venues: " + ", ".join(venues),
        }
    ).reset_index(drop=True)
    gap = "OI-weighted all-exchange funding: an unweighted mean of the venues present is used"
    return Sourced(frame, (f"mean funding per 8 h of {', '.join(venues)}",), (gap,))


def event_bars(events: pd.DataFrame, asset: str) -> pd.DataFrame:
    """Sum single liquidation events into 4h bars per venue and side (``liquidations`` rows).

    A bar's ``time`` is its open (``floor(time, 4h)``); ``coverage`` is the venue's own
    (``throttled`` for Binance); ``symbol`` is the asset.
    """
    events = events[events["interval"].isna()]
    if events.empty:
        return events.iloc[:0]
    grouped = (
        events.assign(time=events["time"].dt.floor(BAR))
        .groupby(["time", "exchange", "liquidated_side", "coverage"], as_index=False)[
            "notional_usd"
        ]
        .sum()
    )
    return grouped.assign(
        symbol=asset, interval="4h", qty=np.nan, price=np.nan, event_id="",
        source="4h bars of collected events",
    )  # fmt: skip


def reference_liquidations(
    store: Store, asset: str, reference: str, *, start: Any = None, end: Any = None
) -> Sourced:
    """The reference venue's 4h liquidations of ``asset``: stored bars, else collected events.

    ``reference`` is the venue whose feed the estimator scales (Binance).
    """
    bars = store.read("liquidations", start=start, end=end, symbol=asset, exchange=reference,
                      interval="4h")  # fmt: skip
    if not bars.empty:
        return Sourced(bars, (f"{reference} 4h liquidations",))
    events = _of_asset(store.read("liquidations", start=start, end=end, exchange=reference), asset)
    made = event_bars(events, asset)
    if made.empty:
        gap = missing_note("liquidations", f"no {reference} liquidations for {asset}")
        return Sourced(made, (), (gap,))
    return Sourced(made, (f"4h bars of collected {reference} liquidation events",))


def collected_bars(store: Store, asset: str, *, start: Any = None, end: Any = None) -> Sourced:
    """4h bars of every venue's collected liquidation events of ``asset`` (all venues)."""
    events = _of_asset(store.read("liquidations", start=start, end=end), asset)
    made = event_bars(events, asset)
    if made.empty:
        return Sourced(made, (), (missing_note("liquidations", f"no liquidations for {asset}"),))
    coverage = sorted({f"{e} {c}" for e, c in zip(made["exchange"], made["coverage"], strict=True)})
    return Sourced(made, (f"collected liquidation events: {', '.join(coverage)}",))


__all__ = [
    "FILL",
    "Sourced",
    "all_exchange_funding",
    "all_exchange_open_interest",
    "collected_bars",
    "depth_proxy",
    "event_bars",
    "missing_note",
    "observed_lower_bound",
    "proxy_gap",
    "reference_liquidations",
    "store_depth_proxy",
]


def observed_lower_bound(
    bars: pd.DataFrame, *, reference: str, start: Any, end: Any, asof: Any, interval: str
) -> pd.DataFrame:
    """Per-bar estimate frame when no multiplier can be fitted: what was collected, summed.

    Every quantile is the sum over the collected venues (a LOWER bound of the all-exchange
    total: venues not collected, and Binance's throttling, are missing from it).

    Parameters
    ----------
    bars
        :func:`event_bars` output (4h, per venue and side).
    reference
        The reference venue, reported separately (``reported_binance_*``).
    start, end, asof, interval
        As for :func:`~liqcascade.leverage.estimate_liquidations`.
    """
    from liqcascade._time import closed_by, optional_utc
    from liqcascade.leverage._estimate import in_range, resample

    asof_ts = optional_utc(asof, "asof")
    if asof_ts is not None:
        bars = closed_by(bars, asof_ts, interval=BAR)
    bars = in_range(bars, start, end)
    wide = bars.pivot_table(
        index=["time", "symbol"], columns="liquidated_side", values="notional_usd",
        aggfunc="sum", fill_value=0.0,
    ).reindex(columns=["long", "short"], fill_value=0.0)  # fmt: skip
    ref = bars[bars["exchange"] == reference].pivot_table(
        index=["time", "symbol"], columns="liquidated_side", values="notional_usd",
        aggfunc="sum", fill_value=0.0,
    ).reindex(index=wide.index, columns=["long", "short"], fill_value=0.0)  # fmt: skip
    out = wide.reset_index()[["time", "symbol"]]
    for side in ("long", "short"):
        out[f"reported_{side}_usd"] = wide[side].to_numpy(dtype=float)
        for q in ("p10", "p50", "p90"):
            out[f"estimated_{side}_{q}"] = wide[side].to_numpy(dtype=float)
        out[f"reported_{reference}_{side}_usd"] = ref[side].to_numpy(dtype=float)
    out["cap_usd"] = np.nan
    out["clipped"] = False
    out["floor_usd"] = np.nan
    out["floored"] = False
    return resample(out, interval)


# Measured on the bundled sample (Binance BTC/USDT:USDT perp 4h candles and Coinglass ±1 %
# perp depth, 2024-11 .. 2025-10, 1921 bars): resting ±1 % depth (bid + ask) / the
# Amihud-implied 1 % depth had median 0.074, interquartile range 0.060 .. 0.096.
DEPTH_PER_AMIHUD = 0.074
AMIHUD_BARS = 42  # 7 days of 4h bars


def depth_proxy(candles: pd.DataFrame, asof: pd.Timestamp) -> Sourced:
    """A ±1 % depth row estimated from 4h candles when the store has no depth (a PROXY).

    Amihud's illiquidity ``|log return| / quote volume`` per bar, its median over the last
    :data:`AMIHUD_BARS` closed bars, gives the USD that moved the price 1 %:
    ``0.01 / median``. Resting depth within ±1 % is :data:`DEPTH_PER_AMIHUD` of it (measured),
    split evenly between bid and ask.

    Returns
    -------
    Sourced
        One-row frame (time, bid_usd, ask_usd, exchange, symbol) or an empty one when there are
        fewer than ``AMIHUD_BARS`` closed bars with a quote volume.
    """
    from liqcascade._time import closed_by

    bars = closed_by(candles, asof, default="4h").sort_values("time")
    quote = bars["quote_volume"].astype(float).fillna(bars["volume"] * bars["close"])
    illiquidity = (np.log(bars["close"].astype(float)).diff().abs() / quote).where(quote > 0)
    recent = illiquidity.dropna().tail(AMIHUD_BARS)
    gap = missing_note("depth", "±1 % order-book depth")
    if len(recent) < AMIHUD_BARS or not recent.median() > 0:
        return Sourced(bars.iloc[:0], (), (gap,))
    total = DEPTH_PER_AMIHUD * 0.01 / float(recent.median())
    last = bars.iloc[-1]
    frame = pd.DataFrame(
        {
            "time": [last["time"]],
            "exchange": [last["exchange"]],
            "symbol": [last["symbol"]],
            "bid_usd": [total / 2.0],
            "ask_usd": [total / 2.0],
        }
    )
    source = (
        f"PROXY ±1 % depth: {DEPTH_PER_AMIHUD} x Amihud-implied 1 % depth of {last['exchange']} "
        f"{last['symbol']} 4h candles (last {AMIHUD_BARS} bars)"
    )
    return Sourced(frame, (source,), (gap,))


def store_depth_proxy(store: Store, symbol: str, asof: pd.Timestamp) -> Sourced:
    """:func:`depth_proxy` on the instrument's 4h candles in ``store`` (30 days before ``asof``)."""
    from liqcascade.errors import NoDataError
    from liqcascade.leverage._api import _asset, _candles

    try:
        candles = _candles(store, symbol, _asset(symbol), asof - pd.Timedelta(days=30), asof)
    except NoDataError:
        return Sourced(pd.DataFrame(), (), (missing_note("depth", "±1 % order-book depth"),))
    return depth_proxy(candles, asof)


def proxy_gap(depth_source: str) -> tuple[str, ...]:
    """The missing-depth note when ``depth_source`` names the candle proxy, else nothing."""
    return (missing_note("depth", "±1 % order-book depth"),) if "PROXY" in depth_source else ()
