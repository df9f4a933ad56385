"""Tardis.dev ``liquidations`` CSV -> liquidations (event level).

Source: https://docs.tardis.dev/downloadable-csv-files/data-types (section "liquidations",
checked 2026-11-25); files such as ``binance-futures_liquidations_2025-09-22_BTCUSDT.csv.gz``::

    exchange,symbol,timestamp,local_timestamp,id,side,price,amount

``timestamp`` is the exchange's time in epoch MICROseconds (UTC); ``local_timestamp`` (when
Tardis received it) is not stored. ``side`` is the side of the liquidation ORDER: ``sell``
closes a LONG, ``buy`` closes a SHORT (:func:`liquidated_side_from_order_side`). ``amount`` is
as the venue publishes it (:func:`amount_unit`): base units on linear Binance/Bybit/Hyperliquid
contracts; contracts on OKX (x contract value); USD face value on inverse contracts (BitMEX,
Deribit, Bybit inverse: 1 USD; Binance COIN-M and OKX inverse: 100 USD for BTC, 10 USD others).
``coverage``: ``throttled`` for Binance (its stream publishes at most one liquidation per symbol
per second), ``complete`` for the venues that publish every liquidation (Bybit's all-liquidation
stream, OKX, Deribit, BitMEX, Hyperliquid). ``event_id`` is the Tardis ``id`` when given, else the
order of the event within its (symbol, time, side) in the file ("0", "1", ...). The same header
is used by Tardis ``trades`` files: ``auto`` only claims files whose name says ``liquidations``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from liqcascade.data.importers._base import BadRow, ImportResult
from liqcascade.data.importers.dumps._convert import (
    binance_symbol_to_ccxt,
    epoch_to_utc,
    liquidated_side_from_order_side,
    schema_frame,
)
from liqcascade.data.importers.dumps._csv import LINE, Layout, check_conflicts, read_layout
from liqcascade.errors import ImportFormatError, InputError

FORMAT = "tardis-liquidations"
DESCRIPTION = "Tardis.dev liquidations CSV (exchange,symbol,timestamp,...) -> liquidations"

LAYOUT = Layout(
    "Tardis liquidations",
    {
        "exchange": "str",
        "symbol": "str",
        "timestamp": "int",
        "local_timestamp": "int",
        "id": "str",
        "side": "str",
        "price": "float",
        "amount": "float",
    },
    required=("exchange", "symbol", "timestamp", "side", "price", "amount"),
)
HEADER = ",".join(LAYOUT.names)

# Tardis exchange id -> (ccxt exchange id, coverage of its liquidation feed)
VENUES = {
    "binance-futures": ("binance", "throttled"),
    "binance-delivery": ("binance", "throttled"),
    "bybit": ("bybit", "complete"),
    "okex-swap": ("okx", "complete"),
    "deribit": ("deribit", "complete"),
    "bitmex": ("bitmex", "complete"),
    "hyperliquid": ("hyperliquid", "complete"),
}
# OKX linear swap contract values (base units per contract), OKX instrument specifications.
_OKX_LINEAR_CONTRACT = {"BTC": 0.01, "ETH": 0.1, "SOL": 1.0}


def detect(path: Path, head: str) -> bool:
    """The Tardis header and a file name that says ``liquidations`` (trades share the header)."""
    return head.split("\n", 1)[0].strip() == HEADER and "liquidations" in Path(path).name


def tardis_symbol_to_ccxt(exchange: str, raw: str) -> str:
    """Convert a Tardis (exchange-native) symbol to ccxt form.

    Examples
    --------
    >>> tardis_symbol_to_ccxt("okex-swap", "BTC-USDT-SWAP")
    'BTC/USDT:USDT'
    >>> tardis_symbol_to_ccxt("bitmex", "XBTUSD")
    'BTC/USD:BTC'
    """
    text = raw.strip().upper()
    if exchange in ("binance-futures", "binance-delivery"):
        return binance_symbol_to_ccxt(text)
    if exchange == "bybit":
        if text.endswith("USD"):
            return f"{text[:-3]}/USD:{text[:-3]}"
        if text.endswith("PERP"):
            return f"{text[:-4]}/USDC:USDC"
        return binance_symbol_to_ccxt(text)
    if exchange == "okex-swap" and text.endswith("-SWAP"):
        base, quote, _ = text.split("-")
        return f"{base}/{quote}:{base if quote == 'USD' else quote}"
    if exchange == "deribit" and text.endswith("-PERPETUAL"):
        pair = text[: -len("-PERPETUAL")]
        if "_" in pair:
            base, quote = pair.split("_")
            return f"{base}/{quote}:{quote}"
        return f"{pair}/USD:{pair}"
    if exchange == "bitmex" and text in ("XBTUSD", "XBTUSDT"):
        return "BTC/USD:BTC" if text == "XBTUSD" else "BTC/USDT:USDT"
    if exchange == "hyperliquid" and text.isalnum():
        return f"{text}/USDC:USDC"
    raise InputError(f"cannot map Tardis symbol {raw!r} of {exchange!r} to a ccxt symbol")


def amount_unit(exchange: str, symbol: str) -> tuple[str, float]:
    """How to read ``amount`` for one contract: ``("base", k)`` or ``("usd", k)``.

    ``base``: qty = amount x k base units. ``usd``: notional = amount x k USD (inverse
    contracts quoted in USD face value). Raises InputError for a contract with unknown units.
    """
    base, rest = symbol.split("/", 1)
    settle = rest.split(":", 1)[1]
    inverse = settle == base
    if not inverse:
        if exchange == "okex-swap":
            if base not in _OKX_LINEAR_CONTRACT:
                raise InputError(f"unknown contract value for OKX {symbol}")
            return "base", _OKX_LINEAR_CONTRACT[base]
        return "base", 1.0
    if exchange in ("binance-delivery", "okex-swap"):
        return "usd", 100.0 if base == "BTC" else 10.0
    return "usd", 1.0


def read(
    path: Path,
    *,
    symbol: str | None = None,
    kind: str | None = None,
    skip_bad: bool = False,
) -> ImportResult:
    """Read one Tardis liquidations file into event-level ``liquidations`` rows.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row or value, an unknown exchange, symbol, unit or side,
        or one ``id`` listed twice with different values.
    """
    path = Path(path)
    raw = read_layout(path, [LAYOUT], skip_bad=skip_bad)
    frame = raw.frame
    frame = frame.assign(liquidated_side=liquidated_side_from_order_side(frame["side"]))
    frame, bad = _map_contracts(path, frame, symbol, skip_bad=skip_bad)
    subset = ["exchange", "symbol", "timestamp", "local_timestamp", "id", "side", "price", "amount"]
    frame = frame.loc[~frame.duplicated(subset=subset)]
    with_id = frame["id"].notna() & (frame["id"] != "")
    checked, conflicts = check_conflicts(
        path,
        frame.loc[with_id],
        ["exchange", "symbol", "id"],
        ["timestamp", "side", "price", "amount"],
        skip_bad=skip_bad,
        format_name=LAYOUT.format_name,
    )
    frame = pd.concat([checked, frame.loc[~with_id]], ignore_index=True)
    ordinal = frame.groupby(["ccxt_symbol", "timestamp", "liquidated_side"], sort=False).cumcount()
    ids = frame["id"].fillna("")
    event_id = np.where(ids != "", ids.to_numpy(dtype=object), ordinal.astype(str).to_numpy())
    price = frame["price"].to_numpy(dtype=float)
    amount = frame["amount"].to_numpy(dtype=float)
    usd = frame["unit"].to_numpy() == "usd"
    factor = frame["factor"].to_numpy(dtype=float)
    notional = np.where(usd, amount * factor, amount * factor * price)
    events = schema_frame(
        "liquidations",
        {
            "time": epoch_to_utc(frame["timestamp"].to_numpy()),
            "exchange": frame["venue"].to_numpy(),
            "symbol": frame["ccxt_symbol"].to_numpy(),
            "liquidated_side": frame["liquidated_side"].to_numpy(),
            "notional_usd": notional,
            "qty": np.where(usd, notional / price, amount * factor),
            "price": price,
            "coverage": frame["coverage"].to_numpy(),
            "event_id": event_id,
        },
        len(frame),
    )
    result = ImportResult(bad_rows=sorted(raw.bad_rows + bad + conflicts, key=lambda b: b.line))
    result.add("liquidations", events.sort_values("time", kind="stable").reset_index(drop=True))
    return result


def _map_contracts(
    path: Path, frame: pd.DataFrame, symbol: str | None, *, skip_bad: bool
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Attach venue, coverage, ccxt symbol and amount unit per (exchange, symbol) pair."""
    pairs = frame[["exchange", "symbol"]].drop_duplicates()
    rows = []
    problems: dict[tuple[str, str], tuple[str, str, str]] = {}
    for exchange, raw_symbol in pairs.itertuples(index=False):
        venue = VENUES.get(exchange.strip())
        if venue is None:
            problems[(exchange, raw_symbol)] = (
                "exchange",
                exchange,
                f"a Tardis exchange id among {', '.join(VENUES)}",
            )
            continue
        try:
            ccxt_symbol = symbol or tardis_symbol_to_ccxt(exchange.strip(), raw_symbol)
            unit, factor = amount_unit(exchange.strip(), ccxt_symbol)
        except InputError as exc:
            problems[(exchange, raw_symbol)] = (
                "symbol",
                raw_symbol,
                f"a contract with known units ({exc}); pass --symbol for a linear contract",
            )
            continue
        rows.append((exchange, raw_symbol, venue[0], venue[1], ccxt_symbol, unit, factor))
    info = pd.DataFrame(
        rows, columns=["exchange", "symbol", "venue", "coverage", "ccxt_symbol", "unit", "factor"]
    )
    merged = frame.merge(info, on=["exchange", "symbol"], how="left", sort=False)
    bad_mask = (merged["venue"].isna() | merged["liquidated_side"].isna()).to_numpy()
    bad: list[BadRow] = []
    for position in np.flatnonzero(bad_mask):
        row = merged.iloc[position]
        column, value, expected = problems.get(
            (row["exchange"], row["symbol"]),
            ("side", row["side"], "buy or sell (the side of the liquidation order)"),
        )
        error = ImportFormatError(
            f"unknown {column} in Tardis liquidations",
            path=path,
            line=int(row[LINE]),
            column=column,
            value=value,
            expected=expected,
        )
        if not skip_bad:
            raise error
        bad.append(BadRow(str(path), int(row[LINE]), column, value, str(error)))
    return merged.loc[~bad_mask].reset_index(drop=True), bad


__all__ = [
    "DESCRIPTION",
    "FORMAT",
    "VENUES",
    "amount_unit",
    "detect",
    "read",
    "tardis_symbol_to_ccxt",
]
