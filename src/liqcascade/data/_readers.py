"""Reading the store: pruning month files, the two query engines, and the typed readers.

Every read works on one pinned version of the store (the manifest it loaded first), so it
sees a whole import or none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from liqcascade._time import TimeLike as _Time
from liqcascade._time import optional_utc, to_utc
from liqcascade.data._frames import empty_frame, to_frame
from liqcascade.data._manifest import Manifest
from liqcascade.data._schema import Dataset
from liqcascade.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

# Reads touching at most this many month files use pyarrow (lower latency); more use DuckDB.
ARROW_READ_MAX_FILES = 32

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
    """Month files of ``ds`` in ``manifest``, pruned by partition values and by month."""
    lo, hi = timestamp(start, "start"), timestamp(end, "end")
    lo_month = _month_floor(lo) if lo is not None else None
    hi_month = _month_floor(hi - pd.Timedelta(1, "ns")) if hi is not None else None
    wanted = None if partitions is None else {str(v) for v in partitions}
    out = []
    for entry in manifest.of(ds.name):
        _, partition, month = entry.key
        if wanted is not None and partition not in wanted:
            continue
        if lo_month is not None and month < lo_month:
            continue
        if hi_month is not None and month > hi_month:
            continue
        out.append(root / entry.path)
    return out


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
    order = [(c, "ascending") for c in ("time", *[k for k in ds.key if k != "time"])]
    return to_frame(ds, table.sort_by(order))


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
    "TimeLike",
    "TypedReaders",
    "pruned",
    "read_arrow",
    "read_duckdb",
    "timestamp",
]
