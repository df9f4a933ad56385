"""Binance public-data klines: ``klines``, ``markPriceKlines``, ``indexPriceKlines`` -> candles.

Source: https://github.com/binance/binance-public-data (README, "Klines", checked 2026-11-25);
files such as ``data/futures/um/monthly/klines/BTCUSDT/4h/BTCUSDT-4h-2025-09.zip``. Columns::

    open_time,open,high,low,close,volume,close_time,quote_volume,count,
    taker_buy_volume,taker_buy_quote_volume,ignore

Newer files carry that header; older ones have none (both are read). ``open_time`` is epoch
milliseconds (spot files from 2025 use microseconds: detected by magnitude). The interval comes
from the file name; the kind (trade / mark / index price) from ``--kind`` or the folder
(``markPriceKlines/``...). USDⓈ-M: ``volume`` is base units, ``quote_volume`` USDT. COIN-M
(``BTCUSD_PERP``): ``volume`` counts contracts and column 8 is the base-asset volume, so
``volume`` <- column 8 and ``quote_volume`` <- contracts x face value (100 USD BTC, 10 USD others).
Mark and index klines have no volume: both are stored as null.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from liqcascade.data.importers._base import ImportResult
from liqcascade.data.importers.dumps import _csv
from liqcascade.data.importers.dumps._convert import (
    BINANCE_INTERVALS,
    binance_symbol_to_ccxt,
    check_interval,
    coinm_contract_usd,
    epoch_to_utc,
    folder_kinds,
    interval_ms,
    is_inverse,
    parse_dump_name,
    quote_currency,
    schema_frame,
    symbol_from_name,
    symbol_option,
)
from liqcascade.errors import ImportFormatError

FORMAT = "binance-klines"
DESCRIPTION = "Binance public-data klines / markPriceKlines / indexPriceKlines CSV -> candles"

KINDS = {"klines": "perp", "markPriceKlines": "mark", "indexPriceKlines": "index"}

LAYOUT = _csv.Layout(
    "Binance klines",
    {
        "open_time": "int",
        "open": "float",
        "high": "float",
        "low": "float",
        "close": "float",
        "volume": "float",
        "close_time": "int",
        "quote_volume": "float",
        "count": "float",
        "taker_buy_volume": "float",
        "taker_buy_quote_volume": "float",
        "ignore": "str",
    },
    required=("open_time", "open", "high", "low", "close", "close_time"),
)


def detect(path: Path, head: str) -> bool:
    """A klines header, or a header-less 12-column file named ``SYMBOL-<interval>-YYYY-MM``."""
    if "premiumIndexKlines" in folder_kinds(path):
        return False  # premium index (basis) klines share the layout but are not prices
    if LAYOUT.heads(head):
        return True
    name = parse_dump_name(path)
    first = head.split("\n", 1)[0]
    return bool(name and _is_interval(name.what) and len(first.split(",")) == 12)


def _is_interval(text: str) -> bool:
    return (text[:-1].isdigit() and text[-1] in "mhdw") or text.endswith("mo")


def _kind(path: Path, kind: str | None) -> str | None:
    if kind == "premiumIndexKlines" or (
        kind is None and "premiumIndexKlines" in folder_kinds(path)
    ):
        raise ImportFormatError(
            "premium index klines are a basis, not a price, and have no dataset here",
            path=path,
            expected=f"klines of kind {', '.join(KINDS)}",
        )
    if kind is not None:
        if kind not in KINDS:
            raise ImportFormatError(
                "unknown kind for Binance klines",
                path=path,
                value=kind,
                expected=f"one of {', '.join(KINDS)}",
            )
        return kind
    found = [k for k in KINDS if k in folder_kinds(path)]
    return found[0] if found else None


def _symbol_and_market(path: Path, symbol: str | None, kind: str | None) -> tuple[str, str]:
    spot = "spot" in folder_kinds(path)
    market = "spot" if spot else KINDS.get(kind or "klines", "perp")
    if symbol is not None:
        if "/" not in symbol:  # a Binance name: its market comes from the folder
            return binance_symbol_to_ccxt(symbol, market="spot" if spot else "perp"), market
        symbol = symbol_option(symbol)
        if ":" not in symbol and kind in (None, "klines"):
            market = "spot"
        return symbol, market
    expected = "a Binance name like BTCUSDT-4h-2025-09.csv, or pass --symbol BTC/USDT:USDT"
    return symbol_from_name(path, expected=expected, market="spot" if spot else "perp"), market


def _interval(path: Path) -> str:
    """The interval from the file name, else from the folder (Binance's tree ends in ``/4h/``)."""
    name = parse_dump_name(path)
    if name is not None:
        return check_interval(path, name.what)
    folder = Path(path).parent.name
    if folder in BINANCE_INTERVALS:
        return folder
    raise ImportFormatError(
        "cannot tell the interval from the file name or its folder",
        path=path,
        expected="a Binance name like BTCUSDT-4h-2025-09.csv, or the file in a folder named "
        "after the interval (klines/BTCUSDT/4h/); rename or move the file",
    )


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one klines file into ``candles`` rows (exchange ``binance``).

    Interval and kind (perp, mark or index prices) come from the file name or its folder,
    ``kind`` overriding; ``time`` is the bar's open time.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row or value, unknown interval, a kind the file name does not
        say for a volume-less (mark/index) file, bars whose length contradicts the interval,
        or one open time with two different bars.
    """
    path = Path(path)
    raw = _csv.read_layout(path, [LAYOUT], skip_bad=skip_bad)
    interval = _interval(path)
    kind = _kind(path, kind)
    frame = raw.frame
    if kind is None and len(frame) and _volume_less(frame):
        raise ImportFormatError(
            "these klines have no volume, so they are mark or index prices, but neither the "
            "folder nor --kind says which",
            path=path,
            expected="--kind markPriceKlines or --kind indexPriceKlines",
        )
    ccxt_symbol, market = _symbol_and_market(path, symbol, kind)
    _check_bar_length(path, frame, interval)
    frame, conflicts = _csv.check_conflicts(
        path,
        frame,
        ["open_time"],
        ["open", "high", "low", "close", "volume"],
        skip_bad=skip_bad,
        format_name=LAYOUT.format_name,
    )
    volume, quote_volume, currency = _volumes(frame, ccxt_symbol, market)
    candles = schema_frame(
        "candles",
        {
            "time": epoch_to_utc(frame["open_time"].to_numpy()),
            "exchange": "binance",
            "symbol": ccxt_symbol,
            "market": market,
            "interval": interval,
            "open": frame["open"].to_numpy(),
            "high": frame["high"].to_numpy(),
            "low": frame["low"].to_numpy(),
            "close": frame["close"].to_numpy(),
            "volume": volume,
            "quote_volume": quote_volume,
            "currency": currency,
        },
        len(frame),
    )
    result = _csv.import_result(raw, path, raw.bad_rows + conflicts)
    result.add("candles", candles.sort_values("time", kind="stable").reset_index(drop=True))
    return result


def _volume_less(frame) -> bool:
    no_base = (frame["volume"].fillna(0) == 0).all()
    return bool(no_base and (frame["quote_volume"].fillna(0) == 0).all())


def _volumes(frame, symbol: str, market: str) -> tuple[object, object, str]:
    if market in ("mark", "index"):
        return None, None, quote_currency(symbol)
    if is_inverse(symbol):
        contracts = frame["volume"].to_numpy(dtype=float)
        return (
            frame["quote_volume"].to_numpy(dtype=float),  # COIN-M: "Base asset volume"
            contracts * coinm_contract_usd(symbol),
            "USD",
        )
    return (
        frame["volume"].to_numpy(dtype=float),
        frame["quote_volume"].to_numpy(dtype=float),
        (quote_currency(symbol)),
    )


def _check_bar_length(path: Path, frame, interval: str) -> None:
    """Every bar must span the interval of the file name: close_time = open_time + length - 1."""
    length = interval_ms(interval)
    if length is None or frame.empty:
        return
    open_ms = epoch_to_utc(frame["open_time"].to_numpy()).asi8 // 1_000_000
    close_ms = epoch_to_utc(frame["close_time"].to_numpy()).asi8 // 1_000_000
    wrong = np.flatnonzero(close_ms - open_ms != length - 1)
    if len(wrong):
        position = int(wrong[0])
        raise ImportFormatError(
            f"bar length does not match the interval {interval!r} of the file name",
            path=path,
            line=int(frame[_csv.LINE].iloc[position]),
            column="close_time",
            value=int(frame["close_time"].iloc[position]),
            expected=f"open_time + {length - 1} ms; is the file name's interval right?",
        )


__all__ = ["DESCRIPTION", "FORMAT", "KINDS", "detect", "read"]
