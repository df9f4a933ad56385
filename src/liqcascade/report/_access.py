"""Read what the report needs from a store, as of a cutoff.

Only the store's generic ``read(dataset, *, start, end, **equals)`` is used, so any object with
that method (the real :class:`liqcascade.data.Store`, or a test double) works.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from liqcascade.errors import NoDataError
from liqcascade.report._window import known_by


class Readable(Protocol):
    def read(self, dataset: str, *, start: Any = None, end: Any = None, **equals: Any) -> Any: ...


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
