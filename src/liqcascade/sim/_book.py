"""The market the cascade runs in: mid price, depth per side, funding, insurance fund.

Depth is cumulative USD resting within a fraction ``x`` of mid, per side, ``D(x)``. Two ways
to build it: a parametric curve ``D(x) = depth_1pct * (x / 0.01) ** alpha`` (alpha = 1: flat
density), or measured bands (the ±1 % series, Binance bookDepth ±1..5 % bands) interpolated
linearly and extended beyond the last band with the power law through the last two bands.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from liqcascade.errors import InputError
from liqcascade.sim._config import CascadeConfig

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SIDES = ("bid", "ask")


@dataclass(frozen=True)
class Book:
    """Order-book depth model and market state at the start of a cascade.

    Parameters
    ----------
    mid_price
        Mid / mark price at the start, USD.
    bands
        Distances from mid as FRACTIONS, strictly increasing (0.01 = ±1 %).
    bid_depth_usd, ask_depth_usd
        Cumulative USD resting within each band below / above mid (``inf`` = infinite depth).
    tail_alpha
        Exponent of the power law used beyond the last band when only one band is known.
    funding_rate
        Current funding rate per 8 h, FRACTION (positive: longs pay).
    insurance_fund_usd
        Insurance fund balance available to this market, USD.
    """

    mid_price: float
    bands: np.ndarray
    bid_depth_usd: np.ndarray
    ask_depth_usd: np.ndarray
    tail_alpha: float = 1.0
    funding_rate: float = 0.0
    insurance_fund_usd: float = 0.0
    source: str = field(default="parametric", compare=False)

    def __post_init__(self) -> None:
        bands = np.ascontiguousarray(self.bands, dtype=np.float64).reshape(-1)
        bid = np.ascontiguousarray(self.bid_depth_usd, dtype=np.float64).reshape(-1)
        ask = np.ascontiguousarray(self.ask_depth_usd, dtype=np.float64).reshape(-1)
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "bid_depth_usd", bid)
        object.__setattr__(self, "ask_depth_usd", ask)
        if not (np.isfinite(self.mid_price) and self.mid_price > 0):
            raise InputError(
                f"book mid_price must be a positive finite USD price, got {self.mid_price}"
            )
        if bands.size == 0 or bands.size != bid.size or bands.size != ask.size:
            raise InputError(
                f"book bands ({bands.size}), bid_depth_usd ({bid.size}) and ask_depth_usd "
                f"({ask.size}) must be non-empty and of equal length"
            )
        if not (np.all(np.isfinite(bands)) and bands[0] > 0 and np.all(np.diff(bands) > 0)):
            raise InputError(f"book bands must be positive and strictly increasing, got {bands}")
        for name, arr in (("bid_depth_usd", bid), ("ask_depth_usd", ask)):
            if np.any(np.isnan(arr)) or np.any(arr <= 0) or np.any(np.diff(arr) < 0):
                raise InputError(
                    f"book {name} must be positive and non-decreasing with the band, got {arr}"
                )
        if not (np.isfinite(self.tail_alpha) and self.tail_alpha > 0):
            raise InputError(f"book tail_alpha must be positive, got {self.tail_alpha}")
        if not np.isfinite(self.funding_rate):
            raise InputError(f"book funding_rate must be finite, got {self.funding_rate}")
        if not (np.isfinite(self.insurance_fund_usd) and self.insurance_fund_usd >= 0):
            raise InputError(
                f"book insurance_fund_usd must be a finite USD amount >= 0, "
                f"got {self.insurance_fund_usd}"
            )

    @classmethod
    def parametric(
        cls,
        mid_price: float,
        depth_1pct_usd: float,
        *,
        ask_depth_1pct_usd: float | None = None,
        alpha: float = 1.0,
        funding_rate: float = 0.0,
        insurance_fund_usd: float = 0.0,
    ) -> Book:
        """Build ``D(x) = depth_1pct * (x / 0.01) ** alpha`` per side (ask defaults to bid)."""
        ask = depth_1pct_usd if ask_depth_1pct_usd is None else ask_depth_1pct_usd
        return cls(
            mid_price=mid_price,
            bands=np.array([0.01]),
            bid_depth_usd=np.array([depth_1pct_usd]),
            ask_depth_usd=np.array([ask]),
            tail_alpha=alpha,
            funding_rate=funding_rate,
            insurance_fund_usd=insurance_fund_usd,
            source="parametric",
        )

    def scaled(self, factor: float) -> Book:
        """Return the same book with every depth multiplied by ``factor`` (Monte Carlo prior)."""
        return Book(
            mid_price=self.mid_price,
            bands=self.bands,
            bid_depth_usd=self.bid_depth_usd * factor,
            ask_depth_usd=self.ask_depth_usd * factor,
            tail_alpha=self.tail_alpha,
            funding_rate=self.funding_rate,
            insurance_fund_usd=self.insurance_fund_usd,
            source=self.source,
        )

    def depth(self, side: str, x: np.ndarray) -> np.ndarray:
        """Cumulative USD within ``x`` (FRACTION from mid) on ``side`` ("bid" or "ask")."""
        if side not in SIDES:
            raise InputError(f"side must be one of {SIDES}, got {side!r}")
        cum = self.bid_depth_usd if side == "bid" else self.ask_depth_usd
        x = np.asarray(x, dtype=np.float64)
        bands = np.concatenate(([0.0], self.bands))
        levels = np.concatenate(([0.0], cum))
        if self.bands.size >= 2 and np.all(np.isfinite(cum[-2:])):
            alpha = np.log(cum[-1] / cum[-2]) / np.log(self.bands[-1] / self.bands[-2])
            alpha = max(float(alpha), 1e-3)
        else:
            alpha = self.tail_alpha
        with np.errstate(invalid="ignore", divide="ignore"):
            inside = np.interp(x, bands, levels)
            if self.bands.size == 1:  # pure power law through the single band
                inside = cum[0] * (x / self.bands[0]) ** alpha
            tail = cum[-1] * (x / self.bands[-1]) ** alpha
        out = np.where(x <= self.bands[-1], inside, tail)
        return np.where(x <= 0, 0.0, out)


def book_from_depth_row(
    row: pd.Series, price: float, *, funding_rate: float, insurance_fund_usd: float, source: str
) -> Book:
    """The :meth:`Book.parametric` book through one ±1 % depth row (``bid_usd``, ``ask_usd``)."""
    book = Book.parametric(
        price,
        float(row["bid_usd"]),
        ask_depth_1pct_usd=float(row["ask_usd"]),
        funding_rate=funding_rate,
        insurance_fund_usd=insurance_fund_usd,
    )
    return replace(book, source=source)


@lru_cache(maxsize=8)
def _grid(points: int, max_move: float) -> np.ndarray:
    # The move grid: 0, then geometric from 1e-6 to max_move (read-only, shared).
    y = np.concatenate(([0.0], np.geomspace(1e-6, max_move, points - 1)))
    y.flags.writeable = False
    return y


def flow_curve(book: Book, side: str, config: CascadeConfig) -> tuple[np.ndarray, np.ndarray]:
    """Tabulate the flow the book absorbs before moving by ``y`` on ``side``.

    Folds in market-maker withdrawal (depth times a volatility factor) and momentum sellers
    (``usd_per_pct * 100 * y`` of extra flow, i.e. negative depth); the result is made
    non-decreasing by a running maximum so the kernels can invert it.
    """
    y = _grid(config.grid_points, config.max_move)
    flow = book.depth(side, y)
    withdrawal = config.depth_withdrawal
    if withdrawal is not None and withdrawal.elasticity > 0:
        vol = withdrawal.vol0 + withdrawal.vol_per_move * y
        flow = flow * (vol / withdrawal.vol0) ** (-withdrawal.elasticity)
    if config.momentum is not None and config.momentum.usd_per_pct > 0:
        with np.errstate(invalid="ignore"):
            flow = flow - config.momentum.usd_per_pct * 100.0 * y
    flow = np.maximum.accumulate(np.maximum(np.nan_to_num(flow, nan=np.inf), 0.0))
    return np.ascontiguousarray(y), np.ascontiguousarray(flow)


__all__ = ["SIDES", "Book", "book_from_depth_row", "flow_curve"]
