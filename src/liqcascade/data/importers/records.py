"""liqcascade's own record files: CSV or Parquet whose columns are exactly a dataset's schema.

This is what ``liqcascade data show <dataset> --csv`` writes, so any series can round-trip,
and the simplest way to bring your own data: write the schema columns (``docs/data.md``) with
units already normalised. The dataset is recognised from the header (or named with
``--kind <dataset>``); a ``source`` column is optional (the file name is used otherwise).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liqcascade.data._schema import DATASETS, Dataset
from liqcascade.data.importers._base import ImportResult
from liqcascade.data.importers._csv import Col, header_of, read_csv
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
        if pa.types.is_timestamp(field.type):
            kind = "time"
        elif pa.types.is_floating(field.type):
            kind = "float"
        else:
            kind = "str"
        required = field.name in ("time", ds.partition_by)
        out.append(Col(field.name, kind, required=required))  # type: ignore[arg-type]
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
        frame = pq.read_table(path).to_pandas()
    else:
        frame = read_csv(path, _columns(ds, header), result=result, skip_bad=skip_bad)
    result.add(ds.name, pd.DataFrame(frame))
    return result
