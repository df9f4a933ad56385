"""Dated constants: a calibration value is data, known only from the date of its source.

A constant read off a dated source (a published breakdown, a fit over a window of data) must
not be used by an as-of computation before that date: that would let the past see the future.
:class:`DatedConstant` carries the value, the date it became known (``known_from``), where it
came from, and the value to use before that date (``fallback``, with its own description).
:meth:`DatedConstant.at` picks one for an as-of time and says which, so outputs can report it.

This module sits below every layer (it imports only pandas) so that ``leverage`` and ``sim``
can date their constants and ``validate`` can list them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pandas as pd

from liqcascade._time import to_utc

T = TypeVar("T")


@dataclass(frozen=True)
class Resolved(Generic[T]):
    """The value a dated constant gives at one as-of time, and whether it is the constant.

    Attributes
    ----------
    name
        The constant's name (``HYPERLIQUID_2025_PRIOR``...).
    value
        The constant, or its fallback before ``known_from``.
    dated
        True when the dated constant itself was used (``asof >= known_from``).
    note
        One sentence for outputs: what was used and why.
    """

    name: str
    value: T
    dated: bool
    note: str


@dataclass(frozen=True)
class DatedConstant(Generic[T]):
    """A calibration constant with the date its source made it known, and a fallback.

    Parameters
    ----------
    name
        How outputs refer to it (the Python name).
    value
        The constant.
    known_from
        First UTC time at which the source existed (end of the data window it was fitted on,
        or publication date). As-of times before it get ``fallback``.
    source
        Where the value comes from (publication, data window).
    fallback
        The value used before ``known_from``; it must not depend on later data.
    fallback_source
        What the fallback is, in a few words (said in the outputs).

    Examples
    --------
    >>> fund = DatedConstant("FUND", 1.0e9, "2026-11-25", "order of the fund",
    ...                      fallback=0.0, fallback_source="no fund balance known")
    >>> fund.at("2025-09-21").value, fund.at("2026-12-01").value
    (0.0, 1000000000.0)
    >>> fund.at("2025-09-21").dated
    False
    """

    name: str
    value: T
    known_from: pd.Timestamp | str
    source: str
    fallback: T
    fallback_source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "known_from", to_utc(self.known_from, f"{self.name}.known_from"))

    @property
    def _since(self) -> pd.Timestamp:
        # known_from as __post_init__ left it: a UTC Timestamp, never the str it may be given as
        known = self.known_from
        if isinstance(known, str):  # pragma: no cover - __post_init__ parsed it
            raise TypeError(f"{self.name}.known_from was not parsed: {known!r}")
        return known

    def known_at(self, asof: object) -> bool:
        """Return True when the constant's source existed at ``asof`` (UTC)."""
        return to_utc(asof, "asof") >= self._since

    def at(self, asof: object) -> Resolved[T]:
        """Return the constant if known at ``asof``, else the fallback; either way say which."""
        when = self._since.strftime("%Y-%m-%d")
        if self.known_at(asof):
            return Resolved(self.name, self.value, True, f"{self.name} (known from {when})")
        note = (
            f"{self.name} is known only from {when} ({self.source}); as of "
            f"{to_utc(asof, 'asof'):%Y-%m-%d %H:%M} it is not used: fallback {self.fallback_source}"
        )
        return Resolved(self.name, self.fallback, False, note)

    def value_at(self, asof: object) -> tuple[T, tuple[str, ...]]:
        """Return what :meth:`at` picks and the notes to report: its note if it is the fallback."""
        resolved = self.at(asof)
        return resolved.value, (() if resolved.dated else (resolved.note,))

    def describe(self, start: object, end: object) -> dict[str, Any]:
        """Return JSON: the constant's date and source, and how a run over [start, end) used it.

        ``use`` is ``dated`` (every as-of in the window is after ``known_from``), ``fallback``
        (every one is before) or ``both`` (before ``known_from`` the fallback, then the value).
        """
        lo, hi = to_utc(start, "start"), to_utc(end, "end")
        known = self._since
        use = "dated" if lo >= known else ("fallback" if hi <= known else "both")
        return {
            "name": self.name,
            "known_from": known.strftime("%Y-%m-%d"),
            "source": self.source,
            "fallback": self.fallback_source,
            "use": use,
        }


__all__ = ["DatedConstant", "Resolved"]
