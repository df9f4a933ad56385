"""``stress``: build the market and the position book as of a time from a store, then cascade.

As-of rule: only rows known at ``asof`` are used. A bar counts once it has closed
(``time + interval <= asof``); the ±1 % depth series has no interval column, so its cadence
is taken as the median spacing of its rows and each row counts once that period has passed.
The position book is the liquidation map (``liqcascade.leverage.liquidation_map``), which
applies the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._dated import DatedConstant
from liqcascade._time import closed_by, to_utc
from liqcascade.errors import InputError, NoDataError
from liqcascade.leverage._sources import proxy_gap
from liqcascade.sim._book import Book
from liqcascade.sim._config import (
    CascadeConfig,
    DepthWithdrawal,
    ExogenousFlow,
    FundingPressure,
    Momentum,
    MonteCarloPriors,
    Shock,
    StressModel,
)
from liqcascade.sim._engine import as_shock, flow_for_move, simulate
from liqcascade.sim._executors import Progress, executor_for
from liqcascade.sim._montecarlo import MonteCarloResult, monte_carlo
from liqcascade.sim._result import CascadeResult

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store
    from liqcascade.sim._history import AsofState, StressHistory

DEFAULT_INSURANCE_FUND_USD = 1.0e9  # order of Binance's BTCUSDT fund; set your venue's balance
# The figure was written down on 2026-11-25 with no dated source for earlier balances: as-of
# runs before that date start with no fund (what the fund would cover goes to ADL instead).
DATED_INSURANCE_FUND = DatedConstant(
    name="DEFAULT_INSURANCE_FUND_USD",
    value=DEFAULT_INSURANCE_FUND_USD,
    known_from="2026-11-25",
    source="order of Binance's BTCUSDT insurance fund, noted 2026-11-25",
    fallback=0.0,
    fallback_source="no insurance fund (shortfalls are auto-deleveraged)",
)


def insurance_fund_at(usd: float, asof: pd.Timestamp) -> tuple[float, tuple[str, ...]]:
    """The default fund balance is dated: before its date use the fallback and say so."""
    if usd != DEFAULT_INSURANCE_FUND_USD:
        return usd, ()
    return DATED_INSURANCE_FUND.value_at(asof)


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
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # dated constants not used as of ``asof`` (and what was)

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
            "missing": list(self.missing),
            "notes": list(self.notes),
        }


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


@dataclass(frozen=True)
class StressResult:
    """A stress test: the central cascade, the Monte Carlo around it, and the inputs used."""

    cascade: CascadeResult
    inputs: MarketInputs
    config: CascadeConfig
    monte_carlo: MonteCarloResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the central cascade's headline keys, ``model``, ``quantiles`` with paths.

        ``quantiles.move_pct`` holds FRACTIONS (p05 ... p95 of the Monte Carlo move).
        """
        out = self.cascade.to_dict()
        out["inputs"] = self.inputs.to_dict()
        if self.extra:
            out["model"] = dict(self.extra)
        if self.monte_carlo is not None:
            mc = self.monte_carlo.to_dict()
            out["paths"] = mc["paths"]
            out["seed_entropy"] = mc["seed_entropy"]
            out["quantiles"] = mc["quantiles"]
        return out


def regime_priors(
    state: AsofState,
    shock: Shock,
    *,
    model: StressModel,
    base: MonteCarloPriors | None = None,
) -> tuple[MonteCarloPriors, dict[str, Any]]:
    """Monte Carlo priors of :func:`stress`: shock as flow, overshoots of the regime at T.

    Returns the priors and a JSON-ready note of the regime used (range, barrier, samples).
    """
    from liqcascade.sim._regime import calibrated_overshoots

    horizon = state.horizon_range
    sample, barrier, exponent = np.empty(0), abs(shock.price_move), 1.0
    if shock.price_move != 0 and np.isfinite(horizon):
        sample, barrier, exponent = calibrated_overshoots(
            state.regime, state.known_bars, shock.price_move, min_samples=model.min_overshoots
        )
    else:
        horizon = 0.0
    priors = (base or MonteCarloPriors()).model_copy(
        update={
            "shock": shock,
            "shock_as_flow": True,
            "horizon_range": float(horizon**exponent),
            "overshoots": tuple(float(x) for x in sample),
            "depth_sigma": model.depth_sigma,
            "leverage_sigma": model.leverage_sigma,
        }
    )
    note = {
        "horizon_range": float(horizon),
        "range_exponent": exponent,
        "overshoot_barrier": float(barrier),
        "overshoot_samples": int(sample.size),
        "overshoot_p50": float(np.median(sample)) if sample.size else 0.0,
        "resilience": model.resilience,
        "shock_as_flow": True,
    }
    return priors, note


def central_shock(state: AsofState, shock: Shock, priors: MonteCarloPriors, config) -> Shock:
    """The central path's shock: the median overshoot, entering as flow on the unscaled book."""
    sample = np.asarray(priors.overshoots)
    extra = priors.horizon_range * float(np.median(sample)) if sample.size else 0.0
    move = float(np.sign(shock.price_move)) * (abs(shock.price_move) + extra)
    return Shock(flow_usd=shock.flow_usd + flow_for_move(state.book, move, config))


def _inputs(state: AsofState, positions_source: str) -> MarketInputs:
    return MarketInputs(
        asof=state.asof,
        price=state.price,
        depth_time=state.depth_time,
        bid_1pct_usd=float(state.book.bid_depth_usd[0]),
        ask_1pct_usd=float(state.book.ask_depth_usd[0]),
        depth_source=state.depth_source,
        funding_rate_8h=state.funding_rate_8h,
        positions=len(state.positions),
        positions_source=positions_source,
        notes=state.notes,
        missing=proxy_gap(state.depth_source),
    )


DEFAULT_PATHS = 200
SERIAL_PATHS = 1000


def stress(
    store: Store,
    symbol: str,
    asof: object,
    shock: Shock | float,
    *,
    paths: int | None = DEFAULT_PATHS,
    cluster: str | None = None,
    config: CascadeConfig | None = None,
    priors: MonteCarloPriors | None = None,
    model: StressModel | None = None,
    feedback: bool = False,
    insurance_fund_usd: float = DEFAULT_INSURANCE_FUND_USD,
    seed: int | None = 0,
    progress: Progress | None = None,
    history: StressHistory | None = None,
) -> StressResult:
    """Stress ``symbol`` as of ``asof``: book, depth and regime known then, a shock, the cascade.

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
        Monte Carlo paths around the shock (default 200; 0 or None: the central path only).
    cluster
        Executor for the Monte Carlo: None (local processes beyond 1,000 paths, else in
        process), ``"serial"``, ``"dask"`` (a LocalCluster) or ``tcp://host:port`` of a Dask
        scheduler.
    config
        Cascade options; ``feedback=True`` switches on every feedback with values calibrated
        from the store (depth withdrawal fit, last ETF flow).
    priors
        Monte Carlo priors (block size); shock, spread and overshoots come from the model.
    model
        :class:`StressModel` (resilience, regime window); defaults documented there. None:
        ``history``'s model when one is given, else ``StressModel()``.
    insurance_fund_usd
        Insurance fund balance (the store has none), USD.
    seed
        Monte Carlo seed (default 0: the same answer on every run).
    progress
        Called per finished Monte Carlo block.
    history
        A :class:`~liqcascade.sim._history.StressHistory` of ``symbol`` built from ``store``
        with ``end >= asof``, to reuse across calls (several shocks as of one time: the book is
        built once); its own insurance fund is used, and ``model`` must have its
        ``window_bars`` and ``season_prior``. None: built here from the store.

    Returns
    -------
    StressResult
        ``cascade``: the central path (median overshoot, unscaled book); ``monte_carlo``:
        every path; ``to_dict()["quantiles"]["move_pct"]`` the p01..p99 of the move.

    Raises
    ------
    NoDataError
        The store lacks candles, open interest or depth known at ``asof``.
    InputError
        ``shock`` is not a :class:`Shock` or a FRACTION in (-1, 10); ``history`` is of another
        symbol or was built for another regime window or season prior.

    Notes
    -----
    The shock enters as the flow that moves the book by ``|shock| + horizon_range * e``
    (``e``: a past bar's overshoot beyond the shock in units of its expected range), the
    liquidations it crosses add their orders on top; see ``docs/cascade.md``.
    """
    from liqcascade.sim._history import StressHistory

    shock_obj = as_shock(shock)
    config = config or CascadeConfig()
    asof_ts = to_utc(asof, "asof")
    if history is None:
        model = model or StressModel()
        history = StressHistory(
            store, symbol, end=asof_ts, insurance_fund_usd=insurance_fund_usd, model=model
        )
    elif history.symbol != symbol:
        raise InputError(f"the history given is of {history.symbol}, not of {symbol}")
    else:
        model = model or history.model
        history.check_model(model)
    measured = history.state(asof_ts)
    state = with_resilience(measured, model.resilience)
    if feedback:
        config = feedback_config(store, symbol, asof_ts, config, state.book)
    mc_priors, note = regime_priors(state, shock_obj, model=model, base=priors)
    central = central_shock(state, shock_obj, mc_priors, config)
    result = simulate(state.positions, state.book, central, config=config)
    mc = None
    if paths:
        if cluster is None and paths <= SERIAL_PATHS:
            cluster = "serial"  # starting worker processes costs more than a few paths
        mc = monte_carlo(
            state.positions,
            state.book,
            paths=int(paths),
            priors=mc_priors,
            config=config,
            seed=seed,
            executor=executor_for(cluster),
            progress=progress,
        )
    inputs = _inputs(measured, f"liquidation map ({state.bracket_source})")
    return StressResult(cascade=result, inputs=inputs, config=config, monte_carlo=mc, extra=note)


def with_resilience(state: AsofState, resilience: float) -> AsofState:
    """The state with its depth multiplied by ``resilience`` (the book met over the horizon)."""
    if resilience == 1.0:
        return state
    return replace(state, book=state.book.scaled(resilience))


__all__ = [
    "DATED_INSURANCE_FUND",
    "MarketInputs",
    "StressResult",
    "WithdrawalFit",
    "calibrate_depth_withdrawal",
    "central_shock",
    "feedback_config",
    "regime_priors",
    "stress",
    "with_resilience",
]
