"""The all-arrow import path: records CSV read straight to arrow, checks without pandas,
per-month-file merges matched by key hash and confirmed on the actual key values."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import liqcascade.data._import as import_module
import liqcascade.data._transaction as transaction_module
from liqcascade.data import Store, import_paths
from liqcascade.data._frames import conform
from liqcascade.data._hashing import has_duplicate_keys, has_duplicates, key_hashes
from liqcascade.data._schema import dataset
from liqcascade.data.importers._base import ImportResult
from liqcascade.data.importers._csv import LINE, Col, read_csv, read_table
from liqcascade.errors import ImportFormatError, SchemaError

LIQ_HEADER = (
    "time,exchange,symbol,interval,liquidated_side,notional_usd,qty,price,coverage,event_id"
)
# three Binance-style events (liquidated side explicit), across two months and two symbols
LIQ_ROWS = (
    "2025-09-22T01:00:00Z,binance,ETH/USDT:USDT,,long,40170.0,10.0,4017.0,throttled,1",
    "2025-09-22T01:00:00Z,binance,BTC/USDT:USDT,,short,112650.99,1.0,112650.99,throttled,2",
    "2025-10-01T00:00:00Z,binance,BTC/USDT:USDT,,long,114000.0,1.0,114000.0,throttled,3",
)


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def test_records_csv_lands_in_one_file_per_symbol_and_year(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "liq.csv", LIQ_HEADER, *LIQ_ROWS)
    summary = import_paths(store, "records", [path])
    assert summary.totals["liquidations"].added == 3
    # a few rows per year: one year file per symbol (BTC's September and October together)
    assert sorted(tree_hashes(store.path)) == [
        "liquidations/BTC%2FUSDT%3AUSDT/2025.v1.parquet",
        "liquidations/ETH%2FUSDT%3AUSDT/2025.v1.parquet",
    ]
    eth = store.liquidations("ETH/USDT:USDT")
    assert eth["notional_usd"].tolist() == [40170.0]
    assert eth["interval"].isna().all()  # empty field = null, not ""
    assert eth["source"].tolist() == ["liq.csv"]  # the file name when the CSV has no source


def test_records_csv_twice_changes_no_byte(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "liq.csv", LIQ_HEADER, *LIQ_ROWS)
    import_paths(store, "records", [path])
    before = tree_hashes(store.path)
    again = import_paths(store, "records", [path]).totals["liquidations"]
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 3)
    assert tree_hashes(store.path) == before


def test_records_csv_with_a_header_only_writes_nothing(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "liq.csv", LIQ_HEADER)
    assert import_paths(store, "records", [path]).totals["liquidations"].total == 0
    assert tree_hashes(store.path) == {}


def test_gzipped_records_csv_takes_the_same_path(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "liq.csv.gz"
    path.write_bytes(gzip.compress(("\n".join([LIQ_HEADER, *LIQ_ROWS]) + "\n").encode()))
    assert import_paths(store, "records", [path]).totals["liquidations"].added == 3


def test_naive_times_fall_back_to_the_checked_reader_as_utc(tmp_path: Path) -> None:
    zoned = write(tmp_path / "zoned.csv", LIQ_HEADER, *LIQ_ROWS)
    naive = write(
        tmp_path / "naive.csv",
        LIQ_HEADER,
        *(r.replace("T0", " 0").replace("Z", "") for r in LIQ_ROWS),
    )
    a, b = Store(tmp_path / "a"), Store(tmp_path / "b")
    import_paths(a, "records", [zoned])
    import_paths(b, "records", [naive])
    left = a.liquidations(["BTC/USDT:USDT", "ETH/USDT:USDT"]).drop(columns="source")
    right = b.liquidations(["BTC/USDT:USDT", "ETH/USDT:USDT"]).drop(columns="source")
    pd.testing.assert_frame_equal(left, right)


def test_malformed_value_in_records_csv_names_line_and_column(tmp_path: Path, store: Store) -> None:
    bad = LIQ_ROWS[1].replace("112650.99,1.0", "112650.99x,1.0")
    path = write(tmp_path / "liq.csv", LIQ_HEADER, LIQ_ROWS[0], bad, LIQ_ROWS[2])
    with pytest.raises(ImportFormatError) as info:
        import_paths(store, "records", [path])
    assert (info.value.line, info.value.column, info.value.value) == (
        3,
        "notional_usd",
        "112650.99x",
    )
    assert tree_hashes(store.path) == {}


def test_conflicting_duplicate_in_records_csv_names_both_lines(
    tmp_path: Path, store: Store
) -> None:
    clash = LIQ_ROWS[1].replace("short,112650.99", "short,99999.0")  # same key, other notional
    path = write(tmp_path / "liq.csv", LIQ_HEADER, *LIQ_ROWS, clash)
    with pytest.raises(ImportFormatError, match="duplicate key") as info:
        import_paths(store, "records", [path])
    assert (info.value.line, info.value.column) == (5, "notional_usd")
    assert "line 3" in str(info.value)
    assert tree_hashes(store.path) == {}


def test_unknown_liquidated_side_in_records_csv_names_file_and_value(
    tmp_path: Path, store: Store
) -> None:
    path = write(tmp_path / "liq.csv", LIQ_HEADER, LIQ_ROWS[0].replace(",long,", ",buy,"))
    with pytest.raises(SchemaError, match=r"liq\.csv.*liquidated_side.*'buy'"):
        import_paths(store, "records", [path])


def test_rows_out_of_time_order_are_stored_in_time_order(tmp_path: Path, store: Store) -> None:
    late, early = LIQ_ROWS[1], LIQ_ROWS[1].replace("01:00:00Z", "00:30:00Z").replace(",2", ",9")
    path = write(tmp_path / "liq.csv", LIQ_HEADER, late, early)
    import_paths(store, "records", [path])
    table = pa.parquet.read_table(store.path / "liquidations/BTC%2FUSDT%3AUSDT/2025.v1.parquet")
    assert table.column("event_id").to_pylist() == ["9", "2"]  # 00:30 before 01:00


def _arrow_events(notional: list[float]) -> pa.Table:
    n = len(notional)
    return pa.table(
        {
            "time": pa.array(
                pd.date_range("2025-09-22", periods=n, freq="1s", tz="UTC").as_unit("ns")
            ),
            "exchange": ["binance"] * n,
            "symbol": ["BTC/USDT:USDT"] * n,
            "liquidated_side": ["long"] * n,
            "notional_usd": pa.array(notional, pa.float64()),
            "event_id": [str(i) for i in range(n)],
        }
    )


def test_arrow_table_nan_is_stored_as_null_and_rewrites_nothing(store: Store) -> None:
    events = _arrow_events([1.0, float("nan")])
    store.write("liquidations", events, source="t")
    before = tree_hashes(store.path)
    assert store.liquidations("BTC/USDT:USDT")["notional_usd"].isna().tolist() == [False, True]
    again = store.write("liquidations", events, source="t")
    assert again.unchanged == 2  # NaN == NaN for the idempotence check
    assert tree_hashes(store.path) == before


def test_arrow_table_with_naive_times_is_a_schema_error(store: Store) -> None:
    events = _arrow_events([1.0])
    naive = events.set_column(0, "time", events.column("time").cast(pa.timestamp("ns")))
    with pytest.raises(SchemaError, match="naive"):
        store.write("liquidations", naive, source="t")


def test_arrow_and_pandas_inputs_store_the_same_bytes(tmp_path: Path) -> None:
    events = _arrow_events([1.0, 2.5, 3.0])
    a, b = Store(tmp_path / "a"), Store(tmp_path / "b")
    a.write("liquidations", events, source="t")
    b.write("liquidations", events.to_pandas(), source="t")
    assert tree_hashes(a.path) == tree_hashes(b.path)


@pytest.fixture
def colliding_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key hashes to 0: the worst 64-bit collision, which must cost time, never rows."""

    def zeros(table: pa.Table, columns: object, **_: object) -> np.ndarray:
        return np.zeros(table.num_rows, dtype=np.uint64)

    monkeypatch.setattr(transaction_module, "key_hashes", zeros)
    monkeypatch.setattr(import_module, "key_hashes", zeros)


@pytest.mark.usefixtures("colliding_hashes")
def test_hash_collisions_never_merge_different_keys(tmp_path: Path, store: Store) -> None:
    store.write("liquidations", _arrow_events([1.0, 2.0, 3.0]), source="old")
    revised = _arrow_events([1.0, 2.0, 30.0, 4.0])  # row 2 revised, row 3 new
    summary = store.write("liquidations", revised, source="old")
    assert (summary.added, summary.replaced, summary.unchanged) == (1, 1, 2)
    stored = store.liquidations("BTC/USDT:USDT")
    assert stored["notional_usd"].tolist() == [1.0, 2.0, 30.0, 4.0]
    assert not stored.duplicated(list(dataset("liquidations").key)).any()


@pytest.mark.usefixtures("colliding_hashes")
def test_hash_collisions_keep_distinct_rows_of_one_file(tmp_path: Path, store: Store) -> None:
    path = write(tmp_path / "liq.csv", LIQ_HEADER, *LIQ_ROWS)
    assert import_paths(store, "records", [path]).totals["liquidations"].added == 3


def test_two_writes_to_one_month_in_a_transaction_merge(store: Store) -> None:
    with store.transaction() as tx:
        tx.write("liquidations", _arrow_events([1.0, 2.0]), source="first")
        second = tx.write("liquidations", _arrow_events([1.0, 5.0, 7.0]), source="first")
    assert (second.added, second.replaced, second.unchanged) == (1, 1, 1)
    assert store.liquidations("BTC/USDT:USDT")["notional_usd"].tolist() == [1.0, 5.0, 7.0]


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["long", "short"]), st.integers(0, 3)),
        min_size=1,
        max_size=40,
    )
)
def test_duplicate_check_by_shared_times_equals_a_full_hash_check(rows) -> None:
    # keys differ in time, side or event id; only rows sharing a time are looked at
    ds = dataset("liquidations")
    n = len(rows)
    table = _arrow_events([1.0] * n)
    table = table.set_column(
        0,
        "time",
        pa.array(
            [pd.Timestamp("2025-09-22", tz="UTC") + pd.Timedelta(t, "s") for t, _, _ in rows]
        ).cast(ds.schema.field("time").type),
    )
    table = table.set_column(3, "liquidated_side", pa.array([side for _, side, _ in rows]))
    table = table.set_column(5, "event_id", pa.array([str(e) for _, _, e in rows]))
    conformed = conform(ds, table, source="t")
    hashes = key_hashes(conformed, ds.key)
    expected = len(set(rows)) < n
    assert has_duplicates(hashes) == expected
    assert has_duplicate_keys(ds, conformed, hashes) == expected
    # not hashed yet: the rows sharing a time are compared on their values, never hashed
    assert has_duplicate_keys(ds, conformed, lambda: pytest.fail("hashed")) == expected


@pytest.mark.parametrize(
    "texts",
    [
        ["2025-09-22", "2025-09-23"],  # dates: parsed in arrow
        ["2025-09-22 08:00:00", "2025-09-22T09:30"],
        ["2025-09-22", "2025-09-22 08:00:00+02:00"],  # an offset further down: pandas path
        ["2025-09-22 UTC", " 2025-09-23"],  # text arrow refuses: pandas path
    ],
)
def test_csv_times_without_offset_read_as_utc_on_either_path(texts: list[str]) -> None:
    # the arrow path must agree with the pandas reading (naive text is UTC; +02:00 is
    # converted: 08:00+02:00 = 06:00 UTC)
    from liqcascade.data.importers._base import ImportResult
    from liqcascade.data.importers._csv import Col, _to_time, read_csv

    data = ("time,value\n" + "".join(f"{t},1\n" for t in texts)).encode()
    frame = read_csv(
        Path("t.csv"), [Col("time", "time"), Col("value")], result=ImportResult(), data=data
    )
    expected = _to_time(pd.Series(texts))
    assert frame["time"].dt.as_unit("ns").tolist() == expected.dt.as_unit("ns").tolist()
    assert expected.notna().all()


@pytest.mark.parametrize(
    ("rows", "bad"),
    [
        (("2025-09-22,1.5,a", "2025-09-23,,b", "2025-09-24 08:00:00,2.5,"), 0),  # arrow only
        (("2025-09-22,1.5,a", "2025-09-23,x,b", "2025-09-24,2.5,c,extra"), 2),  # exact reader
        (("2025-09-22,1.5,a", "", "2025-09-24T08:00:00+02:00,2.5,c"), 0),  # blank, mixed times
    ],
)
def test_read_table_gives_read_csv_rows_in_arrow(
    tmp_path: Path, rows: tuple[str, ...], bad: int
) -> None:
    # read_table is read_csv without the pandas frame: same rows, values, lines, bad rows
    path = write(tmp_path / "t.csv", "date,close,note", *rows)
    cols = (Col("date", "time"), Col("close", required=False), Col("note", "str", required=False))
    by_pandas, by_arrow = ImportResult(), ImportResult()
    frame = read_csv(path, cols, result=by_pandas, skip_bad=True)
    table = read_table(path, cols, result=by_arrow, skip_bad=True)
    assert table.column_names == ["date", "close", "note", LINE]
    assert by_arrow.bad_rows == by_pandas.bad_rows
    assert len(by_arrow.bad_rows) == bad
    got = table.to_pandas()
    assert got[LINE].tolist() == frame[LINE].tolist()
    assert got["date"].tolist() == frame["date"].tolist()
    assert got["close"].isna().tolist() == frame["close"].isna().tolist()
    assert got["close"].dropna().tolist() == frame["close"].dropna().tolist()
    assert got["note"].isna().tolist() == frame["note"].isna().tolist()
    assert got["note"].dropna().tolist() == frame["note"].dropna().tolist()
