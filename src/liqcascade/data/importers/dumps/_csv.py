"""Read a dump CSV into typed columns with line numbers, header or not, and report bad rows.

Every dump importer goes through :func:`read_layout`: it decompresses the file (``.gz``/``.zip``
via ``_base.open_bytes``), decides from the first line whether there is a header (Binance
changed formats: older files have none), parses with ``pyarrow.csv`` (vectorized, single
threaded so that pyarrow can tell us the physical line of a malformed row) and converts each
column to its declared type. A value that does not convert, a row with the wrong number of
fields or a missing required value becomes an :class:`ImportFormatError` naming file, line,
column, value and what was expected - or, under ``skip_bad``, a :class:`BadRow`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv

from liqcascade.data.importers._base import BadRow, ImportResult, open_bytes
from liqcascade.errors import ImportFormatError

LINE = "_line"  # column holding each row's physical line number in the file (1-based)
_AS_INT64 = {pa.int64(): pd.Int64Dtype()}

_NUMBER = re.compile(r"^\s*-?\d+(\.\d*)?([eE][-+]?\d+)?\s*$")
_DATETIME = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*$")

_EXPECTED_TEXT = {
    "int": "an integer",
    "float": "a number",
    "str": "text",
    "datetime": "a UTC date-time 'YYYY-MM-DD HH:MM:SS'",
}
_ARROW_TYPES = {
    "int": pa.int64(),
    "float": pa.float64(),
    "str": pa.string(),
    "datetime": pa.timestamp("ns"),
}


@dataclass(frozen=True)
class Layout:
    """One documented column layout of a dump format.

    ``columns`` maps each documented header name to its type (``int``, ``float``, ``str`` or
    ``datetime``); ``required`` lists the columns that may not be empty.
    """

    format_name: str
    columns: dict[str, str]
    required: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)  # other spellings seen in real files
    header: tuple[str, ...] = ()  # the file's own header when it adds columns (set on reading)

    @property
    def ignored(self) -> list[str]:
        """Columns of the file's header that are not documented (read past, not imported)."""
        return [name for name in self.header if name not in self.columns]

    @property
    def file_names(self) -> list[str]:
        return list(self.header) if self.header else self.names

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    @property
    def header_line(self) -> str:
        """The documented header as a file's first line spells it (``open_time,open,...``)."""
        return ",".join(self.names)

    def heads(self, head: str) -> bool:
        """Whether the first line of ``head`` (a file's start) is the documented header."""
        return head.split("\n", 1)[0].strip() == self.header_line

    def canonical(self, name: str) -> str:
        name = name.strip()
        return self.aliases.get(name, name)


@dataclass
class RawTable:
    """Typed columns of a dump file plus ``_line``, and the rows dropped under ``skip_bad``.

    ``table``/``lines`` hold the parsed arrow table and each row's line when the file needed no
    repair (the fast path); ``frame`` is then built from them on first use.
    """

    layout: Layout
    has_header: bool
    bad_rows: list[BadRow]
    table: pa.Table | None = None
    lines: np.ndarray | None = None
    _frame: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            assert self.table is not None and self.lines is not None
            self._frame = _to_frame(self.table, self.lines, self.layout)
        return self._frame

    def arrow(self) -> tuple[pa.Table, np.ndarray]:
        """The rows as an arrow table (without ``_line``) and their line numbers."""
        if self.table is not None and self.lines is not None:
            return self.table, self.lines
        frame = self.frame
        table = pa.Table.from_pandas(frame.drop(columns=[LINE]), preserve_index=False)
        return table, frame[LINE].to_numpy()


def _to_frame(table: pa.Table, lines: np.ndarray, layout: Layout) -> pd.DataFrame:
    frame = table.to_pandas()
    for name, kind in layout.columns.items():
        if kind == "int" and table.column(name).null_count:
            # keep integers exact where some are missing (floats would round ns epochs)
            frame[name] = table.column(name).to_pandas(types_mapper=_AS_INT64.get)
        if kind == "datetime":
            frame[name] = pd.to_datetime(frame[name]).dt.tz_localize("UTC")
    frame[LINE] = lines
    return frame


def _first_line(data: bytes) -> str:
    end = data.find(b"\n")
    head = data if end < 0 else data[:end]
    return head.decode("utf-8-sig", errors="replace").strip("\r\n ")


def _looks_like_data(value: str, kind: str) -> bool:
    if kind in ("int", "float"):
        return bool(_NUMBER.match(value))
    if kind == "datetime":
        return bool(_DATETIME.match(value))
    return True


def choose_layout(path: Path, first_line: str, layouts: Sequence[Layout]) -> tuple[Layout, bool]:
    """Pick the layout and whether the file has a header, from its first line.

    A header must name the documented columns in order (known aliases allowed); a header-less
    file is recognised by its field count and a first field that looks like data. Anything
    else is a wrong header, reported with the first column that differs.
    """
    fields = [f.strip().strip('"') for f in first_line.split(",")]
    for layout in layouts:
        if [layout.canonical(f) for f in fields] == layout.names:
            return layout, True
    for layout in layouts:  # every documented column named once, plus columns it ignores
        named = [layout.canonical(f) for f in fields]
        if all(named.count(name) == 1 for name in layout.names) and len(set(named)) == len(named):
            return replace(layout, header=tuple(named)), True
    for layout in layouts:
        first_kind = next(iter(layout.columns.values()))
        if len(fields) == len(layout.columns) and _looks_like_data(fields[0], first_kind):
            return layout, False
    best = min(layouts, key=lambda lay: abs(len(lay.columns) - len(fields)))
    for position, expected in enumerate(best.names):
        got = best.canonical(fields[position]) if position < len(fields) else None
        if got != expected:
            raise ImportFormatError(
                f"wrong header for {best.format_name}: column {position + 1} is not {expected!r}",
                path=path,
                line=1,
                column=expected,
                value=fields[position] if position < len(fields) else "<missing>",
                expected=f"the header '{best.header_line}' or no header at all; "
                "check that you picked the right format (or let `auto` detect it)",
            )
    raise ImportFormatError(
        f"wrong header for {best.format_name}: {len(fields)} columns",
        path=path,
        line=1,
        value=first_line[:200],
        expected=f"the {len(best.columns)} columns '{best.header_line}'",
    )


def _line_numbers(n_rows: int, first_data_line: int, skipped: list[int]) -> np.ndarray:
    """Physical line of each parsed row, given the lines pyarrow skipped as malformed."""
    total = n_rows + len(skipped)
    lines = np.arange(first_data_line, first_data_line + total, dtype=np.int64)
    if skipped:
        lines = lines[~np.isin(lines, np.asarray(skipped, dtype=np.int64))]
    return lines


def _parse(
    path: Path, data: bytes | str, layout: Layout, has_header: bool, *, typed: bool, skip_bad: bool
) -> tuple[pa.Table, np.ndarray, list[BadRow]]:
    """Parse with threads; only a file with malformed rows is parsed again on one thread,
    where pyarrow can tell the physical line of each malformed row."""
    parsed = _parse_once(path, data, layout, has_header, typed=typed, threads=True, skip_bad=True)
    if not parsed[2]:
        return parsed
    return _parse_once(
        path, data, layout, has_header, typed=typed, threads=False, skip_bad=skip_bad
    )


def _parse_once(
    path: Path,
    data: bytes | str,
    layout: Layout,
    has_header: bool,
    *,
    typed: bool,
    threads: bool,
    skip_bad: bool,
) -> tuple[pa.Table, np.ndarray, list[BadRow]]:
    bad: list[BadRow] = []
    skipped: list[int] = []

    errors: list[ImportFormatError] = []

    def on_invalid(row: pv.InvalidRow) -> str:
        # pyarrow swallows exceptions raised here: record the row and decide after parsing.
        line = row.number if row.number is not None else -1
        error = ImportFormatError(
            f"malformed row: {row.actual_columns} fields",
            path=path,
            line=line,
            value=row.text[:200],
            expected=f"{row.expected_columns} comma-separated fields "
            f"({','.join(layout.file_names)}); fix or delete the row, or pass --skip-bad",
        )
        errors.append(error)
        skipped.append(line)
        bad.append(BadRow(str(path), line, None, row.text[:200], str(error)))
        return "skip"

    types = {
        name: (_ARROW_TYPES[kind] if typed else pa.string())
        for name, kind in layout.columns.items()
    }
    types.update({name: pa.string() for name in layout.ignored})
    try:
        table = pv.read_csv(
            io.BytesIO(data) if isinstance(data, bytes) else data,
            read_options=pv.ReadOptions(
                column_names=layout.file_names,
                skip_rows=1 if has_header else 0,
                use_threads=threads,
                block_size=1 << 24,
            ),
            parse_options=pv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
            convert_options=pv.ConvertOptions(
                column_types=types,
                include_columns=layout.names,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "conversion error" in str(exc) and typed:
            raise _ConversionFailedError() from exc
        raise ImportFormatError(
            f"cannot parse as CSV: {exc}", path=path, expected=f"a {layout.format_name} CSV"
        ) from exc
    if errors and not skip_bad:
        raise errors[0]
    lines = _line_numbers(table.num_rows, 2 if has_header else 1, skipped)
    return table, lines, bad


def ignored_note(raw: RawTable, path: Path) -> list[str]:
    """The import-summary note naming the columns a file added to its documented layout."""
    extra = raw.layout.ignored
    if not extra:
        return []
    layout = raw.layout.format_name
    return [f"{path}: ignored column(s) not in the {layout} layout: {', '.join(extra)}"]


def import_result(
    raw: RawTable, path: Path, bad_rows: list[BadRow], notes: Sequence[str] = ()
) -> ImportResult:
    """The result of reading ``raw`` from ``path``: ``bad_rows`` (the file's bad rows and those the
    importer dropped), and as warnings ``notes`` then the ignored-column note."""
    return ImportResult(bad_rows=bad_rows, warnings=[*notes, *ignored_note(raw, path)])


class _ConversionFailedError(Exception):
    """A value did not convert on the fast typed path; redo the file column by column."""


def _convert_column(values: pd.Series, kind: str) -> pd.Series:
    if kind in ("int", "float"):
        return pd.to_numeric(values.str.strip(), errors="coerce")
    if kind == "datetime":
        return pd.to_datetime(values.str.strip(), errors="coerce", format="mixed")
    return values


def _slow_convert(
    path: Path, table: pa.Table, lines: np.ndarray, layout: Layout, *, skip_bad: bool
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Locate every value that does not convert (the rare path: only when the fast one failed)."""
    frame = table.to_pandas()
    bad_mask = np.zeros(len(frame), dtype=bool)
    bad: list[BadRow] = []
    for name, kind in layout.columns.items():
        raw = frame[name]
        if kind == "str":
            continue
        converted = _convert_column(raw.astype("string"), kind)
        failed = (converted.isna() & raw.notna()).to_numpy(copy=True)
        if kind == "int":  # a fraction, or beyond int64 (Python ints in an object column)
            number = pd.to_numeric(converted, errors="coerce").astype("float64").to_numpy()
            with np.errstate(invalid="ignore"):  # inf % 1 is nan: caught by the bound below
                fraction = np.nan_to_num(number % 1, nan=0.0) != 0
            failed |= converted.notna().to_numpy() & (fraction | (np.abs(number) >= 2.0**63))
        for position in np.flatnonzero(failed):
            error = ImportFormatError(
                f"bad value in {layout.format_name}",
                path=path,
                line=int(lines[position]),
                column=name,
                value=raw.iloc[position],
                expected=f"{_EXPECTED_TEXT[kind]}; fix the value or pass --skip-bad",
            )
            if not skip_bad:
                raise error
            bad.append(
                BadRow(str(path), int(lines[position]), name, raw.iloc[position], str(error))
            )
        bad_mask |= failed
        frame[name] = converted.astype("float64") if kind == "float" else converted
    keep = ~bad_mask
    frame = frame.loc[keep].reset_index(drop=True)
    for name, kind in layout.columns.items():
        if kind == "int":
            column = frame[name].astype("Int64")
            frame[name] = column.astype("int64") if column.notna().all() else column
    frame[LINE] = lines[keep]
    return frame, bad


def _check_required(
    path: Path, frame: pd.DataFrame, layout: Layout, *, skip_bad: bool
) -> tuple[pd.DataFrame, list[BadRow]]:
    bad: list[BadRow] = []
    missing_any = np.zeros(len(frame), dtype=bool)
    for name in layout.required:
        missing = frame[name].isna().to_numpy()
        for position in np.flatnonzero(missing):
            line = int(frame[LINE].iloc[position])
            error = ImportFormatError(
                f"missing value in {layout.format_name}",
                path=path,
                line=line,
                column=name,
                value="",
                expected=f"{_EXPECTED_TEXT[layout.columns[name]]} (an empty line or field "
                "is not allowed here); fix the row or pass --skip-bad",
            )
            if not skip_bad:
                raise error
            bad.append(BadRow(str(path), line, name, None, str(error)))
        missing_any |= missing
    if missing_any.any():
        frame = frame.loc[~missing_any].reset_index(drop=True)
    return frame, bad


def read_layout(path: Path, layouts: Sequence[Layout], *, skip_bad: bool = False) -> RawTable:
    """Parse ``path`` with the matching layout; typed columns plus ``_line``.

    Raises
    ------
    ImportFormatError
        Wrong header, malformed row, unconvertible or missing value, corrupt archive.
    """
    path = Path(path)
    if path.suffix in (".gz", ".zip"):
        raw = open_bytes(path)
        first = _first_line(raw)
        data: bytes | str = raw
    else:  # a plain file: let pyarrow read (and map) it itself
        with path.open("rb") as handle:
            first = _first_line(handle.read(1 << 16))
        data = str(path)
    if not first:
        raise ImportFormatError(
            "empty file", path=path, line=1, expected=f"a {layouts[0].format_name} CSV"
        )
    layout, has_header = choose_layout(path, first, layouts)
    try:
        table, lines, bad = _parse(path, data, layout, has_header, typed=True, skip_bad=skip_bad)
        if not any(table.column(name).null_count for name in layout.required):
            return RawTable(layout, has_header, bad, table=table, lines=lines)
        frame = _to_frame(table, lines, layout)
    except _ConversionFailedError:
        table, lines, bad = _parse(path, data, layout, has_header, typed=False, skip_bad=skip_bad)
        frame, more = _slow_convert(path, table, lines, layout, skip_bad=skip_bad)
        bad += more
        for name, kind in layout.columns.items():
            if kind == "datetime":
                frame[name] = pd.to_datetime(frame[name]).dt.tz_localize("UTC")
    frame, more = _check_required(path, frame, layout, skip_bad=skip_bad)
    bad += more
    bad.sort(key=lambda row: row.line)
    return RawTable(layout, has_header, bad, _frame=frame)


def check_conflicts(
    path: Path,
    frame: pd.DataFrame,
    key: Sequence[str],
    values: Sequence[str],
    *,
    skip_bad: bool,
    format_name: str,
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Drop exact duplicate rows; a key repeated with different values is an error.

    Under ``skip_bad`` the first row of a conflicting key is kept and the later ones are
    reported as bad rows.
    """
    subset = [*key, *values]
    frame = frame.loc[~frame.duplicated(subset=subset)]
    dup = frame.duplicated(subset=list(key), keep=False)
    if not dup.any():
        return frame.reset_index(drop=True), []
    clash = frame.loc[dup]
    later = clash.duplicated(subset=list(key), keep="first")
    first_row = clash.loc[~later].iloc[0]
    same_key = clash.loc[(clash[list(key)] == first_row[list(key)]).all(axis=1)]
    second = same_key.iloc[1]
    column = next(
        (c for c in values if not _same(first_row[c], second[c])), values[0] if values else None
    )
    key_text = ", ".join(f"{k}={first_row[k]}" for k in key)
    if not skip_bad:
        raise ImportFormatError(
            f"duplicate key with conflicting values in {format_name} ({key_text}; "
            f"first at line {int(first_row[LINE])})",
            path=path,
            line=int(second[LINE]),
            column=column,
            value=second[column] if column else None,
            expected=f"{first_row[column]!r} as on line {int(first_row[LINE])}, or one row per "
            "key; remove the wrong row or pass --skip-bad to keep the first",
        )
    dropped = clash.loc[later]
    bad = [
        BadRow(str(path), int(line), None, None, "duplicate key conflicting with an earlier row")
        for line in dropped[LINE]
    ]
    return frame.drop(index=dropped.index).reset_index(drop=True), bad


def bad_value_rows(
    path: Path,
    frame: pd.DataFrame,
    mask: np.ndarray,
    *,
    message: str,
    column: str,
    expected: str,
    skip_bad: bool,
) -> list[BadRow]:
    """Raise for the first row flagged in ``mask``, or under ``skip_bad`` list them all as bad."""
    bad: list[BadRow] = []
    for position in np.flatnonzero(mask):
        error = ImportFormatError(
            message,
            path=path,
            line=int(frame[LINE].iloc[position]),
            column=column,
            value=frame[column].iloc[position],
            expected=expected,
        )
        if not skip_bad:
            raise error
        bad.append(BadRow(str(path), error.line or 0, column, error.value, str(error)))
    return bad


def drop_bad_values(
    path: Path,
    frame: pd.DataFrame,
    problems: Sequence[tuple[str, pd.Series, str]],
    *,
    message: str,
    skip_bad: bool,
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Check each ``(column, mask, expected)``: raise for the first bad row, or drop them all.

    Under ``skip_bad`` every flagged row is listed (once per failed check) and left out.
    """
    bad: list[BadRow] = []
    drop = np.zeros(len(frame), dtype=bool)
    for column, mask, expected in problems:
        flagged = mask.to_numpy()
        bad += bad_value_rows(
            path,
            frame,
            flagged,
            message=message,
            column=column,
            expected=expected,
            skip_bad=skip_bad,
        )
        drop |= flagged
    return frame.loc[~drop].reset_index(drop=True), bad


def _same(a: object, b: object) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    return bool(a == b)


__all__ = [
    "LINE",
    "Layout",
    "RawTable",
    "bad_value_rows",
    "check_conflicts",
    "choose_layout",
    "ignored_note",
    "import_result",
    "read_layout",
]
