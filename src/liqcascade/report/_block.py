"""What every report block shares: the block the store could not fill.

Each section of report.json is a frozen dataclass; report.json is its serialisation
(``_json.jsonable``: field order = key order). A block that was computed derives from
:class:`Available` (its ``available: true`` comes first); one that could not be is an
:class:`Unavailable` (``{"available": false, "reason": ...}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Available:
    """Base of a block the store filled: report.json says ``available: true`` first."""

    available: bool = field(default=True, init=False)


@dataclass(frozen=True, kw_only=True)
class Unavailable:
    """A block the store could not fill, and why."""

    available: bool = field(default=False, init=False)
    reason: str
