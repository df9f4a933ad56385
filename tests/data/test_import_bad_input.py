"""Bad input: one test per case. Errors name file, line and column; nothing is written."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from liqcascade.data import Store, import_paths
from liqcascade.errors import ImportFormatError

HEADER = "open_time_utc,open_time_ms,open,high,low,close,volume_base,close_time_ms"
ROW1 = "2025-09-21 00:00:00,1758412800000,115632.38,115848.77,115188.00,115232.29,7.1,1758499199999"
ROW2 = "2025-09-22 00:00:00,1758499200000,115232.29,115305.13,111800.00,112650.99,9.2,1758585599999"
ROW3 = "2025-09-23 00:00:00,1758585600000,112650.99,113290.50,111458.73,111998.80,8.3,1758671999999"


def write(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def stored_files(store: Store) -> list[Path]:
    return sorted(store.path.rglob("*.parquet"))


def test_clean_file_imports(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2, ROW3)
    summary = import_paths(store, "auto", [path])
    assert summary.totals["candles"].added == 3
    assert list(store.candles("BTC/USDT")["close"]) == [115232.29, 112650.99, 111998.80]


def test_malformed_value_names_file_line_and_column(tmp_path: Path, store: Store) -> None:
    bad = ROW2.replace("112650.99", "112,650.99x").replace(",112,650", ",112650")
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, bad, ROW3)
    with pytest.raises(ImportFormatError) as info:
        import_paths(store, "auto", [path])
    err = info.value
    assert (err.path, err.line, err.column, err.value) == (str(path), 3, "close", "112650.99x")
    assert "line 3" in str(err) and "'close'" in str(err) and "a number" in str(err)
    assert stored_files(store) == []


def test_short_row_is_malformed(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2[:40], ROW3)
    with pytest.raises(ImportFormatError, match="line 3") as info:
        import_paths(store, "auto", [path])
    assert "8 comma-separated fields" in str(info.value)
    assert stored_files(store) == []


def test_wrong_header(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER.replace("close,", "last,"), ROW1)
    with pytest.raises(ImportFormatError) as info:
        import_paths(store, "ohlcvfeed", [path])
    assert (info.value.line, info.value.column) == (1, "close")
    assert "wrong header" in str(info.value)
    assert stored_files(store) == []


def test_unknown_unit(tmp_path: Path, store: Store) -> None:
    path = write(
        tmp_path / "bitcoin_etf_flows_long_daily.csv",
        "date,fund,flow_eur_millions",
        "2024-01-11,IBIT,111.7",
    )
    with pytest.raises(ImportFormatError, match="unknown unit") as info:
        import_paths(store, "auto", [path])
    assert info.value.column == "flow_eur_millions"
    assert "usd_millions" in str(info.value)  # says what would be understood
    assert stored_files(store) == []


def test_conflicting_duplicate_keys_in_one_file(tmp_path: Path, store: Store) -> None:
    clash = ROW2.replace("112650.99,9.2", "112000.00,9.2")  # same bar, another close
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2, ROW3, clash)
    with pytest.raises(ImportFormatError, match="duplicate key") as info:
        import_paths(store, "auto", [path])
    assert (info.value.line, info.value.column) == (5, "close")
    assert "line 3" in str(info.value)  # points at the first occurrence too
    assert stored_files(store) == []


def test_identical_duplicate_rows_are_harmless(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2, ROW2)
    assert import_paths(store, "auto", [path]).totals["candles"].added == 2


def test_truncated_gzip(tmp_path: Path, store: Store) -> None:
    blob = gzip.compress(("\n".join([HEADER, ROW1, ROW2, ROW3]) + "\n").encode())
    path = tmp_path / "BTCUSDT_D1.csv.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ImportFormatError, match="cannot decompress") as info:
        import_paths(store, "auto", [path])
    assert info.value.path == str(path)
    assert stored_files(store) == []


def test_wrong_format_named(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1)
    with pytest.raises(ImportFormatError, match="not a Farside"):
        import_paths(store, "farside", [path])
    assert stored_files(store) == []


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("coinglass", "not a Coinglass panel file name"),
        ("coinglass-options", "not a Coinglass options file name"),
    ],
)
def test_name_the_importer_cannot_route_is_named(
    tmp_path: Path, store: Store, fmt: str, message: str
) -> None:
    # the error shows the file NAME as the value (it is the name that tells nothing)
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1)
    with pytest.raises(ImportFormatError, match=message) as info:
        import_paths(store, fmt, [path])
    assert info.value.value == "BTCUSDT_D1.csv"
    assert stored_files(store) == []


def test_unrecognised_file_lists_the_formats(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "prices.csv", "day,price", "2025-09-22,1")
    with pytest.raises(ImportFormatError, match="cannot tell the format") as info:
        import_paths(store, "auto", [path])
    assert "ohlcvfeed" in str(info.value) and "coinglass" in str(info.value)


def test_unknown_format_name(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1)
    with pytest.raises(ImportFormatError, match="unknown format"):
        import_paths(store, "ohlcv", [path])


def test_one_bad_file_writes_nothing_from_any_file(tmp_path: Path, store: Store) -> None:
    good = write(tmp_path / "a" / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2)
    bad = write(tmp_path / "b" / "ETHUSDT_D1.csv", HEADER, ROW1.replace("115848.77", "?"))
    with pytest.raises(ImportFormatError, match=r"ETHUSDT_D1\.csv, line 2"):
        import_paths(store, "auto", [good, bad])
    assert stored_files(store) == []


def test_skip_bad_skips_and_reports(tmp_path: Path, store: Store) -> None:
    bad_value = ROW2.replace("115305.13", "n/a")
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, bad_value, ROW3[:30], ROW3)
    summary = import_paths(store, "auto", [path], skip_bad=True)
    assert summary.totals["candles"].added == 2
    assert [(r.line, r.column) for r in summary.bad_rows] == [(3, "high"), (4, None)]
    assert list(store.candles("BTC/USDT")["close"]) == [115232.29, 111998.80]


def test_skip_bad_drops_conflicting_duplicates(tmp_path: Path, store: Store) -> None:
    clash = ROW2.replace("112650.99,9.2", "112000.00,9.2")
    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2, clash)
    summary = import_paths(store, "auto", [path], skip_bad=True)
    assert [r.line for r in summary.bad_rows] == [4]
    assert list(store.candles("BTC/USDT")["close"]) == [115232.29, 112650.99]


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path, store: Store) -> None:
    import hashlib

    path = write(tmp_path / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2, ROW3)
    import_paths(store, "auto", [path])
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in stored_files(store)}
    again = import_paths(store, "auto", [path]).totals["candles"]
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 3)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in stored_files(store)} == before


def test_newer_file_wins_and_rows_keep_their_source(tmp_path: Path, store: Store) -> None:
    import_paths(store, "auto", [write(tmp_path / "v1" / "BTCUSDT_D1.csv", HEADER, ROW1, ROW2)])
    revised = ROW2.replace("112650.99,9.2", "112651.00,9.2")
    newer = write(tmp_path / "v2" / "BTCUSDT_D1.csv.gz", "x")  # replaced below by gzip bytes
    newer.write_bytes(gzip.compress(f"{HEADER}\n{revised}\n".encode()))
    summary = import_paths(store, "auto", [newer]).totals["candles"]
    assert (summary.added, summary.replaced) == (0, 1)
    out = store.candles("BTC/USDT")
    assert list(out["close"]) == [115232.29, 112651.00]
    assert list(out["source"]) == ["BTCUSDT_D1.csv", "BTCUSDT_D1.csv.gz"]
