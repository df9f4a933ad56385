"""Configuration of the liquidation map: the leverage prior and the book's modelling choices."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from liqcascade._dated import DatedConstant
from liqcascade.margin._tables import FALLBACK_MAINTENANCE_RATE


class LeverageBucket(BaseModel):
    """One point of the leverage prior: a leverage and the share of new open interest using it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    leverage: float = Field(gt=0.0, le=200.0)
    weight: float = Field(ge=0.0)


def _band(leverages: tuple[float, ...], share: float, decay: float) -> list[LeverageBucket]:
    # Spread a band's share over representative leverages, weight ~ leverage**-decay.
    raw = [lev**-decay for lev in leverages]
    return [
        LeverageBucket(leverage=lev, weight=share * w / sum(raw))
        for lev, w in zip(leverages, raw, strict=True)
    ]


# Hyperliquid, 24h to 2025-12-15 (PANews, citing on-chain analyst @ai_9684xtpa): of $7.63 B
# open interest, $2.77 B (36 %) at 0-3x, $3.7 B (48 %) at 3-7x, the rest (~15 %) above 7x.
# The two lower bands are spread evenly; the >7x band runs up to 125x (Binance's maximum on
# BTCUSDT) with weights ~ 1/leverage. A continuous spread matters: point masses leave the
# price ranges between them empty, and most 4h bars then predict no liquidation at all.
HYPERLIQUID_2025_PRIOR: tuple[LeverageBucket, ...] = (
    *_band((1.5, 2.0, 2.5, 3.0), 0.363, 0.0),
    *_band((3.5, 4.0, 5.0, 6.0, 7.0), 0.485, 0.0),
    *_band((8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 75.0, 100.0, 125.0), 0.152, 1.0),
)

# Before 2025-12-15 nothing measured says how leverage is spread: the fallback keeps the same
# leverages with weights ~ 1/leverage (a modelling assumption, no data): 54 % at <= 3x,
# 30 % at 3-7x, 16 % above 7x.
UNDATED_PRIOR: tuple[LeverageBucket, ...] = tuple(
    _band(tuple(b.leverage for b in HYPERLIQUID_2025_PRIOR), 1.0, 1.0)
)

DATED_PRIOR = DatedConstant(
    name="HYPERLIQUID_2025_PRIOR",
    value=HYPERLIQUID_2025_PRIOR,
    known_from="2025-12-15",
    source="Hyperliquid open interest by leverage, 24h to 2025-12-15 (PANews)",
    fallback=UNDATED_PRIOR,
    fallback_source="weights ~ 1/leverage over 1.5x..125x (no measured leverage spread)",
)


class MapConfig(BaseModel):
    """How the liquidation map builds its position book (all options keyword-only, frozen).

    Attributes
    ----------
    leverage_prior
        Leverages and the share of new open interest at each (weights are normalised).
    entry_weights
        Shares of a bar's new positions opened at its (low, close, high).
    cross_fraction
        Share of positions in cross margin; the rest are isolated.
    cross_collateral_multiple
        A cross account's collateral as a multiple of the isolated margin of the same
        position (free balance that delays liquidation).
    representative_notional_usd
        Position size, USD, used to pick the maintenance bracket (cohorts aggregate many
        accounts, so their total would put them in the wrong tier).
    venue
        Margin rules used for liquidation prices (a ``liqcascade.margin`` venue).
    long_short_kind
        Which long/short ratio splits new positions (``global_account``...).
    funding_tilt
        Without long/short data, the long share is ``0.5 + 0.1 * tanh(rate / funding_tilt)``
        for the funding rate per 8h (fraction).
    turnover_per_bar
        Share of open positions closed and reopened at current prices every 4h bar (churn
        at flat open interest keeps fresh positions near the price).
    at_risk_share
        Share of open interest held as leveraged directional positions (the rest: hedged
        basis and market-making books that are not liquidated by a move). Scales every
        notional output linearly; calibrated in ``docs/leverage.md``.
    fallback_mmr
        Maintenance rate used when the margin engine has no bracket table for the symbol
        (the map reports it in ``LiquidationMap.bracket_source``).
    lookback_days
        History used to build the book before ``asof``.
    grid_days, grid_bins, grid_range
        Heatmap window (days before ``asof``), number of price bins, and price range
        as a fraction around the as-of price (0.3 = ±30 %).
    curve_max, curve_step
        Extent and step of the cumulative curve, as fractions of the price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    leverage_prior: tuple[LeverageBucket, ...] = HYPERLIQUID_2025_PRIOR
    entry_weights: tuple[float, float, float] = (0.25, 0.5, 0.25)
    cross_fraction: float = Field(default=0.5, ge=0.0, le=1.0)
    cross_collateral_multiple: float = Field(default=2.0, ge=1.0)
    representative_notional_usd: float = Field(default=100_000.0, gt=0.0)
    venue: str = "binance"
    long_short_kind: Literal["global_account", "top_account", "top_position"] = "global_account"
    funding_tilt: float = Field(default=0.0005, gt=0.0)
    turnover_per_bar: float = Field(default=0.1, ge=0.0, lt=1.0)
    at_risk_share: float = Field(default=0.11, gt=0.0, le=1.0)
    fallback_mmr: float = Field(default=FALLBACK_MAINTENANCE_RATE, gt=0.0, lt=1.0)
    lookback_days: float = Field(default=365.0, gt=0.0)
    grid_days: float = Field(default=30.0, gt=0.0)
    grid_bins: int = Field(default=120, ge=2, le=2000)
    grid_range: float = Field(default=0.3, gt=0.0, lt=1.0)
    curve_max: float = Field(default=0.2, gt=0.0, lt=1.0)
    curve_step: float = Field(default=0.005, gt=0.0)

    @model_validator(mode="after")
    def _check_weights(self) -> MapConfig:
        if not self.leverage_prior or sum(b.weight for b in self.leverage_prior) <= 0:
            raise ValueError("leverage_prior needs at least one bucket with a positive weight")
        if min(self.entry_weights) < 0 or sum(self.entry_weights) <= 0:
            raise ValueError("entry_weights must be non-negative with a positive sum")
        if self.curve_step > self.curve_max:
            raise ValueError("curve_step must not exceed curve_max")
        return self


def dated_prior(config: MapConfig, asof: object) -> tuple[MapConfig, tuple[str, ...]]:
    """Swap the Hyperliquid prior for its fallback before its date; return the note to report.

    Only the dated default is swapped (compared by value): a prior the caller chose is theirs.
    """
    if config.leverage_prior != HYPERLIQUID_2025_PRIOR:
        return config, ()
    prior, notes = DATED_PRIOR.value_at(asof)
    return (config.model_copy(update={"leverage_prior": prior}) if notes else config), notes


__all__ = [
    "DATED_PRIOR",
    "HYPERLIQUID_2025_PRIOR",
    "UNDATED_PRIOR",
    "LeverageBucket",
    "MapConfig",
    "dated_prior",
]
