"""Store-level entry points: load the frames the DataFrame cores need, then call them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from liqcascade._time import to_utc
from liqcascade.errors import InputError, NoDataError
from liqcascade.leverage._config import MapConfig
from liqcascade.leverage._estimate import REFERENCE_EXCHANGE, estimate_frame
from liqcascade.leverage._map import LiquidationMap, map_from_frames

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
    frames = []
    for name in names:
        asset = _asset(name)
        reported = store.read(
            "liquidations", symbol=asset, exchange=REFERENCE_EXCHANGE, interval="4h"
        )
        if reported.empty:
            raise NoDataError(
                f"no {REFERENCE_EXCHANGE} 4h liquidations for {asset} in {store!r}; import "
                "them (liqcascade data import ...) or load the bundled sample"
            )
        oi = store.read("open_interest", symbol=asset, exchange="all", interval="4h")
        complete = store.read("liquidations", symbol=asset, interval="1d", coverage="complete")
        est = estimate_frame(
            reported,
            snapshots,
            open_interest=oi,
            complete=complete,
            start=start,
            end=end,
            interval=interval,
            asof=asof,
        )
        est["symbol"] = name
        est["reported_binance_long_usd"] = est["reported_long_usd"]
        est["reported_binance_short_usd"] = est["reported_short_usd"]
        frames.append(est)
    out = pd.concat(frames, ignore_index=True).reindex(columns=ESTIMATE_COLUMNS)
    out["floored"] = out["floored"].astype("boolean").fillna(False).astype(bool)
    return (
        out.reindex(columns=ESTIMATE_COLUMNS).sort_values(["time", "symbol"]).reset_index(drop=True)
    )


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
) -> dict[str, pd.DataFrame]:
    """Read what the map needs from the store, limited to the look-back window before ``asof``."""
    asset = _asset(symbol)
    start = asof - pd.Timedelta(days=config.lookback_days) - pd.Timedelta("4h")
    oi = store.read(
        "open_interest", start=start, end=asof, symbol=asset, exchange="all", interval="4h"
    )
    if oi.empty:
        raise NoDataError(
            f"no all-exchange 4h open interest for {asset} before {asof.isoformat()}; import it "
            "(Coinglass oi_allexch_ohlc_4h) or load the sample"
        )
    oi = oi[oi["margin"].isin(["all"]) | oi["margin"].isna()]
    return {
        "candles": _candles(store, symbol, asset, start, asof),
        "open_interest": oi,
        "long_short": store.read(
            "long_short", start=start, end=asof, symbol=symbol, kind=config.long_short_kind
        ),
        "funding": store.read(
            "funding", start=start, end=asof, symbol=asset, exchange="all", weighting="oi"
        ),
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
    return map_from_frames(
        frames["candles"],
        frames["open_interest"],
        symbol=symbol,
        asof=asof_ts,
        long_short=frames["long_short"],
        funding=frames["funding"],
        config=config,
    )
