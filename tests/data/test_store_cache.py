"""Reads through the store's cache of decoded files: same rows as a plain Parquet read,
never stale, never changed by what a caller does to a result."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.data import Store
from liqcascade.data._readers import read_arrow, timestamp
from liqcascade.data._schema import dataset

Bars = Callable[..., pd.DataFrame]

DAYS = [f"2025-0{m}-{d:02d}" for m in (8, 9) for d in (1, 15, 28)]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("cache") / "store")
    frames = []
    for symbol in ("BTC/USDT", "ETH/USDT"):
        for interval in ("1d", "4h"):
            frames.append(
                pd.DataFrame(
                    {
                        "time": pd.to_datetime(DAYS, utc=True),
                        "exchange": "binance",
                        "symbol": symbol,
                        "market": "spot",
                        "interval": interval,
                        "close": [float(1 + i + len(frames) * 10) for i in range(len(DAYS))],
                    }
                )
            )
    store.write("candles", pd.concat(frames, ignore_index=True), source="t")
    return store


@settings(max_examples=40, deadline=None)
@given(
    symbols=st.sampled_from(["BTC/USDT", "ETH/USDT", ("BTC/USDT", "ETH/USDT")]),
    interval=st.sampled_from([None, "1d", "4h", ["1d", "4h"]]),
    start=st.sampled_from([None, "2025-08-01", "2025-08-16", "2025-09-15"]),
    end=st.sampled_from([None, "2025-08-15", "2025-09-15", "2025-10-01"]),
)
def test_cached_reads_equal_plain_parquet_reads(
    filled: Store, symbols: object, interval: object, start: str | None, end: str | None
) -> None:
    out = filled.candles(symbols, start, end, interval=interval)
    ds = dataset("candles")
    parts = [symbols] if isinstance(symbols, str) else list(symbols)  # type: ignore[call-overload]
    files = filled.files("candles", partitions=parts, start=start, end=end)
    filters = {"symbol": symbols, **({"interval": interval} if interval is not None else {})}
    plain = read_arrow(ds, files, timestamp(start, "start"), timestamp(end, "end"), filters)
    pd.testing.assert_frame_equal(out, plain)


def test_changing_a_result_leaves_the_next_read_alone(filled: Store) -> None:
    first = filled.candles("BTC/USDT", interval="1d")
    first.loc[0, "close"] = -1.0
    first["symbol"] = "changed"
    again = filled.candles("BTC/USDT", interval="1d")
    assert again["close"].iloc[0] == 1.0
    assert set(again["symbol"]) == {"BTC/USDT"}


def test_a_store_folder_replaced_under_an_open_store_is_read_again(
    tmp_path: Path, bars: Bars
) -> None:
    one, two = Store(tmp_path / "one"), Store(tmp_path / "two")
    one.write("candles", bars(["2025-09-22"], [1.0]), source="t")
    two.write("candles", bars(["2025-09-22"], [2.0]), source="t")
    assert one.candles("BTC/USDT")["close"].tolist() == [1.0]
    # same file names, other contents: the cache notices the new files
    shutil.rmtree(one.path)
    shutil.copytree(two.path, one.path)
    assert one.candles("BTC/USDT")["close"].tolist() == [2.0]
