"""liqcascade's own record files: CSV or Parquet whose columns are exactly a dataset's schema.

This is what ``liqcascade data show <dataset> --csv`` writes, so any series can round-trip,
and the simplest way to bring your own data: write the schema columns (``docs/data.md``) with
units already normalised. The dataset is recognised from the header (or named with
``--kind <dataset>``); a ``source`` column is optional (the file name is used otherwise).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from liqcascade.data._schema import DATASETS, Dataset
from liqcascade.data.importers._base import ImportResult, check_size, open_bytes
from liqcascade.data.importers._csv import Col, Kind, header_of, read_csv
from liqcascade.errors import ImportFormatError

FORMAT = "records"
DESCRIPTION = "CSV/Parquet with a dataset's schema columns (as `data show --csv` writes)"


def _dataset_for(columns: list[str]) -> Dataset | None:
    names = set(columns)
    for ds in DATASETS.values():
        if names in (set(ds.columns), set(ds.columns) - {"source"}):
            return ds
    return None


def _parquet_columns(path: Path) -> list[str]:
    try:
        return pq.read_schema(path).names
    except (OSError, pa.ArrowException):
        return []


def detect(path: Path, head: str) -> bool:
    """True when the header (or Parquet schema) is exactly a dataset's columns."""
    if Path(path).suffix == ".parquet":
        return _dataset_for(_parquet_columns(path)) is not None
    return _dataset_for(header_of(head)) is not None


def _columns(ds: Dataset, header: list[str]) -> tuple[Col, ...]:
    out = []
    for field in ds.schema:
        if field.name not in header:
            continue
        kind: Kind
        if pa.types.is_timestamp(field.type):
            kind = "time"
        elif pa.types.is_floating(field.type):
            kind = "float"
        else:
            kind = "str"
        required = field.name in ("time", ds.partition_by)
        out.append(Col(field.name, kind, required=required))
    return tuple(out)


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read a record file; ``kind`` names the dataset when the header alone is ambiguous."""
    path = Path(path)
    result = ImportResult()
    if path.suffix == ".parquet":
        header = _parquet_columns(path)
    else:
        from liqcascade.data.importers._base import read_head

        header = header_of(read_head(path))
    ds = DATASETS.get(kind) if kind else _dataset_for(header)
    if ds is None:
        raise ImportFormatError(
            "wrong header",
            path=path,
            line=1,
            value=header,
            expected="the columns of one dataset (see docs/data.md), or --kind <dataset> "
            f"with one of {sorted(DATASETS)}",
        )
    missing = [c for c in ("time", ds.partition_by) if c not in header]
    unknown = [c for c in header if c not in ds.columns]
    if missing or unknown:
        raise ImportFormatError(
            "wrong header",
            path=path,
            line=1,
            column=(missing or unknown)[0],
            value=header,
            expected=f"the {ds.name} columns {ds.columns}",
        )
    if path.suffix == ".parquet":
        result.add(ds.name, pq.read_table(path))
        return result
    table = _read_clean_csv(path, ds, header)
    if table is None:  # something is off: the checked reader names line, column and value
        table = read_csv(path, _columns(ds, header), result=result, skip_bad=skip_bad)
    result.add(ds.name, table)
    return result


def _read_clean_csv(path: Path, ds: Dataset, header: list[str]) -> pa.Table | None:
    """Parse a clean record CSV straight into the schema's arrow types (multi-threaded).

    Returns None when any value does not convert, a required value is missing, a float is
    written as ``nan`` or times carry no UTC offset: :func:`read_csv` then handles the file
    (naive times as UTC, exact errors, ``--skip-bad``). Plain files are read by pyarrow
    itself, without a copy in Python memory.
    """
    types = {f.name: f.type for f in ds.schema if f.name in header}
    source: Path | pa.BufferReader = path
    check_size(path)
    if path.suffix in (".gz", ".zip"):
        source = pa.BufferReader(open_bytes(path))
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(use_threads=True),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if any(table.column(c).null_count for c in ("time", ds.partition_by)):
        return None  # an empty line or a missing required value
    for name, kind in types.items():
        if pa.types.is_floating(kind) and pc.any(pc.is_nan(table.column(name))).as_py():
            return None  # literal "nan": the checked reader treats it as missing
    return table
