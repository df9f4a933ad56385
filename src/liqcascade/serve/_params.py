"""Query-parameter checks of the JSON API: a bad value names the parameter and what is allowed."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

MAX_SHOCK = 0.5
MAX_PATHS = 20_000
_SYMBOL = re.compile(r"^[A-Z0-9]{2,15}/[A-Z0-9]{2,10}(:[A-Z0-9]{2,10})?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ParamError(Exception):
    """A query parameter that cannot be used: HTTP 422 with these three fields."""

    parameter: str
    value: str
    allowed: str

    def __str__(self) -> str:
        return f"{self.parameter}={self.value!r} is not allowed: {self.allowed}"

    def to_dict(self) -> dict[str, str]:
        return {
            "error": str(self),
            "parameter": self.parameter,
            "value": self.value,
            "allowed": self.allowed,
        }


def required(name: str, value: str | None, allowed: str) -> str:
    """Return ``value`` or raise: the parameter is missing or blank."""
    if value is None or not value.strip():
        raise ParamError(name, "" if value is None else value, f"required: {allowed}")
    return value.strip()


def symbol(value: str | None, name: str = "symbol") -> str:
    """A ccxt symbol such as ``BTC/USDT:USDT``."""
    text = required(name, value, "a ccxt symbol, e.g. BTC/USDT:USDT")
    if not _SYMBOL.match(text):
        raise ParamError(name, text, "a ccxt symbol in capitals, e.g. BTC/USDT:USDT or ETH/USDT")
    return text


def timestamp(value: str | None, name: str) -> pd.Timestamp:
    """A UTC time or day (``2025-09-21`` or ``2025-09-21T00:00Z``)."""
    text = required(name, value, "a UTC time, e.g. 2025-09-21 or 2025-09-21T00:00Z")
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise ParamError(name, text, "a UTC time, e.g. 2025-09-21 or 2025-09-21T00:00Z") from None
    if ts is pd.NaT:
        raise ParamError(name, text, "a UTC time, e.g. 2025-09-21 or 2025-09-21T00:00Z")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def day(value: str | None, name: str = "asof") -> str:
    """A day ``YYYY-MM-DD`` (the report's as-of)."""
    text = required(name, value, "a day YYYY-MM-DD, e.g. 2025-09-25")
    if not _DAY.match(text):
        raise ParamError(name, text, "a day YYYY-MM-DD, e.g. 2025-09-25")
    timestamp(text, name)
    return text


def shock(value: float | None) -> float:
    """A price move as a FRACTION of the price, ``-0.5 <= shock <= 0.5``."""
    allowed = (
        f"a FRACTION of the price between -{MAX_SHOCK} and {MAX_SHOCK}: "
        "-0.03 is a 3 % drop (5 would be +500 %)"
    )
    if value is None:
        raise ParamError("shock", "", f"required: {allowed}")
    if not math.isfinite(value) or abs(value) > MAX_SHOCK or value == 0.0:
        raise ParamError("shock", f"{value:g}", allowed + ", not 0")
    return float(value)


def paths(value: int | None) -> int | None:
    """Monte Carlo path count, ``0 <= paths <= MAX_PATHS`` (0 or absent: none)."""
    if value is None or value == 0:
        return None
    if value < 0 or value > MAX_PATHS:
        raise ParamError("paths", str(value), f"an integer from 0 to {MAX_PATHS:,}")
    return int(value)


def flow_usd(value: float | None, move: float) -> float:
    """A market order in USD pointing the same way as the shock (negative = sell)."""
    if value is None or value == 0.0:
        return 0.0
    if not math.isfinite(value) or value * move < 0:
        raise ParamError(
            "flow_usd",
            f"{value:g}",
            "a finite USD amount pointing the same way as shock (negative = sell with a drop)",
        )
    return float(value)


# The feedback loops of liqcascade.sim.CascadeConfig the dashboard can switch one by one.
FEEDBACK_LOOPS = {
    "momentum": "momentum",
    "funding": "funding_pressure",
    "depth_withdrawal": "depth_withdrawal",
    "flows": "exogenous_flow",
}
_ALL = ("true", "1", "on", "all")
_NONE = ("", "false", "0", "off", "none")


def feedback(value: str | None) -> tuple[str, ...]:
    """Feedback loops to switch on: ``true``/``false`` (all/none) or a comma list of loops.

    Returns the loop names, sorted (a cache key); ``()`` is none.

    Examples
    --------
    >>> feedback("funding,momentum")
    ('funding', 'momentum')
    >>> len(feedback("true"))
    4
    """
    text = (value or "").strip().lower()
    if text in _NONE:
        return ()
    if text in _ALL:
        return tuple(sorted(FEEDBACK_LOOPS))
    loops = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(loops - set(FEEDBACK_LOOPS))
    if unknown:
        raise ParamError(
            "feedback",
            str(value),
            "true, false, or a comma list of "
            + ", ".join(FEEDBACK_LOOPS)
            + f" (unknown: {', '.join(unknown)})",
        )
    return tuple(sorted(loops))


def window(start: str | None, end: str | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``start < end``, both UTC times; at most 366 days apart."""
    lo, hi = timestamp(start, "start"), timestamp(end, "end")
    if hi <= lo:
        raise ParamError("end", str(end), f"a time after start ({lo.isoformat()})")
    if hi - lo > pd.Timedelta(days=366):
        raise ParamError("end", str(end), "at most 366 days after start")
    return lo, hi
