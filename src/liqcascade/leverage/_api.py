"""Store-level entry points: load the frames the DataFrame cores need, then call them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from liqcascade._time import to_utc
from liqcascade.errors import InputError, NoDataError
from liqcascade.leverage._config import MapConfig
from liqcascade.leverage._estimate import REFERENCE_EXCHANGE, estimate_frame
from liqcascade.leverage._map import LiquidationMap, map_from_frames
from liqcascade.leverage._sources import (
    FILL,
    all_exchange_funding,
    all_exchange_open_interest,
    collected_bars,
    missing_note,
    observed_lower_bound,
    reference_liquidations,
)

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store

ESTIMATE_COLUMNS = [
    "time",
    "symbol",
    "reported_long_usd",
    "reported_short_usd",
    "estimated_long_p10",
    "estimated_long_p50",
    "estimated_long_p90",
    "estimated_short_p10",
    "estimated_short_p50",
    "estimated_short_p90",
    "reported_binance_long_usd",
    "reported_binance_short_usd",
    "cap_usd",
    "clipped",
    "floor_usd",
    "floored",
]


def _asset(symbol: str) -> str:
    from liqcascade.data import base_asset

    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol={symbol!r}; expected a ccxt symbol like BTC/USDT:USDT")
    return base_asset(symbol)


def estimate_liquidations(
    store: Store,
    symbols: str | Sequence[str],
    start: object = None,
    end: object = None,
    *,
    interval: str = "4h",
    asof: object = None,
) -> pd.DataFrame:
    """Estimate all-exchange liquidated notional per bar and side, with p10/p50/p90.

    Parameters
    ----------
    store
        A :class:`liqcascade.data.Store` holding Binance 4h liquidations and the 24h
        per-exchange snapshots (``load_sample`` provides both for BTC and ETH).
    symbols
        One or more symbols (``BTC/USDT:USDT``, ``ETH``...); each maps to its base asset.
    start, end
        Half-open output range ``start <= time < end`` (None = open).
    interval
        Output bar, 4h or a multiple (``1d``...).
    asof
        Use only bars and snapshot windows closed by this time.

    Returns
    -------
    DataFrame with columns time, symbol (as given), reported_long_usd, reported_short_usd,
    estimated_{long,short}_{p10,p50,p90}, reported_binance_{long,short}_usd (by source),
    cap_usd (open-interest upper bound, NaN if unknown), clipped, floor_usd (the day's
    complete-venue total, NaN if none) and floored.

    Raises
    ------
    NoDataError
        The store has no Binance 4h liquidations for a symbol, or too few snapshots to fit.

    Examples
    --------
    >>> from liqcascade.data import Store, load_sample  # doctest: +SKIP
    >>> store = Store("/tmp/lc"); load_sample(store)  # doctest: +SKIP
    >>> estimate_liquidations(store, "BTC/USDT:USDT", "2025-09-22", "2025-09-26")  # doctest: +SKIP
    """
    names = [symbols] if isinstance(symbols, str) else list(symbols)
    if not names:
        raise InputError("no symbol given; expected at least one, e.g. BTC/USDT:USDT")
    snapshots = store.read("liquidations", interval="24h")
    frames: list[pd.DataFrame] = []
    sources: list[str] = []
    missing: list[str] = []
    for name in names:
        est, used, lacking = _estimate_one(
            store, name, snapshots, start=start, end=end, interval=interval, asof=asof
        )
        frames.append(est)
        sources.extend(s for s in used if s not in sources)
        missing.extend(m for m in lacking if m not in missing)
    out = pd.concat(frames, ignore_index=True).reindex(columns=ESTIMATE_COLUMNS)
    out["floored"] = out["floored"].astype("boolean").fillna(False).astype(bool)
    out = out.sort_values(["time", "symbol"]).reset_index(drop=True)
    out.attrs["sources"], out.attrs["missing"] = tuple(sources), tuple(missing)
    return out


def _estimate_one(
    store: Store, name: str, snapshots: pd.DataFrame, **options: Any
) -> tuple[pd.DataFrame, list[str], list[str]]:
    # The fitted estimator on Binance 4h bars (stored, else built from collected events);
    # without enough 24h snapshots to fit, the sum of the collected venues (a lower bound).
    asset = _asset(name)
    reported = reference_liquidations(store, asset, REFERENCE_EXCHANGE)
    missing = list(reported.missing)
    if not reported.frame.empty:
        oi = store.read("open_interest", symbol=asset, exchange="all", interval="4h")
        complete = store.read("liquidations", symbol=asset, interval="1d", coverage="complete")
        try:
            est = estimate_frame(
                reported.frame, snapshots, open_interest=oi, complete=complete, **options
            )
        except NoDataError as exc:
            missing.append(missing_note("liquidation_snapshots", str(exc)))
        else:
            est["symbol"] = name
            est["reported_binance_long_usd"] = est["reported_long_usd"]
            est["reported_binance_short_usd"] = est["reported_short_usd"]
            used = [*reported.sources, "24h per-exchange liquidation snapshots (fit)"]
            if oi.empty:
                missing.append("all-exchange 4h open interest OHLC: no upper bound per bar")
            return est, used, missing
    collected = collected_bars(store, asset)
    if collected.frame.empty and not reported.frame.empty:
        collected = reported  # the reference venue's own bars: a lower bound as well
    if collected.frame.empty:
        raise NoDataError(
            f"no liquidations for {asset} in {store!r} to estimate from; fill with: "
            f"{FILL['liquidations']}, or load the bundled sample ({'; '.join(missing)})"
        )
    est = observed_lower_bound(collected.frame, reference=REFERENCE_EXCHANGE, **options)
    est["symbol"] = name
    missing.append(
        "a fitted all-exchange multiplier: every quantile is the sum of the collected venues, "
        "a lower bound"
    )
    return est, list(collected.sources), missing


def _candles(store: Store, symbol: str, asset: str, start, end) -> pd.DataFrame:
    # The instrument's own 4h bars (perp, then mark), else its asset's USDT spot 4h bars.
    for sym, market in ((symbol, "perp"), (symbol, "mark"), (f"{asset}/USDT", "spot")):
        frame = store.read(
            "candles", start=start, end=end, symbol=sym, market=market, interval="4h"
        )
        if not frame.empty:
            counts = frame["exchange"].value_counts()
            return frame[frame["exchange"] == counts.index[0]]
    raise NoDataError(
        f"no 4h candles for {symbol} (perp or mark) or {asset}/USDT (spot) before "
        f"{end}; import 4h klines for it"
    )


def load_map_frames(
    store: Store, symbol: str, asof: pd.Timestamp, config: MapConfig
) -> dict[str, Any]:
    """Read what the map needs from the store, limited to the look-back window before ``asof``.

    Returns the frames (candles, open_interest, long_short, funding) and ``sources`` and
    ``missing`` (tuples of str): all-exchange series are built from the venues present
    when the store has no ``exchange=all`` rows (:mod:`liqcascade.leverage._sources`).
    """
    asset = _asset(symbol)
    start = asof - pd.Timedelta(days=config.lookback_days) - pd.Timedelta("4h")
    try:
        candles, no_candles = _candles(store, symbol, asset, start, asof), ""
    except NoDataError as exc:
        candles, no_candles = None, f"; and {exc}"
    oi = all_exchange_open_interest(store, asset, start=start, end=asof, prices=candles)
    if oi.frame.empty:
        raise NoDataError(
            f"no 4h open interest for {asset} before {asof.isoformat()}, all-exchange or per "
            f"venue; fill it with: {FILL['open_interest']}{no_candles}"
        )
    if candles is None:
        raise NoDataError(no_candles.removeprefix("; and "))
    funding = all_exchange_funding(store, asset, start=start, end=asof)
    long_short = store.read(
        "long_short", start=start, end=asof, symbol=symbol, kind=config.long_short_kind
    )
    missing = list(oi.missing) + list(funding.missing)
    if long_short.empty:
        missing.append(
            missing_note("long_short", f"{config.long_short_kind} long/short ratio of {symbol}")
        )
    venue = candles["exchange"].iloc[0]
    market = candles["market"].iloc[0]
    return {
        "candles": candles,
        "open_interest": oi.frame,
        "long_short": long_short,
        "funding": funding.frame,
        "sources": (
            f"{venue} {market} 4h candles of {candles['symbol'].iloc[0]}",
            *oi.sources,
            *funding.sources,
            *((f"{config.long_short_kind} long/short ratio",) if not long_short.empty else ()),
        ),
        "missing": tuple(missing),
    }


def liquidation_map(
    store: Store, symbol: str, asof: object, *, config: MapConfig | None = None
) -> LiquidationMap:
    """Build the liquidation map of ``symbol`` from the bars closed by ``asof``.

    Parameters
    ----------
    store
        A :class:`liqcascade.data.Store` with 4h candles and all-exchange 4h open interest
        (long/short ratios and funding are used when present).
    symbol
        ccxt symbol, e.g. ``BTC/USDT:USDT``.
    asof
        Any time the store covers; only bars closed by then are used.
    config
        Modelling options (:class:`MapConfig`).

    Returns
    -------
    :class:`LiquidationMap` with ``grid``, ``curve`` and ``positions`` (the default book of
    the cascade simulator).

    Raises
    ------
    NoDataError
        Missing candles or open interest before ``asof``.
    """
    config = config or MapConfig()
    asof_ts = to_utc(asof, "asof")
    frames = load_map_frames(store, symbol, asof_ts, config)
    result = map_from_frames(
        frames["candles"],
        frames["open_interest"],
        symbol=symbol,
        asof=asof_ts,
        long_short=frames["long_short"],
        funding=frames["funding"],
        config=config,
    )
    return replace(result, sources=frames["sources"], missing=frames["missing"])
