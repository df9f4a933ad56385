"""DataFrame entry point: many positions, possibly over several venues and symbols."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from liqcascade.errors import InputError
from liqcascade.margin import _positions as schema
from liqcascade.margin._api import DateLike, MarginResult, margin_detailed

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def liquidation_prices(
    df: pd.DataFrame,
    *,
    venue: str | None = None,
    symbol: str | None = None,
    at: DateLike = None,
    mmr: float | None = None,
    cum: float | None = None,
    max_leverage: float | None = None,
    inverse: bool = False,
    taker_fee: float | None = None,
) -> MarginResult:
    """Margin results for a DataFrame of positions, row-aligned with ``df``.

    Parameters
    ----------
    df
        A position book (the contract is in ``liqcascade.margin._positions``): columns
        ``side, size, entry_price, collateral`` and optionally ``margin_mode`` (``isolated``
        zeroes the cross terms), ``other_maint_margin``, ``other_upnl``, and per-row
        ``venue`` / ``symbol`` / ``mmr`` / ``cum`` overriding the keyword defaults.
    venue, symbol, at, mmr, cum, max_leverage, inverse, taker_fee
        As in :func:`liquidation_price`; applied to every row that does not set its own.

    Returns
    -------
    MarginResult
        Arrays in the row order of ``df`` (``table`` is None when several tables were used).

    Notes
    -----
    Rows are grouped by (venue, symbol); each group is one vectorized call, so the cost is
    one pass per group, never a Python loop per position.
    """
    schema.check_book(df, what="positions DataFrame")
    n = len(df)
    omm, oup = schema.cross_terms(df)
    venues = _labels(df, "venue", venue, n)
    symbols = _labels(df, "symbol", symbol, n)
    # Per-row (mmr, cum) columns, when the frame carries its own rates.
    rate_cols: tuple[np.ndarray, np.ndarray] | None = None
    if "mmr" in df.columns:
        rate_cols = (schema.numbers(df, "mmr"), schema.numbers(df, "cum", 0.0))
    out = {
        name: np.full(n, np.nan)
        for name in ("liquidation_price", "bankruptcy_price", "maintenance_margin", "margin_ratio")
    }
    bracket = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int8)
    keys = np.char.add(np.char.add(venues.astype(str), "\x1f"), symbols.astype(str))
    uniq, group = np.unique(keys, return_inverse=True)
    side = df["side"].to_numpy()
    size, entry, collateral = (
        schema.numbers(df, name) for name in ("size", "entry_price", "collateral")
    )
    tables = set()
    for g, key in enumerate(uniq):
        rows = np.flatnonzero(group == g)
        v, _, s = str(key).partition("\x1f")
        if v == "None":
            raise InputError("no venue: pass venue= or give a 'venue' column")
        kw: dict[str, Any] = {"mmr": mmr, "cum": cum}
        if rate_cols is not None:
            kw = {"mmr": rate_cols[0][rows], "cum": rate_cols[1][rows]}
        res = margin_detailed(
            v,
            side[rows],
            size[rows],
            entry[rows],
            collateral[rows],
            symbol=None if s == "None" or kw["mmr"] is not None else s,
            at=at,
            max_leverage=max_leverage if kw["mmr"] is None else None,
            other_maint_margin=omm[rows],
            other_upnl=oup[rows],
            inverse=inverse,
            taker_fee=taker_fee,
            **kw,
        )
        for name, arr in out.items():
            arr[rows] = getattr(res, name)
        bracket[rows] = res.bracket
        status[rows] = res.status
        tables.add(res.table)
    return MarginResult(
        **out,
        bracket=bracket,
        status=status,
        table=tables.pop() if len(tables) == 1 else None,
    )


def _labels(df: Any, name: str, default: str | None, n: int) -> np.ndarray:
    if name in df.columns:
        col = df[name].astype(object).where(df[name].notna(), default)
        return col.astype(str).to_numpy()
    return np.full(n, str(default), dtype=object).astype(str)
