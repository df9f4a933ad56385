"""Year and month files: where rows land, and stores written before year files (format 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import liqcascade.data._layout as layout
from liqcascade.data import Store
from liqcascade.data._layout import period_key, period_months
from liqcascade.data._manifest import MANIFEST
from liqcascade.errors import StoreError

Bars = Callable[..., pd.DataFrame]


def files(store: Store) -> list[str]:
    return sorted(p.relative_to(store.path).as_posix() for p in store.path.rglob("*.parquet"))


def days(start: str, n: int) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in pd.date_range(start, periods=n, freq="D")]


def test_period_months_of_a_year_and_of_a_month() -> None:
    assert period_months("2024") == ("2024-01", "2024-12")
    assert period_months("2024-02") == ("2024-02", "2024-02")


def test_period_key_prefers_an_existing_month_file_then_the_year_file() -> None:
    month = ("candles", "BTC/USDT", "2025-03")
    year = ("candles", "BTC/USDT", "2025")
    assert period_key(month, {month, year}.__contains__, year_rows=1) == month
    assert period_key(month, {year}.__contains__, year_rows=10**9) == year
    assert period_key(month, set().__contains__, year_rows=1) == year
    too_many = layout.YEAR_FILE_MAX_ROWS + 1
    assert period_key(month, set().__contains__, year_rows=too_many) == month


def test_a_dense_write_starts_month_files(
    store: Store, bars: Bars, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(layout, "YEAR_FILE_MAX_ROWS", 2)
    store.write("candles", bars(days("2025-09-29", 3), [1.0, 2.0, 3.0]), source="t")
    # 3 rows of 2025 > 2: one file per month (Sep 29, 30 | Oct 1)
    assert files(store) == [
        "candles/BTC%2FUSDT/2025-09.v1.parquet",
        "candles/BTC%2FUSDT/2025-10.v1.parquet",
    ]
    # a later small write of a month without a file: the year file; rows never doubled
    store.write("candles", bars(["2025-11-05", "2025-09-30"], [4.0, 20.0]), source="u")
    assert "candles/BTC%2FUSDT/2025.v2.parquet" in files(store)
    out = store.candles("BTC/USDT")
    assert out["close"].tolist() == [1.0, 20.0, 3.0, 4.0]  # Sep 30 replaced in its month file


def _format_2_store(path: Path, bars: Bars, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A store as liqcascade wrote it before year files: month files, a format-2 manifest."""
    with monkeypatch.context() as patch:
        patch.setattr(layout, "YEAR_FILE_MAX_ROWS", 0)
        old = Store(path)
        old.write("candles", bars(days("2025-08-30", 5), [1.0, 2.0, 3.0, 4.0, 5.0]), source="old")
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["format"] == 3 and all(len(f[2]) == 7 for f in manifest["files"])
    manifest["format"] = 2
    (path / MANIFEST).write_text(json.dumps(manifest))
    return Store(path)


def test_a_format_2_store_reads_and_takes_writes(
    tmp_path: Path, bars: Bars, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _format_2_store(tmp_path / "old", bars, monkeypatch)
    assert store.candles("BTC/USDT")["close"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert store.candles("BTC/USDT", "2025-09-01", "2025-09-02")["close"].tolist() == [3.0]
    # Aug 31 goes to its month file, Dec 1 to a new year file; nothing is doubled
    store.write("candles", bars(["2025-08-31", "2025-12-01"], [20.0, 6.0]), source="new")
    live = sorted(f.relative_to(store.path).as_posix() for f in store.files("candles"))
    assert live == [
        "candles/BTC%2FUSDT/2025-08.v2.parquet",
        "candles/BTC%2FUSDT/2025-09.v1.parquet",
        "candles/BTC%2FUSDT/2025.v2.parquet",
    ]
    assert store.candles("BTC/USDT")["close"].tolist() == [1.0, 20.0, 3.0, 4.0, 5.0, 6.0]
    assert json.loads((store.path / MANIFEST).read_text())["format"] == 3
    assert Store(store.path).candles("BTC/USDT", "2025-12-01")["close"].tolist() == [6.0]


def test_a_format_2_manifest_with_a_year_file_is_corrupt(
    tmp_path: Path, bars: Bars, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _format_2_store(tmp_path / "old", bars, monkeypatch)
    manifest = json.loads((store.path / MANIFEST).read_text())
    manifest["files"][0][2] = "2025"  # format 2 had month files only
    (store.path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match="corrupt store manifest"):
        Store(store.path).candles("BTC/USDT")


def test_a_newer_format_says_to_upgrade(store: Store, bars: Bars) -> None:
    store.write("candles", bars(["2025-09-22"], [1.0]), source="t")
    manifest = json.loads((store.path / MANIFEST).read_text())
    manifest["format"] = 99
    (store.path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(StoreError, match=r"newer liqcascade.*upgrade"):
        Store(store.path).candles("BTC/USDT")


def test_a_file_merged_several_times_in_one_import_is_written_in_time_order(
    store: Store, bars: Bars
) -> None:
    # Three writes into one year file, times interleaved. Merges leave rows in merge order;
    # the commit writes them in time order, rows of one time in the order they were written
    # (a replaced row goes where its replacement was written: last).
    def venue(exchange: str, when: list[str], closes: list[float]) -> pd.DataFrame:
        return bars(when, closes).assign(exchange=exchange)

    with store.transaction() as tx:
        tx.write("candles", venue("binance", ["2025-03-01", "2025-03-03"], [1.0, 3.0]), source="a")
        tx.write("candles", venue("okx", days("2025-03-01", 3), [10.0, 20.0, 30.0]), source="b")
        tx.write("candles", venue("binance", ["2025-03-02", "2025-03-03"], [2.0, 3.5]), source="c")
    (path,) = store.path.rglob("*.parquet")
    written = pq.read_table(path).to_pandas()
    assert list(zip(written["exchange"], written["close"], strict=True)) == [
        ("binance", 1.0),  # 03-01
        ("okx", 10.0),
        ("okx", 20.0),  # 03-02: okx written before binance's 2.0
        ("binance", 2.0),
        ("okx", 30.0),  # 03-03: binance's 3.0 replaced by the third write's 3.5
        ("binance", 3.5),
    ]
