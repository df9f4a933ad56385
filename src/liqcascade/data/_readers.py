"""Reading the store: pruning month files, the two query engines, and the typed readers.

Every read works on one pinned version of the store (the manifest it loaded first), so it
sees a whole import or none of it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from liqcascade._time import TimeLike as _Time
from liqcascade._time import optional_utc, to_utc
from liqcascade.data._frames import empty_frame, to_frame
from liqcascade.data._layout import period_months
from liqcascade.data._manifest import Manifest
from liqcascade.data._schema import Dataset
from liqcascade.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

# Reads touching at most this many period files use pyarrow (lower latency); more use DuckDB.
ARROW_READ_MAX_FILES = 32
# A store keeps the decoded tables of the small files it read last (files are immutable:
# a new version is a new file name), up to this many bytes in all; larger files are read
# with the filters pushed into the Parquet reader instead.
CACHE_BYTES = 256 * 2**20
CACHE_MAX_FILE_BYTES = 4 * 2**20
# Filter masks kept per cached file (one byte per row each).
MASKS_PER_FILE = 64

# A read bound: any time :func:`liqcascade._time.to_utc` parses, or None (open).
TimeLike: TypeAlias = _Time | None


def timestamp(value: TimeLike, name: str) -> pd.Timestamp | None:
    """``value`` as a UTC timestamp (naive means UTC); None stays None (the shared rule)."""
    return optional_utc(value, name)


def _month_floor(ts: pd.Timestamp) -> str:
    return f"{ts.year:04d}-{ts.month:02d}"


def pruned(
    manifest: Manifest,
    root: Path,
    ds: Dataset,
    *,
    partitions: Sequence[Any] | None = None,
    start: TimeLike = None,
    end: TimeLike = None,
) -> list[Path]:
    """Period files of ``ds`` in ``manifest``, pruned by partition values and by month."""
    lo, hi = timestamp(start, "start"), timestamp(end, "end")
    lo_month = _month_floor(lo) if lo is not None else None
    hi_month = _month_floor(hi - pd.Timedelta(1, "ns")) if hi is not None else None
    if partitions is None:
        entries = manifest.of(ds.name)
    else:  # in manifest.of's order: partition, then period
        wanted = sorted({str(v) for v in partitions})
        entries = [e for v in wanted for e in manifest.of_partition(ds.name, v)]
    out = []
    for entry in entries:
        first, last = period_months(entry.key[2])
        if lo_month is not None and last < lo_month:
            continue
        if hi_month is not None and first > hi_month:
            continue
        out.append(root / entry.path)
    return out


@dataclass(frozen=True)
class _FileFrame:
    """One store file decoded once: its rows in (time, key) order, their times in ns, and
    the row masks of the filters asked so far (``(column, value)`` -> bool per row)."""

    frame: pd.DataFrame
    times: np.ndarray
    masks: dict[tuple[str, Any], np.ndarray] = field(default_factory=dict)

    def mask(self, ds: Dataset, column: str, value: Any) -> np.ndarray:
        """Rows whose ``column`` equals ``value`` (is one of, for a list/tuple/set)."""
        many = isinstance(value, list | tuple | set)
        # the type is part of the key: True == 1, yet "True" and "1" are different text
        key = (column, tuple(sorted(map(repr, value))) if many else (type(value), value))
        found = self.masks.get(key) if _hashable(key) else None
        if found is not None:
            return found
        kind = ds.schema.field(column).type
        values = self.frame[column]
        if many:
            found = values.isin([_plain(kind, v, column) for v in value]).to_numpy(dtype=bool)
        else:
            equal = values == _plain(kind, value, column)
            found = equal.to_numpy(dtype=bool, na_value=False)
        if _hashable(key) and len(self.masks) < MASKS_PER_FILE:
            self.masks[key] = found
        return found


class FileCache:
    """Decoded frames of recently read small store files, least recently used out first.

    Store files are never rewritten in place (a commit writes new names), so a frame stays
    valid while its file's inode, size and modification time are unchanged; these are
    checked on every use (a store folder deleted and re-created is re-read). Queries slice
    the cached frame by time (a binary search) and mask it by the other filters; with
    pandas' copy-on-write the result shares the cached columns until someone writes to it.
    """

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._frames: OrderedDict[str, tuple[tuple[int, int, int], _FileFrame, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, ds: Dataset, path: Path) -> _FileFrame | None:
        """The decoded file; None when it is too large to keep (read it with filters)."""
        st = os.stat(path)
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        key = str(path)
        with self._lock:
            hit = self._frames.get(key)
            if hit is not None and hit[0] == stamp:
                self._frames.move_to_end(key)
                return hit[1]
        if st.st_size > CACHE_MAX_FILE_BYTES:
            return None
        table = _sorted(ds, pq.read_table(path))
        decoded = _FileFrame(to_frame(ds, table), table.column("time").cast(pa.int64()).to_numpy())
        self._put(key, stamp, decoded, table.nbytes)
        return decoded

    def _put(self, key: str, stamp: tuple[int, int, int], decoded: _FileFrame, size: int) -> None:
        with self._lock:
            old = self._frames.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._frames[key] = (stamp, decoded, size)
            self._bytes += size
            while self._bytes > self._max_bytes and len(self._frames) > 1:
                _, (_, _, evicted) = self._frames.popitem(last=False)
                self._bytes -= evicted


# pandas >= 3 copies on write: a slice of a cached frame can be handed out as it is
_COPY_ON_WRITE = (
    int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True
)


def read_cached(
    ds: Dataset,
    files: list[Path],
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    filters: dict[str, Any],
    cache: FileCache,
) -> pd.DataFrame | None:
    """:func:`read_arrow`'s query over cached decoded files; None if one is too large."""
    decoded = [cache.get(ds, f) for f in files]
    if any(d is None for d in decoded):
        return None
    parts = [_select(ds, d, lo, hi, filters) for d in decoded if d is not None]
    parts = [p for p in parts if len(p)] or parts[:1]
    if not parts:
        return empty_frame(ds)
    if len(parts) == 1:
        out = parts[0]
    else:
        order = ["time", *[k for k in ds.key if k != "time"]]
        out = pd.concat(parts, ignore_index=True).sort_values(order, kind="stable")
    out = out.reset_index(drop=True)
    return out if _COPY_ON_WRITE else out.copy()


def _select(
    ds: Dataset,
    decoded: _FileFrame,
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    filters: dict[str, Any],
) -> pd.DataFrame:
    """Rows of one decoded file in ``[lo, hi)`` matching ``filters`` (times are sorted)."""
    times = decoded.times
    a = 0 if lo is None else int(np.searchsorted(times, lo.value, side="left"))
    b = len(times) if hi is None else int(np.searchsorted(times, hi.value, side="left"))
    b = max(a, b)
    mask: np.ndarray | None = None
    for column, value in filters.items():
        hit = decoded.mask(ds, column, value)[a:b]
        mask = hit if mask is None else mask & hit
    if mask is None or mask.all():
        return decoded.frame.iloc[a:b]
    return decoded.frame.take(np.flatnonzero(mask) + a)


def _hashable(key: object) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _plain(kind: pa.DataType, value: Any, column: str) -> Any:
    """A filter value as the cached frame holds it (times as UTC timestamps)."""
    if value is None:
        return None
    if pa.types.is_timestamp(kind):
        return timestamp(value, column)
    if pa.types.is_floating(kind):
        return float(value)
    return str(value)


def read_arrow(
    ds: Dataset,
    files: list[Path],
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    filters: dict[str, Any],
) -> pd.DataFrame:
    """Rows of ``files`` in ``[lo, hi)`` matching ``filters``, with pyarrow (a few files)."""

    def scalar(column: str, value: Any) -> pa.Scalar:
        kind = ds.schema.field(column).type
        if pa.types.is_timestamp(kind):
            return pa.scalar(to_utc(value, column).value, kind)
        return pa.scalar(value, kind)

    conditions = []
    if lo is not None:
        conditions.append(pc.field("time") >= scalar("time", lo))
    if hi is not None:
        conditions.append(pc.field("time") < scalar("time", hi))
    for column, value in sorted(filters.items()):
        if isinstance(value, list | tuple | set):
            values = pa.array([scalar(column, v) for v in value], ds.schema.field(column).type)
            conditions.append(pc.field(column).isin(values))
        else:
            conditions.append(pc.field(column) == scalar(column, value))
    expression = None
    for condition in conditions:
        expression = condition if expression is None else expression & condition
    tables = [pq.read_table(f, filters=expression) for f in files]
    if not tables:
        return empty_frame(ds)
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return to_frame(ds, _sorted(ds, table))


def _sorted(ds: Dataset, table: pa.Table) -> pa.Table:
    """``table`` in (time, key) order; as it is when its times already strictly increase
    (one series: no sort, no copy)."""
    if table.num_rows > 1:
        times = table.column("time").cast(pa.int64()).to_numpy()
        if (times[1:] > times[:-1]).all():
            return table
    order = [(c, "ascending") for c in ("time", *[k for k in ds.key if k != "time"])]
    return table.sort_by(order)


def read_duckdb(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    files: list[Path],
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    filters: dict[str, Any],
) -> pd.DataFrame:
    """The same query as :func:`read_arrow`, with DuckDB (many files)."""
    where, params = [], {"files": [str(f) for f in files]}
    if lo is not None:
        where.append("time >= $lo")
        params["lo"] = lo.to_pydatetime()
    if hi is not None:
        where.append("time < $hi")
        params["hi"] = hi.to_pydatetime()
    for i, (column, value) in enumerate(sorted(filters.items())):
        if isinstance(value, list | tuple | set):
            where.append(f'"{column}" IN (SELECT unnest($v{i}))')
            params[f"v{i}"] = list(value)
        else:
            where.append(f'"{column}" = $v{i}')
            params[f"v{i}"] = value
    order = ", ".join(f'"{c}"' for c in ("time", *[k for k in ds.key if k != "time"]))
    query = (
        "SELECT * FROM read_parquet($files)"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {order}"
    )
    table = con.cursor().sql(query, params=params).to_arrow_table()
    return to_frame(ds, table)


def vanished(exc: BaseException) -> bool:
    """Whether a read failed because a month file was deleted under it (a writer collected a
    version this read had pinned): the read is then retried on the current version."""
    if isinstance(exc, FileNotFoundError):
        return True
    text = str(exc)
    return "No such file" in text or "No files found" in text or "does not exist" in text


def read_failed(ds: Dataset, exc: BaseException) -> StoreError:
    """The one-line error for a store file that cannot be read."""
    return StoreError(f"cannot read store files of {ds.name}: {exc}")


class TypedReaders:
    """The typed readers (``candles``, ``funding``...) over :meth:`read`.

    A ``symbol`` (or ``asset``) of None reads every series, as in :meth:`read`.
    """

    def read(
        self, name: str, *, start: TimeLike = None, end: TimeLike = None, **equals: Any
    ) -> pd.DataFrame:
        raise NotImplementedError  # pragma: no cover - Store implements it

    def candles(
        self,
        symbol: str | Sequence[str] | None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        interval: str | None = "1d",
        market: str | None = None,
        exchange: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """OHLCV bars of ``symbol`` (ccxt form, or a ticker for macro/equity/volatility)."""
        return self.read(
            "candles",
            start=start,
            end=end,
            symbol=symbol,
            interval=interval,
            market=market,
            exchange=exchange,
            **equals,
        )

    def open_interest(
        self,
        symbol: str | Sequence[str] | None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        interval: str | None = None,
        margin: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Open interest in USD (and base units when known)."""
        return self.read(
            "open_interest",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            interval=interval,
            margin=margin,
            **equals,
        )

    def funding(
        self,
        symbol: str | Sequence[str] | None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        weighting: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Funding rates as FRACTIONS per funding interval."""
        return self.read(
            "funding",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            weighting=weighting,
            **equals,
        )

    def liquidations(
        self,
        symbol: str | Sequence[str] | None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        interval: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Liquidations (events or per-window sums) with an explicit ``liquidated_side``."""
        return self.read(
            "liquidations",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            interval=interval,
            **equals,
        )

    def depth(
        self,
        symbol: str | Sequence[str] | None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        market: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Order-book depth (USD within ±band of mid, per side)."""
        return self.read(
            "depth", start=start, end=end, symbol=symbol, exchange=exchange, market=market, **equals
        )

    def long_short(
        self,
        symbol: str | Sequence[str] | None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        kind: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Long/short account or position ratios."""
        return self.read(
            "long_short",
            start=start,
            end=end,
            symbol=symbol,
            exchange=exchange,
            kind=kind,
            **equals,
        )

    def options(
        self,
        asset: str | Sequence[str],
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        exchange: str | None = None,
        metric: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Options metrics (long format: one row per metric)."""
        return self.read(
            "options", start=start, end=end, asset=asset, exchange=exchange, metric=metric, **equals
        )

    def etf_flows(
        self,
        asset: str | Sequence[str] | None = None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        fund: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """US spot ETF daily net flows in USD (``fund="TOTAL"`` for the all-fund total)."""
        return self.read("etf_flows", start=start, end=end, asset=asset, fund=fund, **equals)

    def treasury(
        self,
        asset: str | Sequence[str] | None = None,
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        ticker: str | None = None,
        kind: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Corporate treasury purchases and holdings."""
        return self.read(
            "treasury", start=start, end=end, asset=asset, ticker=ticker, kind=kind, **equals
        )

    def market_cap(
        self,
        asset: str | Sequence[str] = "TOTAL",
        start: TimeLike = None,
        end: TimeLike = None,
        *,
        interval: str | None = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Market capitalisation in USD (``TOTAL``, ``STABLECOINS``, per coin...)."""
        return self.read(
            "market_cap", start=start, end=end, asset=asset, interval=interval, **equals
        )

    def sentiment(
        self,
        index: str | Sequence[str] = "fear_greed",
        start: TimeLike = None,
        end: TimeLike = None,
        **equals: Any,
    ) -> pd.DataFrame:
        """Sentiment indices (Fear & Greed 0..100)."""
        return self.read("sentiment", start=start, end=end, index=index, **equals)


__all__ = [
    "ARROW_READ_MAX_FILES",
    "FileCache",
    "TimeLike",
    "TypedReaders",
    "pruned",
    "read_arrow",
    "read_cached",
    "read_duckdb",
    "timestamp",
]
