"""Position books: validate a DataFrame once, at the edge, into plain float64 arrays.

The columns and their dtypes are the one position-book contract of ``liqcascade.margin._positions``
(shared with the margin functions and the liquidation map); the simulator requires ``venue,
symbol, side ("long"/"short"), size`` (base units), ``entry_price`` (USD) and ``collateral``
(USD). Optional: ``margin_mode`` ("isolated"/"cross") with the cross terms ``other_maint_margin``
/ ``other_upnl`` (an isolated row ignores them), and ``liquidation_price`` /
``bankruptcy_price`` (when only the liquidation price is given, bankruptcy is
``entry -/+ collateral/size``). When both prices are absent they come from the margin engine
(``liqcascade.margin.liquidation_prices``, cross terms included); if the engine has no rules for
the venue (e.g. the cross-venue aggregate ``all``) the simple isolated-margin formula below is
used (it ignores cross terms).

Simple isolated linear formula (one position, no fees, maintenance rate ``m``; Binance USDⓈ-M
with cum = 0): long ``liq = (entry*size - collateral) / (size*(1 - m))``, bankruptcy
``entry - collateral/size``; short ``liq = (entry*size + collateral) / (size*(1 + m))``,
bankruptcy ``entry + collateral/size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.errors import InputError, UnknownVenueError
from liqcascade.margin import _positions as schema

# margin_mode is no longer required: it only matters with cross terms (see the module doc).
REQUIRED = schema.SIM_REQUIRED


@dataclass(frozen=True)
class PositionArrays:
    """A validated position book as contiguous arrays (side: +1 long, -1 short)."""

    side: np.ndarray
    size: np.ndarray
    entry: np.ndarray
    collateral: np.ndarray
    liquidation: np.ndarray
    bankruptcy: np.ndarray
    price_source: str

    def __len__(self) -> int:
        return int(self.side.shape[0])

    def subset(self, keep: np.ndarray) -> PositionArrays:
        """The positions where the boolean mask ``keep`` is True (fresh contiguous arrays)."""
        return PositionArrays(
            side=self.side[keep],
            size=self.size[keep],
            entry=self.entry[keep],
            collateral=self.collateral[keep],
            liquidation=self.liquidation[keep],
            bankruptcy=self.bankruptcy[keep],
            price_source=self.price_source,
        )


def isolated_bankruptcy(
    side: np.ndarray, size: np.ndarray, entry: np.ndarray, collateral: np.ndarray
) -> np.ndarray:
    """Bankruptcy price (zero margin) of isolated linear rows: ``entry -/+ collateral/size``."""
    per_unit = collateral / size
    return np.where(side > 0, entry - per_unit, entry + per_unit)


def simple_isolated_prices(
    side: np.ndarray, size: np.ndarray, entry: np.ndarray, collateral: np.ndarray, mmr: float
) -> tuple[np.ndarray, np.ndarray]:
    """Liquidation and bankruptcy prices of isolated linear positions (see the module doc)."""
    liquidation = np.where(
        side > 0,
        (entry * size - collateral) / (size * (1.0 - mmr)),
        (entry * size + collateral) / (size * (1.0 + mmr)),
    )
    return liquidation, isolated_bankruptcy(side, size, entry, collateral)


def _margin_engine_prices(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Margin-engine prices per (venue, symbol); ``handled`` is False where it has no rules."""
    n = len(frame)
    liq = np.full(n, np.nan)
    bk = np.full(n, np.nan)
    handled = np.zeros(n, dtype=bool)
    from liqcascade.margin import liquidation_prices

    for (venue, symbol), idx in frame.groupby(["venue", "symbol"], sort=False).indices.items():
        try:
            res = liquidation_prices(frame.iloc[idx], venue=str(venue), symbol=str(symbol))
        except UnknownVenueError:
            continue
        liq[idx] = res.liquidation_price
        bk[idx] = res.bankruptcy_price
        handled[idx] = True
    return liq, bk, handled


def read_positions(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Return a position DataFrame from a DataFrame or a Parquet file path."""
    if isinstance(source, pd.DataFrame):
        return source
    path = Path(source)
    if not path.is_file():
        raise InputError(f"positions file {path} does not exist; expected a Parquet file")
    return pd.read_parquet(path)


def prepare_positions(
    positions: pd.DataFrame | str | Path | PositionArrays, *, maintenance_margin_rate: float
) -> PositionArrays:
    """Validate a position book and attach liquidation / bankruptcy prices.

    Arrays already prepared (a :class:`PositionArrays`) are returned as they are.
    """
    if isinstance(positions, PositionArrays):
        return positions
    frame = read_positions(positions)
    schema.check_book(frame, required=REQUIRED)
    frame = frame.reset_index(drop=True)
    side = schema.check_values(frame)
    arrays = {col: schema.numbers(frame, col) for col in ("size", "entry_price", "collateral")}
    if "liquidation_price" in frame.columns:
        liq = schema.numbers(frame, "liquidation_price")
        if "bankruptcy_price" in frame.columns:
            bk = schema.numbers(frame, "bankruptcy_price")
            source = "given"
        else:  # margin balance zero, exact for linear isolated
            bk = isolated_bankruptcy(
                side, arrays["size"], arrays["entry_price"], arrays["collateral"]
            )
            source = "given liquidation price; bankruptcy from collateral"
    else:
        liq, bk, handled = _margin_engine_prices(frame.assign(side=schema.side_labels(frame)))
        simple = f"simple isolated formula (mmr {maintenance_margin_rate})"
        if not handled.all():
            s_liq, s_bk = simple_isolated_prices(
                side, arrays["size"], arrays["entry_price"], arrays["collateral"],
                maintenance_margin_rate,
            )  # fmt: skip
            liq = np.where(handled, liq, s_liq)
            bk = np.where(handled, bk, s_bk)
        source = (
            "margin engine"
            if handled.all()
            else simple
            if not handled.any()
            else f"margin engine; {simple} for venues/symbols without rules"
        )
    for name, values in (("liquidation_price", liq), ("bankruptcy_price", bk)):
        if not np.all(np.isfinite(values)):
            row = int(np.argmin(np.isfinite(values)))
            raise InputError(
                f"positions {name} is not finite at row {row}: {values[row]!r}; a position "
                "larger than the venue's biggest bracket has no price: split it or pass "
                "liquidation_price and bankruptcy_price columns"
            )
    return PositionArrays(
        side=np.ascontiguousarray(side),
        size=arrays["size"],
        entry=arrays["entry_price"],
        collateral=arrays["collateral"],
        liquidation=np.ascontiguousarray(liq, dtype=np.float64),
        bankruptcy=np.ascontiguousarray(bk, dtype=np.float64),
        price_source=source,
    )


__all__ = [
    "REQUIRED",
    "PositionArrays",
    "isolated_bankruptcy",
    "prepare_positions",
    "read_positions",
    "simple_isolated_prices",
]
