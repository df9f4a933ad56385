"""Binance public-data ``bookDepth`` -> depth (one row per band, bid and ask side by side).

Source: data.binance.vision
``data/futures/um/daily/bookDepth/BTCUSDT/BTCUSDT-bookDepth-2025-09-22.zip``
(layout as published, checked 2026-11-25)::

    timestamp,percentage,depth,notional

Each snapshot (UTC text time, second resolution) lists cumulative depth within a percentage
band of the mid: negative ``percentage`` is the bid side, positive the ask side (±1 .. ±5,
and ±0.2 in newer files). ``depth`` is base units, ``notional`` USD(T). Stored as
``band = |percentage| / 100`` (a FRACTION: 1 -> 0.01), ``bid_*`` from the negative row and
``ask_*`` from the positive one; a side missing from a snapshot stays null. Snapshots are
points in time (the time is when the book was read).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data.importers._base import BadRow, ImportResult
from liqcascade.data.importers.dumps import _csv
from liqcascade.data.importers.dumps._convert import (
    header_or_named,
    schema_frame,
    symbol_from_name,
    symbol_option,
)

FORMAT = "binance-bookdepth"
DESCRIPTION = "Binance public-data bookDepth CSV (±% depth bands) -> depth"

LAYOUT = _csv.Layout(
    "Binance bookDepth",
    {"timestamp": "datetime", "percentage": "float", "depth": "float", "notional": "float"},
    required=("timestamp", "percentage", "depth", "notional"),
)


def detect(path: Path, head: str) -> bool:
    """The bookDepth header, or a header-less file named ``SYMBOL-bookDepth-YYYY-MM-DD``."""
    return header_or_named(path, head, (LAYOUT,), "bookDepth")


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one bookDepth file into ``depth`` rows (exchange binance, market perp).

    Bid (negative percentage) and ask bands of one snapshot become one row per band; the
    symbol is ``symbol`` or the one in the file name.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row or value, a zero band or negative depth, or one
        snapshot band listed twice with different values.
    """
    path = Path(path)
    symbol = symbol_option(symbol)
    raw = _csv.read_layout(path, [LAYOUT], skip_bad=skip_bad)
    frame, bad = _valid_rows(path, raw.frame, skip_bad=skip_bad)
    frame, conflicts = _csv.check_conflicts(
        path,
        frame,
        ["timestamp", "percentage"],
        ["depth", "notional"],
        skip_bad=skip_bad,
        format_name=LAYOUT.format_name,
    )
    ccxt_symbol = symbol or symbol_from_name(
        path, expected="a name like BTCUSDT-bookDepth-2025-09-22.csv, or --symbol BTC/USDT:USDT"
    )
    frame = frame.assign(band=(frame["percentage"].abs() / 100.0).round(6))
    bids = frame.loc[frame["percentage"] < 0].set_index(["timestamp", "band"])
    asks = frame.loc[frame["percentage"] > 0].set_index(["timestamp", "band"])
    both = bids[["depth", "notional"]].join(
        asks[["depth", "notional"]], how="outer", suffixes=("_bid", "_ask")
    )
    both = both.sort_index().reset_index()
    depth = schema_frame(
        "depth",
        {
            "time": both["timestamp"].to_numpy(),
            "exchange": "binance",
            "symbol": ccxt_symbol,
            "market": "spot" if ":" not in ccxt_symbol else "perp",
            "band": both["band"].to_numpy(dtype=float),
            "bid_usd": both["notional_bid"].to_numpy(dtype=float),
            "ask_usd": both["notional_ask"].to_numpy(dtype=float),
            "bid_base": both["depth_bid"].to_numpy(dtype=float),
            "ask_base": both["depth_ask"].to_numpy(dtype=float),
        },
        len(both),
    )
    result = _csv.import_result(
        raw, path, sorted(raw.bad_rows + bad + conflicts, key=lambda b: b.line)
    )
    result.add("depth", depth)
    return result


def _valid_rows(
    path: Path, frame: pd.DataFrame, *, skip_bad: bool
) -> tuple[pd.DataFrame, list[BadRow]]:
    problems = [
        ("percentage", frame["percentage"] == 0, "a non-zero band (negative = bids)"),
        ("depth", frame["depth"] < 0, "a depth >= 0"),
        ("notional", frame["notional"] < 0, "a notional >= 0"),
    ]
    return _csv.drop_bad_values(
        path, frame, problems, message="bad value in Binance bookDepth", skip_bad=skip_bad
    )


__all__ = ["DESCRIPTION", "FORMAT", "detect", "read"]
