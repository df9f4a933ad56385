"""Binance public-data ``metrics`` (USDⓈ-M, 5-minute) -> open_interest and long_short.

Source: data.binance.vision ``data/futures/um/daily/metrics/BTCUSDT/BTCUSDT-metrics-2025-09-22.zip``
(layout as published, checked 2026-11-25; the REST twins are ``/futures/data/openInterestHist``
and ``/futures/data/*LongShort*Ratio``)::

    create_time,symbol,sum_open_interest,sum_open_interest_value,
    count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,
    count_long_short_ratio,sum_taker_long_short_vol_ratio

``create_time`` is UTC text ``YYYY-MM-DD HH:MM:SS``: the moment of the sample. Each sample is
stored as the CLOSE of the 5-minute bar ending at ``create_time`` (``time = create_time - 5m``,
``interval = 5m``) so the as-of rule (a bar counts once ``time + interval <= T``) makes it known
exactly at ``create_time``. Open interest: ``close_base`` <- ``sum_open_interest`` (base units),
``close_usd`` <- ``sum_open_interest_value``; ``margin`` is ``stablecoin`` for USDⓈ-M files and
``coin`` for COIN-M. Ratios (long/short): ``count_long_short_ratio`` -> ``global_account``,
``count_toptrader_long_short_ratio`` -> ``top_account``, ``sum_toptrader_long_short_ratio`` ->
``top_position``; fractions are ``ratio / (1 + ratio)`` and ``1 / (1 + ratio)``. The taker
buy/sell VOLUME ratio is not a positioning ratio and is not imported. Empty ratio cells (Binance
leaves some blank) give no long/short row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data.importers._base import BadRow, ImportResult
from liqcascade.data.importers.dumps import _csv
from liqcascade.data.importers.dumps._convert import (
    binance_symbol_to_ccxt,
    header_or_named,
    is_inverse,
    parse_dump_name,
    schema_frame,
    symbol_option,
)
from liqcascade.errors import ImportFormatError

FORMAT = "binance-metrics"
DESCRIPTION = "Binance public-data metrics CSV (5-minute OI and long/short ratios)"

LAYOUT = _csv.Layout(
    "Binance metrics",
    {
        "create_time": "datetime",
        "symbol": "str",
        "sum_open_interest": "float",
        "sum_open_interest_value": "float",
        "count_toptrader_long_short_ratio": "float",
        "sum_toptrader_long_short_ratio": "float",
        "count_long_short_ratio": "float",
        "sum_taker_long_short_vol_ratio": "float",
    },
    required=("create_time", "symbol"),
)
BAR = pd.Timedelta(minutes=5)

RATIO_KINDS = {
    "count_long_short_ratio": "global_account",
    "count_toptrader_long_short_ratio": "top_account",
    "sum_toptrader_long_short_ratio": "top_position",
}


def detect(path: Path, head: str) -> bool:
    """The metrics header, or a header-less file named ``SYMBOL-metrics-YYYY-MM-DD``."""
    return header_or_named(path, head, (LAYOUT,), "metrics")


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one metrics file into ``open_interest`` and ``long_short`` rows (exchange binance).

    ``time`` opens the 5-minute bar (``create_time`` minus 5 minutes); the ``symbol`` column
    must agree with the file name.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row or value, a symbol column that contradicts the file
        name / ``--symbol``, or one time with two different samples.
    """
    path = Path(path)
    symbol = symbol_option(symbol)
    raw = _csv.read_layout(path, [LAYOUT], skip_bad=skip_bad)
    frame = raw.frame
    ccxt_symbol = symbol or _symbol(path, frame)
    frame, conflicts = _csv.check_conflicts(
        path,
        frame,
        ["create_time", "symbol"],
        [c for c in LAYOUT.names if c not in ("create_time", "symbol")],
        skip_bad=skip_bad,
        format_name=LAYOUT.format_name,
    )
    frame, negative = _drop_negative_ratios(path, frame, skip_bad=skip_bad)
    time = (frame["create_time"] - BAR).to_numpy()
    result = _csv.import_result(raw, path, raw.bad_rows + conflicts + negative)
    has_oi = frame["sum_open_interest"].notna() | frame["sum_open_interest_value"].notna()
    oi = schema_frame(
        "open_interest",
        {
            "time": time[has_oi.to_numpy()],
            "exchange": "binance",
            "symbol": ccxt_symbol,
            "interval": "5m",
            "margin": "coin" if is_inverse(ccxt_symbol) else "stablecoin",
            "close_usd": frame.loc[has_oi, "sum_open_interest_value"].to_numpy(dtype=float),
            "close_base": frame.loc[has_oi, "sum_open_interest"].to_numpy(dtype=float),
        },
        int(has_oi.sum()),
    )
    result.add("open_interest", oi.sort_values("time", kind="stable").reset_index(drop=True))
    parts = []
    for column, ratio_kind in RATIO_KINDS.items():
        present = frame[column].notna().to_numpy()
        ratio = frame[column].to_numpy(dtype=float)[present]
        parts.append(
            schema_frame(
                "long_short",
                {
                    "time": time[present],
                    "exchange": "binance",
                    "symbol": ccxt_symbol,
                    "interval": "5m",
                    "kind": ratio_kind,
                    "long_fraction": ratio / (1.0 + ratio),
                    "short_fraction": 1.0 / (1.0 + ratio),
                    "ratio": ratio,
                },
                int(present.sum()),
            )
        )
    ls = pd.concat(parts, ignore_index=True).sort_values(["time", "kind"], kind="stable")
    result.add("long_short", ls.reset_index(drop=True))
    return result


def _symbol(path: Path, frame: pd.DataFrame) -> str:
    """The ccxt symbol of the file; the ``symbol`` column must agree with the file name."""
    symbols = frame["symbol"].astype(str).str.strip().unique().tolist()
    name = parse_dump_name(path)
    if len(symbols) > 1:
        other = frame.loc[frame["symbol"].str.strip() != symbols[0]].iloc[0]
        raise ImportFormatError(
            "one metrics file must hold one symbol",
            path=path,
            line=int(other[_csv.LINE]),
            column="symbol",
            value=other["symbol"],
            expected=symbols[0],
        )
    if name is not None and symbols and symbols[0] != name.symbol:
        raise ImportFormatError(
            "the symbol column contradicts the file name",
            path=path,
            line=int(frame[_csv.LINE].iloc[0]),
            column="symbol",
            value=symbols[0],
            expected=f"{name.symbol} as in the file name; rename the file or pass --symbol",
        )
    raw = symbols[0] if symbols else (name.symbol if name else None)
    if raw is None:
        raise ImportFormatError(
            "cannot tell the symbol", path=path, expected="--symbol BTC/USDT:USDT"
        )
    return binance_symbol_to_ccxt(raw)


def _drop_negative_ratios(
    path: Path, frame: pd.DataFrame, *, skip_bad: bool
) -> tuple[pd.DataFrame, list[BadRow]]:
    """A long/short ratio is longs over shorts: below 0 it is no ratio (and 1 + ratio may be 0)."""
    expected = "a long/short ratio >= 0 (or an empty cell)"
    problems = [(column, frame[column] < 0, expected) for column in RATIO_KINDS]
    return _csv.drop_bad_values(
        path, frame, problems, message="bad value in Binance metrics", skip_bad=skip_bad
    )


__all__ = ["DESCRIPTION", "FORMAT", "detect", "read"]
