"""Frozen, keyword-only configuration of the cascade: the shock and each switchable feedback."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, model_validator

from liqcascade.margin._tables import FALLBACK_MAINTENANCE_RATE


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Shock(_Frozen):
    """The exogenous impulse that starts a cascade.

    ``price_move`` shifts the whole book (news, a move on another venue) as a FRACTION of the
    start price (-0.03 = 3 % down); ``flow_usd`` is a market order that walks the book
    (negative = sell, positive = buy). Both may be given; they must point the same way.
    """

    price_move: float = Field(0.0, gt=-1.0, lt=10.0)
    flow_usd: float = 0.0

    @model_validator(mode="after")
    def _same_direction(self) -> Shock:
        if not math.isfinite(self.flow_usd):
            raise ValueError(f"flow_usd must be finite, got {self.flow_usd}")
        if self.price_move * self.flow_usd < 0:
            raise ValueError(
                f"price_move {self.price_move} and flow_usd {self.flow_usd} point opposite ways; "
                "give a shock in one direction"
            )
        return self


class Momentum(_Frozen):
    """Algorithmic / momentum sellers: extra flow in the move's direction, proportional to it.

    ``usd_per_pct``: USD of extra market orders per 1 % of move (a 5 % drop with 50e6 adds
    250e6 USD of selling). Folded into the book as negative depth.
    """

    usd_per_pct: NonNegativeFloat = 50e6


class FundingPressure(_Frozen):
    """Holders close when the funding they pay passes a threshold.

    With funding rate ``f`` per 8 h above ``threshold`` (longs pay), a fraction
    ``min(max_fraction, sensitivity * (f - threshold) / threshold)`` of every long closes at the
    start (a sell flow); symmetric for shorts when ``f < -threshold``.
    """

    threshold: PositiveFloat = 0.0003  # 0.03 % per 8 h, three times the 0.01 % baseline
    sensitivity: NonNegativeFloat = 0.05
    max_fraction: float = Field(0.25, ge=0.0, le=1.0)


class DepthWithdrawal(_Frozen):
    """Market makers pull depth as volatility rises.

    Depth at move ``y`` is multiplied by ``(vol(y) / vol0) ** -elasticity`` with
    ``vol(y) = vol0 + vol_per_move * y`` (annualised vol as a FRACTION). ``elasticity`` comes
    from the log-log fit of ±1 % depth on DVOL (``calibrate_depth_withdrawal``).
    """

    elasticity: NonNegativeFloat = 0.5
    vol0: PositiveFloat = 0.45
    vol_per_move: NonNegativeFloat = 3.0  # a 10 % move lifts vol by 0.30


class ExogenousFlow(_Frozen):
    """Steady outside flow during the cascade, e.g. ETF redemptions (negative = selling)."""

    usd_per_day: float = 0.0
    horizon_hours: PositiveFloat = 24.0

    @property
    def flow_usd(self) -> float:
        return self.usd_per_day * self.horizon_hours / 24.0


class CascadeConfig(_Frozen):
    """Options of one cascade simulation; each feedback is off when ``None``.

    ``solver``: ``"fixed_point"`` (rounds, O(n log n)) or ``"stepper"`` (time, per-second path);
    both return the same liquidations, prices and fund/ADL figures.
    ``engine_usd_per_second``: the liquidation engine's throughput (stepper time axis only).
    ``maintenance_margin_rate``: used only when positions carry no liquidation/bankruptcy price
    and the margin engine is unavailable (simple isolated-margin formula, documented).
    ``max_move``: the largest move the book model covers (the price floor is
    ``start * (1 - max_move)``).
    """

    solver: Literal["fixed_point", "stepper"] = "fixed_point"
    surplus_to_insurance_fund: bool = True
    engine_usd_per_second: PositiveFloat = 50e6
    momentum: Momentum | None = None
    funding_pressure: FundingPressure | None = None
    depth_withdrawal: DepthWithdrawal | None = None
    exogenous_flow: ExogenousFlow | None = None
    maintenance_margin_rate: float = Field(FALLBACK_MAINTENANCE_RATE, ge=0.0, lt=1.0)
    max_move: float = Field(0.95, gt=0.0, lt=1.0)
    grid_points: int = Field(2048, ge=16, le=1_000_000)


class MonteCarloPriors(_Frozen):
    """Distributions for Monte Carlo stress paths.

    Per path: the price shock ~ Normal(``shock.price_move``, ``shock_sd``) (clipped to
    [-0.95, 9], ``_montecarlo.MOVE_CLIP``); the flow shock is kept; depth is scaled by
    LogNormal(0, ``depth_sigma``);
    each position's margin distance (entry to liquidation and to bankruptcy) is scaled by
    LogNormal(0, ``leverage_sigma``), i.e. leverage divided by that factor.

    With ``shock_as_flow`` (what :func:`~liqcascade.sim.stress` uses) the price shock is not
    drawn from a Normal: each path's exogenous move is ``|shock| + horizon_range * e`` with
    ``e`` drawn from ``overshoots`` (past bars' standardised overshoots beyond the shock, see
    ``sim/_regime.py``; 0 when empty), and it enters as the sell (buy) flow that moves that
    path's book by exactly that much before any liquidation, so the gap consumes depth and
    nothing is counted twice.
    """

    shock: Shock = Shock(price_move=-0.03)
    shock_sd: NonNegativeFloat = 0.01
    depth_sigma: NonNegativeFloat = 0.3
    leverage_sigma: NonNegativeFloat = 0.2
    block_size: int = Field(64, ge=1, le=100_000)
    shock_as_flow: bool = False
    horizon_range: NonNegativeFloat = 0.0
    overshoots: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _finite_overshoots(self) -> MonteCarloPriors:
        if not all(math.isfinite(x) for x in self.overshoots):
            raise ValueError("overshoots must be finite numbers")
        return self


class StressModel(_Frozen):
    """How :func:`~liqcascade.sim.stress` turns a shock into a move over the coming 4h bar.

    ``resilience``: multiple of the measured ±1 % book the cascade meets over its horizon
    (market makers refill the book while liquidation orders arrive; 1 = one static book).
    ``window_bars`` and ``season_prior``: trailing range window (42 bars = 7 days) and the
    pseudo-bars that shrink the hour-of-day factor towards 1. ``min_overshoots``: the fewest
    past overshoots used; the barrier is lowered in x0.8 steps until that many are known.
    ``depth_sigma`` and ``leverage_sigma``: per-path LogNormal spread of depth and margin.
    """

    resilience: PositiveFloat = 30.0
    window_bars: int = Field(42, ge=2, le=10_000)
    season_prior: NonNegativeFloat = 20.0
    min_overshoots: int = Field(30, ge=1)
    depth_sigma: NonNegativeFloat = 0.3
    leverage_sigma: NonNegativeFloat = 0.2


__all__ = [
    "CascadeConfig",
    "DepthWithdrawal",
    "ExogenousFlow",
    "FundingPressure",
    "Momentum",
    "MonteCarloPriors",
    "Shock",
    "StressModel",
]
