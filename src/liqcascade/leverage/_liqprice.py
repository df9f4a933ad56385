"""Liquidation prices of the map's cohorts, from the margin engine.

A cohort aggregates many accounts, so its price is computed for one representative position
(``MapConfig.representative_notional_usd``) at the cohort's entry and leverage: isolated
margin posts ``notional / leverage``; a cross account posts ``cross_collateral_multiple``
times that (its free balance). The venue's bracket table picks the maintenance rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from liqcascade.errors import BracketError, InputError
from liqcascade.margin import liquidation_price
from liqcascade.margin._tables import FALLBACK_MAINTENANCE_RATE


def _engine_prices(
    venue: str,
    side: np.ndarray,
    size: np.ndarray,
    entry: np.ndarray,
    collateral: np.ndarray,
    *,
    symbol: str,
    at: pd.Timestamp,
    fallback_mmr: float,
) -> tuple[np.ndarray, str]:
    # The venue's bracket table for the symbol; without one, a flat maintenance rate (named
    # in the result so the caller can report it).
    try:
        price = liquidation_price(
            venue, side, size, entry, collateral, symbol=symbol, at=at.to_pydatetime()
        )
        source = f"{venue} brackets for {symbol}"
    except BracketError:
        price = liquidation_price(venue, side, size, entry, collateral, mmr=fallback_mmr, cum=0.0)
        source = f"flat maintenance rate {fallback_mmr} (no {venue} bracket table for {symbol})"
    return np.asarray(price, dtype=float), source


def cohort_liquidation_prices(
    is_long: np.ndarray,
    entry: np.ndarray,
    leverage: np.ndarray,
    cross: np.ndarray,
    *,
    venue: str,
    symbol: str,
    at: pd.Timestamp,
    representative_notional_usd: float,
    cross_collateral_multiple: float,
    fallback_mmr: float = FALLBACK_MAINTENANCE_RATE,
) -> tuple[np.ndarray, str]:
    """Return each cohort's liquidation price (0 for a long that cannot be liquidated).

    Parameters
    ----------
    is_long, entry, leverage, cross
        Per-cohort side, entry price, leverage and margin mode (True = cross).
    venue, symbol, at
        Margin rules: venue, ccxt symbol and the date whose bracket table applies.
    representative_notional_usd, cross_collateral_multiple, fallback_mmr
        See :class:`~liqcascade.leverage.MapConfig`.

    Returns
    -------
    The prices (NaN where the venue would not open such a position), and a phrase naming
    the margin rules used.
    """
    if not (np.all(np.isfinite(entry)) and np.all(entry > 0)):
        raise InputError("cohort entry prices must be positive and finite; check the candles")
    size = representative_notional_usd / entry
    collateral = representative_notional_usd / leverage
    collateral = np.where(cross, collateral * cross_collateral_multiple, collateral)
    side = np.where(is_long, 1, -1).astype(np.int64)
    price, source = _engine_prices(
        venue, side, size, entry, collateral, symbol=symbol, at=at, fallback_mmr=fallback_mmr
    )
    # NaN: the venue would not open the position (margin below maintenance at entry, e.g. a
    # leverage above the venue's maximum); the caller drops those cohorts.
    # A long whose margin covers the whole notional has no positive liquidation price.
    return np.where(is_long & ~(price > 0) & ~np.isnan(price), 0.0, price), source


def ladder_liquidation_prices(
    is_long: np.ndarray, entry: np.ndarray, leverage: np.ndarray
) -> np.ndarray:
    """The naive fixed ladder most open tools draw: ``entry * (1 -/+ 1 / leverage)``.

    Used only as the baseline the map must beat (no maintenance margin, no brackets).
    """
    return np.where(is_long, entry * (1.0 - 1.0 / leverage), entry * (1.0 + 1.0 / leverage))
