"""``simulate``: validate inputs, set up the shock and feedback, run a solver kernel, settle ADL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from liqcascade._compat.numba import readonly
from liqcascade.errors import InputError
from liqcascade.sim import _kernels as k
from liqcascade.sim._book import Book, flow_curve
from liqcascade.sim._config import CascadeConfig, Shock
from liqcascade.sim._positions import PositionArrays, prepare_positions
from liqcascade.sim._result import CascadeResult


@dataclass(frozen=True)
class _Setup:
    """Everything a kernel needs, already sorted by trigger move."""

    direction: int
    p_shift: float
    flow0: float
    index: np.ndarray  # rows of the position book, in trigger order
    trigger_y: np.ndarray
    size: np.ndarray
    notional: np.ndarray
    bankruptcy: np.ndarray
    grid_y: np.ndarray
    grid_flow: np.ndarray
    closed_fraction: float
    skipped: int
    work: k.Workspace  # holds the arrays above and the solver's


def _direction(shock: Shock, net_flow: float) -> int:
    if shock.price_move != 0:
        return 1 if shock.price_move > 0 else -1
    if net_flow != 0:
        return 1 if net_flow > 0 else -1
    return 0


def _funding_close_fraction(book: Book, config: CascadeConfig) -> tuple[float, int]:
    """Fraction of the paying side that closes on funding cost, and that side (+1 long)."""
    fp = config.funding_pressure
    if fp is None or abs(book.funding_rate) <= fp.threshold:
        return 0.0, 0
    excess = (abs(book.funding_rate) - fp.threshold) / fp.threshold
    return min(fp.max_fraction, fp.sensitivity * excess), (1 if book.funding_rate > 0 else -1)


def _setup(
    pos: PositionArrays,
    book: Book,
    shock: Shock,
    config: CascadeConfig,
    margin_factor: float = 1.0,
    work: k.Workspace | None = None,
) -> _Setup | None:
    start = book.mid_price
    net_flow = shock.flow_usd
    if config.exogenous_flow is not None:
        net_flow += config.exogenous_flow.flow_usd
    closed, payer = _funding_close_fraction(book, config)
    if closed > 0:  # payers close pro rata: longs sell (negative flow), shorts buy
        payer_notional = float(np.sum(pos.size[pos.side == payer])) * start
        net_flow -= payer * closed * payer_notional
    direction = _direction(shock, net_flow)
    if direction == 0:
        return None
    p_shift = start * (1.0 + shock.price_move)
    scale = 1.0 - closed if closed > 0 and payer == -direction else 1.0
    # the kernels' inputs go read-only: one compile per kernel whatever the caller's arrays
    grid_y, grid_flow = readonly(flow_curve(book, "bid" if direction < 0 else "ask", config))
    flow0 = direction * net_flow + 0.0  # negative: counter-flow to absorb first (+0.0: no -0.0)
    fresh = work is None
    work = k.counting_workspace(len(pos)) if work is None else _checked(len(pos), work)
    layout = readonly((
        pos.side, pos.liquidation, pos.bankruptcy, pos.entry, pos.size, direction, start,
        p_shift, scale, margin_factor, flow0, grid_y, grid_flow,
    ))  # fmt: skip
    skipped, stop, widest = k.prepare_count(layout, work)
    if fresh:  # size the rest by what is kept, not by the book (a third of it here)
        kept = int(work.bucket_count[stop])
        work = k.sized(work, kept, int(widest), stepper=config.solver == "stepper")
    s_trigger, s_notional, s_index, s_size, s_bankruptcy = k.prepare_place(layout, stop, work)
    return _Setup(
        direction=direction,
        p_shift=p_shift,
        flow0=flow0,
        index=s_index,
        trigger_y=s_trigger,
        size=s_size,
        notional=s_notional,
        bankruptcy=s_bankruptcy,
        grid_y=grid_y,
        grid_flow=grid_flow,
        closed_fraction=1.0 - scale,
        skipped=skipped,
        work=work,
    )


def _checked(n: int, work: k.Workspace) -> k.Workspace:
    """``work`` if it holds ``n`` positions."""
    if work.code.shape[0] < n:
        raise InputError(
            f"the workspace holds {work.code.shape[0]} positions but the book has {n}; "
            f"build it with workspace({n}) or larger"
        )
    return work


@dataclass
class _Raw:
    setup: _Setup
    n_liquidated: int
    n_path: int
    flow: float
    fund: float
    out: np.ndarray
    path: tuple[np.ndarray, ...]


def _solve(s: _Setup, book: Book, config: CascadeConfig) -> _Raw:
    w = s.work  # the kernels write each settled position's rows into an output block
    cascade = readonly((
        s.trigger_y, s.size, s.notional, s.bankruptcy, s.grid_y, s.grid_flow,
        s.p_shift, s.direction, s.flow0, book.insurance_fund_usd,
        config.surplus_to_insurance_fund,
    ))  # fmt: skip
    price, count = w.step_price, w.step_count
    if config.solver == "fixed_point":
        out = k.fixed_point_out(w)
        done, rounds, flow, fund = k.fixed_point(cascade, out, price, count)
        path: tuple[np.ndarray, ...] = (price[: rounds + 1], count[: rounds + 1])
        n_path = rounds
    else:
        t, queue, out = w.step_time, w.step_queue, w.out
        done, steps, flow, fund = k.stepper(
            cascade, config.engine_usd_per_second, out, t, price, count, queue
        )
        path = (t[:steps], price[:steps], count[:steps], queue[:steps])
        n_path = steps - 1
    return _Raw(s, int(done), int(n_path), float(flow), float(fund), out, path)


def _adl_counterparties(
    pos: PositionArrays, direction: int, price: float, qty: float
) -> tuple[int, float]:
    """Close top-ranked opposite positions for ``qty`` base units; return (count, unmatched qty).

    Ranking (Binance / Bybit / Deepcoin ADL docs): profit % x effective leverage when in profit,
    profit % / effective leverage at a loss; profit % = (mark value - open value) / open value,
    effective leverage = mark value / (mark value - bankruptcy value), at the trough price.
    """
    if qty <= 0:
        return 0, 0.0
    opp = np.flatnonzero(pos.side == direction)  # the side that profits from the move
    if opp.size == 0:
        return 0, qty
    side = pos.side[opp]
    pnl_pct = side * (price - pos.entry[opp]) / pos.entry[opp]
    with np.errstate(divide="ignore", invalid="ignore"):
        lev = price / np.abs(price - pos.bankruptcy[opp])
    lev = np.where(np.isfinite(lev), lev, 1e12)
    score = np.where(pnl_pct > 0, pnl_pct * lev, pnl_pct / lev)
    order = np.argsort(-score, kind="stable")
    cum = np.cumsum(pos.size[opp][order])
    touched = int(np.searchsorted(cum, qty, side="left")) + 1
    if touched > opp.size:
        return int(opp.size), float(qty - cum[-1])
    return touched, 0.0


@dataclass(frozen=True)
class _Detail:
    """Builds the per-position and path frames of a result only when asked for."""

    raw: _Raw
    side: np.ndarray
    liquidation: np.ndarray
    solver: str

    def liquidations(self) -> pd.DataFrame:
        s, m = self.raw.setup, self.raw.n_liquidated
        out = self.raw.out[:, :m]
        rows = s.index[:m]
        if self.solver == "fixed_point":  # the kernel leaves ROUND and TIME_S unwritten
            step = "round"
            per_round = np.diff(self.raw.path[1])
            steps = np.repeat(np.arange(1, per_round.size + 1, dtype=np.int64), per_round)
            time_s = np.zeros(m)
        else:
            step = "step"
            steps = out[k.ROUND].astype(np.int64)
            time_s = out[k.TIME_S]
        return pd.DataFrame(
            {
                "row": rows,
                "side": pd.Categorical.from_codes(
                    (self.side[rows] < 0).astype(np.int8), categories=["long", "short"]
                ),
                "size": s.size[:m],
                "liquidation_price": self.liquidation[rows],
                "bankruptcy_price": s.bankruptcy[:m],
                "notional_usd": s.notional[:m],
                "fill_price": out[k.FILL],
                "insurance_fund_draw_usd": out[k.FUND_DRAW],
                "insurance_fund_add_usd": out[k.FUND_ADD],
                "adl_fraction": out[k.ADL_FRACTION],
                step: steps,
                "time_s": time_s,
            }
        )

    def path(self) -> pd.DataFrame:
        s, m = self.raw.setup, self.raw.n_liquidated
        if self.solver == "fixed_point":
            price, count = self.raw.path
            frame = pd.DataFrame(
                {"round": np.arange(price.size), "price": price, "liquidated": count}
            )
        else:
            t, price, count, queue = self.raw.path
            frame = pd.DataFrame({"time_s": t, "price": price, "liquidated": count, "queue": queue})
        cum = np.concatenate(([0.0], np.cumsum(s.notional[:m])))
        frame["liquidated_usd"] = cum[frame["liquidated"].to_numpy()]
        return frame


class Headline(NamedTuple):
    """The headline numbers of one cascade (a Monte Carlo path's metrics, in this order)."""

    trough_price: float
    move_pct: float  # FRACTION
    liquidated_long_usd: float
    liquidated_short_usd: float
    rounds: float
    insurance_fund_used_usd: float
    adl_usd: float


def _headline(raw: _Raw, start_price: float) -> Headline:
    """The headline numbers of a solved cascade, for ``simulate`` and ``summarize`` alike."""
    s, m = raw.setup, raw.n_liquidated
    y = k.move_for_flow(raw.flow, s.grid_y, s.grid_flow)
    trough = s.p_shift * (1.0 + s.direction * y)
    liq = float(np.sum(s.notional[:m]))
    adl = raw.out[k.ADL_FRACTION, :m]
    return Headline(
        trough_price=float(trough),
        move_pct=float(trough / start_price - 1.0),
        liquidated_long_usd=liq if s.direction < 0 else 0.0,
        liquidated_short_usd=liq if s.direction > 0 else 0.0,
        rounds=float(raw.n_path),
        insurance_fund_used_usd=float(np.sum(raw.out[k.FUND_DRAW, :m])),
        # usually no ADL: skip the products (same numbers either way)
        adl_usd=float(np.sum(adl * s.size[:m] * s.bankruptcy[:m])) if adl.any() else 0.0,
    )


def _result(raw: _Raw, pos: PositionArrays, book: Book, config: CascadeConfig) -> CascadeResult:
    s, m = raw.setup, raw.n_liquidated
    head = _headline(raw, book.mid_price)
    adl = raw.out[k.ADL_FRACTION, :m]
    adl_qty = float(np.sum(adl * s.size[:m])) if adl.any() else 0.0
    adl_positions, unmatched = _adl_counterparties(pos, s.direction, head.trough_price, adl_qty)
    return CascadeResult(
        start_price=book.mid_price,
        **head._replace(rounds=raw.n_path)._asdict(),  # rounds: an int here
        insurance_fund_added_usd=float(np.sum(raw.out[k.FUND_ADD, :m])),
        n_liquidated=m,
        book_absorbed_usd=float(raw.flow - s.flow0),
        exogenous_flow_usd=float(s.flow0),
        adl_counterparties=adl_positions,
        adl_unmatched_qty=unmatched,
        skipped_positions=s.skipped,
        funding_closed_fraction=s.closed_fraction,
        solver=config.solver,
        price_source=pos.price_source,
        detail=_Detail(raw, pos.side, pos.liquidation, config.solver),
    )


def _empty(book: Book, pos: PositionArrays, config: CascadeConfig) -> CascadeResult:
    return CascadeResult.empty(book.mid_price, solver=config.solver, price_source=pos.price_source)


def as_shock(shock: Shock | float) -> Shock:
    """``shock`` as a :class:`Shock`; a bad value is an InputError that says what is expected."""
    if isinstance(shock, Shock):
        return shock
    try:
        return Shock(price_move=float(shock))
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"shock must be a Shock or a price move FRACTION in (-1, 10), got {shock!r}"
        ) from exc


def simulate(
    positions: pd.DataFrame | str | Path | PositionArrays,
    book: Book,
    shock: Shock | float,
    *,
    config: CascadeConfig | None = None,
    seed: int | None = None,
) -> CascadeResult:
    """Run one liquidation cascade from a shock to the point where no new liquidation occurs.

    Parameters
    ----------
    positions
        Position book: DataFrame or Parquet path with columns ``venue, symbol, side, size,
        entry_price, collateral, margin_mode`` (optionally ``liquidation_price``,
        ``bankruptcy_price``); sizes in base units, money in USD.
    book
        Depth per side, mid price, funding rate and insurance fund (:class:`Book`).
    shock
        A :class:`Shock`, or a bare price move as a FRACTION (-0.03 = 3 % down).
    config
        Solver and feedback switches (:class:`CascadeConfig`).
    seed
        Accepted for a uniform signature; a single cascade is deterministic.

    Returns
    -------
    CascadeResult
        Start and trough price, move, liquidated USD per side, rounds (or steps), insurance
        fund use, ADL volume, per-position liquidations and the round / per-second path.

    Raises
    ------
    InputError
        A malformed position book, book or shock.

    Notes
    -----
    Liquidation orders close in order of their trigger price and walk the book; the fill is
    the average of the price before and after the order. A fill worse than the bankruptcy
    price draws on the insurance fund; what the fund cannot cover is auto-deleveraged
    against the top-ranked opposite positions at the bankruptcy price (that part never
    reaches the book). See ``docs/cascade.md``.

    Examples
    --------
    >>> import pandas as pd
    >>> from liqcascade.sim import Book, simulate
    >>> positions = pd.DataFrame({"venue": ["binance"], "symbol": ["BTC/USDT:USDT"],
    ...     "side": ["long"], "size": [1.0], "entry_price": [100.0], "collateral": [5.0],
    ...     "margin_mode": ["isolated"], "liquidation_price": [96.0], "bankruptcy_price": [95.0]})
    >>> result = simulate(positions, Book.parametric(100.0, 1e9), -0.05)
    >>> result.liquidated_long_usd
    96.0
    """
    del seed
    config = config or CascadeConfig()
    shock = as_shock(shock)
    pos = prepare_positions(positions, maintenance_margin_rate=config.maintenance_margin_rate)
    setup = _setup(pos, book, shock, config)
    if setup is None:
        return _empty(book, pos, config)
    return _result(_solve(setup, book, config), pos, book, config)


def flow_for_move(book: Book, move: float, config: CascadeConfig) -> float:
    """Signed flow (USD; negative = sell) that moves ``book`` by ``move`` before liquidations.

    The inverse of the book's flow curve (depth with the configured withdrawal and momentum):
    a shock given as this flow consumes the depth it crosses, so the positions it crosses add
    their orders on top of it, never on fresh depth at the shocked price.
    """
    if move == 0:
        return 0.0
    grid_y, grid_flow = flow_curve(book, "bid" if move < 0 else "ask", config)
    flow = float(np.interp(abs(move), grid_y, grid_flow))
    return -flow if move < 0 else flow


def summarize(
    pos: PositionArrays,
    book: Book,
    shock: Shock,
    config: CascadeConfig,
    margin_factor: float = 1.0,
    *,
    work: k.Workspace | None = None,
) -> Headline:
    """Headline numbers of one cascade without building frames (Monte Carlo inner loop).

    ``margin_factor`` scales every margin distance (entry to liquidation and to bankruptcy).
    ``work``: arrays to reuse (``_kernels.workspace(len(pos))`` or larger; its contents are
    overwritten); a fresh one is allocated if none is given.
    """
    setup = _setup(pos, book, shock, config, margin_factor, work)
    if setup is None:
        return Headline(book.mid_price, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    return _headline(_solve(setup, book, config), book.mid_price)


__all__ = ["Headline", "as_shock", "flow_for_move", "simulate", "summarize"]
