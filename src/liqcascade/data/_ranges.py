"""Declared value ranges per dataset, checked on every write: nothing absurd lands silently.

Every float is finite; prices are > 0; sizes, volumes and notionals are >= 0; fractions lie
in [0, 1]; ``high >= low``; times lie within [2009-01-01, now + 1 day] (1900 for macro and
equity closes, whose history is older than bitcoin); intervals are known names.
:func:`problems` finds the rows that break a rule, vectorized and cheap on clean data (a
min/max per column decides whether a row-wise look is needed at all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data._schema import Dataset

POSITIVE = "positive"  # > 0
NON_NEGATIVE = "non-negative"  # >= 0
FRACTION = "fraction"  # in [0, 1]

_PRICES = {c: POSITIVE for c in ("open", "high", "low", "close")}
RANGES: dict[str, dict[str, str]] = {
    "candles": {**_PRICES, "volume": NON_NEGATIVE, "quote_volume": NON_NEGATIVE},
    "open_interest": {
        c: NON_NEGATIVE for c in ("open_usd", "high_usd", "low_usd", "close_usd", "close_base")
    },
    "funding": {"funding_interval_hours": POSITIVE},
    "liquidations": {"notional_usd": NON_NEGATIVE, "qty": NON_NEGATIVE, "price": POSITIVE},
    "depth": {
        "band": POSITIVE,
        **{c: NON_NEGATIVE for c in ("bid_usd", "ask_usd", "bid_base", "ask_base")},
    },
    "long_short": {"long_fraction": FRACTION, "short_fraction": FRACTION, "ratio": NON_NEGATIVE},
    "treasury": {"holdings": NON_NEGATIVE, "avg_price_usd": POSITIVE},
    "market_cap": {c: NON_NEGATIVE for c in _PRICES},  # a stablecoin starts at 0
}
# (high, low) column pairs: high >= low where both are given.
ORDERED: dict[str, tuple[tuple[str, str], ...]] = {
    "candles": (("high", "low"),),
    "open_interest": (("high_usd", "low_usd"),),
    "funding": (("rate_high", "rate_low"),),
    "market_cap": (("high", "low"),),
}
# Candle markets whose values may be <= 0 (yields, spreads) and whose history predates 2009.
_MACRO_MARKETS = ("macro", "equity")
EARLIEST = pd.Timestamp("2009-01-01", tz="UTC")
EARLIEST_MACRO = pd.Timestamp("1900-01-01", tz="UTC")
# Interval names accepted in any ``interval`` column (ccxt timeframes, Binance's ``1mo``,
# the ``24h`` rolling windows of aggregates).
KNOWN_INTERVALS = (
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "3h", "4h", "6h", "8h", "12h",
    "1d", "24h", "3d", "1w", "1M", "1mo",
)  # fmt: skip
_TIME_COLUMNS = ("time", "filed_time")


@dataclass(frozen=True)
class Problem:
    """Rows of a table that break one rule: which column, which rows, what was expected."""

    column: str
    rows: np.ndarray  # bool mask over the table's rows
    expected: str

    def first(self) -> int:
        """Index of the first offending row."""
        return int(np.flatnonzero(self.rows)[0])


def _mask(condition: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(condition, False).to_numpy(zero_copy_only=False), dtype=bool)


def _float_problems(ds: Dataset, table: pa.Table) -> list[Problem]:
    out = []
    rules = RANGES.get(ds.name, {})
    exempt = None
    if ds.name == "candles":
        exempt = _mask(pc.is_in(table.column("market"), pa.array(_MACRO_MARKETS)))
    for field in ds.schema:
        if not pa.types.is_floating(field.type):
            continue
        values = table.column(field.name)
        if values.null_count == len(values):
            continue
        low, high = pc.min_max(values).values()
        low, high = low.as_py(), high.as_py()
        if not (np.isfinite(low) and np.isfinite(high)):
            bad = _mask(pc.invert(pc.is_finite(values)))
            out.append(Problem(field.name, bad, "a finite number"))
        rule = rules.get(field.name)
        if rule == POSITIVE and low <= 0:
            bad = _mask(pc.less_equal(values, 0))
            if exempt is not None and field.name in _PRICES:
                bad &= ~exempt
            out.append(Problem(field.name, bad, "a price > 0"))
        elif rule == NON_NEGATIVE and low < 0:
            out.append(Problem(field.name, _mask(pc.less(values, 0)), "a value >= 0"))
        elif rule == FRACTION and (low < 0 or high > 1):
            bad = _mask(pc.or_(pc.less(values, 0), pc.greater(values, 1)))
            out.append(Problem(field.name, bad, "a fraction in [0, 1]"))
    for high_col, low_col in ORDERED.get(ds.name, ()):
        bad = _mask(pc.less(table.column(high_col), table.column(low_col)))
        out.append(Problem(high_col, bad, f"{high_col} >= {low_col}"))
    return out


def _time_problems(ds: Dataset, table: pa.Table, now: pd.Timestamp) -> list[Problem]:
    out = []
    latest = now + pd.Timedelta(days=1)
    for name in _TIME_COLUMNS:
        if name not in ds.columns:
            continue
        values = table.column(name)
        if values.null_count == len(values):
            continue
        low, high = (v.value for v in pc.min_max(values).values())
        if low >= EARLIEST.value and high <= latest.value:
            continue
        valid = _mask(pc.is_valid(values))
        ns = pc.fill_null(values.cast(pa.int64()), EARLIEST.value).to_numpy()
        earliest = np.full(len(values), EARLIEST.value, dtype=np.int64)
        if ds.name == "candles":
            macro = _mask(pc.is_in(table.column("market"), pa.array(_MACRO_MARKETS)))
            earliest[macro] = EARLIEST_MACRO.value
        bad = valid & ((ns < earliest) | (ns > latest.value))
        out.append(
            Problem(
                name,
                bad,
                f"a time within {EARLIEST:%Y-%m-%d} .. {latest:%Y-%m-%d %H:%M} UTC (now + 1 day); "
                "epoch numbers in the wrong unit land in 1970 or far in the future",
            )
        )
    return out


def _interval_problems(ds: Dataset, table: pa.Table) -> list[Problem]:
    if "interval" not in ds.columns:
        return []
    values = table.column("interval")
    if values.null_count == len(values):
        return []
    seen = pc.unique(values).drop_null().to_pylist()
    if set(seen) <= set(KNOWN_INTERVALS):
        return []
    bad = _mask(pc.invert(pc.is_in(values, pa.array(KNOWN_INTERVALS))))
    bad &= _mask(pc.is_valid(values))
    return [Problem("interval", bad, "a known interval: " + ", ".join(KNOWN_INTERVALS))]


def problems(ds: Dataset, table: pa.Table, *, now: pd.Timestamp | None = None) -> list[Problem]:
    """Every rule of ``ds`` that some rows of the conformed ``table`` break (empty when clean).

    Parameters
    ----------
    ds
        The dataset whose declared ranges apply.
    table
        Rows already conformed to ``ds.schema``.
    now
        The present, for the "not in the future" bound; default: the current UTC time.
    """
    if table.num_rows == 0:
        return []
    now = pd.Timestamp.now(tz="UTC") if now is None else now
    found = [
        *_float_problems(ds, table),
        *_time_problems(ds, table, now),
        *_interval_problems(ds, table),
    ]
    return [p for p in found if p.rows.any()]


def describe(ds: Dataset, table: pa.Table, problem: Problem) -> str:
    """``candles.close has inf in row 3 (2 such rows); expected a finite number``."""
    i = problem.first()
    value = table.column(problem.column)[i].as_py()
    return (
        f"{ds.name}.{problem.column} has {value!r} in row {i} ({int(problem.rows.sum())} such "
        f"rows); expected {problem.expected}"
    )


def bad_rows(found: list[Problem], length: int) -> np.ndarray:
    """Rows breaking any of ``found``."""
    out = np.zeros(length, dtype=bool)
    for problem in found:
        out |= problem.rows
    return out


__all__ = [
    "KNOWN_INTERVALS",
    "RANGES",
    "Problem",
    "bad_rows",
    "describe",
    "problems",
]
