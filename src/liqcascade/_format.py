"""The one way liqcascade prints money and rates for people (CLI tables, reports, summaries).

Machine-readable output (``--json``, report.json) never goes through here: it carries plain
numbers, USD in dollars and every rate as a FRACTION (-0.128 = a 12.8 % drop).
"""

from __future__ import annotations

import math

_SCALES = ((1e12, " T"), (1e9, " B"), (1e6, " M"))


def usd(value: float | None) -> str:
    """Format US dollars compactly with three significant digits: $3.68 T, $286 B, $50.3 M.

    Parameters
    ----------
    value
        Amount in US dollars; ``None`` or NaN prints ``n/a``.

    Returns
    -------
    str
        ``$`` and the amount, scaled to T, B or M from one million up; whole dollars below.

    Examples
    --------
    >>> usd(3.6834e12), usd(-285.4e9), usd(50_312_000.0), usd(4012.4), usd(None)
    ('$3.68 T', '-$285 B', '$50.3 M', '$4,012', 'n/a')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    size = abs(value)
    for scale, suffix in _SCALES:
        if size >= scale:
            digits = 2 if size / scale < 10 else (1 if size / scale < 100 else 0)
            return f"{sign}${size / scale:,.{digits}f}{suffix}"
    return f"{sign}${size:,.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    """Format a FRACTION as a signed percentage for people.

    Parameters
    ----------
    value
        A fraction (-0.128 is a 12.8 % drop); ``None`` or NaN prints ``n/a``.
    digits
        Decimals after the percent point.

    Examples
    --------
    >>> pct(-0.128), pct(0.05, 0), pct(None)
    ('-12.8 %', '+5 %', 'n/a')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:+.{digits}f} %"


__all__ = ["pct", "usd"]
