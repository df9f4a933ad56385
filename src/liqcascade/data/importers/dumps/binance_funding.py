"""Binance public-data ``fundingRate`` (monthly) -> funding.

Source: data.binance.vision
``data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-09.zip``
(layout as published, checked 2026-11-25; REST twin ``/fapi/v1/fundingRate``)::

    calc_time,funding_interval_hours,last_funding_rate

``calc_time`` is the settlement time in epoch ms with a few ms of jitter (``...000007``): it
is rounded to the whole second. ``last_funding_rate`` is already a FRACTION per funding
interval (0.0001 = 0.01 %). A settlement at T pays for the interval [T - h, T): the row is that
bar, ``time = T - h`` and ``interval = "<h>h"``, so it counts as known at T (as-of rule).
``funding_interval_hours`` must be one Binance uses (1, 2, 4 or 8).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.data.importers._base import ImportResult
from liqcascade.data.importers.dumps import _csv
from liqcascade.data.importers.dumps._convert import (
    epoch_to_utc,
    header_or_named,
    schema_frame,
    symbol_from_name,
    symbol_option,
)
from liqcascade.errors import ImportFormatError

FORMAT = "binance-funding"
DESCRIPTION = "Binance public-data fundingRate CSV -> funding (fraction per interval)"

LAYOUT = _csv.Layout(
    "Binance fundingRate",
    {"calc_time": "int", "funding_interval_hours": "int", "last_funding_rate": "float"},
    required=("calc_time", "funding_interval_hours", "last_funding_rate"),
)
FUNDING_HOURS = (1, 2, 4, 8)


def detect(path: Path, head: str) -> bool:
    """The fundingRate header, or a header-less file named ``SYMBOL-fundingRate-YYYY-MM``."""
    return header_or_named(path, head, (LAYOUT,), "fundingRate")


def settlement_time(calc_time: np.ndarray) -> pd.DatetimeIndex:
    """Settlement time from ``calc_time``: epoch (unit by magnitude) rounded to the second."""
    return epoch_to_utc(calc_time).round("s")


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one fundingRate file into ``funding`` rows (exchange binance, weighting none).

    ``time`` opens the funding interval (settlement minus ``funding_interval_hours``); the
    symbol is ``symbol`` or the one in the file name.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row or value, an unknown funding interval, or one settlement
        with two different rates.
    """
    path = Path(path)
    symbol = symbol_option(symbol)
    raw = _csv.read_layout(path, [LAYOUT], skip_bad=skip_bad)
    frame = raw.frame
    hours = frame["funding_interval_hours"].to_numpy(dtype=np.int64)
    unknown = np.flatnonzero(~np.isin(hours, FUNDING_HOURS))
    if len(unknown):
        position = int(unknown[0])
        raise ImportFormatError(
            "unknown funding interval",
            path=path,
            line=int(frame[_csv.LINE].iloc[position]),
            column="funding_interval_hours",
            value=int(hours[position]),
            expected=f"one of {FUNDING_HOURS} hours",
        )
    frame = frame.assign(settled=settlement_time(frame["calc_time"].to_numpy()))
    frame, conflicts = _csv.check_conflicts(
        path,
        frame,
        ["settled"],
        ["last_funding_rate", "funding_interval_hours"],
        skip_bad=skip_bad,
        format_name=LAYOUT.format_name,
    )
    hours = frame["funding_interval_hours"].to_numpy(dtype=np.int64)
    expected = "a name like BTCUSDT-fundingRate-2025-09.csv, or --symbol BTC/USDT:USDT"
    funding = schema_frame(
        "funding",
        {
            "time": pd.DatetimeIndex(frame["settled"]) - pd.to_timedelta(hours, unit="h"),
            "exchange": "binance",
            "symbol": symbol or symbol_from_name(path, expected=expected),
            "interval": [f"{h}h" for h in hours],
            "weighting": "none",
            "rate": frame["last_funding_rate"].to_numpy(dtype=float),
            "funding_interval_hours": hours.astype(float),
        },
        len(frame),
    )
    result = _csv.import_result(raw, path, raw.bad_rows + conflicts)
    result.add("funding", funding.sort_values("time", kind="stable").reset_index(drop=True))
    return result


__all__ = ["DESCRIPTION", "FORMAT", "detect", "read", "settlement_time"]
