"""Store invariants under random data: order of writes, chunking and repetition don't matter."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqcascade.data import Store
from liqcascade.data._threads import by_file_in_time_order

pytestmark = pytest.mark.property

SYMBOLS = ["BTC/USDT:USDT", "ETH/USDT:USDT"]
rows = st.lists(
    st.tuples(
        st.integers(0, 24 * 90),  # hour offset: spans several month files
        st.sampled_from(SYMBOLS),
        st.sampled_from(["long", "short"]),
        st.floats(1, 1e9, allow_nan=False),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda r: (r[0], r[1], r[2]),
)


def frame(items: list[tuple[int, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": pd.Timestamp("2025-08-01", tz="UTC")
            + pd.to_timedelta([i[0] for i in items], unit="h"),
            "exchange": "binance",
            "symbol": [i[1] for i in items],
            "interval": "1h",
            "liquidated_side": [i[2] for i in items],
            "notional_usd": [i[3] for i in items],
            "coverage": "throttled",
            "event_id": "",
        }
    )


@contextlib.contextmanager
def fresh_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Store(tmp)


def content(store: Store) -> pd.DataFrame:
    return store.read("liquidations").reset_index(drop=True)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=rows, cut=st.integers(0, 40), data=st.data())
def test_chunked_writes_in_any_order_equal_one_write(items, cut, data) -> None:
    chunks = [items[:cut], items[cut:]]
    order = data.draw(st.permutations(chunks))
    with fresh_store() as whole, fresh_store() as parts:
        whole.write("liquidations", frame(items), source="s")
        for chunk in order:
            if chunk:
                parts.write("liquidations", frame(chunk), source="s")
        pd.testing.assert_frame_equal(content(parts), content(whole))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=rows, data=st.data())
def test_rewriting_any_subset_changes_nothing(items, data) -> None:
    subset = data.draw(st.lists(st.sampled_from(items), min_size=1, unique=True))
    with fresh_store() as store:
        store.write("liquidations", frame(items), source="s")
        before = content(store)
        summary = store.write("liquidations", frame(subset), source="s")
        assert (summary.added, summary.replaced, summary.unchanged) == (0, 0, len(subset))
        pd.testing.assert_frame_equal(content(store), before)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=rows, scale=st.floats(1.5, 10))
def test_a_revision_replaces_exactly_the_revised_rows(items, scale) -> None:
    revised = frame(items[:1]).assign(notional_usd=lambda f: f["notional_usd"] * scale)
    with fresh_store() as store:
        store.write("liquidations", frame(items), source="old")
        summary = store.write("liquidations", revised, source="new")
        out = content(store)
    assert (summary.added, summary.replaced) == (0, 1)
    assert len(out) == len(items)
    assert (out["source"] == "new").sum() == 1


@settings(max_examples=50, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 8)), min_size=1, max_size=400),
)
def test_rows_grouped_by_file_keep_time_order_and_row_order_for_ties(pairs) -> None:
    # the write splits rows into files with one shared time sort: file by file (codes
    # ascending), each file's rows by time, rows of equal time in their original order
    # (small time range: many ties, which a wrong stable/unstable choice would reorder)
    codes = np.array([c for c, _ in pairs], dtype=np.uint16)
    times = np.array([t for _, t in pairs], dtype=np.int64)
    expected = sorted(range(len(pairs)), key=lambda i: (codes[i], times[i], i))
    order = by_file_in_time_order(codes, np.argsort(times, kind="stable"))
    assert order.tolist() == expected
