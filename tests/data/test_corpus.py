"""The bad-input corpus (``tests/data/corpus``, described in its README): every hostile file
gives a clear one-line error and leaves the store as it was, or imports cleanly; with
``--skip-bad`` the bad rows are skipped and counted (issue 16, cases 5, 6 and 8)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store, import_paths
from liqcascade.data.importers._base import ImportLimits
from liqcascade.errors import LiqcascadeError

CORPUS = Path(__file__).parent / "corpus"

# file -> regex of the error (file, line, column and value are in the message)
ERRORS = {
    "inf_close.csv": r"inf_close\.csv, line 3, column 'close'.*inf.*finite",
    "overflow_1e400_close.csv": r"line 3, column 'close'.*inf.*finite",
    "negative_price.csv": r"line 3, column '(open|low)'.*-5.*> 0",
    "negative_volume.csv": r"line 3, column 'volume'.*-3.*>= 0",
    "high_below_low.csv": r"line 3, column 'high'.*high >= low",
    "year_2099.csv": r"line 3, column 'time'.*2099.*now \+ 1 day",
    "year_1970.csv": r"line 3, column 'time'.*1970",
    "interval_banana.csv": r"line 3, column 'interval'.*banana.*known interval",
    "malformed_value.csv": r"line 3, column 'close'.*112650\.99x.*a number",
    "short_row.csv": r"line 3.*fields",
    "duplicate_key_conflict.csv": r"line 3, column 'close'.*duplicate key",
    "liquidation_negative_notional.csv": r"line 2, column 'notional_usd'.*-40170.*>= 0",
    "cr_in_header.csv": r"cr_in_header\.csv.*(line 1|cannot tell the format)",
    "bare_cr_in_row.csv": r"bare_cr_in_row\.csv, line \d",
    "not_utf8.csv": r"not_utf8\.csv.*(UTF-8|line 2)",
    "truncated.csv.gz": r"truncated\.csv\.gz.*cannot decompress",
    "corrupt.csv.zip": r"corrupt\.csv\.zip.*cannot decompress",
    "two_members.csv.zip": r"two_members\.csv\.zip.*exactly one data file",
    "empty.csv": r"empty\.csv.*cannot tell the format",
    "seconds_as_ms/price_ohlc_binance_BTCUSDT_perp_4h.csv": (
        r"line 2, column 'time'.*epoch seconds.*1731441600"
    ),
}
# file -> rows it adds when clean
CLEAN = {
    "header_only.csv": 0,
    "bom_header.csv": 1,
    "blank_lines_between_rows.csv": 2,
    "blank_lines_bomb.csv.zip": 2,
    "liquidation_aggregate_roundtrip.csv": 1,
    "dotdot_symbol.csv": 2,
}
# file -> (bad rows skipped, rows imported) under --skip-bad
SKIPPED = {
    "inf_close.csv": (1, 1),
    "overflow_1e400_close.csv": (1, 1),
    "negative_price.csv": (1, 1),
    "negative_volume.csv": (1, 1),
    "high_below_low.csv": (1, 1),
    "year_2099.csv": (1, 1),
    "year_1970.csv": (1, 1),
    "interval_banana.csv": (1, 1),
    "malformed_value.csv": (1, 1),
    "short_row.csv": (1, 1),
    "duplicate_key_conflict.csv": (1, 1),
    "bare_cr_in_row.csv": (1, 1),
    "seconds_as_ms/price_ohlc_binance_BTCUSDT_perp_4h.csv": (2, 0),
}


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def seeded(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store")
    bars = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-09-01"], utc=True),
            "exchange": "binance",
            "symbol": "BTC/USDT",
            "market": "spot",
            "interval": "1d",
            "close": [109_000.0],
        }
    )
    store.write("candles", bars, source="seed")
    return store


def test_every_corpus_file_has_an_expectation() -> None:
    files = {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert files == set(ERRORS) | set(CLEAN)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_a_bad_file_is_one_clear_line_and_changes_nothing(seeded: Store, name: str) -> None:
    before = tree(seeded.path)
    with pytest.raises(LiqcascadeError, match=ERRORS[name]) as caught:
        import_paths(seeded, "auto", [CORPUS / name])
    assert "\n" not in str(caught.value)
    assert tree(seeded.path) == before


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_skip_bad_skips_and_counts_the_bad_rows(seeded: Store, name: str) -> None:
    skipped, imported = SKIPPED[name]
    summary = import_paths(seeded, "auto", [CORPUS / name], skip_bad=True)
    assert len(summary.bad_rows) == skipped
    assert sum(s.added + s.replaced for s in summary.totals.values()) == imported


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_a_clean_corpus_file_imports(seeded: Store, name: str) -> None:
    summary = import_paths(seeded, "auto", [CORPUS / name])
    assert sum(s.added for s in summary.totals.values()) == CLEAN[name]
    assert not summary.bad_rows


def test_blank_lines_keep_their_line_numbers(seeded: Store, tmp_path: Path) -> None:
    text = (CORPUS / "blank_lines_between_rows.csv").read_text()
    path = tmp_path / "blank.csv"
    path.write_text("oops".join(text.rsplit("112650.99", 1)))  # the last row, on line 7
    with pytest.raises(LiqcascadeError, match=r"line 7, column 'close'"):
        import_paths(seeded, "auto", [path])


def test_a_file_past_the_line_limit_is_refused_and_the_limit_can_be_raised(
    seeded: Store,
) -> None:
    bomb = CORPUS / "blank_lines_bomb.csv.zip"
    low = ImportLimits(max_lines=1_000_000)
    with pytest.raises(LiqcascadeError, match=r"20,000,00\d lines exceed the limit.*--max-lines"):
        import_paths(seeded, "auto", [bomb], limits=low)
    high = ImportLimits(max_lines=30_000_000)
    assert import_paths(seeded, "auto", [bomb], limits=high).totals["candles"].added == 2


def test_a_file_past_the_size_limit_is_refused(seeded: Store) -> None:
    bomb = CORPUS / "blank_lines_bomb.csv.zip"
    with pytest.raises(LiqcascadeError, match=r"decompressed size exceeds.*--max-mb"):
        import_paths(seeded, "auto", [bomb], limits=ImportLimits(max_bytes=1_000_000))
    plain = CORPUS / "inf_close.csv"
    with pytest.raises(LiqcascadeError, match=r"exceeds the limit of 100 bytes"):
        import_paths(seeded, "auto", [plain], limits=ImportLimits(max_bytes=100))
