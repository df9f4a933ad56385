"""Walk-forward check of the liquidation map against each large bar's reported liquidations.

Contract (the ``liquidations.<symbol>`` block of ``liqcascade validate --json``):
``n, within_bounds`` — see docs/validation.md.

A bar counts when its excursion from the open — the low for a fall, the high for a rally,
whichever is larger — reaches ``MIN_EXCURSION`` (3 %). The map is built as of the bar's open
(only earlier bars), and its modelled liquidations at the bar's extreme price (longs for a fall,
shorts for a rally) must lie between two measured bounds of that bar: the liquidations Binance
reported (a floor: one venue, throttled) and the all-exchange open-interest drop
(``open_usd - low_usd`` of the all-exchange OI bar: liquidations close positions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade.errors import NoDataError

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store
    from liqcascade.leverage import MapConfig

Progress = Callable[[int, int], None]  # (done, total)

MIN_EXCURSION = 0.03
BAR = pd.Timedelta("4h")
DETAIL_COLUMNS = [
    "time",
    "side",
    "excursion",
    "reported_usd",
    "modelled_usd",
    "oi_drop_usd",
    "within",
]


def large_bars(candles: pd.DataFrame, *, threshold: float = MIN_EXCURSION) -> pd.DataFrame:
    """Bars whose larger excursion from the open reaches ``threshold`` (a fraction).

    Returns
    -------
    DataFrame with time, open, extreme (the low for a fall, the high for a rally), excursion
    (``extreme / open - 1``, negative for a fall) and side (the liquidated side: long for a
    fall, short for a rally). A tie goes to the fall.
    """
    bars = candles.drop_duplicates("time", keep="last").sort_values("time")
    down = bars["low"].to_numpy(dtype=float) / bars["open"].to_numpy(dtype=float) - 1.0
    up = bars["high"].to_numpy(dtype=float) / bars["open"].to_numpy(dtype=float) - 1.0
    fall = -down >= up
    excursion = np.where(fall, down, up)
    out = pd.DataFrame(
        {
            "time": bars["time"].to_numpy(),
            "open": bars["open"].to_numpy(dtype=float),
            "extreme": np.where(fall, bars["low"], bars["high"]).astype(float),
            "excursion": excursion,
            "side": np.where(fall, "long", "short"),
        }
    )
    out["time"] = pd.to_datetime(out["time"], utc=True)
    return out[np.abs(out["excursion"]) >= threshold].reset_index(drop=True)


def within_bounds(reported: np.ndarray, modelled: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``reported <= modelled <= upper`` element-wise (False where any is NaN)."""
    reported, modelled, upper = (np.asarray(a, dtype=float) for a in (reported, modelled, upper))
    with np.errstate(invalid="ignore"):
        return (reported <= modelled) & (modelled <= upper)


def _bounds(store: Store, asset: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    # Per bar: Binance-reported liquidations by side and the all-exchange OI drop (USD).
    from liqcascade.leverage._estimate import REFERENCE_EXCHANGE, bars_by_side

    reported = bars_by_side(
        store.read(
            "liquidations",
            start=start,
            end=end,
            symbol=asset,
            exchange=REFERENCE_EXCHANGE,
            interval="4h",
        )
    ).drop(columns="symbol")
    oi = store.read(
        "open_interest", start=start, end=end, symbol=asset, exchange="all", interval="4h"
    )
    oi = oi[oi["margin"].isin(["all"]) | oi["margin"].isna()].drop_duplicates("time", keep="last")
    drop = pd.DataFrame(
        {"time": oi["time"], "oi_drop_usd": (oi["open_usd"] - oi["low_usd"]).clip(lower=0.0)}
    )
    return drop.merge(reported, on="time", how="left")


def score_liquidations(
    store: Store,
    symbol: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    progress: Progress | None = None,
    config: MapConfig | None = None,
) -> dict[str, Any]:
    """Score the map's modelled liquidations at each |excursion| >= 3 % bar against its bounds.

    Parameters
    ----------
    store
        A store with 4h candles, all-exchange 4h open interest and Binance 4h liquidations.
    symbol
        ccxt symbol (``BTC/USDT:USDT``); its candles are the ones the map uses.
    start, end
        Scored bars ``start <= time < end`` (bar open times, UTC).
    progress
        Called as ``progress(done, total)`` after each large bar.
    config
        Map options (default :class:`liqcascade.leverage.MapConfig`).

    Returns
    -------
    dict with n (large bars with both bounds and a map), within_bounds (share of them with
    reported <= modelled <= OI drop) and detail (per large bar: time, side, excursion,
    reported_usd, modelled_usd, oi_drop_usd, within, as lists; NaN where not scored).
    """
    from liqcascade.leverage import liquidation_map
    from liqcascade.leverage._api import _asset, _candles

    asset = _asset(symbol)
    try:
        candles = _candles(store, symbol, asset, start, end)
    except NoDataError:
        candles = pd.DataFrame(columns=["time", "open", "high", "low", "close"])
    bars = large_bars(candles)
    bars = bars.merge(_bounds(store, asset, start, end), on="time", how="left")
    modelled = np.full(len(bars), np.nan)
    for i, bar in enumerate(bars.itertuples(index=False)):
        try:
            lmap = liquidation_map(store, symbol, bar.time, config=config)
        except NoDataError:
            lmap = None
        if lmap is not None:
            modelled[i] = lmap.liquidated_by(bar.extreme / lmap.price - 1.0)
        if progress is not None:
            progress(i + 1, len(bars))
    side_is_long = (bars["side"] == "long").to_numpy()
    reported = np.where(side_is_long, bars.get("long", np.nan), bars.get("short", np.nan))
    # A bar Binance reported nothing for has a floor of 0; a bar without OI is not scored.
    reported = np.where(np.isfinite(bars["oi_drop_usd"]), np.nan_to_num(reported), np.nan)
    detail = pd.DataFrame(
        {
            "time": bars["time"],
            "side": bars["side"],
            "excursion": bars["excursion"],
            "reported_usd": reported,
            "modelled_usd": modelled,
            "oi_drop_usd": bars["oi_drop_usd"].to_numpy(dtype=float),
        }
    )
    scored = np.isfinite(detail[["reported_usd", "modelled_usd", "oi_drop_usd"]]).all(axis=1)
    detail["within"] = within_bounds(
        detail["reported_usd"], detail["modelled_usd"], detail["oi_drop_usd"]
    )
    n = int(scored.sum())
    share = float(detail.loc[scored, "within"].mean()) if n else float("nan")
    return {
        "n": n,
        "within_bounds": share,
        "detail": {
            "time": [t.isoformat() for t in detail["time"]],
            **{c: detail[c].tolist() for c in DETAIL_COLUMNS[1:]},
            "scored": scored.tolist(),
        },
    }
