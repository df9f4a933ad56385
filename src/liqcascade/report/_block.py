"""What every report block shares: the block the store could not fill.

Each section of report.json is a frozen dataclass; report.json is its serialisation
(``_json.jsonable``: field order = key order). A block that could not be computed is an
:class:`Unavailable` (``{"available": false, "reason": ...}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Unavailable:
    """A block the store could not fill, and why."""

    available: bool = field(default=False, init=False)
    reason: str = ""
