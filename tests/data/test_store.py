"""The store: round trips, filters, idempotence, newer-wins, schema checks, SQL views."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store, base_asset, default_store_path
from liqcascade.errors import InputError, SchemaError

Bars = Callable[..., pd.DataFrame]


def tree_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (the lock file excluded: it is never written)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_write_then_read_round_trips_with_schema_dtypes(store: Store, bars: Bars) -> None:
    summary = store.write(
        "candles", bars(["2025-09-22", "2025-09-21"], [112650.99, 115232.29]), source="t"
    )
    assert (summary.added, summary.replaced, summary.unchanged) == (2, 0, 0)
    out = store.candles("BTC/USDT")
    assert list(out["close"]) == [115232.29, 112650.99]  # sorted by time
    assert str(out["time"].dtype) == "datetime64[ns, UTC]"
    assert list(out.columns) == list(store.read("candles").columns)
    assert set(out["source"]) == {"t"}


def test_layout_is_dataset_partition_period(store: Store, bars: Bars) -> None:
    store.write(
        "candles",
        bars(["2024-12-31", "2025-09-30", "2025-10-01"], [1.0, 2.0, 3.0], symbol="BTC/USDT:USDT"),
        source="t",
    )
    files = sorted(p.relative_to(store.path).as_posix() for p in store.path.rglob("*.parquet"))
    # the partition value percent-encoded (reversibly), the year (few rows), the store version
    assert files == [
        "candles/BTC%2FUSDT%3AUSDT/2024.v1.parquet",
        "candles/BTC%2FUSDT%3AUSDT/2025.v1.parquet",
    ]


def test_time_filter_is_half_open(store: Store, bars: Bars) -> None:
    store.write(
        "candles", bars(["2025-09-20", "2025-09-21", "2025-09-22"], [1.0, 2.0, 3.0]), source="t"
    )
    out = store.candles("BTC/USDT", "2025-09-21", "2025-09-22")
    assert list(out["close"]) == [2.0]  # start included, end excluded


def test_equals_filters_accept_lists(store: Store, bars: Bars) -> None:
    store.write("candles", bars(["2025-09-22"], [1.0]), source="t")
    store.write("candles", bars(["2025-09-22"], [2.0], symbol="ETH/USDT"), source="t")
    assert len(store.candles(["BTC/USDT", "ETH/USDT"])) == 2
    assert list(store.read("candles", symbol="ETH/USDT")["close"]) == [2.0]


def test_same_write_twice_changes_nothing(store: Store, bars: Bars) -> None:
    frame = bars(["2025-09-21", "2025-09-22"], [1.0, 2.0])
    store.write("candles", frame, source="a.csv")
    before = tree_hashes(store.path)
    summary = store.write("candles", frame, source="a.csv")
    assert (summary.added, summary.replaced, summary.unchanged) == (0, 0, 2)
    assert tree_hashes(store.path) == before


def test_newer_source_wins_and_keeps_its_source(store: Store, bars: Bars) -> None:
    store.write("candles", bars(["2025-09-22"], [1.0]), source="old.csv")
    summary = store.write("candles", bars(["2025-09-22"], [1.5]), source="new.csv")
    assert (summary.added, summary.replaced) == (0, 1)
    out = store.candles("BTC/USDT")
    assert list(out["close"]) == [1.5]
    assert list(out["source"]) == ["new.csv"]


def test_duplicate_keys_within_one_write_keep_the_last(store: Store, bars: Bars) -> None:
    store.write("candles", bars(["2025-09-22", "2025-09-22"], [1.0, 2.0]), source="t")
    assert list(store.candles("BTC/USDT")["close"]) == [2.0]


def test_unknown_column_is_a_schema_error(store: Store, bars: Bars) -> None:
    frame = bars(["2025-09-22"], [1.0]).assign(closing=1.0)
    with pytest.raises(SchemaError, match="closing"):
        store.write("candles", frame, source="t")


def test_naive_time_is_a_schema_error(store: Store, bars: Bars) -> None:
    frame = bars(["2025-09-22"], [1.0])
    frame["time"] = frame["time"].dt.tz_localize(None)
    with pytest.raises(SchemaError, match="naive"):
        store.write("candles", frame, source="t")


def test_unknown_liquidated_side_is_a_schema_error(store: Store) -> None:
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-09-22"], utc=True),
            "exchange": "binance",
            "symbol": "BTC/USDT:USDT",
            "liquidated_side": "buy",  # an order side, not a position side
            "notional_usd": [1.0],
            "coverage": "complete",
        }
    )
    with pytest.raises(SchemaError, match="liquidated_side"):
        store.write("liquidations", frame, source="t")


def test_unknown_dataset_lists_the_valid_ones(store: Store) -> None:
    with pytest.raises(SchemaError, match="candles"):
        store.read("prices")


def test_filter_on_unknown_column_is_an_input_error(store: Store) -> None:
    with pytest.raises(InputError, match="venue"):
        store.read("candles", venue="binance")


def test_empty_store_reads_empty_frame_with_columns(store: Store) -> None:
    out = store.funding("BTC/USDT:USDT")
    assert out.empty
    assert "rate" in out.columns
    assert str(out["time"].dtype) == "datetime64[ns, UTC]"


def test_sql_sees_one_view_per_dataset(store: Store, bars: Bars) -> None:
    store.write("candles", bars(["2025-09-21", "2025-09-22"], [1.0, 3.0]), source="t")
    out = store.sql("SELECT avg(close) AS mean FROM candles WHERE symbol = $s", s="BTC/USDT")
    assert out["mean"].iloc[0] == 2.0  # (1 + 3) / 2
    assert store.sql("SELECT count(*) AS n FROM funding")["n"].iloc[0] == 0


def test_as_of_read_ignores_later_appends(store: Store, bars: Bars) -> None:
    store.write("candles", bars(["2025-09-20", "2025-09-21"], [1.0, 2.0]), source="t")
    as_of = store.candles("BTC/USDT", end="2025-09-22")
    store.write("candles", bars(["2025-09-22", "2025-10-01"], [3.0, 4.0]), source="t")
    pd.testing.assert_frame_equal(store.candles("BTC/USDT", end="2025-09-22"), as_of)


def test_transaction_exception_writes_nothing(store: Store, bars: Bars) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.write("candles", bars(["2025-09-22"], [1.0]), source="t")
        raise RuntimeError("abort")
    assert store.candles("BTC/USDT").empty


def test_second_write_of_a_transaction_merges_into_the_first(store: Store, bars: Bars) -> None:
    # the first write lands in new files (its rows not hashed yet); the second merges into them
    with store.transaction() as tx:
        first = tx.write("candles", bars(["2025-09-21", "2025-09-22"], [1.0, 2.0]), source="t")
        second = tx.write(
            "candles", bars(["2025-09-22", "2025-09-23", "2025-09-21"], [2.5, 3.0, 1.0]), source="t"
        )
    assert (first.added, first.replaced, first.unchanged) == (2, 0, 0)
    assert (second.added, second.replaced, second.unchanged) == (1, 1, 1)
    assert list(store.candles("BTC/USDT")["close"]) == [1.0, 2.5, 3.0]
    again = store.write("candles", bars(["2025-09-23", "2025-09-21"], [3.0, 1.0]), source="t")
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 2)


def test_default_store_path_follows_liqcascade_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIQCASCADE_HOME", str(tmp_path / "home"))
    assert default_store_path() == tmp_path / "home"
    assert Store().path == tmp_path / "home"


@pytest.mark.parametrize(
    ("symbol", "base"),
    [
        ("BTC/USDT:USDT", "BTC"),
        ("BTC", "BTC"),
        ("BTCUSDT", "BTC"),
        ("BTC/USDT", "BTC"),
        ("ETH/USD:ETH", "ETH"),
        ("ETH-DVOL", "ETH"),
        ("1000PEPEUSDT", "1000PEPE"),
    ],
)
def test_base_asset(symbol: str, base: str) -> None:
    assert base_asset(symbol) == base


def test_base_asset_rejects_empty() -> None:
    with pytest.raises(InputError):
        base_asset("")


def test_arrow_and_duckdb_read_paths_agree(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import liqcascade.data._store as store_module

    queries = [
        ("candles", {"symbol": ["BTC/USDT", "ETH/USDT"], "interval": "1d"}),
        ("liquidations", {"symbol": "BTC", "exchange": "binance"}),
        ("depth", {"symbol": "BTC", "band": 0.01}),
        ("options", {"asset": "BTC", "metric": "call_oi", "expiry": "2025-09-26 08:00"}),
    ]
    for name, filters in queries:
        fast = sample_store.read(name, start="2025-09-01", end="2025-10-01", **filters)
        monkeypatch.setattr(store_module, "ARROW_READ_MAX_FILES", 0)
        slow = sample_store.read(name, start="2025-09-01", end="2025-10-01", **filters)
        monkeypatch.setattr(store_module, "ARROW_READ_MAX_FILES", 32)
        assert len(fast) > 0, name
        pd.testing.assert_frame_equal(fast, slow)
