"""PIPE (private placement) terms of crypto-treasury companies, hand-transcribed (SECONDARY).

``dat_pipe_terms.csv`` (``metric, company, ticker, period, value, unit,
attributed_primary_source, secondary_source``) -> dataset ``pipe_terms``, one row per line,
values and wording unchanged. Not audited data: whoever shows it says "reported" and names
``secondary_source`` (the page the figure was copied from).

Dating (the as-of rule): ``time`` is the day the terms were PUBLISHED, the last
``YYYY-MM-DD`` in ``attributed_primary_source`` (e.g. "CryptoQuant report 2025-09-25"); the
terms are known from that day's close. A row whose source carries no date is dated at the
end of its ``period`` (the earliest it can have been published) and a warning says so. A
publication date before the period starts is an error (one of the two is mistyped).

``period`` forms read: ``2025``, ``2025-05``, ``2025-06-30``, ``2025-05..08`` (months of
one year), each optionally followed by a note in brackets.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from liqcascade.data.importers._base import ImportResult, read_head
from liqcascade.data.importers._csv import LINE, Col, header_of, read_csv
from liqcascade.data.importers._provenance import source_for
from liqcascade.errors import ImportFormatError

FORMAT = "pipe-terms"
DESCRIPTION = "PIPE issue prices/amounts of treasury companies (secondary, hand-transcribed)"

METRICS = ("pipe_price", "pipe_amount_usd")
_HEADER = (
    "metric", "company", "ticker", "period", "value", "unit",
    "attributed_primary_source", "secondary_source",
)  # fmt: skip
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_PERIOD = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})|\.\.(?P<to>\d{2}))?)?(?:\s*\(.*\))?$"
)
_PERIOD_FORMS = "2025, 2025-05, 2025-06-30 or 2025-05..08, optionally with a note in brackets"


def detect(path: Path, head: str) -> bool:
    """True for a file whose header is exactly the PIPE-terms columns."""
    return tuple(header_of(head)) == _HEADER


def period_bounds(text: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day (00:00 UTC) of a period such as ``2025-05..08``; None if unreadable.

    Examples
    --------
    >>> [f"{d:%Y-%m-%d}" for d in period_bounds("2025-05..08 (PIPE)")]
    ['2025-05-01', '2025-08-31']
    """
    found = _PERIOD.match(text.strip())
    if found is None:
        return None
    year, month, day, to = (found[k] for k in ("year", "month", "day", "to"))
    try:
        if month is None:
            first = pd.Timestamp(year=int(year), month=1, day=1, tz="UTC")
            return first, first + pd.offsets.YearEnd(0)
        first = pd.Timestamp(year=int(year), month=int(month), day=int(day or 1), tz="UTC")
        if day is not None:
            return first, first
        last_month = pd.Timestamp(year=int(year), month=int(to or month), day=1, tz="UTC")
    except ValueError:
        return None
    if last_month < first:
        return None
    return first, last_month + pd.offsets.MonthEnd(0)


def _published(cited: str | None) -> pd.Timestamp | None:
    dates = _DATE.findall(cited or "")
    return pd.Timestamp(dates[-1], tz="UTC") if dates else None


def _row_error(
    path: Path, row: pd.Series, column: str, problem: str, expected: str
) -> ImportFormatError:
    """An import error about ``row[column]``, naming the file line and the value."""
    return ImportFormatError(
        problem, path=path, line=int(row[LINE]), column=column, value=row[column], expected=expected
    )


def _dated(path: Path, row: pd.Series, result: ImportResult) -> pd.Timestamp:
    """The day the row was published (see the module docstring)."""
    bounds = period_bounds(str(row["period"]))
    if bounds is None:
        raise _row_error(path, row, "period", "unreadable period", _PERIOD_FORMS)
    published = _published(row["attributed_primary_source"])
    if published is None:
        result.warnings.append(
            f"line {row[LINE]}: {row['company']} {row['metric']}: no publication date in "
            f"{row['attributed_primary_source']!r}; dated at the end of its period "
            f"({bounds[1]:%Y-%m-%d})"
        )
        return bounds[1]
    if published < bounds[0]:
        raise _row_error(
            path,
            row,
            "attributed_primary_source",
            "published before its period starts",
            f"a publication date on or after {bounds[0]:%Y-%m-%d} (period {row['period']!r}); "
            "correct the date or the period",
        )
    return published


def _check(path: Path, raw: pd.DataFrame) -> None:
    bad_metric = ~raw["metric"].isin(METRICS)
    bad_value = ~(raw["value"] > 0)
    for mask, column, expected in (
        (bad_metric, "metric", f"one of {', '.join(METRICS)}"),
        (bad_value, "value", "a positive number (USD per share or USD)"),
    ):
        if mask.any():
            row = raw[mask].iloc[0]
            raise _row_error(path, row, column, "malformed row", expected)


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read ``dat_pipe_terms.csv`` into ``pipe_terms`` rows dated by publication."""
    if not detect(path, read_head(path)):
        raise ImportFormatError(
            "wrong header", path=path, line=1, expected=f"the columns {','.join(_HEADER)}"
        )
    cols = (
        Col("metric", "str"),
        Col("company", "str"),
        Col("ticker", "str", required=False),
        Col("period", "str"),
        Col("value"),
        Col("unit", "str"),
        Col("attributed_primary_source", "str", required=False),
        Col("secondary_source", "str"),
    )
    result = ImportResult()
    raw = read_csv(path, cols, result=result, skip_bad=skip_bad)
    _check(path, raw)
    times = [_dated(path, row, result) for _, row in raw.iterrows()]
    missing = raw.loc[raw["ticker"].isna(), "company"].unique()
    if len(missing):
        result.warnings.append(f"no ticker given for {', '.join(missing)}; kept without one")
    frame = raw[[c.name for c in cols]].assign(
        time=pd.to_datetime(pd.Series(times, index=raw.index), utc=True),
        source=source_for(path),
    )
    frame[LINE] = raw[LINE]
    result.add("pipe_terms", frame)
    return result
