"""Symbol helpers: the base asset of a ccxt symbol, and path-safe partition names."""

from __future__ import annotations

import re

from liqcascade.errors import InputError

# Quote currencies recognised when a symbol comes glued together (``BTCUSDT``), longest first.
_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def base_asset(symbol: str) -> str:
    """Return the base asset of a symbol in ccxt, exchange-native or bare form.

    Parameters
    ----------
    symbol
        ``BTC/USDT:USDT`` (ccxt perp), ``BTC/USDT`` (ccxt spot), ``BTCUSDT`` (exchange-native)
        or a bare asset ``BTC``.

    Returns
    -------
    str
        The upper-case base asset.

    Raises
    ------
    InputError
        If ``symbol`` is empty or not a string.

    Examples
    --------
    >>> base_asset("BTC/USDT:USDT"), base_asset("ETHUSDT"), base_asset("btc")
    ('BTC', 'ETH', 'BTC')
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol must be a non-empty string like 'BTC/USDT:USDT', got {symbol!r}")
    text = symbol.strip().upper()
    if "/" in text:
        return text.split("/", 1)[0]
    for sep in ("-", "_"):
        if sep in text:
            return text.split(sep, 1)[0]
    for quote in _QUOTES:
        if text.endswith(quote) and len(text) > len(quote):
            return text[: -len(quote)]
    return text


def partition_name(value: object) -> str:
    """Folder name for a partition value: ``BTC/USDT:USDT`` -> ``BTC_USDT_USDT``."""
    if value is None or (isinstance(value, float) and value != value):
        return "__null__"
    return _UNSAFE.sub("_", str(value)) or "__empty__"


__all__ = ["base_asset", "partition_name"]
