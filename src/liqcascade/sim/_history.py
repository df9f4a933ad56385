"""As-of states of one instrument, many as-of times: the store read once, the book built once.

``stress`` needs, as of a time T, the liquidation map's position book, the ±1 % depth row,
the funding rate and the regime (trailing range, past overshoots). Built from scratch that
costs about a second per T; the walk-forward scorer needs thousands of T. :class:`StressHistory`
reads every frame once and advances the liquidation map's book bar by bar
(``leverage._book.advance_book``), so the state at each T costs only the bars since the last.

The book equals ``liquidation_map(store, symbol, T).positions`` as long as the map's look-back
covers every loaded bar (the map's own book also starts at the first bar it sees; churn decays
what an earlier start would add below 1e-12 of the book, so a longer history agrees to float
precision). Liquidation prices are recomputed once per as-of day (the bracket table in force
is dated) and the book is rebuilt from bar 0 when they change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade.errors import NoDataError
from liqcascade.sim._book import Book, book_from_depth_row
from liqcascade.sim._positions import PositionArrays, isolated_bankruptcy
from liqcascade.sim._regime import RegimeTable, har_weights_at, regime_table

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store
    from liqcascade.leverage import LiquidationMap, MapConfig
    from liqcascade.sim._config import StressModel

BAR = pd.Timedelta("4h")


@dataclass(frozen=True)
class AsofState:
    """Everything a stress test starts from, as of ``asof`` (data closed by then only)."""

    asof: pd.Timestamp
    price: float
    positions: PositionArrays
    book: Book
    depth_time: pd.Timestamp
    depth_source: str
    funding_rate_8h: float
    horizon_range: float
    regime: RegimeTable
    known_bars: int
    bracket_source: str
    notes: tuple[str, ...] = ()  # dated constants not used as of ``asof`` (and what was)


def _depth_rows(
    store: Store, symbol: str, end: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Timedelta | None]:
    from liqcascade.data import base_asset

    asset = base_asset(symbol)
    for exchange, sym in (("all", asset), (None, symbol)):
        rows = store.read("depth", end=end, symbol=sym, exchange=exchange, market="perp", band=0.01)
        if not rows.empty:
            rows = rows.sort_values("time").reset_index(drop=True)
            times = rows["time"].drop_duplicates()
            cadence = pd.Timedelta(times.diff().dropna().median()) if len(times) > 1 else None
            return rows, cadence
    return pd.DataFrame(), None  # no depth stored: the state falls back to the candle proxy


def _funding_rows(store: Store, symbol: str, end: pd.Timestamp) -> pd.DataFrame:
    from liqcascade.data import base_asset, rate_per_8h

    rows = store.read("funding", end=end, symbol=base_asset(symbol), exchange="all", weighting="oi")
    if rows.empty:
        return rows
    width = rows["interval"].map({"1h": "1h", "4h": "4h", "8h": "8h", "1d": "1D"}).fillna("8h")
    return pd.DataFrame(
        {
            "known": rows["time"] + pd.to_timedelta(width),
            "rate_8h": rate_per_8h(rows["rate"], rows["funding_interval_hours"]),
        }
    ).sort_values("known", kind="stable")


class StressHistory:
    """Load ``symbol``'s frames up to ``end`` once; hand out :class:`AsofState` for T <= end.

    Call :meth:`state` with non-decreasing times for the incremental book (an earlier T
    rebuilds it from the first bar). ``book``, the map ``liquidation_map(store, symbol, end)``
    of the same store when the caller has it, is the book as of ``end`` (the same bars,
    cohorts and kernel, so the same sizes exactly): :meth:`state` at ``end`` uses it instead
    of running the book again. ``model``: the :class:`~liqcascade.sim.StressModel` whose
    ``window_bars`` and ``season_prior`` shape the regime (default ``StressModel()``); a
    stress run with this history must use the same two (:meth:`check_model`).
    """

    def __init__(
        self,
        store: Store,
        symbol: str,
        *,
        end: object,
        start: object | None = None,
        map_config: MapConfig | None = None,
        insurance_fund_usd: float | None = None,
        book: LiquidationMap | None = None,
        model: StressModel | None = None,
    ) -> None:
        from liqcascade._time import to_utc as utc
        from liqcascade.leverage import MapConfig
        from liqcascade.leverage._api import load_map_frames
        from liqcascade.leverage._config import dated_prior
        from liqcascade.leverage._map import build_cohorts, market_bars
        from liqcascade.sim._config import StressModel
        from liqcascade.sim._stress import DEFAULT_INSURANCE_FUND_USD, insurance_fund_at

        self.symbol = symbol
        self.model = model or StressModel()
        self.end = utc(end, "end")
        # Dated constants must be known at the FIRST as-of this history serves (``start``).
        first = self.end if start is None else utc(start, "start")
        self.config, prior_notes = dated_prior(map_config or MapConfig(), first)
        fund = DEFAULT_INSURANCE_FUND_USD if insurance_fund_usd is None else insurance_fund_usd
        self.insurance_fund_usd, fund_notes = insurance_fund_at(fund, first)
        self.har_weights, har_notes = har_weights_at(first)
        self.notes: tuple[str, ...] = (*prior_notes, *fund_notes, *har_notes)
        frames = load_map_frames(store, symbol, self.end, self.config)
        self.bars = market_bars(
            frames["candles"],
            frames["open_interest"],
            asof=self.end,
            lookback=pd.Timedelta(days=self.config.lookback_days),
            long_short=frames["long_short"],
            funding=frames["funding"],
            funding_tilt=self.config.funding_tilt,
        )
        candles = frames["candles"]
        candles = candles[candles["time"] + BAR <= self.end]
        candles = candles.drop_duplicates("time", keep="last").sort_values("time")
        self.candles = candles.reset_index(drop=True)
        self.regime = regime_table(self.candles, **self._regime_options())
        self.cohorts = build_cohorts(self.bars, self.config)
        self.depth, self._depth_cadence = _depth_rows(store, symbol, self.end)
        self.funding = _funding_rows(store, symbol, self.end)
        self._funding_known = (
            self.funding["known"].to_numpy(dtype="datetime64[ns]")
            if not self.funding.empty
            else np.empty(0, dtype="datetime64[ns]")
        )
        self._bar_close = (self.bars["time"] + BAR).to_numpy(dtype="datetime64[ns]")
        close = self.bars["close"].to_numpy(dtype=float)
        oi_base = self.bars["oi_usd"].to_numpy(dtype=float) / close
        lf = self.bars["long_fraction"].to_numpy(dtype=float)
        share = self.config.at_risk_share
        self._target = (2.0 * lf * oi_base * share, 2.0 * (1.0 - lf) * oi_base * share)
        self._liq_day: pd.Timestamp | None = None
        self._liq_px = np.empty(0)
        self._share = np.empty(0)
        self._source = ""
        self._end_book = None if book is None else self._book_of(book)
        self._reset()

    def _regime_options(self) -> dict[str, Any]:
        """The model's regime window and season prior, and the dated range weights."""
        return {
            "window": self.model.window_bars,
            "season_prior": self.model.season_prior,
            "weights": self.har_weights,
        }

    def check_model(self, model: StressModel) -> None:
        """Raise :class:`InputError` unless ``model`` has this history's regime settings."""
        from liqcascade.errors import InputError

        mine = (self.model.window_bars, self.model.season_prior)
        if (model.window_bars, model.season_prior) != mine:
            raise InputError(
                f"the history given was built for window_bars={mine[0]}, season_prior={mine[1]}, "
                f"not window_bars={model.window_bars}, season_prior={model.season_prior}; "
                "build StressHistory(..., model=model) with the model you stress with"
            )

    def _book_of(self, book: LiquidationMap) -> tuple[PositionArrays, str]:
        """The positions of ``book`` (the map as of ``end``) and its bracket source."""
        from liqcascade.errors import InputError
        from liqcascade.sim._positions import prepare_positions

        same = (book.symbol, book.asof, book.config) == (self.symbol, self.end, self.config)
        if not (same and book.bars["time"].equals(self.bars["time"])):
            raise InputError(
                f"the book given is the map of {book.symbol} as of {book.asof.isoformat()}, not "
                f"of {self.symbol} as of {self.end.isoformat()} with this history's bars and "
                "config; pass liquidation_map(store, symbol, end) of the same store, or no book"
            )
        mmr = self.config.fallback_mmr  # unused: the map's positions carry liquidation prices
        return prepare_positions(book.positions, maintenance_margin_rate=mmr), book.bracket_source

    def _reset(self) -> None:
        self._size = np.zeros(self.cohorts.is_long.size)
        self._live = np.empty(self.cohorts.is_long.size, dtype=np.int64)
        self._n_live = 0
        self._done = 0

    def _prices(self, asof: pd.Timestamp) -> None:
        from liqcascade.leverage._liqprice import cohort_liquidation_prices
        from liqcascade.leverage._map import _drop_unopenable

        day = asof.normalize()
        if self._liq_day == day:
            return
        c = self.cohorts
        liq, source = cohort_liquidation_prices(
            c.is_long, c.entry, c.leverage, c.cross,
            venue=self.config.venue, symbol=self.symbol, at=asof,
            representative_notional_usd=self.config.representative_notional_usd,
            cross_collateral_multiple=self.config.cross_collateral_multiple,
            fallback_mmr=self.config.fallback_mmr,
        )  # fmt: skip
        fixed, liq, source = _drop_unopenable(c, liq, source)
        self._liq_day = day
        if not (np.array_equal(liq, self._liq_px) and np.array_equal(fixed.share, self._share)):
            self._liq_px, self._share, self._source = liq, fixed.share, source
            self._reset()

    def _advance(self, n_bars: int) -> None:
        from liqcascade._compat.numba import readonly
        from liqcascade.leverage._book import advance_book

        if n_bars < self._done:
            self._reset()
        if n_bars == self._done:
            return
        turnover = np.full(len(self.bars), self.config.turnover_per_bar)
        self._n_live = int(
            advance_book(  # read-only inputs: one compile whichever arrays pandas hands out
                readonly((self.cohorts.is_long, self._liq_px, self._share)),
                readonly((
                    self.bars["high"].to_numpy(dtype=np.float64),
                    self.bars["low"].to_numpy(dtype=np.float64),
                    self._target[0], self._target[1], turnover,
                )),
                self._size, self._live, self._n_live, self._done, n_bars,
            )
        )  # fmt: skip
        self._done = n_bars

    def positions(self, asof: pd.Timestamp) -> tuple[PositionArrays, float]:
        """The map's book after the bars closed by ``asof`` (as arrays) and the last close."""
        from liqcascade.leverage._map import MIN_POSITION_SHARE

        n = int(np.searchsorted(self._bar_close, asof.to_datetime64(), side="right"))
        if n < 2:
            raise NoDataError(
                f"fewer than 2 closed 4h bars with price and all-exchange open interest for "
                f"{self.symbol} before {asof.isoformat()}"
            )
        self._prices(asof)
        self._advance(n)
        c = self.cohorts
        size = self._size
        notional = size * c.entry
        long_total = notional[c.is_long].sum()
        short_total = notional[~c.is_long].sum()
        side_total = np.where(c.is_long, long_total, short_total)
        alive = (size > 0.0) & (notional >= MIN_POSITION_SHARE * side_total)
        s = size[alive]
        entry = c.entry[alive]
        margin = s * entry / c.leverage[alive]
        collateral = np.where(
            c.cross[alive], margin * self.config.cross_collateral_multiple, margin
        )
        side = np.where(c.is_long[alive], 1.0, -1.0)
        arrays = PositionArrays(
            side=np.ascontiguousarray(side),
            size=np.ascontiguousarray(s),
            entry=np.ascontiguousarray(entry),
            collateral=np.ascontiguousarray(collateral),
            liquidation=np.ascontiguousarray(self._liq_px[alive]),
            bankruptcy=np.ascontiguousarray(isolated_bankruptcy(side, s, entry, collateral)),
            price_source="given liquidation price; bankruptcy from collateral",
        )
        return arrays, float(self.bars["close"].iloc[n - 1])

    def _depth_at(self, asof: pd.Timestamp) -> tuple[pd.Series, str]:
        """The ±1 % depth row known at ``asof`` and its source (the candle PROXY without one)."""
        if self.depth.empty:
            from liqcascade.leverage._sources import depth_proxy

            proxy = depth_proxy(self.candles, asof)
            if proxy.frame.empty:
                raise NoDataError(
                    f"no ±1 % perp depth for {self.symbol} before {asof.isoformat()} and too few "
                    "4h candles for the proxy; import the order-book depth series or pass a Book "
                    "to simulate()"
                )
            return proxy.frame.iloc[-1], "; ".join(proxy.sources)
        rows = self.depth
        known = rows[(rows["time"] + self._depth_cadence <= asof)]
        known = known[known["time"] >= asof - pd.Timedelta(days=30)]
        if known.empty:
            raise NoDataError(
                f"no ±1 % perp depth for {self.symbol} known at {asof.isoformat()} (30 days back)"
            )
        row = known.iloc[-1]
        return row, f"{row['exchange']} {row['symbol']} perp ±1 %"

    def _funding_at(self, asof: pd.Timestamp) -> float:
        f = self.funding
        if f.empty:
            return 0.0
        k = int(np.searchsorted(self._funding_known, asof.to_datetime64(), side="right"))
        if k == 0 or f["known"].iloc[k - 1] < asof - pd.Timedelta(days=3):
            return 0.0
        return float(f["rate_8h"].iloc[k - 1])

    def state(self, asof: object) -> AsofState:
        """The state as of ``asof`` (only data closed by then)."""
        from liqcascade._time import to_utc as utc
        from liqcascade.sim._regime import horizon_range_at

        t = utc(asof, "asof")
        if t > self.end:
            raise NoDataError(f"asof {t.isoformat()} is after this history's end {self.end}")
        if self._end_book is not None and t == self.end:
            (positions, source), price = self._end_book, float(self.bars["close"].iloc[-1])
        else:
            positions, price = self.positions(t)
            source = self._source
        row, depth_source = self._depth_at(t)
        book = book_from_depth_row(
            row,
            price,
            funding_rate=self._funding_at(t),
            insurance_fund_usd=self.insurance_fund_usd,
            source=depth_source,
        )
        known = self.regime.index_asof(t)
        times = self.regime.time
        if known < times.size and times[known] == t.to_datetime64():
            horizon = float(self.regime.horizon_range[known])
        else:
            horizon = horizon_range_at(self.candles, t, **self._regime_options())
        return AsofState(
            asof=t,
            price=price,
            positions=positions,
            book=book,
            depth_time=pd.Timestamp(row["time"]),
            depth_source=book.source,
            funding_rate_8h=book.funding_rate,
            horizon_range=horizon,
            regime=self.regime,
            known_bars=known,
            bracket_source=source,
            notes=self.notes,
        )


__all__ = ["AsofState", "StressHistory"]
