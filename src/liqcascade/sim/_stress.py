"""``stress``: build the market and the position book as of a time from a store, then cascade.

As-of rule: only rows known at ``asof`` are used. A bar counts once it has closed
(``time + interval <= asof``); the ±1 % depth series has no interval column, so its cadence
is taken as the median spacing of its rows and each row counts once that period has passed.
The position book is the liquidation map (``liqcascade.leverage.liquidation_map``), which
applies the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._time import closed_by, to_utc
from liqcascade.errors import NoDataError
from liqcascade.sim._book import Book
from liqcascade.sim._config import (
    CascadeConfig,
    DepthWithdrawal,
    ExogenousFlow,
    FundingPressure,
    Momentum,
    MonteCarloPriors,
    Shock,
)
from liqcascade.sim._engine import simulate
from liqcascade.sim._executors import Progress, executor_for
from liqcascade.sim._montecarlo import MonteCarloResult, monte_carlo
from liqcascade.sim._result import CascadeResult

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store

DEFAULT_INSURANCE_FUND_USD = 1.0e9  # order of Binance's BTCUSDT fund; set your venue's balance


def _cadence(frame: pd.DataFrame) -> pd.Timedelta:
    times = frame["time"].drop_duplicates().sort_values()
    if len(times) < 2:
        return pd.Timedelta("1D")
    return pd.Timedelta(times.diff().dropna().median())


@dataclass(frozen=True)
class MarketInputs:
    """What the store said as of ``asof`` (kept for the report and JSON)."""

    asof: pd.Timestamp
    price: float
    depth_time: pd.Timestamp
    bid_1pct_usd: float
    ask_1pct_usd: float
    depth_source: str
    funding_rate_8h: float
    positions: int
    positions_source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "asof": self.asof.isoformat(),
            "price": self.price,
            "depth_time": self.depth_time.isoformat(),
            "bid_1pct_usd": self.bid_1pct_usd,
            "ask_1pct_usd": self.ask_1pct_usd,
            "depth_source": self.depth_source,
            "funding_rate_8h": self.funding_rate_8h,
            "positions": self.positions,
            "positions_source": self.positions_source,
        }


def depth_asof(store: Store, symbol: str, asof: pd.Timestamp) -> tuple[pd.Series, str]:
    """Latest ±1 % depth row known at ``asof``: all-venue futures, else the symbol's own."""
    from liqcascade.data import base_asset

    asset = base_asset(symbol)
    start = asof - pd.Timedelta(days=30)
    for exchange, sym in (("all", asset), (None, symbol)):
        rows = store.read(
            "depth", start=start, end=asof, symbol=sym, exchange=exchange, market="perp", band=0.01
        )
        if rows.empty:
            continue
        known = closed_by(rows, asof, interval=_cadence(rows))
        if not known.empty:
            row = known.iloc[-1]
            return row, f"{row['exchange']} {row['symbol']} perp ±1 %"
    raise NoDataError(
        f"no ±1 % perp depth for {asset} known at {asof.isoformat()} (30 days back); import "
        "the order-book depth series or pass a Book to simulate()"
    )


def funding_asof(store: Store, symbol: str, asof: pd.Timestamp) -> float:
    """OI-weighted funding per 8 h known at ``asof`` (0 when the store has none)."""
    from liqcascade.data import base_asset

    rows = store.read(
        "funding",
        start=asof - pd.Timedelta(days=3),
        end=asof,
        symbol=base_asset(symbol),
        exchange="all",
        weighting="oi",
    )
    rows = closed_by(rows, asof, default="8h")
    if rows.empty:
        return 0.0
    row = rows.iloc[-1]
    hours = row["funding_interval_hours"]
    hours = 8.0 if pd.isna(hours) or hours <= 0 else float(hours)
    return float(row["rate"]) * 8.0 / hours


def etf_flow_asof(store: Store, symbol: str, asof: pd.Timestamp) -> float:
    """Last full day's total US spot-ETF net flow (USD) known at ``asof``; 0 if none."""
    from liqcascade.data import base_asset

    rows = store.read(
        "etf_flows", start=asof - pd.Timedelta(days=10), end=asof,
        asset=base_asset(symbol), fund="TOTAL",
    )  # fmt: skip
    rows = closed_by(rows, asof, interval="1d")
    return 0.0 if rows.empty else float(rows["flow_usd"].iloc[-1])


@dataclass(frozen=True)
class WithdrawalFit:
    """Log-log fit of ±1 % depth on implied volatility, and of vol response to moves."""

    elasticity: float
    r2: float
    n: int
    vol0: float
    vol_per_move: float
    vol_source: str

    def to_config(self) -> DepthWithdrawal:
        return DepthWithdrawal(
            elasticity=max(self.elasticity, 0.0),
            vol0=self.vol0,
            vol_per_move=max(self.vol_per_move, 0.0),
        )


def _volatility(store: Store, asset: str, start: pd.Timestamp, asof: pd.Timestamp):
    """Hourly DVOL closes known at ``asof`` (BTC), else realised 7-day vol from 4h bars."""
    dvol = store.read("candles", start=start, end=asof, symbol=f"{asset}-DVOL", market="volatility")
    dvol = closed_by(dvol, asof, default="1h")
    if len(dvol) > 48:
        series = dvol.set_index(dvol["time"] + pd.Timedelta("1h"))["close"]
        return series, "Deribit DVOL"
    bars = store.read(
        "candles", start=start, end=asof, symbol=f"{asset}/USDT", market="spot", interval="4h"
    )
    bars = closed_by(bars, asof, default="4h")
    if len(bars) < 50:
        raise NoDataError(
            f"no DVOL or 4h spot candles for {asset} before {asof.isoformat()} to calibrate "
            "depth withdrawal; import them or pass a DepthWithdrawal config"
        )
    ret = np.log(bars["close"]).diff()
    vol = ret.rolling(42).std() * np.sqrt(6 * 365)
    series = pd.Series(vol.to_numpy(), index=bars["time"] + pd.Timedelta("4h")).dropna()
    return series, "realised 7-day vol (4h bars)"


def _least_squares(x: pd.Series | np.ndarray, y: pd.Series | np.ndarray) -> tuple[float, float]:
    """Slope of the least-squares line of ``y`` on ``x`` and Pearson's r (scipy's linregress)."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    dx, dy = xs - xs.mean(), ys - ys.mean()
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    slope = sxy / sxx if sxx > 0 else float("nan")
    rvalue = sxy / float(np.sqrt(sxx * syy)) if sxx > 0 and syy > 0 else 0.0
    return slope, rvalue


def calibrate_depth_withdrawal(
    store: Store, symbol: str, asof: object, *, lookback_days: int = 180
) -> WithdrawalFit:
    """Fit how ±1 % depth shrinks as volatility rises, from data known at ``asof``.

    ``log(bid+ask depth) = a - elasticity * log(vol)`` by least squares, vol = DVOL (as a
    FRACTION) at each depth row; ``vol_per_move`` = slope of the day's change in vol on the
    day's absolute return (daily closes).
    """
    from liqcascade.data import base_asset

    asof_ts = to_utc(asof, "asof")
    asset = base_asset(symbol)
    start = asof_ts - pd.Timedelta(days=lookback_days)
    depth = store.read(
        "depth", start=start, end=asof_ts, symbol=asset, exchange="all", market="perp", band=0.01
    )
    if depth.empty:
        depth = store.read(
            "depth", start=start, end=asof_ts, symbol=symbol, market="perp", band=0.01
        )
    depth = closed_by(depth, asof_ts, interval=_cadence(depth))
    vol, source = _volatility(store, asset, start, asof_ts)
    known = pd.DataFrame({"time": depth["time"], "depth": depth["bid_usd"] + depth["ask_usd"]})
    known = known.dropna().sort_values("time")
    vol_frame = pd.DataFrame({"time": vol.index, "vol": vol.to_numpy()}).sort_values("time")
    vol_frame["time"] = vol_frame["time"].astype(known["time"].dtype)
    joined = pd.merge_asof(known, vol_frame, on="time", direction="backward").dropna()
    joined = joined[(joined["depth"] > 0) & (joined["vol"] > 0)]
    if len(joined) < 10:
        raise NoDataError(
            f"only {len(joined)} depth rows with a volatility reading for {asset} before "
            f"{asof_ts.isoformat()}; need 10 to fit depth withdrawal"
        )
    slope, rvalue = _least_squares(np.log(joined["vol"]), np.log(joined["depth"]))
    daily = vol.resample("1D").last().dropna()
    spot = store.read(
        "candles", start=start, end=asof_ts, symbol=f"{asset}/USDT", market="spot", interval="1d"
    )
    spot = closed_by(spot, asof_ts, default="1d")
    per_move = 0.0
    if len(spot) > 20 and len(daily) > 20:
        ret = pd.Series(
            np.log(spot["close"]).diff().to_numpy(), index=spot["time"].dt.floor("1D")
        ).abs()
        dv = daily.diff()  # the day's change in vol, against the day's absolute return
        dv.index = dv.index.floor("1D")
        pair = pd.concat([ret.rename("r"), dv.rename("dv")], axis=1).dropna()
        if len(pair) > 20 and pair["r"].var() > 0:
            per_move = _least_squares(pair["r"], pair["dv"])[0]
    return WithdrawalFit(
        elasticity=-slope,
        r2=rvalue**2,
        n=len(joined),
        vol0=float(vol.iloc[-1]),
        vol_per_move=per_move,
        vol_source=source,
    )


MOMENTUM_DEPTH_FRACTION = 0.25


def feedback_config(
    store: Store, symbol: str, asof: object, base: CascadeConfig, book: Book
) -> CascadeConfig:
    """Switch every feedback on with store-calibrated values.

    Depth withdrawal from :func:`calibrate_depth_withdrawal`; exogenous flow = the last full
    day's ETF net flow over 24 h; momentum sellers add a quarter of the thinner side's ±1 %
    depth per 1 % of move (an assumption, documented in docs/cascade.md); funding pressure
    with its defaults.
    """
    asof_ts = to_utc(asof, "asof")
    withdrawal = calibrate_depth_withdrawal(store, symbol, asof_ts).to_config()
    flow = etf_flow_asof(store, symbol, asof_ts)
    thinner = float(min(book.bid_depth_usd[0], book.ask_depth_usd[0]))
    momentum = Momentum(usd_per_pct=MOMENTUM_DEPTH_FRACTION * thinner)
    return base.model_copy(
        update={
            "momentum": base.momentum or momentum,
            "funding_pressure": base.funding_pressure or FundingPressure(),
            "depth_withdrawal": withdrawal,
            "exogenous_flow": base.exogenous_flow or ExogenousFlow(usd_per_day=flow),
        }
    )


def market_asof(
    store: Store,
    symbol: str,
    asof: object,
    *,
    insurance_fund_usd: float = DEFAULT_INSURANCE_FUND_USD,
    map_config: Any = None,
) -> tuple[pd.DataFrame, Book, MarketInputs]:
    """The position book (liquidation map) and the depth book of ``symbol`` as of ``asof``."""
    from liqcascade.leverage import liquidation_map

    asof_ts = to_utc(asof, "asof")
    lmap = liquidation_map(store, symbol, asof_ts, config=map_config)
    positions = lmap.positions
    if positions.empty:
        raise NoDataError(f"the liquidation map of {symbol} at {asof_ts.isoformat()} is empty")
    row, depth_source = depth_asof(store, symbol, asof_ts)
    funding = funding_asof(store, symbol, asof_ts)
    price = float(lmap.price)
    book = Book(
        mid_price=price,
        bands=np.array([0.01]),
        bid_depth_usd=np.array([float(row["bid_usd"])]),
        ask_depth_usd=np.array([float(row["ask_usd"])]),
        funding_rate=funding,
        insurance_fund_usd=insurance_fund_usd,
        source=depth_source,
    )
    inputs = MarketInputs(
        asof=asof_ts,
        price=price,
        depth_time=pd.Timestamp(row["time"]),
        bid_1pct_usd=float(row["bid_usd"]),
        ask_1pct_usd=float(row["ask_usd"]),
        depth_source=depth_source,
        funding_rate_8h=funding,
        positions=len(positions),
        positions_source=f"liquidation map ({lmap.bracket_source})",
    )
    return positions, book, inputs


@dataclass(frozen=True)
class StressResult:
    """A stress test: the central cascade, optional Monte Carlo, and the inputs used."""

    cascade: CascadeResult
    inputs: MarketInputs
    config: CascadeConfig
    monte_carlo: MonteCarloResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the headline keys of the central cascade, ``quantiles`` with paths."""
        out = self.cascade.to_dict()
        out["inputs"] = self.inputs.to_dict()
        if self.monte_carlo is not None:
            mc = self.monte_carlo.to_dict()
            out["paths"] = mc["paths"]
            out["seed_entropy"] = mc["seed_entropy"]
            out["quantiles"] = mc["quantiles"]
        return out


def stress(
    store: Store,
    symbol: str,
    asof: object,
    shock: Shock | float,
    *,
    paths: int | None = None,
    cluster: str | None = None,
    config: CascadeConfig | None = None,
    priors: MonteCarloPriors | None = None,
    feedback: bool = False,
    insurance_fund_usd: float = DEFAULT_INSURANCE_FUND_USD,
    seed: int | None = None,
    progress: Progress | None = None,
) -> StressResult:
    """Stress ``symbol`` as of ``asof``: the book and depth known then, a shock, the cascade.

    Parameters
    ----------
    store
        A :class:`liqcascade.data.Store` covering ``asof`` (candles, open interest, depth).
    symbol
        ccxt symbol, e.g. ``BTC/USDT:USDT``.
    asof
        Any time the store covers; nothing after it is used.
    shock
        A :class:`Shock` or a price move FRACTION (-0.03 = 3 % down).
    paths
        With a number, also run that many Monte Carlo paths around the shock.
    cluster
        Executor for the Monte Carlo: None (local processes), ``"dask"`` (a LocalCluster)
        or ``tcp://host:port`` of a Dask scheduler.
    config
        Cascade options; ``feedback=True`` switches on every feedback with values calibrated
        from the store (depth withdrawal fit, last ETF flow).
    priors
        Monte Carlo priors; their shock is replaced by ``shock``.
    insurance_fund_usd
        Insurance fund balance (the store has none), USD.
    seed
        Monte Carlo seed.
    progress
        Called per finished Monte Carlo block.

    Raises
    ------
    NoDataError
        The store lacks candles, open interest or depth known at ``asof``.
    """
    shock_obj = shock if isinstance(shock, Shock) else Shock(price_move=float(shock))
    config = config or CascadeConfig()
    positions, book, inputs = market_asof(
        store, symbol, asof, insurance_fund_usd=insurance_fund_usd
    )
    if feedback:
        config = feedback_config(store, symbol, inputs.asof, config, book)
    result = simulate(positions, book, shock_obj, config=config)
    mc = None
    if paths:
        base = priors or MonteCarloPriors()
        mc = monte_carlo(
            positions,
            book,
            paths=int(paths),
            priors=base.model_copy(update={"shock": shock_obj}),
            config=config,
            seed=seed,
            executor=executor_for(cluster),
            progress=progress,
        )
    return StressResult(cascade=result, inputs=inputs, config=config, monte_carlo=mc)


__all__ = [
    "MarketInputs",
    "StressResult",
    "WithdrawalFit",
    "calibrate_depth_withdrawal",
    "depth_asof",
    "feedback_config",
    "funding_asof",
    "market_asof",
    "stress",
]
