"""The position book: one column/dtype contract for ``margin``, ``leverage`` and ``sim``.

A position book is a DataFrame with one row per position (or per cohort of positions):

=====================  ======  ========  ===================================================
column                 kind    required  meaning
=====================  ======  ========  ===================================================
``side``               side    yes       ``"long"``/``"short"`` (any case), or +1/-1; the
                                         position's side, never an order side
``size``               number  yes       base units, > 0 (inverse: base units at entry)
``entry_price``        number  yes       quote per base unit, > 0
``collateral``         number  yes       isolated margin, or the cross wallet balance, >= 0
``venue``              text    sim       ccxt id (``binance``...); ``margin`` also takes
                                         ``venue=``
``symbol``             text    sim       ccxt symbol; ``margin`` also takes ``symbol=``
``margin_mode``        text    no        ``"isolated"`` or ``"cross"`` (any case)
``other_maint_margin`` number  no        cross: maintenance margin of the account's other
                                         positions, >= 0
``other_upnl``         number  no        cross: their unrealised PnL
``mmr``, ``cum``       number  no        per-row maintenance rate / amount (skip the table)
``liquidation_price``  number  no        given prices (the simulator then skips the margin
``bankruptcy_price``   number  no        engine)
=====================  ======  ========  ===================================================

``margin_mode`` is read where it changes a number: an ``isolated`` row ignores the cross terms
``other_maint_margin`` / ``other_upnl`` (its collateral is all it can lose); a ``cross`` row uses
them. Without cross-term columns both modes price alike, so the column is optional everywhere;
without it every row uses the cross terms as given (none: zero).

The dtype contract: a ``number`` column has a numeric dtype (bool and datetime are refused), or
holds text that all parses as numbers; a ``text`` column holds text (or is empty/null where its
consumer has a default); ``side`` holds text or integer/float codes. Values are checked per row
by the consumer: the margin functions turn a bad row into a status (NaN result), the simulator
refuses the book (:func:`check_values`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from liqcascade.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

Kind = Literal["side", "number", "text"]


@dataclass(frozen=True)
class Column:
    """One column of the position book: its name, kind and what it means."""

    name: str
    kind: Kind
    doc: str


COLUMNS: tuple[Column, ...] = (
    Column("venue", "text", "ccxt venue id"),
    Column("symbol", "text", "ccxt symbol"),
    Column("side", "side", "'long'/'short' or +1/-1"),
    Column("size", "number", "base units, > 0"),
    Column("entry_price", "number", "quote per base unit, > 0"),
    Column("collateral", "number", "isolated margin or cross wallet balance, >= 0"),
    Column("margin_mode", "text", "'isolated' or 'cross'"),
    Column("other_maint_margin", "number", "cross: other positions' maintenance margin, >= 0"),
    Column("other_upnl", "number", "cross: other positions' unrealised PnL"),
    Column("mmr", "number", "maintenance margin rate, a fraction"),
    Column("cum", "number", "maintenance amount"),
    Column("liquidation_price", "number", "given liquidation price"),
    Column("bankruptcy_price", "number", "given bankruptcy price"),
)
BY_NAME = {c.name: c for c in COLUMNS}
NAMES = tuple(c.name for c in COLUMNS)
# Every consumer needs these; the simulator also needs venue and symbol (SIM_REQUIRED).
REQUIRED = ("side", "size", "entry_price", "collateral")
SIM_REQUIRED = ("venue", "symbol", *REQUIRED)
OPTIONAL = tuple(n for n in NAMES if n not in REQUIRED)
SIDES = ("long", "short")
MARGIN_MODES = ("isolated", "cross")
CROSS_TERMS = ("other_maint_margin", "other_upnl")

_EXPECTED = {
    "number": "numbers (a numeric dtype, or text that parses as numbers)",
    "text": "text",
    "side": "'long'/'short' text or +1/-1 codes",
}


def check_book(
    frame: pd.DataFrame, *, required: tuple[str, ...] = REQUIRED, what: str = "positions"
) -> None:
    """Check that ``frame`` has the ``required`` columns and every known column's dtype.

    Raises
    ------
    InputError
        Naming the missing columns (and the expected ones), or the column whose dtype or
        first unparsable value breaks the contract, with its row and the expected kind.
    """
    missing = [c for c in required if c not in frame.columns]
    if missing:
        optional = [n for n in NAMES if n not in required]
        raise InputError(
            f"{what} are missing column(s) {missing}; expected columns {list(required)} "
            f"(optionally {', '.join(optional)})"
        )
    for name in frame.columns:
        column = BY_NAME.get(name)
        if column is not None:
            _check_dtype(frame[name], column, what)
    if "margin_mode" in frame.columns:
        isolated_rows(frame, what=what)


def _check_dtype(series: pd.Series, column: Column, what: str) -> None:
    kind = series.dtype.kind
    if column.kind == "text":
        ok = kind in "OUSV" or str(series.dtype) in ("string", "category") or series.isna().all()
        if not ok:
            _bad_dtype(series, column, what)
        return
    if kind in "iuf":
        return
    if column.kind == "side" and (kind in "OUS" or str(series.dtype) in ("string", "category")):
        return
    if column.kind == "number" and (kind in "OUS" or str(series.dtype) == "string"):
        _check_parses(series, column, what)
        return
    _bad_dtype(series, column, what)


def _bad_dtype(series: pd.Series, column: Column, what: str) -> None:
    raise InputError(
        f"{what} column {column.name!r} has dtype {series.dtype}; expected "
        f"{_EXPECTED[column.kind]} ({column.doc})"
    )


def _check_parses(series: pd.Series, column: Column, what: str) -> None:
    import pandas as pd

    parsed = pd.to_numeric(series, errors="coerce")
    bad = parsed.isna().to_numpy() & series.notna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"{what} column {column.name!r} has {series.iloc[row]!r} at row {row} (dtype "
            f"{series.dtype}); expected {_EXPECTED[column.kind]} ({column.doc})"
        )


def numbers(frame: pd.DataFrame, name: str, default: float | None = None) -> np.ndarray:
    """Column ``name`` as contiguous float64 (nulls -> ``default``; absent -> all ``default``)."""
    import pandas as pd

    if name not in frame.columns:
        return np.full(len(frame), np.nan if default is None else default)
    values = pd.to_numeric(frame[name], errors="coerce")
    if default is not None:
        values = values.fillna(default)
    return np.ascontiguousarray(values.to_numpy(dtype=np.float64, na_value=np.nan))


def side_labels(frame: pd.DataFrame) -> np.ndarray:
    """The ``side`` column as lower-case, stripped text (codes +1/-1 become long/short)."""
    side = frame["side"]
    if side.dtype.kind in "iuf":
        arr = side.to_numpy()
        return np.where(arr == 1, "long", np.where(arr == -1, "short", arr.astype(str)))
    return side.astype(str).str.strip().str.lower().to_numpy()


def isolated_rows(frame: pd.DataFrame, *, what: str = "positions") -> np.ndarray | None:
    """True where ``margin_mode`` is isolated; None without the column.

    Raises
    ------
    InputError
        A value that is not ``isolated``/``cross``, naming its row.
    """
    if "margin_mode" not in frame.columns:
        return None
    mode = frame["margin_mode"].astype(str).str.strip().str.lower().to_numpy()
    bad = ~np.isin(mode, MARGIN_MODES)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{what} column 'margin_mode' has {frame['margin_mode'].iloc[row]!r} at row {row}; "
            "expected 'isolated' or 'cross'"
        )
    return mode == "isolated"


def cross_terms(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(other_maint_margin, other_upnl) per row, zero for isolated rows and where absent."""
    omm = numbers(frame, "other_maint_margin", 0.0)
    oup = numbers(frame, "other_upnl", 0.0)
    isolated = isolated_rows(frame)
    if isolated is not None:
        omm = np.where(isolated, 0.0, omm)
        oup = np.where(isolated, 0.0, oup)
    return omm, oup


def check_values(frame: pd.DataFrame, *, what: str = "positions") -> np.ndarray:
    """Refuse a book with a bad row; return the side as +1.0/-1.0.

    Raises
    ------
    InputError
        The first row whose side is not long/short, or whose size / entry price is not a
        finite number > 0 or collateral not a finite number >= 0 (naming column, row, value).
    """
    sides = side_labels(frame)
    bad = ~np.isin(sides, SIDES)
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            f"{what} column 'side' has {frame['side'].iloc[row]!r} at row {row}; expected "
            "'long' or 'short' (the position's side, not an order side)"
        )
    for name in ("size", "entry_price", "collateral"):
        values = numbers(frame, name)
        ok = np.isfinite(values) & ((values >= 0) if name == "collateral" else (values > 0))
        if not ok.all():
            row = int(np.argmin(ok))
            bound = ">= 0" if name == "collateral" else "> 0"
            raise InputError(
                f"{what} column {name!r} has {frame[name].iloc[row]!r} at row {row}; expected "
                f"a finite number {bound}"
            )
    return np.where(sides == "long", 1.0, -1.0)


__all__ = [
    "COLUMNS",
    "CROSS_TERMS",
    "MARGIN_MODES",
    "NAMES",
    "OPTIONAL",
    "REQUIRED",
    "SIDES",
    "SIM_REQUIRED",
    "Column",
    "check_book",
    "check_values",
    "cross_terms",
    "isolated_rows",
    "numbers",
    "side_labels",
]
