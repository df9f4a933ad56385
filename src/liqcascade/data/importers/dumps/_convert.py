"""Unit and vocabulary conversions done once, at the edge, in named and tested functions.

- Epoch integers to UTC time, with the unit detected from the magnitude (Binance uses
  milliseconds; its spot files switched to microseconds on 2025-01-01; Tardis uses microseconds).
- Binance symbols to ccxt symbols (``BTCUSDT`` -> ``BTC/USDT:USDT``; ``BTCUSD_PERP`` ->
  ``BTC/USD:BTC``).
- Liquidation ORDER side to the LIQUIDATED position side (a SELL forced order closes a long).
- Binance file names (``BTCUSDT-4h-2025-09.csv``, ``BTCUSDT-metrics-2025-09-22.zip``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade._time import parse_interval
from liqcascade.data._schema import DATASETS
from liqcascade.data.importers.dumps._csv import Layout
from liqcascade.errors import ImportFormatError, InputError

# Epoch magnitudes for dates between 1973 and 5138: seconds < 1e11 <= ms < 1e14 <= us < 1e17 <= ns.
_UNIT_BOUNDS = ((1e11, "s", 10**9), (1e14, "ms", 10**6), (1e17, "us", 10**3), (np.inf, "ns", 1))

STABLE_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD")

# Binance intervals (file names and the kline API); `1mo` is Binance's spelling of one month.
BINANCE_INTERVALS = (
    "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1mo",
)  # fmt: skip

# COIN-M contract face values in USD (Binance COIN-M contract specifications: BTC 100 USD,
# every other coin 10 USD per contract).
_COINM_CONTRACT_USD = {"BTC": 100.0}
_COINM_DEFAULT_USD = 10.0


def epoch_unit(value: int | float) -> str:
    """Return the unit of one epoch number from its magnitude: ``s``, ``ms``, ``us`` or ``ns``.

    Examples
    --------
    >>> epoch_unit(1758499200000), epoch_unit(1758499200000000)
    ('ms', 'us')
    """
    magnitude = abs(float(value))
    for bound, unit, _ in _UNIT_BOUNDS:
        if magnitude < bound:
            return unit
    return "ns"  # pragma: no cover - inf bound


def epoch_to_utc(values: np.ndarray | pd.Series) -> pd.DatetimeIndex:
    """Convert epoch integers to tz-aware UTC, each value's unit detected from its magnitude.

    Mixed units in one column are allowed (a file spanning Binance's switch to microseconds).
    """
    ints = np.asarray(values, dtype=np.int64)
    magnitude = np.abs(ints)
    scale = np.ones(len(ints), dtype=np.int64)
    lower = 0.0
    for bound, _, factor in _UNIT_BOUNDS:
        scale[(magnitude >= lower) & (magnitude < bound)] = factor
        lower = bound
    return pd.DatetimeIndex(pd.to_datetime(ints * scale, unit="ns", utc=True))


def binance_symbol_to_ccxt(raw: str, *, market: str = "perp") -> str:
    """Convert a Binance symbol to ccxt form.

    ``market="perp"`` (futures files): ``BTCUSDT`` -> ``BTC/USDT:USDT`` (USDⓈ-M linear),
    ``BTCUSD_PERP`` -> ``BTC/USD:BTC`` (COIN-M inverse), ``BTCUSDT_250926`` ->
    ``BTC/USDT:USDT-250926`` and ``BTCUSD_250926`` -> ``BTC/USD:BTC-250926`` (delivery).
    ``market="spot"``: ``BTCUSDT`` -> ``BTC/USDT``.

    Examples
    --------
    >>> binance_symbol_to_ccxt("BTCUSDT"), binance_symbol_to_ccxt("BTCUSD_PERP")
    ('BTC/USDT:USDT', 'BTC/USD:BTC')
    """
    text = raw.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]+(_[A-Z0-9]+)?", text):
        raise _bad_symbol(raw)
    pair, _, suffix = text.partition("_")
    if pair.endswith("USD") and suffix and not pair.endswith(STABLE_QUOTES):
        base = pair[: -len("USD")]
        if not base:
            raise _bad_symbol(raw)
        contract = f"{base}/USD:{base}"
        return contract if suffix == "PERP" else f"{contract}-{suffix}"
    quote = next((q for q in STABLE_QUOTES if pair.endswith(q) and len(pair) > len(q)), None)
    if quote is None or (suffix and not suffix.isdigit()):
        raise _bad_symbol(raw)
    base = pair[: -len(quote)]
    if market == "spot":
        return f"{base}/{quote}"
    contract = f"{base}/{quote}:{quote}"
    return f"{contract}-{suffix}" if suffix else contract


_CCXT_SYMBOL = re.compile(r"^[A-Z0-9]+/[A-Z0-9]+(:[A-Z0-9]+(-[0-9]+)?)?$")


@overload
def symbol_option(symbol: str) -> str: ...
@overload
def symbol_option(symbol: None) -> None: ...
def symbol_option(symbol: str | None) -> str | None:
    """Check a ``--symbol`` option: ccxt form (``BTC/USDT:USDT``) is kept, a Binance name
    (``BTCUSDT``) is converted, anything else raises InputError."""
    if symbol is None:
        return None
    text = symbol.strip().upper()
    if "/" not in text:
        return binance_symbol_to_ccxt(text)
    if not _CCXT_SYMBOL.match(text):
        raise InputError(
            f"--symbol {symbol!r} is not a ccxt symbol; expected e.g. BTC/USDT:USDT (linear "
            "perp), BTC/USD:BTC (inverse perp) or BTC/USDT (spot)"
        )
    return text


def _bad_symbol(raw: str) -> InputError:
    return InputError(
        f"cannot read Binance symbol {raw!r}; expected a pair ending in "
        f"{'/'.join(STABLE_QUOTES)} (USDⓈ-M, e.g. BTCUSDT) or a COIN-M contract such as "
        "BTCUSD_PERP; pass --symbol in ccxt form (BTC/USDT:USDT) instead"
    )


def is_inverse(symbol: str) -> bool:
    """True for a coin-margined (inverse) ccxt contract symbol such as ``BTC/USD:BTC``."""
    if ":" not in symbol:
        return False
    pair, settle = symbol.split(":", 1)
    return settle.split("-")[0] == pair.split("/")[0]


def quote_currency(symbol: str) -> str:
    """Quote currency of a ccxt symbol (``BTC/USDT:USDT`` -> ``USDT``)."""
    return symbol.split("/", 1)[1].split(":", 1)[0] if "/" in symbol else "USD"


def coinm_contract_usd(symbol: str) -> float:
    """USD face value of one Binance COIN-M contract (100 for BTC, 10 for other coins)."""
    base = symbol.split("/", 1)[0]
    return _COINM_CONTRACT_USD.get(base, _COINM_DEFAULT_USD)


def liquidated_side_from_order_side(order_side: pd.Series) -> pd.Series:
    """Map the side of a forced (liquidation) ORDER to the side of the position it closed.

    A liquidation SELL order closes a LONG position; a BUY order closes a SHORT. Binance's
    ``liquidationSnapshot``/``forceOrder`` and Tardis's ``liquidations`` both give the order
    side. Values other than buy/sell (any case) become null for the caller to report.

    Examples
    --------
    >>> liquidated_side_from_order_side(pd.Series(["SELL", "buy"])).tolist()
    ['long', 'short']
    """
    codes = order_side_codes(order_side)
    sides = pa.array(np.array(["long", "short", ""])[codes]).to_pandas()
    return sides.where(codes >= 0, None)


def order_side_codes(order_side: pd.Series | pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Vectorized order side -> liquidated side code: 0 = long (SELL order), 1 = short (BUY),
    -1 = unknown."""
    text = (
        order_side
        if isinstance(order_side, pa.Array | pa.ChunkedArray)
        else pa.array(order_side, pa.string(), from_pandas=True)
    )
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    sell = pc.fill_null(pc.equal(lowered, "sell"), False).to_numpy(zero_copy_only=False)
    buy = pc.fill_null(pc.equal(lowered, "buy"), False).to_numpy(zero_copy_only=False)
    return np.where(sell, 0, np.where(buy, 1, -1)).astype(np.int8)


@dataclass(frozen=True)
class DumpName:
    """What a Binance public-data file name says: symbol, data type or interval, period."""

    symbol: str
    what: str  # an interval for klines files, else the data type (metrics, bookDepth...)
    period: str


_NAME = re.compile(
    r"^(?P<symbol>[A-Z0-9]+(?:_[A-Z0-9]+)?)-(?P<what>[A-Za-z0-9]+)"
    r"-(?P<period>\d{4}-\d{2}(?:-\d{2})?)"
)


def parse_dump_name(path: Path) -> DumpName | None:
    """Parse ``BTCUSDT-4h-2025-09.csv`` / ``BTCUSDT-metrics-2025-09-22.zip``; None if no match."""
    match = _NAME.match(path.name if isinstance(path, PurePath) else Path(path).name)
    if match is None:
        return None
    return DumpName(match["symbol"], match["what"], match["period"])


def header_or_named(path: Path, head: str, layouts: tuple[Layout, ...], what: str) -> bool:
    """True if ``head`` starts with the header of one of ``layouts`` or the file is named
    ``SYMBOL-what-...``."""
    if any(layout.heads(head) for layout in layouts):
        return True
    name = parse_dump_name(path)
    return bool(name and name.what == what)


def symbol_from_name(path: Path, *, expected: str, market: str = "perp") -> str:
    """The ccxt symbol from a Binance file name; raise saying ``expected`` when it has none."""
    name = parse_dump_name(path)
    if name is None:
        raise ImportFormatError(
            "cannot tell the symbol from the file name", path=path, expected=expected
        )
    return binance_symbol_to_ccxt(name.symbol, market=market)


def folder_kinds(path: Path) -> set[str]:
    """Names of the folders above ``path`` (Binance's tree names the data type: markPriceKlines)."""
    return {part for part in Path(path).parts[:-1]}


def check_interval(path: Path, interval: str) -> str:
    """Return ``interval`` if Binance publishes it, else raise naming the valid ones."""
    if interval not in BINANCE_INTERVALS:
        raise ImportFormatError(
            "unknown interval",
            path=path,
            value=interval,
            expected=f"one of {', '.join(BINANCE_INTERVALS)} (from the file name, e.g. "
            "BTCUSDT-4h-2025-09.csv)",
        )
    return interval


def interval_ms(interval: str) -> int | None:
    """Length of a fixed interval in milliseconds; None for calendar months (``1mo``)."""
    if interval == "1mo":
        return None
    return int(parse_interval(interval) // pd.Timedelta(milliseconds=1))


def _arrow_column(value: object, dtype: pa.DataType, length: int) -> pa.Array | pa.ChunkedArray:
    if value is None:
        return pa.nulls(length, dtype)
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value.cast(dtype) if value.type != dtype else value
    if isinstance(value, str | int | float):
        return pa.repeat(pa.scalar(value, dtype), length)
    if pa.types.is_timestamp(dtype):
        times = pd.DatetimeIndex(pd.to_datetime(value, utc=True)).as_unit("ns")
        return pa.array(times.asi8, pa.int64()).view(dtype)
    if pa.types.is_floating(dtype):
        return pa.array(np.asarray(value, dtype=np.float64), dtype, from_pandas=True)
    return pa.array(value, dtype, from_pandas=True)


def schema_frame(dataset: str, columns: dict[str, object], length: int) -> pd.DataFrame:
    """Build a frame with exactly the dataset's columns (less ``source``), missing ones null.

    Values may be arrays, pandas objects, arrow arrays or scalars (repeated); text columns come
    out as pandas ``str`` (arrow-backed: cheap for millions of rows), times as UTC ns.
    """
    spec = DATASETS[dataset]
    # large_string is what pandas' arrow-backed ``str`` stores: no copy when converting
    fields = [
        pa.field(f.name, pa.large_string()) if pa.types.is_string(f.type) else f
        for f in spec.schema
        if f.name != "source"
    ]
    arrays = [_arrow_column(columns.get(f.name), f.type, length) for f in fields]
    return pa.table(arrays, schema=pa.schema(fields)).to_pandas()


__all__ = [
    "BINANCE_INTERVALS",
    "DumpName",
    "binance_symbol_to_ccxt",
    "check_interval",
    "coinm_contract_usd",
    "epoch_to_utc",
    "epoch_unit",
    "folder_kinds",
    "header_or_named",
    "interval_ms",
    "is_inverse",
    "liquidated_side_from_order_side",
    "order_side_codes",
    "parse_dump_name",
    "quote_currency",
    "schema_frame",
    "symbol_from_name",
    "symbol_option",
]
