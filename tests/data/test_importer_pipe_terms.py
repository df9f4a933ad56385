"""The PIPE-terms importer on the real (secondary, hand-transcribed) file, byte for byte a copy
of ``shared/data/market/dat_pipe_terms_secondary/dat_pipe_terms.csv`` (8 lines)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data.importers import detect_importer, importer_for
from liqcascade.data.importers._base import read_head
from liqcascade.data.importers.pipe_terms import period_bounds
from liqcascade.errors import ImportFormatError

FILE = Path(__file__).parent / "fixtures/market/dat_pipe_terms_secondary/dat_pipe_terms.csv"
T = pd.Timestamp


def _rows() -> tuple[pd.DataFrame, list[str]]:
    result = importer_for("pipe-terms").read(FILE)
    return result.frames["pipe_terms"], result.warnings


def test_auto_detects_the_file() -> None:
    assert detect_importer(FILE, read_head(FILE)).FORMAT == "pipe-terms"


def test_values_and_wording_are_kept() -> None:
    frame, _ = _rows()
    # line 2: "pipe_price,Kindly MD (NAKA),NAKA,2025-05 (PIPE announcement),1.12,USD per share,..."
    naka = frame[(frame["ticker"] == "NAKA") & (frame["metric"] == "pipe_price")].iloc[0]
    assert naka["value"] == 1.12
    assert naka["unit"] == "USD per share"
    assert naka["period"] == "2025-05 (PIPE announcement)"
    assert naka["secondary_source"].startswith("https://thecryptonewshub.com/pipe-dreams")
    assert naka["source"] == "secondary, hand-transcribed:dat_pipe_terms.csv"
    assert len(frame) == 7


def test_terms_are_dated_by_publication() -> None:
    frame, warnings = _rows()
    at = frame.set_index(["company", "metric"])["time"]
    # "CryptoQuant report 2025-09-25" -> published 2025-09-25, not in 2025-05 (the PIPE itself)
    assert at[("Kindly MD (NAKA)", "pipe_price")] == T("2025-09-25", tz="UTC")
    # BMNR: "company press release (InvestorBrandNetwork newsbreak, 2025-07-01)"
    assert at[("BitMine Immersion (BMNR)", "pipe_price")] == T("2025-07-01", tz="UTC")
    # "utoday article" has no date: end of the period "2025-05..08" = 2025-08-31, with a warning
    assert at[("Kindly MD (NAKA)", "pipe_amount_usd")] == T("2025-08-31", tz="UTC")
    assert any(w.startswith("line 8:") and "2025-08-31" in w for w in warnings)


def test_missing_ticker_is_kept_null_with_a_warning() -> None:
    frame, warnings = _rows()
    empery = frame[frame["company"] == "Empery Digital"]
    assert empery["ticker"].isna().all()
    assert any("Empery Digital" in w for w in warnings)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025", "2025-01-01", "2025-12-31"),
        ("2025-09 (SPAC merger)", "2025-09-01", "2025-09-30"),
        ("2025-06-30 (priced; closed ~2025-07-03)", "2025-06-30", "2025-06-30"),
        ("2025-05..08", "2025-05-01", "2025-08-31"),
    ],
)
def test_period_bounds(text: str, first: str, last: str) -> None:
    assert period_bounds(text) == (T(first, tz="UTC"), T(last, tz="UTC"))


@pytest.mark.parametrize("text", ["soon", "2025-13", "2025-08..05", "Q3 2025"])
def test_unreadable_periods(text: str) -> None:
    assert period_bounds(text) is None


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "dat_pipe_terms.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "column", "message"),
    [
        ("NAKA,2025-05 (PIPE announcement)", "NAKA,May 2025", "period", "unreadable period"),
        ("NAKA,2025-05 (PIPE", "NAKA,2025-10 (PIPE", "attributed_primary_source",
         "published before its period"),
        ("pipe_price,Strive", "pipe_prize,Strive", "metric", "malformed row"),
        ("1.35,USD", "-1.35,USD", "value", "malformed row"),
    ],
)  # fmt: skip
def test_bad_rows_name_line_and_column(
    tmp_path: Path, old: str, new: str, column: str, message: str
) -> None:
    path = _edited(tmp_path, old, new)
    with pytest.raises(ImportFormatError, match=message) as info:
        importer_for("pipe-terms").read(path)
    assert info.value.column == column
    assert info.value.line in (2, 3)
