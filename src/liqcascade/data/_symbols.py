"""Symbol helpers: the base asset of a ccxt symbol (folder names: ``_layout``)."""

from __future__ import annotations

from liqcascade.errors import InputError

# Quote currencies recognised when a symbol comes glued together (``BTCUSDT``), longest first.
_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "BTC", "ETH")


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


__all__ = ["base_asset"]
