"""Result objects of the simulator (plain frozen dataclasses holding numbers and frames)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import pandas as pd

HEADLINE = (
    "start_price",
    "trough_price",
    "move_pct",
    "liquidated_long_usd",
    "liquidated_short_usd",
    "rounds",
    "insurance_fund_used_usd",
    "adl_usd",
)

LIQUIDATION_COLUMNS = (
    "row",
    "side",
    "size",
    "liquidation_price",
    "bankruptcy_price",
    "notional_usd",
    "fill_price",
    "insurance_fund_draw_usd",
    "insurance_fund_add_usd",
    "adl_fraction",
    "round",
    "time_s",
)


class _Detail(Protocol):
    def liquidations(self) -> pd.DataFrame: ...

    def path(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class _Frames:
    """Ready-made frames (the empty result, tests)."""

    liquidations_frame: pd.DataFrame
    path_frame: pd.DataFrame

    def liquidations(self) -> pd.DataFrame:
        return self.liquidations_frame

    def path(self) -> pd.DataFrame:
        return self.path_frame


@dataclass(frozen=True)
class CascadeResult:
    """Outcome of one cascade.

    ``trough_price`` is the extreme price reached (the peak for an upward shock); ``move_pct``
    is the move from start to trough as a FRACTION (-0.05 = 5 % down), like every rate in
    liqcascade. ``rounds`` counts fixed-point rounds, or stepper steps (seconds with
    executions). ``liquidations`` has one row per liquidated position in execution order;
    ``path`` the price after each round (fixed point) or each active second (stepper).
    """

    start_price: float
    trough_price: float
    move_pct: float
    liquidated_long_usd: float
    liquidated_short_usd: float
    rounds: int
    insurance_fund_used_usd: float
    adl_usd: float
    n_liquidated: int = 0
    insurance_fund_added_usd: float = 0.0
    book_absorbed_usd: float = 0.0
    exogenous_flow_usd: float = 0.0
    adl_counterparties: int = 0
    adl_unmatched_qty: float = 0.0
    skipped_positions: int = 0
    funding_closed_fraction: float = 0.0
    solver: str = "fixed_point"
    price_source: str = ""
    detail: _Detail | None = field(default=None, repr=False, compare=False)

    @cached_property
    def liquidations(self) -> pd.DataFrame:
        """One row per liquidated position, in execution order (built on first access)."""
        return self.detail.liquidations() if self.detail is not None else pd.DataFrame()

    @cached_property
    def path(self) -> pd.DataFrame:
        """Price after each round (fixed point) or active second (stepper)."""
        return self.detail.path() if self.detail is not None else pd.DataFrame()

    @classmethod
    def empty(cls, price: float, *, solver: str, price_source: str) -> CascadeResult:
        """The result of no shock at all: nothing moves, nothing is liquidated."""
        return cls(
            start_price=price,
            trough_price=price,
            move_pct=0.0,
            liquidated_long_usd=0.0,
            liquidated_short_usd=0.0,
            rounds=0,
            insurance_fund_used_usd=0.0,
            adl_usd=0.0,
            solver=solver,
            price_source=price_source,
            detail=_Frames(
                pd.DataFrame({c: [] for c in LIQUIDATION_COLUMNS}),
                pd.DataFrame({"round": [0], "price": [price], "liquidated": [0]}),
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """Headline numbers and diagnostics as plain JSON-ready values (no frames)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in HEADLINE}
        out["rounds"] = int(self.rounds)
        for name in (
            "n_liquidated",
            "insurance_fund_added_usd",
            "book_absorbed_usd",
            "exogenous_flow_usd",
            "adl_counterparties",
            "adl_unmatched_qty",
            "skipped_positions",
            "funding_closed_fraction",
            "solver",
            "price_source",
        ):
            out[name] = getattr(self, name)
        return {key: (float(v) if isinstance(v, float) else v) for key, v in out.items()}


__all__ = ["HEADLINE", "LIQUIDATION_COLUMNS", "CascadeResult"]
