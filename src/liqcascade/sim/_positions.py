"""Position books: validate a DataFrame once, at the edge, into plain float64 arrays.

Columns: ``venue, symbol, side ("long"/"short"), size`` (base units), ``entry_price`` (USD),
``collateral`` (USD), ``margin_mode`` ("isolated"/"cross"); optional ``liquidation_price`` and
``bankruptcy_price`` (when only the liquidation price is given, bankruptcy is
``entry -/+ collateral/size``). When both are absent they come from the margin engine
(``liqcascade.margin.liquidation_price`` / ``bankruptcy_price``); if the engine has no rules for
the venue (e.g. the cross-venue aggregate ``all``) the simple isolated-margin formula below is used.

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

REQUIRED = ("venue", "symbol", "side", "size", "entry_price", "collateral", "margin_mode")


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


def simple_isolated_prices(
    side: np.ndarray, size: np.ndarray, entry: np.ndarray, collateral: np.ndarray, mmr: float
) -> tuple[np.ndarray, np.ndarray]:
    """Liquidation and bankruptcy prices of isolated linear positions (see the module doc)."""
    long = side > 0
    per_unit = collateral / size
    bankruptcy = np.where(long, entry - per_unit, entry + per_unit)
    liquidation = np.where(
        long,
        (entry * size - collateral) / (size * (1.0 - mmr)),
        (entry * size + collateral) / (size * (1.0 + mmr)),
    )
    return liquidation, bankruptcy


def _margin_engine_prices(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Margin-engine prices per (venue, symbol); ``handled`` is False where it has no rules."""
    n = len(frame)
    liq = np.full(n, np.nan)
    bk = np.full(n, np.nan)
    handled = np.zeros(n, dtype=bool)
    try:
        from liqcascade.margin import bankruptcy_price, liquidation_price
    except ImportError:  # pragma: no cover - margin engine not built
        return liq, bk, handled
    for (venue, symbol), idx in frame.groupby(["venue", "symbol"], sort=False).indices.items():
        part = frame.iloc[idx]
        args = (
            str(venue),
            part["side"].to_numpy(),
            part["size"].to_numpy(np.float64),
            part["entry_price"].to_numpy(np.float64),
            part["collateral"].to_numpy(np.float64),
        )
        try:
            liq[idx] = np.asarray(liquidation_price(*args, symbol=str(symbol)), dtype=np.float64)
            bk[idx] = np.asarray(bankruptcy_price(*args, symbol=str(symbol)), dtype=np.float64)
        except UnknownVenueError:
            continue
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
    positions: pd.DataFrame | str | Path, *, maintenance_margin_rate: float
) -> PositionArrays:
    """Validate a position book and attach liquidation / bankruptcy prices."""
    frame = read_positions(positions)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"positions are missing column(s) {missing}; expected columns {list(REQUIRED)} "
            "(optionally liquidation_price, bankruptcy_price)"
        )
    frame = frame.reset_index(drop=True)
    sides = frame["side"].astype(str).str.lower()
    bad = ~sides.isin(["long", "short"])
    if bad.any():
        raise InputError(
            f"positions column 'side' has {sides[bad].iloc[0]!r} at row {int(np.argmax(bad))}; "
            "expected 'long' or 'short' (the position's side, not an order side)"
        )
    side = np.where(sides.to_numpy() == "long", 1.0, -1.0)
    arrays = {}
    for col in ("size", "entry_price", "collateral"):
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(np.float64)
        ok = np.isfinite(values) & ((values > 0) if col != "collateral" else (values >= 0))
        if not ok.all():
            row = int(np.argmin(ok))
            raise InputError(
                f"positions column {col!r} has {frame[col].iloc[row]!r} at row {row}; expected "
                f"a finite number {'>= 0' if col == 'collateral' else '> 0'}"
            )
        arrays[col] = np.ascontiguousarray(values)
    if "liquidation_price" in frame.columns:
        liq = pd.to_numeric(frame["liquidation_price"], errors="coerce").to_numpy(np.float64)
        if "bankruptcy_price" in frame.columns:
            bk = pd.to_numeric(frame["bankruptcy_price"], errors="coerce").to_numpy(np.float64)
            source = "given"
        else:  # margin balance zero: entry -/+ collateral per unit, exact for linear isolated
            per_unit = arrays["collateral"] / arrays["size"]
            bk = np.where(
                side > 0, arrays["entry_price"] - per_unit, arrays["entry_price"] + per_unit
            )
            source = "given liquidation price; bankruptcy from collateral"
    else:
        liq, bk, handled = _margin_engine_prices(frame.assign(side=sides))
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
    "prepare_positions",
    "read_positions",
    "simple_isolated_prices",
]
