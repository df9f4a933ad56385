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

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data.importers._base import BadRow, ImportResult
from liqcascade.data.importers.dumps import _csv
from liqcascade.data.importers.dumps._convert import (
    binance_symbol_to_ccxt,
    epoch_to_utc,
    order_side_codes,
    schema_frame,
    symbol_option,
)
from liqcascade.errors import ImportFormatError, InputError

FORMAT = "tardis-liquidations"
DESCRIPTION = "Tardis.dev liquidations CSV (exchange,symbol,timestamp,...) -> liquidations"

LAYOUT = _csv.Layout(
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
    return LAYOUT.heads(head) and "liquidations" in Path(path).name


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
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one Tardis liquidations file into event-level ``liquidations`` rows.

    Vectorized end to end (arrow text kernels, integer codes, numpy): millions of rows a
    second.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row or value, an unknown exchange, symbol, unit or side,
        or one ``id`` listed twice with different values.
    """
    path = Path(path)
    symbol = symbol_option(symbol)
    raw = _csv.read_layout(path, [LAYOUT], skip_bad=skip_bad)
    table, lines = raw.arrow()
    timestamp = _ints(table.column("timestamp"))
    if len(timestamp) and not (np.diff(timestamp) >= 0).all():  # Tardis files are in time order
        order = np.argsort(timestamp, kind="stable")
        table, lines, timestamp = table.take(pa.array(order)), lines[order], timestamp[order]
    pair, contracts, problems = _contracts(table, symbol)
    side = order_side_codes(table.column("side"))
    bad_mask = (contracts.valid[pair] == 0) | (side < 0)
    bad = _report(path, table, lines, pair, problems, bad_mask, skip_bad=skip_bad)
    if bad:
        keep = ~bad_mask
        table, lines = table.filter(pa.array(keep)), lines[keep]
        timestamp, pair, side = timestamp[keep], pair[keep], side[keep]
    ids = table.column("id")
    has_ids = ids.null_count < len(ids)
    id_code = _codes(ids) if has_ids else np.full(len(ids), -1, dtype=np.int64)
    price = table.column("price").to_numpy()
    amount = table.column("amount").to_numpy()
    local = _ints(pc.fill_null(table.column("local_timestamp"), -1))
    same_time = _in_equal_runs(timestamp)  # only these rows can repeat or share an instant
    keep = ~_repeated(same_time, [pair, timestamp, local, id_code, side, price, amount])
    notes = [] if keep.all() else [f"{int((~keep).sum())} verbatim repeated row(s) dropped"]
    conflicts: list[BadRow] = []
    if has_ids:
        with_id = keep & (id_code >= 0)
        keep, conflicts = _check_ids(path, table, lines, pair, with_id, keep, skip_bad)
    if not keep.all():
        table = table.filter(pa.array(keep))
        pair, side, timestamp = pair[keep], side[keep], timestamp[keep]
        price, amount, same_time = price[keep], amount[keep], same_time[keep]
    ordinal = _ordinal(same_time, pair, side, timestamp)
    event_id: object = "0" if not ordinal.any() else pc.cast(pa.array(ordinal), pa.string())
    if has_ids:
        ids = table.column("id")
        event_id = pc.if_else(pc.is_valid(ids), ids, pc.cast(pa.array(ordinal), pa.string()))
    usd = contracts.usd[pair]
    factor = contracts.factor[pair]
    notional = np.where(usd, amount * factor, amount * factor * price)
    events = schema_frame(
        "liquidations",
        {
            "time": epoch_to_utc(timestamp),
            "exchange": _per_row(contracts.venue, pair),
            "symbol": _per_row(contracts.symbol, pair),
            "liquidated_side": _per_row(["long", "short"], side),
            "notional_usd": notional,
            "qty": np.where(usd, notional / price, amount * factor),
            "price": price,
            "coverage": _per_row(contracts.coverage, pair),
            "event_id": event_id,
        },
        len(timestamp),
    )
    result = _csv.import_result(
        raw, path, sorted(raw.bad_rows + bad + conflicts, key=lambda b: b.line), notes
    )
    result.add("liquidations", events)
    return result


def _ints(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _in_equal_runs(timestamp: np.ndarray) -> np.ndarray:
    """True for rows whose (sorted) timestamp equals a neighbour's."""
    same = np.zeros(len(timestamp), dtype=bool)
    if len(timestamp) > 1:
        equal = timestamp[1:] == timestamp[:-1]
        same[1:] |= equal
        same[:-1] |= equal
    return same


@dataclass(frozen=True)
class _Contracts:
    """Per (exchange, symbol) pair of the file: what its rows become (indexed by pair code)."""

    valid: np.ndarray
    venue: list[str | None]
    coverage: list[str | None]
    symbol: list[str | None]
    usd: np.ndarray  # amount is USD face value (inverse) rather than base units
    factor: np.ndarray


def _encode(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list[object]]:
    """Integer code per value (-1 for null) and the distinct values, by dictionary encoding."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_pylist()


def _per_row(labels: list[str | None], codes: np.ndarray) -> pa.Array | str | None:
    """The label of each row's code; a scalar when every row has the same code."""
    if len(codes) and (codes == codes[0]).all():
        return labels[int(codes[0])]
    return pa.array(labels, pa.string()).take(pa.array(codes))


def _repeated(candidates: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
    """True for candidate rows equal in every column to an earlier row."""
    repeated = np.zeros(len(candidates), dtype=bool)
    rows = np.flatnonzero(candidates)
    if len(rows):
        subset = pd.DataFrame({i: column[rows] for i, column in enumerate(columns)})
        repeated[rows] = subset.duplicated().to_numpy()
    return repeated


def _codes(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return _encode(values)[0]


def _contracts(
    table: pa.Table, symbol: str | None
) -> tuple[np.ndarray, _Contracts, dict[int, tuple[str, str, str]]]:
    """Code each row's (exchange, symbol) pair and resolve each distinct pair once."""
    text = pa.large_string()  # one string type for both (a long file reads as large_string)
    key = pc.binary_join_element_wise(
        table.column("exchange").cast(text),
        table.column("symbol").cast(text),
        pa.scalar("\x1f", text),
    )
    pair, keys = _encode(key)
    n = len(keys)
    valid, usd, factor = np.zeros(n, np.int8), np.zeros(n, bool), np.ones(n)
    venue: list[str | None] = [None] * n
    coverage: list[str | None] = [None] * n
    symbols: list[str | None] = [None] * n
    problems: dict[int, tuple[str, str, str]] = {}
    for code, text in enumerate(keys):  # dictionary values: the distinct non-null keys
        name, raw = (part.strip() for part in str(text).split("\x1f", 1))
        if name not in VENUES:
            problems[code] = ("exchange", name, f"a Tardis exchange id among {', '.join(VENUES)}")
            continue
        try:
            contract = symbol or tardis_symbol_to_ccxt(name, raw)
            symbols[code] = contract
            unit, factor[code] = amount_unit(name, contract)
        except InputError as exc:
            problems[code] = (
                "symbol",
                raw,
                f"a contract with known units ({exc}); pass --symbol for a linear contract",
            )
            continue
        venue[code], coverage[code] = VENUES[name]
        usd[code], valid[code] = unit == "usd", 1
    return pair, _Contracts(valid, venue, coverage, symbols, usd, factor), problems


def _report(
    path: Path,
    table: pa.Table,
    lines: np.ndarray,
    pair: np.ndarray,
    problems: dict[int, tuple[str, str, str]],
    bad_mask: np.ndarray,
    *,
    skip_bad: bool,
) -> list[BadRow]:
    bad: list[BadRow] = []
    for position in np.flatnonzero(bad_mask):
        side = table.column("side")[int(position)].as_py()
        column, value, expected = problems.get(
            int(pair[position]), ("side", side, "buy or sell (the liquidation order's side)")
        )
        line = int(lines[position])
        error = ImportFormatError(
            f"unknown {column} in Tardis liquidations",
            path=path,
            line=line,
            column=column,
            value=value,
            expected=expected,
        )
        if not skip_bad:
            raise error
        bad.append(BadRow(str(path), line, column, value, str(error)))
    return bad


def _check_ids(
    path: Path,
    table: pa.Table,
    lines: np.ndarray,
    pair: np.ndarray,
    with_id: np.ndarray,
    keep: np.ndarray,
    skip_bad: bool,
) -> tuple[np.ndarray, list[BadRow]]:
    """One Tardis ``id`` per event: the same id with other values is a conflict."""
    rows = np.flatnonzero(with_id)
    columns = ["id", "timestamp", "side", "price", "amount"]
    subset = table.select(columns).take(pa.array(rows)).to_pandas()
    subset = subset.assign(**{_csv.LINE: lines[rows], "pair": pair[rows], "position": rows})
    checked, conflicts = _csv.check_conflicts(
        path,
        subset,
        ["pair", "id"],
        ["timestamp", "side", "price", "amount"],
        skip_bad=skip_bad,
        format_name=LAYOUT.format_name,
    )
    keep = keep.copy()
    keep[rows] = False
    keep[checked["position"].to_numpy()] = True
    return keep, conflicts


def _ordinal(
    candidates: np.ndarray, pair: np.ndarray, side: np.ndarray, timestamp: np.ndarray
) -> np.ndarray:
    """Order of each event among those with the same contract, side and time (file order);
    only ``candidates`` (rows sharing their time with a neighbour) can be above 0."""
    ordinal = np.zeros(len(timestamp), dtype=np.int64)
    rows = np.flatnonzero(candidates)
    if len(rows) == 0:
        return ordinal
    p, s, t = pair[rows], side[rows], timestamp[rows]
    order = np.lexsort((np.arange(len(rows)), t, s, p))
    p, s, t = p[order], s[order], t[order]
    start = np.ones(len(rows), dtype=bool)
    start[1:] = (p[1:] != p[:-1]) | (s[1:] != s[:-1]) | (t[1:] != t[:-1])
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(rows)), 0))
    ordinal[rows[order]] = np.arange(len(rows)) - group_start
    return ordinal


__all__ = [
    "DESCRIPTION",
    "FORMAT",
    "VENUES",
    "amount_unit",
    "detect",
    "read",
    "tardis_symbol_to_ccxt",
]
