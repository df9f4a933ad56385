"""The one error root of liqcascade.

Every error the package raises on purpose derives from :class:`LiqcascadeError` and also from
the matching builtin, so ``except ValueError`` keeps working for callers who do not know us.
Messages name the offending value and say what was expected and how to fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class LiqcascadeError(Exception):
    """Base class of every error raised by liqcascade."""


class InputError(LiqcascadeError, ValueError):
    """An argument has a wrong value (non-positive size, NaN price, unknown side...)."""


class UnknownVenueError(InputError, KeyError):
    """A venue or symbol that liqcascade has no rules or data for."""

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return str(self.args[0]) if self.args else ""


class BracketError(InputError):
    """A bracket (risk-limit tier) table is invalid, missing for a date, or exceeded."""


class SchemaError(LiqcascadeError, ValueError):
    """A record set does not match its dataset's column/dtype contract."""


class ImportFormatError(LiqcascadeError, ValueError):
    """A source file cannot be imported: wrong format, bad header, malformed row or value.

    Carries where the problem is (``path``, ``line``, ``column``), what was found (``value``)
    and what was expected, so the message can say how to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
        expected: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.value = value
        self.expected = expected
        where = []
        if self.path is not None:
            where.append(self.path)
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        text = message
        if value is not None:
            text += f" (got {value!r})"
        if expected:
            text += f"; expected {expected}"
        if where:
            text = ", ".join(where) + ": " + text
        super().__init__(text)


class StoreError(LiqcascadeError, OSError):
    """The store cannot be read or written (missing directory, corrupt partition...)."""


class NoDataError(LiqcascadeError, LookupError):
    """The store has no data for the requested dataset, symbol or time range."""


class MissingExtraError(LiqcascadeError, ImportError):
    """An optional dependency is missing; the message names the pip extra to install."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"{package} is not installed; install it with: pip install 'liqcascade[{extra}]'"
        )


__all__ = [
    "BracketError",
    "ImportFormatError",
    "InputError",
    "LiqcascadeError",
    "MissingExtraError",
    "NoDataError",
    "SchemaError",
    "StoreError",
    "UnknownVenueError",
]


class RemoteError(LiqcascadeError, ConnectionError):
    """A remote service (an exchange's REST API) kept failing after the retries allowed."""


__all__ += ["RemoteError"]


class NoBracketTableError(UnknownVenueError, BracketError):
    """No bracket table is known for a venue/symbol: both an unknown symbol and a missing table,
    so callers catching either :class:`UnknownVenueError` or :class:`BracketError` see it."""


__all__ += ["NoBracketTableError"]
