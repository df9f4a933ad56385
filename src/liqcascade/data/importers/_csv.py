"""Checked CSV reading shared by the importers: fast when the file is clean, exact when not.

The fast path parses with pyarrow (multi-threaded, typed). If anything is off (a short or long
row, a value that does not convert, a missing required value) the file is parsed again with
the ``csv`` module, line by line, to name the exact line, column and value, or, under
``skip_bad``, to drop just those rows and record them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from liqcascade.data._schema import TIME
from liqcascade.data.importers._base import BadRow, ImportResult, open_bytes
from liqcascade.errors import ImportFormatError

Kind = Literal["float", "str", "time", "ms"]
LINE = "_line"  # the 1-based line number of each row in its file


@dataclass(frozen=True)
class Col:
    """A CSV column to read: its header name, how to convert it, whether it may be empty."""

    name: str
    kind: Kind = "float"
    required: bool = True


_NULLS = {"", "nan", "NaN", "null", "None"}
# Epoch milliseconds of 1973-03-03 .. 5138-11-16: a number outside is in another unit.
MS_BAND = (1e11, 1e14)
_EXPECTED = {
    "float": "a number",
    "str": "text",
    "time": "a date/time such as 2025-09-22 or 2025-09-22 08:00:00",
    "ms": "Unix epoch milliseconds",
}


def header_of(text: str) -> list[str]:
    """The header fields of CSV text (first line); a header csv cannot read (a bare carriage
    return inside it) reads as no header at all, which every importer reports as such."""
    first = text.split("\n", 1)[0].strip("\r")
    try:
        return next(csv.reader([first]), [])
    except csv.Error:
        return []


def _check_header(path: Path, header: list[str], columns: Sequence[Col]) -> None:
    missing = [c.name for c in columns if c.name not in header]
    if missing:
        raise ImportFormatError(
            "wrong header",
            path=path,
            line=1,
            column=missing[0],
            value=header,
            expected=f"a header with the columns {[c.name for c in columns]}",
        )


def _to_time(values: pd.Series) -> pd.Series:
    text = values.str.strip().str.replace(r"\s*UTC$", "", regex=True)
    return pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")


def _convert(values: pd.Series, kind: Kind) -> pd.Series:
    """Convert a column of raw strings; unconvertible values become null."""
    if kind == "str":
        return values.where(values != "", None)
    if kind == "time":
        return _to_time(values)
    numbers = pd.to_numeric(values.where(~values.isin(_NULLS), None), errors="coerce")
    if kind == "ms":
        in_band = (numbers.abs() >= MS_BAND[0]) & (numbers.abs() < MS_BAND[1])
        return pd.to_datetime(numbers.where(in_band), unit="ms", utc=True)
    return numbers.astype("float64")


def ms_unit_problem(value: str) -> str | None:
    """Why an epoch-milliseconds field holds another unit (seconds, micro- or nanoseconds)."""
    try:
        number = abs(float(value))
    except ValueError:
        return None
    if 1e8 <= number < MS_BAND[0]:
        return "epoch seconds in a milliseconds column (rows would land in 1970)"
    if number >= MS_BAND[1]:
        return "epoch micro- or nanoseconds in a milliseconds column"
    return None


_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


def _zoned_times(data: bytes, header: list[str], columns: Sequence[Col]) -> set[str]:
    """Time columns whose first value carries a UTC offset: pyarrow parses those itself."""
    lines = data[:65536].split(b"\n", 2)
    if len(lines) < 2:
        return set()
    try:
        first = next(csv.reader([lines[1].decode("utf-8", errors="replace").strip("\r")]), [])
    except csv.Error:  # a bare carriage return: the checked reader names the line
        return set()
    out = set()
    for col in columns:
        if col.kind == "time" and col.name in header:
            i = header.index(col.name)
            if i < len(first) and _OFFSET.search(first[i].strip()):
                out.add(col.name)
    return out


def _has_blank_lines(data: bytes) -> bool:
    return b"\n\n" in data or b"\n\r\n" in data


def _lines_of_rows(data: bytes) -> np.ndarray:
    """1-based line of every non-blank line after the header (rows when blank lines are
    skipped and no quoted field spans lines)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.append(np.flatnonzero(buf == 10), len(buf))
    starts = np.concatenate([[0], ends[:-1] + 1])
    length = ends - starts
    first = buf[np.minimum(starts, max(len(buf) - 1, 0))] if len(buf) else starts
    blank = (length == 0) | ((length == 1) & (first == 13))
    return (np.flatnonzero(~blank) + 1)[1:]


# Files at least this large are parsed on several threads.
THREADED_BYTES = 4 * 2**20


def _arrow_times(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Parse ISO 8601 text without a UTC offset (``2025-09-22``, ``2025-09-22 08:00:00``) as
    UTC, in arrow; raises ``ArrowInvalid`` for anything else (an offset, ``UTC``, spaces,
    ``2025-9-2``, years beyond nanoseconds), which :func:`_to_time` then reads as before."""
    # Naive first (the usual case; the column's first value had no offset): a failed cast
    # costs more than a successful one. Arrow parses text with an offset only as zoned and
    # text without one only as naive, so the order does not change any result.
    try:
        return pc.cast(pc.cast(values, pa.timestamp("ns")), TIME)
    except pa.ArrowInvalid:  # every value with an offset (the first ones may be empty)
        return pc.cast(values, TIME)


def _fast(data: bytes, header: list[str], columns: Sequence[Col]) -> pa.Table | None:
    """The typed columns and ``_line`` of a clean file, in arrow; None if anything is off."""
    blank_lines = _has_blank_lines(data)
    if blank_lines and b'"' in data:
        return None  # a quoted field may span lines: the checked reader counts them
    zoned = _zoned_times(data, header, columns)
    types = {
        c.name: TIME
        if c.name in zoned
        else {"float": pa.float64(), "ms": pa.int64()}.get(c.kind, pa.string())
        for c in columns
    }
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            # threads pay off on large files only: a small one is parsed before they start
            read_options=pacsv.ReadOptions(use_threads=len(data) >= THREADED_BYTES),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=blank_lines),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=[c.name for c in columns],
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    arrays = []
    for col in columns:
        arr = table.column(col.name)
        if col.required and arr.null_count:
            return None
        if col.name in zoned:
            pass
        elif col.kind == "time":
            try:
                arr = _arrow_times(arr)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raw = arr.to_pandas().fillna("")
                series = _to_time(raw)
                if (series.isna() & (raw != "")).any():
                    return None
                arr = pa.chunked_array([pa.array(series)])
        elif col.kind == "ms":
            low, high = pc.min_max(pc.abs(arr)).values()
            if low.is_valid and (low.as_py() < MS_BAND[0] or high.as_py() >= MS_BAND[1]):
                return None  # another unit: the checked reader names the line
            arr = pc.cast(pc.cast(arr, pa.timestamp("ms", tz="UTC")), TIME)
        elif col.kind == "float" and pc.any(pc.is_nan(arr)).as_py():
            return None  # literal "nan" text: let the slow path judge it
        arrays.append(arr)
    rows = table.num_rows
    if blank_lines:
        lines = _lines_of_rows(data)
        if len(lines) != rows:
            return None
    else:
        lines = np.arange(2, rows + 2)
    arrays.append(pa.chunked_array([pa.array(lines, pa.int64())]))
    return pa.Table.from_arrays(arrays, names=[*(c.name for c in columns), LINE])


def _slow(
    path: Path,
    text: str,
    header: list[str],
    columns: Sequence[Col],
    *,
    result: ImportResult,
    skip_bad: bool,
) -> pd.DataFrame:
    width = len(header)
    index = {name: header.index(name) for name in (c.name for c in columns)}
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: dict[int, BadRow] = {}
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = reader.line_num
            bad[line] = BadRow(str(path), line, None, None, f"unreadable CSV: {exc}")
            continue
        line = reader.line_num
        if not fields or fields == [""]:
            continue
        if len(fields) != width:
            bad[line] = BadRow(
                str(path), line, None, ",".join(fields), f"{len(fields)} fields, expected {width}"
            )
            continue
        rows.append([fields[index[c.name]] for c in columns])
        lines.append(line)
    raw = pd.DataFrame(rows, columns=[c.name for c in columns], dtype="object")
    raw = raw.astype("str") if len(raw) else raw
    frame = pd.DataFrame({LINE: np.asarray(lines, dtype="int64")})
    ok = np.ones(len(raw), dtype=bool)
    for col in columns:
        values = raw[col.name].fillna("") if len(raw) else pd.Series([], dtype="str")
        converted = _convert(values, col.kind)
        empty = values.isin(_NULLS).to_numpy() if col.kind != "str" else (values == "").to_numpy()
        failed = converted.isna().to_numpy() & ~empty
        if col.required:
            failed |= empty
        for i in np.flatnonzero(failed & ok):
            line = lines[i]
            value = values.iloc[i]
            reason = "missing value" if value in _NULLS else "cannot convert"
            if col.kind == "ms" and value not in _NULLS:
                reason = ms_unit_problem(value) or reason
            bad.setdefault(line, BadRow(str(path), line, col.name, value, reason))
        ok &= ~failed
        frame[col.name] = converted.reset_index(drop=True)
    if bad and not skip_bad:
        first = bad[min(bad)]
        kind = next((c.kind for c in columns if c.name == first.column), None)
        raise ImportFormatError(
            f"malformed row: {first.reason}",
            path=path,
            line=first.line,
            column=first.column,
            value=first.value,
            expected=(
                _EXPECTED[kind]
                if kind
                else f"{width} comma-separated fields as in the header "
                "(fix the row or pass --skip-bad)"
            ),
        )
    result.bad_rows.extend(bad[k] for k in sorted(bad))
    return frame[ok].reset_index(drop=True)


def _opened(path: Path, columns: Sequence[Col], data: bytes | None) -> tuple[bytes, list[str]]:
    """The file's bytes (without a byte-order mark) and its checked header."""
    data = open_bytes(path) if data is None else data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    header = header_of(data[:65536].decode("utf-8", errors="replace"))
    _check_header(path, header, columns)
    return data, header


def read_csv(
    path: Path,
    columns: Sequence[Col],
    *,
    result: ImportResult,
    skip_bad: bool = False,
    data: bytes | None = None,
) -> pd.DataFrame:
    """Read the ``columns`` of a CSV file, converted, with a ``_line`` column.

    Raises :class:`ImportFormatError` for a wrong header (always) and for the first bad row
    (unless ``skip_bad``, which records the bad rows in ``result.bad_rows`` and drops them).
    """
    data, header = _opened(path, columns, data)
    table = _fast(data, header, columns)
    if table is not None:
        # one conversion of the whole table (not one pandas Series per column)
        return table.to_pandas(use_threads=len(data) >= THREADED_BYTES)
    return _checked(path, data, header, columns, result=result, skip_bad=skip_bad)


def read_table(
    path: Path,
    columns: Sequence[Col],
    *,
    result: ImportResult,
    skip_bad: bool = False,
) -> pa.Table:
    """:func:`read_csv`'s rows as an arrow table: no pandas for a clean file.

    The same columns (text as ``string``), in the same order, ``_line`` last; the same
    errors. A file with bad rows goes through the checked reader, then to arrow.
    """
    data, header = _opened(path, columns, None)
    table = _fast(data, header, columns)
    if table is not None:
        return table
    frame = _checked(path, data, header, columns, result=result, skip_bad=skip_bad)
    names = [*(c.name for c in columns), LINE]
    table = pa.Table.from_pandas(frame[names], preserve_index=False)
    text = [i for i, f in enumerate(table.schema) if pa.types.is_large_string(f.type)]
    for i in text:
        table = table.set_column(i, table.field(i).name, table.column(i).cast(pa.string()))
    return table.replace_schema_metadata(None)


def _checked(
    path: Path,
    data: bytes,
    header: list[str],
    columns: Sequence[Col],
    *,
    result: ImportResult,
    skip_bad: bool,
) -> pd.DataFrame:
    """The exact reader's frame (decoding the bytes as UTF-8, or naming the bad byte)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            f"not UTF-8 text at byte {exc.start}",
            path=path,
            line=line,
            expected="a UTF-8 CSV file",
        ) from exc
    return _slow(path, text, header, columns, result=result, skip_bad=skip_bad)


__all__ = ["LINE", "Col", "header_of", "read_csv", "read_table"]
