"""The report's engine blocks: hidden-leverage estimate, liquidation maps and stress tests.

Each block is a frozen dataclass; report.json is its serialisation (``_json.jsonable``, field
order = key order). The engines are imported directly. Only genuinely missing data
(:class:`~liqcascade.errors.NoDataError`) makes a block "not available" with the reason
(report.json carries ``available: false`` and that reason); any other error is a bug and
raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from liqcascade.errors import NoDataError
from liqcascade.leverage import LiquidationMap
from liqcascade.leverage import estimate_liquidations as estimate_engine
from liqcascade.leverage import liquidation_map as map_engine
from liqcascade.report._block import Available, Unavailable
from liqcascade.report._window import ReportWindow
from liqcascade.sim import StressResult
from liqcascade.sim import stress as stress_engine
from liqcascade.sim._history import StressHistory

SHOCKS = (-0.05, -0.10)
STRESS_SYMBOLS = {"BTC": "BTC/USDT:USDT", "ETH": "ETH/USDT:USDT"}
ESTIMATE_NOTE = "p10/p50/p90 summed over 4h bars (the sum of p10s is not the p10 of the sum)"
QUANTILE_LEVELS = ("p10", "p50", "p90")

# The errors that mean "the store lacks this data": the block says "not available".
DATA_MISSING: tuple[type[Exception], ...] = (NoDataError,)


@dataclass(frozen=True)
class Quantiles:
    """p10/p50/p90 of one quantity (USD)."""

    p10: float
    p50: float
    p90: float


@dataclass(frozen=True, kw_only=True)
class EstimatedLiquidations(Available):
    """Estimated true BTC+ETH liquidations in the week (USD), p10/p50/p90 per side."""

    long_usd: Quantiles
    short_usd: Quantiles
    note: str = ESTIMATE_NOTE


@dataclass(frozen=True, kw_only=True)
class MapBlock(Available):
    """A liquidation map's facts: price, the longs a further 5 % / 10 % drop reaches (USD)."""

    symbol: str
    price: float
    longs_within: dict[str, float]  # "-5%" -> USD
    sources: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class DropHistory:
    """How often a day's low reached a drop from its open, in the daily bars known then."""

    days: int
    first_day: str
    hits: int
    frequency: float
    median_move: float | None  # FRACTION; None without a hit


@dataclass(frozen=True)
class ShockUnavailable:
    """A shock the store could not simulate, and why."""

    asset: str
    shock: float
    available: bool = field(default=False, init=False)
    reason: str = field(kw_only=True)


@dataclass(frozen=True)
class StressShock:
    """One simulated shock: Monte Carlo quantiles, past frequency, the central cascade.

    ``move_*`` and ``move_pct`` are FRACTIONS; ``history_*`` are None without daily bars.
    """

    asset: str
    symbol: str
    shock: float
    available: bool = field(default=True, init=False)
    move_p10: float | None = None
    move_p50: float | None = None
    move_p90: float | None = None
    liquidated_long_p10: float | None = None
    liquidated_long_p50: float | None = None
    liquidated_long_p90: float | None = None
    history_days: int | None = None
    history_first_day: str | None = None
    history_hits: int | None = None
    history_frequency: float | None = None
    history_median_move: float | None = None
    start_price: float | None = None
    trough_price: float | None = None
    move_pct: float | None = None
    liquidated_long_usd: float | None = None
    liquidated_short_usd: float | None = None
    insurance_fund_used_usd: float | None = None
    adl_usd: float | None = None


@dataclass(frozen=True, kw_only=True)
class StressBlock(Available):
    """The stress tests of every asset and shock (those that could not run say why)."""

    shocks: tuple[StressShock | ShockUnavailable, ...]


def estimated_liquidations(
    store: Any, window: ReportWindow, assets: tuple[str, ...] = ("BTC", "ETH")
) -> tuple[EstimatedLiquidations | Unavailable, pd.DataFrame | None]:
    """Estimated true liquidations in the week (p10/p50/p90), summed over ``assets``."""
    try:
        frame = estimate_engine(
            store, list(assets), window.week_start, window.cutoff, interval="4h", asof=window.cutoff
        )
    except DATA_MISSING as exc:
        return Unavailable(reason=f"estimate_liquidations failed: {exc}"), None
    if len(frame) == 0:
        return Unavailable(reason="estimate_liquidations returned no rows for the week"), None
    frame = frame[(frame["time"] >= window.week_start) & (frame["time"] < window.cutoff)]
    columns = [f"estimated_{side}_{q}" for side in ("long", "short") for q in QUANTILE_LEVELS]
    daily = frame.groupby(frame["time"].dt.normalize())[columns].sum()
    totals = daily.sum()

    def side(name: str) -> Quantiles:
        return Quantiles(*(float(totals[f"estimated_{name}_{q}"]) for q in QUANTILE_LEVELS))

    return EstimatedLiquidations(long_usd=side("long"), short_usd=side("short")), daily


def liquidation_map(
    store: Any, window: ReportWindow, symbol: str
) -> tuple[MapBlock | Unavailable, LiquidationMap | None]:
    """Liquidation map of ``symbol`` as of the cutoff, and what further 5 % / 10 % drops hit.

    Returns the facts and the map (None when not available): its cumulative ``curve``, its
    heatmap ``grid`` (time x price, long format) and its book, which :func:`stress` reuses.
    The map's ``curve`` is cumulative: ``long_usd`` at ``move_pct`` (a FRACTION, -0.05 =
    a 5 % drop) is the long notional liquidated by a drop to that price.
    """
    try:
        result = map_engine(store, symbol, window.cutoff)
    except DATA_MISSING as exc:
        return Unavailable(reason=f"liquidation_map failed: {exc}"), None
    block = MapBlock(
        symbol=symbol,
        price=float(result.price),
        longs_within={f"{s:+.0%}": float(result.liquidated_by(s)) for s in SHOCKS},
        sources=tuple(result.sources),
        missing=tuple(result.missing),
    )
    return block, result


def stress(
    store: Any, window: ReportWindow, maps: Mapping[str, LiquidationMap | None] | None = None
) -> StressBlock | Unavailable:
    """Simulated cascades for a further 5 % and 10 % drop from the as-of close.

    Each shock carries the central cascade, the Monte Carlo p10/p50/p90 of the move and of
    longs liquidated, and how often a day's low reached that drop from its open before.
    The book and regime of each asset are built once and shared by its shocks; ``maps``
    (asset -> its :func:`liquidation_map` as of the cutoff) hands over the book already built.
    """
    shocks: list[StressShock | ShockUnavailable] = []
    for asset, symbol in STRESS_SYMBOLS.items():
        book = (maps or {}).get(asset)
        try:
            history = StressHistory(store, symbol, end=window.cutoff, book=book)
        except DATA_MISSING as exc:
            shocks += [ShockUnavailable(asset=asset, shock=s, reason=str(exc)) for s in SHOCKS]
            continue
        days = _daily_bars(store, asset, window)
        for shock in SHOCKS:
            try:
                result = stress_engine(store, symbol, window.cutoff, shock, history=history)
            except DATA_MISSING as exc:
                shocks.append(ShockUnavailable(asset=asset, shock=shock, reason=str(exc)))
                continue
            shocks.append(_shock(asset, symbol, shock, result, drop_history(days, shock)))
    reasons = {s.reason for s in shocks if isinstance(s, ShockUnavailable)}
    if not any(isinstance(s, StressShock) for s in shocks):
        return Unavailable(reason="; ".join(sorted(reasons)))
    return StressBlock(shocks=tuple(shocks))


def _shock(
    asset: str, symbol: str, shock: float, result: StressResult, past: DropHistory | None
) -> StressShock:
    cascade = result.cascade
    q = result.monte_carlo.quantiles() if result.monte_carlo is not None else {}
    move = q.get("move_pct", {})
    longs = q.get("liquidated_long_usd", {})
    return StressShock(
        asset=asset,
        symbol=symbol,
        shock=shock,
        move_p10=move.get("p10"),
        move_p50=move.get("p50"),
        move_p90=move.get("p90"),
        liquidated_long_p10=longs.get("p10"),
        liquidated_long_p50=longs.get("p50"),
        liquidated_long_p90=longs.get("p90"),
        history_days=None if past is None else past.days,
        history_first_day=None if past is None else past.first_day,
        history_hits=None if past is None else past.hits,
        history_frequency=None if past is None else past.frequency,
        history_median_move=None if past is None else past.median_move,
        start_price=float(cascade.start_price),
        trough_price=float(cascade.trough_price),
        move_pct=float(cascade.move_pct),
        liquidated_long_usd=float(cascade.liquidated_long_usd),
        liquidated_short_usd=float(cascade.liquidated_short_usd),
        insurance_fund_used_usd=float(cascade.insurance_fund_used_usd),
        adl_usd=float(cascade.adl_usd),
    )


def _daily_bars(store: Any, asset: str, window: ReportWindow) -> pd.DataFrame:
    """The asset's spot daily bars closed by the cutoff (empty without any)."""
    try:
        days = store.read(
            "candles", end=window.cutoff, symbol=f"{asset}/USDT", market="spot", interval="1d"
        )
    except DATA_MISSING:
        return pd.DataFrame()
    if len(days) == 0:
        return pd.DataFrame()
    days = days[days["time"] + pd.Timedelta("1D") <= window.cutoff]
    return days.drop_duplicates("time", keep="last")


def drop_history(days: pd.DataFrame, shock: float) -> DropHistory | None:
    """How often a day's low reached ``shock`` from its open in ``days`` (None without days)."""
    if days.empty:
        return None
    drop = (days["low"] / days["open"] - 1.0).to_numpy(dtype=float)
    hits = drop <= shock
    return DropHistory(
        days=len(days),
        first_day=pd.Timestamp(days["time"].min()).date().isoformat(),
        hits=int(hits.sum()),
        frequency=float(hits.mean()),
        median_move=float(pd.Series(drop[hits]).median()) if hits.any() else None,
    )
