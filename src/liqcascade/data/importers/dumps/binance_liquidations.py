"""Binance public-data ``liquidationSnapshot`` -> liquidations (event level, throttled).

Source: data.binance.vision ``data/futures/cm/daily/liquidationSnapshot/BTCUSD_PERP/
BTCUSD_PERP-liquidationSnapshot-2024-10-14.zip`` (layout as published, checked 2026-11-25; the
same fields as the ``forceOrder`` stream)::

    time,side,order_type,time_in_force,original_quantity,price,average_price,order_status,
    last_fill_quantity,accumulated_fill_quantity

Some copies add ``symbol`` after ``time``; both layouts are read, with or without a header.
``side`` is the side of the forced ORDER: SELL closes a LONG, BUY closes a SHORT
(:func:`liquidated_side_from_order_side`). Quantity is the filled one
(``accumulated_fill_quantity``), price the fill average (``average_price``; ``price`` is the
order's limit). Orders with nothing filled are not liquidation trades and are left out. USDⓈ-M
quantities are base units (notional = qty x price, USDT taken as USD); COIN-M quantities are
contracts (notional = contracts x face value: 100 USD BTC, 10 USD others; qty = notional / price).
Binance publishes at most one liquidation per symbol per second here, so ``coverage`` is
``throttled``. Real files repeat some rows verbatim: exact repeats are dropped; events within one
millisecond and side are numbered ``event_id`` "0", "1", ... in file order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.data.importers._base import BadRow, ImportResult
from liqcascade.data.importers.dumps import _csv
from liqcascade.data.importers.dumps._convert import (
    binance_symbol_to_ccxt,
    coinm_contract_usd,
    epoch_to_utc,
    header_or_named,
    is_inverse,
    liquidated_side_from_order_side,
    schema_frame,
    symbol_from_name,
    symbol_option,
)

FORMAT = "binance-liquidations"
DESCRIPTION = "Binance public-data liquidationSnapshot CSV -> liquidations (throttled)"

_FIELDS = {
    "time": "int",
    "side": "str",
    "order_type": "str",
    "time_in_force": "str",
    "original_quantity": "float",
    "price": "float",
    "average_price": "float",
    "order_status": "str",
    "last_fill_quantity": "float",
    "accumulated_fill_quantity": "float",
}
_ALIASES = {
    "last_filled_quantity": "last_fill_quantity",
    "accumulated_filled_quantity": "accumulated_fill_quantity",
}
_REQUIRED = ("time", "side", "average_price", "accumulated_fill_quantity")
LAYOUT = _csv.Layout("Binance liquidationSnapshot", _FIELDS, _REQUIRED, _ALIASES)
LAYOUT_WITH_SYMBOL = _csv.Layout(
    "Binance liquidationSnapshot",
    {"time": "int", "symbol": "str", **{k: v for k, v in _FIELDS.items() if k != "time"}},
    (*_REQUIRED, "symbol"),
    _ALIASES,
)


def detect(path: Path, head: str) -> bool:
    """A liquidationSnapshot header, or a file named ``SYMBOL-liquidationSnapshot-YYYY-MM-DD``."""
    return header_or_named(path, head, (LAYOUT, LAYOUT_WITH_SYMBOL), "liquidationSnapshot")


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one liquidationSnapshot file into event-level ``liquidations`` rows.

    Orders with nothing filled are left out and verbatim repeats dropped (both noted in the
    warnings); the symbol is ``symbol``, the ``symbol`` column or the one in the file name.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row or value, or an order side other than BUY/SELL.
    """
    path = Path(path)
    symbol = symbol_option(symbol)
    raw = _csv.read_layout(path, [LAYOUT, LAYOUT_WITH_SYMBOL], skip_bad=skip_bad)
    frame = raw.frame
    sides = liquidated_side_from_order_side(frame["side"])
    frame, bad = _drop_unknown_sides(path, frame.assign(liquidated_side=sides), skip_bad=skip_bad)
    filled = frame["accumulated_fill_quantity"] > 0
    unfilled = int((~filled).sum())
    frame = frame.loc[filled]
    subset = [c for c in frame.columns if c != _csv.LINE]
    repeated = frame.duplicated(subset=subset)
    frame = frame.loc[~repeated].reset_index(drop=True)
    notes = []
    if unfilled:
        notes.append(f"{unfilled} forced order(s) with nothing filled left out")
    if repeated.any():
        notes.append(f"{int(repeated.sum())} verbatim repeated row(s) dropped")
    if symbol is not None:
        symbols = pd.Series(symbol, index=frame.index)
    elif "symbol" in frame:
        mapping = {s: binance_symbol_to_ccxt(s) for s in frame["symbol"].str.strip().unique()}
        symbols = frame["symbol"].str.strip().map(mapping)
    else:
        expected = "a name like BTCUSD_PERP-liquidationSnapshot-2024-10-14.csv, or --symbol"
        symbols = pd.Series(symbol_from_name(path, expected=expected), index=frame.index)
    qty, notional = _quantities(frame, symbols)
    frame = frame.assign(ccxt_symbol=symbols.to_numpy())
    event_id = frame.groupby(["ccxt_symbol", "time", "liquidated_side"], sort=False).cumcount()
    events = schema_frame(
        "liquidations",
        {
            "time": epoch_to_utc(frame["time"].to_numpy()),
            "exchange": "binance",
            "symbol": symbols.to_numpy(),
            "liquidated_side": frame["liquidated_side"].to_numpy(),
            "notional_usd": notional,
            "qty": qty,
            "price": frame["average_price"].to_numpy(dtype=float),
            "coverage": "throttled",
            "event_id": event_id.astype(str).to_numpy(),
        },
        len(frame),
    )
    result = _csv.import_result(raw, path, sorted(raw.bad_rows + bad, key=lambda b: b.line), notes)
    result.add("liquidations", events.sort_values("time", kind="stable").reset_index(drop=True))
    return result


def _quantities(frame: pd.DataFrame, symbols: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    filled = frame["accumulated_fill_quantity"].to_numpy(dtype=float)
    price = frame["average_price"].to_numpy(dtype=float)
    inverse = symbols.map(is_inverse).to_numpy(dtype=bool)
    face = symbols.map(coinm_contract_usd).to_numpy(dtype=float)
    notional = np.where(inverse, filled * face, filled * price)
    qty = np.where(inverse, notional / price, filled)
    return qty, notional


def _drop_unknown_sides(
    path: Path, frame: pd.DataFrame, *, skip_bad: bool
) -> tuple[pd.DataFrame, list[BadRow]]:
    unknown = frame["liquidated_side"].isna().to_numpy()
    bad = _csv.bad_value_rows(
        path,
        frame,
        unknown,
        message="unknown order side",
        column="side",
        expected="BUY or SELL (the side of the forced order)",
        skip_bad=skip_bad,
    )
    return frame.loc[~unknown].reset_index(drop=True), bad


__all__ = ["DESCRIPTION", "FORMAT", "detect", "read"]
