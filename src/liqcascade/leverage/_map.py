"""The liquidation map on DataFrames: a position book rebuilt from open-interest changes.

See ``docs/leverage.md`` for the model. This module is store-free: it takes frames in the
store's schemas (already filtered to one instrument) and an as-of time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._compat.numba import readonly
from liqcascade._time import closed_by, to_utc
from liqcascade.errors import InputError, NoDataError
from liqcascade.leverage._book import run_book
from liqcascade.leverage._config import MapConfig, dated_prior
from liqcascade.leverage._liqprice import cohort_liquidation_prices, ladder_liquidation_prices
from liqcascade.margin import _positions as schema

BAR = pd.Timedelta("4h")
ENTRY_POINTS = ("low", "close", "high")
MARGIN_MODES = schema.MARGIN_MODES
MIN_POSITION_SHARE = 1e-6
# The position-book contract (margin._positions) plus the map's own opened_at and leverage.
BOOK_COLUMNS = (*schema.SIM_REQUIRED, "margin_mode", "liquidation_price")
POSITION_COLUMNS = [*BOOK_COLUMNS, "opened_at", "leverage"]


@dataclass(frozen=True)
class LiquidationMap:
    """Where open positions would be liquidated, as of a time.

    Attributes
    ----------
    symbol
        The instrument (ccxt form).
    asof
        Only bars closed by this time were used.
    price
        Close of the last closed bar.
    grid
        Long format: time (bar open; the book after that bar closed), price (bin centre),
        price_low, price_high, long_usd, short_usd (notional at the liquidation price).
    curve
        move_pct (a FRACTION of ``price``: -0.05 is a 5 % drop), price, long_usd (longs liquidated
        by a drop to that price), short_usd (shorts liquidated by a rise to it).
    positions
        The book at ``asof``: venue, symbol, side, size (base units), entry_price, collateral
        (USD), margin_mode, liquidation_price, opened_at, leverage. Each row aggregates many
        accounts; its liquidation price was computed for one representative position.
    config
        The options used.
    bracket_source
        Which margin rules priced the positions.
    bars
        Per bar: time, open, high, low, close, oi_usd, long_fraction, predicted
        liquidations (liquidated_long_usd, liquidated_short_usd) from the book before the bar.
    sources, missing
        The series the map was built from, and the inputs the store lacked (each with the
        command that fills it); set by :func:`liquidation_map`.
    """

    symbol: str
    asof: pd.Timestamp
    price: float
    grid: pd.DataFrame
    curve: pd.DataFrame
    positions: pd.DataFrame
    bars: pd.DataFrame
    config: MapConfig = field(default_factory=MapConfig)
    bracket_source: str = ""
    sources: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # dated constants not used as of ``asof`` (and what was)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: asof, price, grid (matrices time x price) and curve rows."""
        times = sorted(self.grid["time"].unique())
        prices = np.sort(self.grid["price"].unique())
        shape = (len(times), len(prices))
        return {
            "symbol": self.symbol,
            "asof": self.asof.isoformat(),
            "price": self.price,
            "notes": list(self.notes),
            "grid": {
                "time": [pd.Timestamp(t).isoformat() for t in times],
                "price": prices.tolist(),
                "long_usd": self.grid["long_usd"].to_numpy().reshape(shape).tolist(),
                "short_usd": self.grid["short_usd"].to_numpy().reshape(shape).tolist(),
            },
            "curve": [
                {"move_pct": r.move_pct, "long_usd": r.long_usd, "short_usd": r.short_usd}
                for r in self.curve.itertuples(index=False)
            ],
            "sources": list(self.sources),
            "missing": list(self.missing),
        }

    def liquidated_by(self, move: float) -> float:
        """Return the USD liquidated by a move of ``move`` (a fraction: -0.05 = a 5 % drop)."""
        return _curve_at(self.positions, self.price, np.array([move]))[int(move > 0)][0]

    def write_html(self, path: str | Path) -> Path:
        """Write the interactive heatmap to ``path`` (plotly.js embedded: works offline)."""
        from liqcascade.leverage._html import write_html

        return write_html(self, path)


def market_bars(
    candles: pd.DataFrame,
    open_interest: pd.DataFrame,
    *,
    asof: pd.Timestamp,
    lookback: pd.Timedelta,
    long_short: pd.DataFrame | None = None,
    funding: pd.DataFrame | None = None,
    funding_tilt: float = 0.0005,
) -> pd.DataFrame:
    """Align 4h candles, all-exchange OI and the long share on bars closed by ``asof``.

    Returns
    -------
    DataFrame: time, open, high, low, close, oi_usd, long_fraction.
    """
    first = asof - lookback

    def closed(frame: pd.DataFrame) -> pd.DataFrame:
        return closed_by(frame[frame["time"] >= first], asof, default=BAR)

    price = closed(candles)[["time", "open", "high", "low", "close"]]
    oi = closed(open_interest)[["time", "close_usd"]].rename(columns={"close_usd": "oi_usd"})
    bars = price.merge(oi, on="time", how="inner").dropna()
    bars = bars.drop_duplicates("time", keep="last").sort_values("time").reset_index(drop=True)
    bars = bars[(bars[["high", "low", "close", "oi_usd"]] > 0).all(axis=1)].reset_index(drop=True)
    if len(bars) < 2:
        raise NoDataError(
            f"fewer than 2 closed 4h bars with both price and all-exchange open interest before "
            f"{asof.isoformat()}; import 4h candles and open_interest (exchange=all) for it"
        )
    bars["long_fraction"] = _long_fraction(bars, long_short, funding, funding_tilt, closed)
    return bars


def _long_fraction(bars, long_short, funding, funding_tilt, closed) -> np.ndarray:
    # The latest long/short reading at or before each bar (it closes with the bar); funding
    # tilts 0.5 where no ratio is known; 0.5 when neither is.
    fraction = pd.Series(np.nan, index=bars.index)
    if long_short is not None and not long_short.empty:
        ls = closed(long_short)[["time", "long_fraction"]].dropna().sort_values("time")
        if not ls.empty:
            fraction = pd.merge_asof(bars[["time"]], ls, on="time")["long_fraction"]
    if funding is not None and not funding.empty and fraction.isna().any():
        fd = closed(funding)[["time", "rate", "funding_interval_hours"]].dropna(subset=["rate"])
        if not fd.empty:
            from liqcascade.data import rate_per_8h

            per_8h = rate_per_8h(fd["rate"], fd["funding_interval_hours"])
            fd = pd.DataFrame(
                {"time": fd["time"], "tilt": 0.5 + 0.1 * np.tanh(per_8h / funding_tilt)}
            )
            tilt = pd.merge_asof(bars[["time"]], fd.sort_values("time"), on="time")["tilt"]
            fraction = fraction.fillna(tilt)
    return fraction.fillna(0.5).clip(0.05, 0.95).to_numpy(dtype=float)


@dataclass(frozen=True)
class _Cohorts:
    is_long: np.ndarray
    entry: np.ndarray
    leverage: np.ndarray
    cross: np.ndarray
    share: np.ndarray
    bar: np.ndarray


def build_cohorts(bars: pd.DataFrame, config: MapConfig) -> _Cohorts:
    """Lay out one cohort per (bar, side, entry point, leverage, margin mode), bar-major."""
    lev = np.array([b.leverage for b in config.leverage_prior])
    lev_w = np.array([b.weight for b in config.leverage_prior]) / sum(
        b.weight for b in config.leverage_prior
    )
    entry_w = np.asarray(config.entry_weights) / sum(config.entry_weights)
    mode_w = np.array([1.0 - config.cross_fraction, config.cross_fraction])
    # template axes: side(2) x entry(3) x leverage(B) x mode(2)
    side_t, entry_t, lev_t, mode_t = np.meshgrid(
        [True, False], np.arange(3), np.arange(len(lev)), np.arange(2), indexing="ij"
    )
    side_t, entry_t, lev_t, mode_t = (a.ravel() for a in (side_t, entry_t, lev_t, mode_t))
    share_t = entry_w[entry_t] * lev_w[lev_t] * mode_w[mode_t]
    n_bars, per_bar = len(bars), len(side_t)
    points = bars[list(ENTRY_POINTS)].to_numpy(dtype=float)  # (n_bars, 3)
    return _Cohorts(
        is_long=np.tile(side_t, n_bars),
        entry=points[:, entry_t].ravel(),
        leverage=np.tile(lev[lev_t], n_bars),
        cross=np.tile(mode_t == 1, n_bars),
        share=np.tile(share_t, n_bars),
        bar=np.repeat(np.arange(n_bars), per_bar),
    )


def simulate_book(
    bars: pd.DataFrame,
    cohorts: _Cohorts,
    liq_px: np.ndarray,
    *,
    edges: np.ndarray,
    grid_start: int,
    turnover: float = 0.0,
    at_risk_share: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the book kernel; return final sizes, per-bar liquidations and the heatmap."""
    close = bars["close"].to_numpy(dtype=float)
    oi_base = bars["oi_usd"].to_numpy(dtype=float) / close
    long_fraction = bars["long_fraction"].to_numpy(dtype=float)
    # Every contract has a long and a short; the long/short ratio tilts where leverage sits.
    target_long = 2.0 * long_fraction * oi_base * at_risk_share
    target_short = 2.0 * (1.0 - long_fraction) * oi_base * at_risk_share
    n_bins = len(edges) - 1
    bin_of = np.searchsorted(edges, liq_px, side="right") - 1
    bin_of = np.where((bin_of >= 0) & (bin_of < n_bins), bin_of, -1).astype(np.int64)
    inputs = (
        np.ascontiguousarray(cohorts.is_long, dtype=np.bool_),
        np.ascontiguousarray(liq_px, dtype=np.float64),
        np.ascontiguousarray(cohorts.share, dtype=np.float64),
        bars["high"].to_numpy(dtype=np.float64),
        bars["low"].to_numpy(dtype=np.float64),
        np.ascontiguousarray(target_long),
        np.ascontiguousarray(target_short),
        np.full(len(bars), turnover),
        bin_of,
    )
    # read-only inputs: one compile of the kernel whichever arrays pandas hands out
    size, liquidated, _opened, grid = run_book(*readonly(inputs), int(grid_start), int(n_bins))
    return size, liquidated, grid


def _curve_at(positions: pd.DataFrame, price: float, moves: np.ndarray) -> tuple[np.ndarray, ...]:
    notional = (positions["size"] * positions["liquidation_price"]).to_numpy(dtype=float)
    px = positions["liquidation_price"].to_numpy(dtype=float)
    is_long = (positions["side"] == "long").to_numpy()
    levels = price * (1.0 + moves)
    long_px, long_n = px[is_long], notional[is_long]
    short_px, short_n = px[~is_long], notional[~is_long]
    long_usd = np.array(
        [long_n[long_px >= lv].sum() if m < 0 else 0.0 for lv, m in zip(levels, moves, strict=True)]
    )
    short_usd = np.array(
        [
            short_n[short_px <= lv].sum() if m > 0 else 0.0
            for lv, m in zip(levels, moves, strict=True)
        ]
    )
    return long_usd, short_usd


def cumulative_curve(positions: pd.DataFrame, price: float, config: MapConfig) -> pd.DataFrame:
    """Cumulative notional liquidated by a move from ``price`` (drops: longs; rises: shorts)."""
    steps = round(config.curve_max / config.curve_step)
    moves = np.arange(-steps, steps + 1) * config.curve_step
    long_usd, short_usd = _curve_at(positions, price, moves)
    return pd.DataFrame(
        {
            "move_pct": np.round(moves, 8),
            "price": price * (1.0 + moves),
            "long_usd": long_usd,
            "short_usd": short_usd,
        }
    )


def _grid_frame(grid: np.ndarray, times: pd.Series, edges: np.ndarray) -> pd.DataFrame:
    n_t, n_b, _ = grid.shape
    centres = (edges[:-1] + edges[1:]) / 2.0
    return pd.DataFrame(
        {
            "time": np.repeat(times.to_numpy(), n_b),
            "price": np.tile(centres, n_t),
            "price_low": np.tile(edges[:-1], n_t),
            "price_high": np.tile(edges[1:], n_t),
            "long_usd": grid[:, :, 0].ravel(),
            "short_usd": grid[:, :, 1].ravel(),
        }
    )


def _positions_frame(
    bars: pd.DataFrame,
    cohorts: _Cohorts,
    liq_px: np.ndarray,
    size: np.ndarray,
    *,
    symbol: str,
    config: MapConfig,
) -> pd.DataFrame:
    # Churn and pro-rata closing leave old cohorts with vanishing sizes; keep the ones that
    # hold at least MIN_POSITION_SHARE of their side's notional.
    notional = size * cohorts.entry
    side_total = np.where(
        cohorts.is_long, notional[cohorts.is_long].sum(), notional[~cohorts.is_long].sum()
    )
    alive = (size > 0.0) & (notional >= MIN_POSITION_SHARE * side_total)
    margin = size * cohorts.entry / cohorts.leverage
    collateral = np.where(cohorts.cross, margin * config.cross_collateral_multiple, margin)
    frame = pd.DataFrame(
        {
            "venue": config.venue,
            "symbol": symbol,
            "side": np.where(cohorts.is_long, "long", "short")[alive],
            "size": size[alive],
            "entry_price": cohorts.entry[alive],
            "collateral": collateral[alive],
            "margin_mode": np.where(cohorts.cross, "cross", "isolated")[alive],
            "liquidation_price": liq_px[alive],
            "opened_at": bars["time"].to_numpy()[cohorts.bar[alive]],
            "leverage": cohorts.leverage[alive],
        },
        columns=POSITION_COLUMNS,
    )
    schema.check_book(frame, required=BOOK_COLUMNS, what="map positions")
    return frame


def _drop_unopenable(
    cohorts: _Cohorts, liq_px: np.ndarray, source: str
) -> tuple[_Cohorts, np.ndarray, str]:
    # Cohorts the venue would not open (NaN price: leverage above its maximum) get no share;
    # the rest of their bar and side is renormalised. The layout (bar-major) is kept.
    bad = np.isnan(liq_px)
    if not bad.any():
        return cohorts, liq_px, source
    if bad.all():
        raise InputError(
            f"the margin engine can price none of the cohorts ({source}); lower the leverages "
            "in MapConfig.leverage_prior or pick another venue"
        )
    share = np.where(bad, 0.0, cohorts.share)
    key = cohorts.bar * 2 + (~cohorts.is_long).astype(np.int64)
    totals = np.bincount(key, weights=share)
    share = np.divide(share, totals[key], out=np.zeros_like(share), where=totals[key] > 0)
    dropped = sorted({float(x) for x in cohorts.leverage[bad]})
    fixed = _Cohorts(
        is_long=cohorts.is_long,
        entry=cohorts.entry,
        leverage=cohorts.leverage,
        cross=cohorts.cross,
        share=share,
        bar=cohorts.bar,
    )
    note = f"{source}; not openable there, dropped: {', '.join(f'{x:g}x' for x in dropped)}"
    return fixed, np.where(bad, 0.0, liq_px), note


def map_from_frames(
    candles: pd.DataFrame,
    open_interest: pd.DataFrame,
    *,
    symbol: str,
    asof: object,
    long_short: pd.DataFrame | None = None,
    funding: pd.DataFrame | None = None,
    config: MapConfig | None = None,
    ladder: bool = False,
) -> LiquidationMap:
    """Build the liquidation map from frames of one instrument (the store-free core).

    Parameters
    ----------
    candles
        4h candles of the instrument (``candles`` schema).
    open_interest
        All-exchange 4h open interest of its asset (``open_interest`` schema, ``close_usd``).
    symbol
        ccxt symbol, used for the margin engine's brackets and the output.
    asof
        Only bars closed by this time are used.
    long_short, funding
        Optional long/short ratios and funding rates (their schemas) for the long share.
    config
        Modelling options; defaults to :class:`MapConfig`.
    ladder
        Replace the margin engine by the naive 100x/50x/25x/10x ladder (baseline only).

    Raises
    ------
    NoDataError
        Fewer than two closed bars with price and open interest before ``asof``.
    """
    asof_ts = to_utc(asof, "asof")
    config, notes = dated_prior(config or MapConfig(), asof_ts)
    bars = market_bars(
        candles,
        open_interest,
        asof=asof_ts,
        lookback=pd.Timedelta(days=config.lookback_days),
        long_short=long_short,
        funding=funding,
        funding_tilt=config.funding_tilt,
    )
    if ladder:
        config = config.model_copy(update={"leverage_prior": LADDER_PRIOR, "cross_fraction": 0.0})
        notes = ()
    cohorts = build_cohorts(bars, config)
    if ladder:
        liq_px = ladder_liquidation_prices(cohorts.is_long, cohorts.entry, cohorts.leverage)
        source = "fixed ladder 100x/50x/25x/10x (baseline)"
    else:
        liq_px, source = cohort_liquidation_prices(
            cohorts.is_long,
            cohorts.entry,
            cohorts.leverage,
            cohorts.cross,
            venue=config.venue,
            symbol=symbol,
            at=asof_ts,
            representative_notional_usd=config.representative_notional_usd,
            cross_collateral_multiple=config.cross_collateral_multiple,
            fallback_mmr=config.fallback_mmr,
        )
    cohorts, liq_px, source = _drop_unopenable(cohorts, liq_px, source)
    price = float(bars["close"].iloc[-1])
    edges = np.linspace(
        price * (1 - config.grid_range), price * (1 + config.grid_range), config.grid_bins + 1
    )
    grid_bars = max(round(pd.Timedelta(days=config.grid_days) / BAR), 1)
    grid_start = max(len(bars) - grid_bars, 0)
    size, liquidated, grid = simulate_book(
        bars,
        cohorts,
        liq_px,
        edges=edges,
        grid_start=grid_start,
        turnover=config.turnover_per_bar,
        at_risk_share=config.at_risk_share,
    )
    positions = _positions_frame(bars, cohorts, liq_px, size, symbol=symbol, config=config)
    bars = bars.assign(liquidated_long_usd=liquidated[:, 0], liquidated_short_usd=liquidated[:, 1])
    return LiquidationMap(
        symbol=symbol,
        asof=asof_ts,
        price=price,
        grid=_grid_frame(grid, bars["time"].iloc[grid_start:], edges),
        curve=cumulative_curve(positions, price, config),
        positions=positions,
        bars=bars,
        config=config,
        bracket_source=source,
        notes=notes,
    )


def _ladder_prior() -> tuple:
    from liqcascade.leverage._config import LeverageBucket

    return tuple(LeverageBucket(leverage=x, weight=1.0) for x in (100.0, 50.0, 25.0, 10.0))


LADDER_PRIOR = _ladder_prior()
