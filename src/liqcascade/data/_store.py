"""The embedded store: Parquet month files per dataset and partition, one manifest, DuckDB.

The store's promises (``docs/data.md``, "What the store promises"):

- **Whole imports or nothing.** A write (or a whole ``data import``) is one transaction that
  ends in one atomic rename of ``_manifest.json`` (:mod:`liqcascade.data._manifest`); a kill
  at any moment leaves the old or the new store, never a mix.
- **Snapshot reads.** Every read loads the manifest once and reads the files it lists, so a
  reader never sees part of an import, and never waits for one.
- **Confinement.** The store only ever deletes or renames files it created (its month files
  and its own ``_staging/lqc-*`` temp files); every path it derives from data or from its
  bookkeeping is checked to stay inside the store; a non-empty folder that is not a store is
  refused. One writer at a time (an OS file lock, where available); a read-only store reads.

The parts live in small modules: :mod:`~liqcascade.data._hashing` (row identity),
:mod:`~liqcascade.data._layout` (names and paths), :mod:`~liqcascade.data._threads`,
:mod:`~liqcascade.data._transaction` (merge and commit), :mod:`~liqcascade.data._manifest`
(versions) and :mod:`~liqcascade.data._readers` (queries and typed readers).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from liqcascade.data._frames import empty_frame
from liqcascade.data._layout import LOCK, MANIFEST
from liqcascade.data._manifest import (
    Manifest,
    check_is_store,
    legacy_manifest,
    load,
    publish,
    recover,
    recover_legacy,
    stage_dir,
)
from liqcascade.data._readers import (
    ARROW_READ_MAX_FILES,
    FileCache,
    TimeLike,
    TypedReaders,
    pruned,
    read_arrow,
    read_cached,
    read_duckdb,
    read_failed,
    timestamp,
    vanished,
)
from liqcascade.data._schema import DATASETS, dataset
from liqcascade.data._transaction import Transaction, WriteSummary, os_error_message
from liqcascade.errors import InputError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    import duckdb


def default_store_path() -> Path:
    """Where the store lives by default: ``$LIQCASCADE_HOME`` or the user data directory."""
    env = os.environ.get("LIQCASCADE_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("liqcascade", appauthor=False))


def _read_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError, pa.ArrowException)
    duckdb = sys.modules.get("duckdb")
    return (*errors, duckdb.Error) if duckdb is not None else errors


class Store(TypedReaders):
    """A directory of Parquet files, one dataset per folder, queried with DuckDB.

    Parameters
    ----------
    path
        The store directory; ``None`` uses :func:`default_store_path`. Created if missing.

    Raises
    ------
    StoreError
        If ``path`` cannot be created, or is a non-empty folder that is not a store.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> store = Store(tempfile.mkdtemp())
    >>> bars = pd.DataFrame({"time": pd.to_datetime(["2025-09-22"], utc=True),
    ...     "exchange": "binance", "symbol": "BTC/USDT", "market": "spot", "interval": "1d",
    ...     "close": [112_650.99]})
    >>> store.write("candles", bars, source="example")
    WriteSummary(added=1, replaced=0, unchanged=0)
    >>> float(store.candles("BTC/USDT")["close"].iloc[0])
    112650.99
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {self.path}: {exc}") from exc
        if not self.path.is_dir():
            raise StoreError(f"{self.path} is not a folder; pass --store with a folder")
        self._legacy = check_is_store(self.path) == "legacy"
        self._con: duckdb.DuckDBPyConnection | None = None
        self._cached: tuple[tuple[int, int, int], Manifest] | None = None
        self._legacy_cache: Manifest | None = None
        self._cache = FileCache()
        self.writable = self._can_lock()
        if self.writable:
            with self._locked(blocking=False) as held:
                if held:  # opening never waits for a running import
                    self._recover()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- versions ----------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """The store's current version (0 for an empty store; +1 per commit that changed it)."""
        return self._manifest().version

    def _manifest(self) -> Manifest:
        """The current manifest (re-read only when ``_manifest.json`` was replaced)."""
        try:
            st = os.stat(self.path / MANIFEST)
        except FileNotFoundError:
            if self._legacy:  # an old-format store this process could not upgrade
                if self._legacy_cache is None:
                    self._legacy_cache = legacy_manifest(self.path)
                return self._legacy_cache
            return Manifest()
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cached is None or self._cached[0] != stamp:
            manifest = load(self.path)
            self._cached = (stamp, manifest if manifest is not None else Manifest())
        return self._cached[1]

    def _recover(self) -> Manifest:
        """Under the writer lock: upgrade an old-format store, undo an interrupted commit."""
        if self._legacy and not (self.path / MANIFEST).exists():
            recover_legacy(self.path)
            stage_dir(self.path)
            publish(self.path, legacy_manifest(self.path))
            self._legacy = False
        manifest = self._manifest()
        recover(self.path, manifest)
        return manifest

    # -- writing -------------------------------------------------------------------------

    def write(
        self, name: str, frame: pd.DataFrame | pa.Table, *, source: str | None = None
    ) -> WriteSummary:
        """Merge ``frame`` into dataset ``name``, atomically.

        Parameters
        ----------
        name
            Dataset name (``candles``, ``liquidations``...; see ``docs/data.md``).
        frame
            Rows with the dataset's columns (missing optional columns become null): a
            DataFrame, or an arrow table (checked without a pandas round trip when its
            columns already have the schema's types).
        source
            Provenance for rows whose ``source`` is empty (file name, repository@commit).

        Returns
        -------
        WriteSummary
            Rows added, replaced (same key, newer values or source) and unchanged.

        Raises
        ------
        SchemaError
            If a column, dtype or value does not match the dataset's contract.
        StoreError
            If the store cannot be written (read-only, disk full); nothing is changed.
        """
        with self.transaction() as tx:
            return tx.write(name, frame, source=source)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Group writes so they land together; an exception inside discards them all."""
        with self._locked():
            try:
                base = self._recover()
            except OSError as exc:
                if isinstance(exc, StoreError):
                    raise
                raise StoreError(os_error_message(self.path, exc)) from exc
            tx = Transaction(self.path, base, self._connection)
            yield tx
            tx.commit()

    def _can_lock(self) -> bool:
        try:
            with open(self.path / LOCK, "a+b"):
                return True
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return False
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _locked(self, *, blocking: bool = True) -> Iterator[bool]:
        """Hold the store's writer lock; with ``blocking=False`` yield False if it is taken."""
        if not self.writable:
            raise StoreError(
                f"the store at {self.path} is read-only (no write permission); reading works, "
                "writing needs a store folder you can write to (--store)"
            )
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: single writer by convention
            yield True
            return
        with open(self.path / LOCK, "a+b") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False  # a writer is busy: it recovers before it writes
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- reading -------------------------------------------------------------------------

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
            self._con.execute("SET TimeZone = 'UTC'")
        return self._con

    def files(
        self,
        name: str,
        *,
        partitions: Sequence[Any] | None = None,
        start: TimeLike = None,
        end: TimeLike = None,
    ) -> list[Path]:
        """Parquet files of a dataset in the current version, pruned by partition and month."""
        ds = dataset(name)
        return pruned(self._manifest(), self.path, ds, partitions=partitions, start=start, end=end)

    def read(
        self, name: str, *, start: TimeLike = None, end: TimeLike = None, **equals: Any
    ) -> pd.DataFrame:
        """Rows of dataset ``name`` with ``start <= time < end`` and ``column == value``.

        Each keyword filters a column: a scalar means equals, a list/tuple/set means "is
        one of", ``None`` means no filter. Returns the schema's columns sorted by time,
        all from one version of the store.
        """
        ds = dataset(name)
        filters = {k: v for k, v in equals.items() if v is not None}
        unknown = sorted(set(filters) - set(ds.columns))
        if unknown:
            raise InputError(f"{ds.name} has no column(s) {unknown}; filter on one of {ds.columns}")
        part = filters.get(ds.partition_by)
        partitions = None
        if part is not None:
            partitions = list(part) if isinstance(part, list | tuple | set) else [part]
        lo, hi = timestamp(start, "start"), timestamp(end, "end")
        for attempt in range(3):
            manifest = self._manifest()
            files = pruned(manifest, self.path, ds, partitions=partitions, start=lo, end=hi)
            if not files:
                return empty_frame(ds)
            try:
                if len(files) <= ARROW_READ_MAX_FILES:
                    cached = read_cached(ds, files, lo, hi, filters, self._cache)
                    if cached is not None:
                        return cached
                    return read_arrow(ds, files, lo, hi, filters)
                return read_duckdb(self._connection(), ds, files, lo, hi, filters)
            except _read_errors() as exc:
                if attempt < 2 and vanished(exc) and self._manifest() is not manifest:
                    continue  # a writer collected the pinned version: read the current one
                raise read_failed(ds, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def sql(self, query: str, **params: Any) -> pd.DataFrame:
        """Run DuckDB SQL over one view per dataset (``candles``, ``funding``...).

        Named parameters are passed as ``$name``. All views read one version of the store.
        Returns a DataFrame.
        """
        import duckdb

        for attempt in range(3):
            manifest = self._manifest()
            con = self._views(manifest)
            try:
                result = con.execute(query, params or None)
                frame = result.df()
            except duckdb.IOException as exc:
                if attempt < 2 and vanished(exc) and self._manifest() is not manifest:
                    continue
                raise StoreError(f"cannot read the store at {self.path}: {exc}") from exc
            except duckdb.Error as exc:
                raise InputError(f"SQL failed: {exc}") from exc
            break
        for column in frame.columns:
            values = frame[column]
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                frame[column] = values.dt.tz_convert("UTC")
            elif pd.api.types.is_datetime64_dtype(values.dtype):  # stored times are UTC
                frame[column] = values.dt.tz_localize("UTC")
        return frame

    def _views(self, manifest: Manifest) -> duckdb.DuckDBPyConnection:
        """The connection with one view per dataset over ``manifest``'s files."""
        con = self._connection()
        for name, ds in DATASETS.items():
            files = pruned(manifest, self.path, ds)
            if files:
                listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
                con.execute(
                    f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{listing}])'
                )
            else:
                con.register(f"_empty_{name}", ds.schema.empty_table())
                con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM "_empty_{name}"')
        return con

    # -- overview ------------------------------------------------------------------------

    def datasets(self) -> list[str]:
        """Names of the datasets that hold at least one file."""
        manifest = self._manifest()
        return [name for name in DATASETS if manifest.of(name)]

    def coverage(self, name: str) -> pd.DataFrame:
        """Per series of ``name`` (key without time and event ids): rows, first and last time."""
        ds = dataset(name)
        cols = ", ".join(f'"{c}"' for c in ds.series)
        return self.sql(
            f"SELECT {cols}, count(*) AS rows, min(time) AS first, max(time) AS last "
            f'FROM "{ds.name}" GROUP BY ALL ORDER BY {cols}'
        )


__all__ = ["Store", "Transaction", "WriteSummary", "default_store_path"]
