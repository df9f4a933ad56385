"""Monte Carlo stress: many cascades over priors on the shock, depth and leverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.errors import InputError
from liqcascade.sim._book import Book
from liqcascade.sim._config import CascadeConfig, MonteCarloPriors, Shock
from liqcascade.sim._engine import Headline, _direction, flow_for_move, summarize
from liqcascade.sim._executors import Executor, ProcessExecutor, Progress
from liqcascade.sim._kernels import workspace
from liqcascade.sim._positions import PositionArrays, prepare_positions

METRICS = Headline._fields  # a path's metrics, in the order summarize returns them
MOVE_CLIP = (-0.95, 9.0)  # drawn price moves are clipped here (Shock needs -1 < move < 10)
QUANTILES = (0.01, 0.05, 0.10, 0.25, 0.5, 0.75, 0.90, 0.95, 0.99)


@dataclass(frozen=True)
class _Payload:
    pos: PositionArrays
    book: Book
    config: CascadeConfig
    priors: MonteCarloPriors

    @cached_property
    def sides(self) -> dict[int, PositionArrays]:
        """The side books (``_side_books``), built once per process that runs blocks.

        An executor ships the payload before any block runs, so this is never pickled: each
        worker builds its own on its first block and reuses it for the rest.
        """
        return _side_books(self.pos, self.config)


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-path outcomes (``paths``: one row per path, the drawn priors beside the metrics)."""

    start_price: float
    paths: pd.DataFrame
    seed_entropy: int
    executor: str
    quantile_levels: tuple[float, ...] = field(default=QUANTILES)

    def quantiles(self) -> dict[str, dict[str, float]]:
        """Quantiles of every metric: ``{metric: {"p01": ..., "p50": ..., ...}}``."""
        out = {}
        for name in METRICS:
            values = self.paths[name].to_numpy()
            qs = np.quantile(values, self.quantile_levels)
            out[name] = {
                f"p{round(q * 100):02d}": float(v)
                for q, v in zip(self.quantile_levels, qs, strict=True)
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        """Medians as headline numbers plus the quantiles of each, JSON-ready."""
        q = self.quantiles()
        out: dict[str, Any] = {"start_price": float(self.start_price)}
        for name in METRICS:
            out[name] = q[name]["p50"]
        out["rounds"] = round(out["rounds"])
        out["paths"] = len(self.paths)
        out["seed_entropy"] = str(self.seed_entropy)
        out["quantiles"] = q
        return out


def _draws(priors: MonteCarloPriors, rng: np.random.Generator, count: int) -> np.ndarray:
    """Per-path (price_move, depth_factor, leverage_factor), drawn in a fixed order."""
    if priors.shock_as_flow:
        move = _regime_moves(priors, rng, count)
    else:
        move = rng.normal(priors.shock.price_move, priors.shock_sd, count)
    depth = rng.lognormal(0.0, priors.depth_sigma, count)
    margin = rng.lognormal(0.0, priors.leverage_sigma, count)
    return np.column_stack([np.clip(move, *MOVE_CLIP), depth, margin])


def _regime_moves(priors: MonteCarloPriors, rng: np.random.Generator, count: int) -> np.ndarray:
    """Exogenous moves ``sign * (|shock| + horizon_range * e)``, ``e`` drawn from overshoots.

    Stratified: path ``i`` of ``count`` draws ``e`` from the ``[i, i + 1) / count`` slice of
    the overshoots' distribution, so a few paths already give its median and deciles.
    """
    s = priors.shock.price_move
    sample = np.asarray(priors.overshoots, dtype=np.float64)
    eps: float | np.ndarray = 0.0  # one overshoot per path, or none
    if sample.size and s != 0:  # stratified: one draw per 1/count slice of the sample's cdf
        levels = (np.arange(count) + rng.uniform(0.0, 1.0, count)) / count
        eps = rng.permutation(np.quantile(sample, levels))
    return np.sign(s) * (abs(s) + priors.horizon_range * eps) + np.zeros(count)


def run_block(payload: _Payload, block: tuple[int, np.random.SeedSequence]) -> np.ndarray:
    """Simulate one block of paths; rows = [draws..., metrics...].

    Built once, not per path: the positions on each side (a move down can only reach the
    longs, a move up the shorts, so each path's layout scans one side only; once per
    payload) and the arrays every path's cascade writes (a workspace, once per block).
    """
    count, seq = block
    rng = np.random.default_rng(seq)
    draws = _draws(payload.priors, rng, count)
    out = np.empty((count, 3 + len(METRICS)))
    flow = payload.priors.shock.flow_usd
    sides = payload.sides
    work = workspace(len(payload.pos))
    extra_flow = payload.config.exogenous_flow
    extra = 0.0 if extra_flow is None else extra_flow.flow_usd
    for i in range(count):
        move, depth, margin = draws[i]
        if move * flow < 0:  # a drawn move against the flow shock: keep the flow's direction
            move = 0.0
        book = payload.book.scaled(float(depth))
        if payload.priors.shock_as_flow:
            shock = Shock(flow_usd=flow + flow_for_move(book, float(move), payload.config))
        else:
            shock = Shock(price_move=float(move), flow_usd=flow)
        pos = sides.get(_direction(shock, shock.flow_usd + extra), payload.pos)
        metrics = summarize(pos, book, shock, payload.config, float(margin), work=work)
        out[i, :3] = (move, depth, margin)
        out[i, 3:] = metrics
    return out


def _side_books(pos: PositionArrays, config: CascadeConfig) -> dict[int, PositionArrays]:
    """The positions a move in each direction can liquidate, in book order (same results).

    Empty (every path uses the whole book) under funding pressure, whose closing flow is
    computed from the paying side, which may be the other one.
    """
    if config.funding_pressure is not None:
        return {}
    return {direction: pos.subset(pos.side == -direction) for direction in (-1, 1)}


def _blocks(paths: int, block_size: int, seq: np.random.SeedSequence) -> list[tuple[int, Any]]:
    n_blocks = -(-paths // block_size)
    children = seq.spawn(n_blocks)
    sizes = [block_size] * (n_blocks - 1) + [paths - block_size * (n_blocks - 1)]
    return list(zip(sizes, children, strict=True))


def monte_carlo(
    positions: pd.DataFrame | str | Path | PositionArrays,
    book: Book,
    *,
    paths: int,
    priors: MonteCarloPriors | None = None,
    config: CascadeConfig | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> MonteCarloResult:
    """Run ``paths`` cascades with shocks, depth and leverage drawn from ``priors``.

    Parameters
    ----------
    positions
        Position book (as for :func:`simulate`).
    book
        The market at the start; each path scales its depth by the drawn factor.
    paths
        Number of Monte Carlo paths (>= 1).
    priors
        Shock, depth and leverage distributions (:class:`MonteCarloPriors`).
    config
        Cascade options shared by every path.
    seed
        Root seed. Paths are cut into blocks of ``priors.block_size``; block ``b`` draws from
        the ``b``-th ``SeedSequence.spawn`` child, so the same seed gives the same paths on any
        executor and any number of workers.
    executor
        Where blocks run: :class:`ProcessExecutor` (default), :class:`SerialExecutor`,
        :class:`DaskExecutor`.
    progress
        Called with the number of blocks just finished (for progress bars).

    Returns
    -------
    MonteCarloResult
        One row per path (drawn move, depth and leverage factors, then the metrics) and
        their quantiles.
    """
    if not isinstance(paths, int | np.integer) or paths < 1:
        raise InputError(f"paths must be a positive integer, got {paths!r}")
    priors = priors or MonteCarloPriors()
    config = config or CascadeConfig()
    pos = prepare_positions(positions, maintenance_margin_rate=config.maintenance_margin_rate)
    seq = np.random.SeedSequence(seed)
    blocks = _blocks(int(paths), priors.block_size, seq)
    executor = executor or ProcessExecutor()
    parts = executor.run(run_block, _Payload(pos, book, config, priors), blocks, progress)
    table = pd.DataFrame(
        np.vstack(parts), columns=["price_move", "depth_factor", "margin_factor", *METRICS]
    )
    table["rounds"] = table["rounds"].astype(np.int64)
    # numpy types entropy as int | Sequence[int] | None; from an int seed (or None: fresh OS
    # entropy) it is always one int.
    entropy = seq.entropy
    if not isinstance(entropy, int):  # pragma: no cover - see above
        raise TypeError(f"SeedSequence({seed!r}).entropy is {entropy!r}, not an int")
    return MonteCarloResult(
        start_price=book.mid_price,
        paths=table,
        seed_entropy=entropy,
        executor=type(executor).__name__,
    )


__all__ = ["METRICS", "QUANTILES", "MonteCarloResult", "monte_carlo", "run_block"]
