"""Read what the report needs from a store, as of a cutoff.

Only the store's generic ``read(name, *, start, end, **equals)`` is used, so any object with
that method (the real :class:`liqcascade.data.Store`, or a test double) works.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from liqcascade.errors import NoDataError
from liqcascade.report._window import known_by


class Readable(Protocol):
    # ``name`` as in Store.read (a keyword of **equals can never be called ``name``).
    def read(self, name: str, *, start: Any = None, end: Any = None, **equals: Any) -> Any: ...


def read_known(
    store: Readable,
    dataset: str,
    cutoff: pd.Timestamp,
    *,
    start: pd.Timestamp | None = None,
    **equals: Any,
) -> pd.DataFrame:
    """Rows of ``dataset`` matching ``equals`` in ``[start, cutoff)`` that were known at cutoff.

    A missing dataset or series gives an empty frame: the report says "no data" for it rather
    than failing as a whole.
    """
    try:
        frame = store.read(dataset, start=start, end=cutoff, **equals)
    except NoDataError:
        return pd.DataFrame()
    if frame is None or len(frame) == 0:
        return pd.DataFrame()
    return known_by(frame, cutoff).sort_values("time", kind="stable").reset_index(drop=True)


def daily_closes(
    store: Readable, cutoff: pd.Timestamp, *, symbol: str, exchange: str, market: str
) -> pd.DataFrame:
    """Daily candles (time-indexed) of one series, closed by ``cutoff``."""
    frame = read_known(
        store, "candles", cutoff, symbol=symbol, exchange=exchange, market=market, interval="1d"
    )
    if frame.empty:
        return frame
    return frame.drop_duplicates("time", keep="last").set_index("time")


class CachedReads:
    """A store whose ``read`` answers each distinct query once per report (a deep copy after).

    Several blocks (estimate, liquidation maps, each stress shock) read the same year of 4h
    candles, open interest, funding and depth; one report computes over one fixed store, so
    the second read of the same query returns a copy of the first. Every other attribute is the
    wrapped store's own. Failures are not cached (they raise again).
    """

    def __init__(self, store: Readable) -> None:
        self._store = store
        self._frames: dict[str, Any] = {}

    def read(self, name: str, *, start: Any = None, end: Any = None, **equals: Any) -> Any:
        key = repr((name, start, end, sorted(equals.items())))
        if key not in self._frames:
            self._frames[key] = self._store.read(name, start=start, end=end, **equals)
        found = self._frames[key]
        return found.copy() if isinstance(found, pd.DataFrame) else found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __repr__(self) -> str:
        return repr(self._store)
