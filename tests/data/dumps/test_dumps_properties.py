"""Invariants of the dump importers, and the docstring examples of their modules."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.data.importers.dumps import _convert, tardis_liquidations

HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
EVENT = st.tuples(
    st.sampled_from(["buy", "sell", "Buy", "SELL"]),
    st.floats(min_value=100.0, max_value=200_000.0, allow_nan=False).map(lambda x: round(x, 1)),
    st.floats(min_value=0.001, max_value=50.0, allow_nan=False).map(lambda x: round(x, 3)),
)


@pytest.mark.parametrize("module", [_convert, tardis_liquidations], ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


@pytest.mark.property
@settings(max_examples=25, deadline=None)
@given(events=st.lists(EVENT, min_size=1, max_size=30), seed=st.integers(0, 2**32 - 1))
def test_tardis_rows_in_any_order_import_to_the_same_events(
    events: list[tuple[str, float, float]], seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # distinct microseconds, so that file order cannot matter
    rows = [
        f"bybit,BTCUSDT,{1758513600000000 + 1000 * i},{1758513600000050 + 1000 * i},,{s},{p},{a}"
        for i, (s, p, a) in enumerate(events)
    ]
    shuffled = list(np.random.default_rng(seed).permutation(rows))
    folder = tmp_path_factory.mktemp("tardis")
    ordered_path = folder / "bybit_liquidations_2025-09-22_BTCUSDT.csv"
    shuffled_path = folder / "bybit_liquidations_2025-09-22_BTCUSDT_shuffled.csv"
    ordered_path.write_text(HEADER + "\n".join(rows) + "\n")
    shuffled_path.write_text(HEADER + "\n".join(shuffled) + "\n")
    ordered = tardis_liquidations.read(ordered_path).frames["liquidations"]
    again = tardis_liquidations.read(shuffled_path).frames["liquidations"]
    pd.testing.assert_frame_equal(ordered, again)
    # linear contract: notional = qty x price, and sell orders are long liquidations
    assert np.allclose(ordered["notional_usd"], ordered["qty"] * ordered["price"])
    sells = [s.lower() == "sell" for s, _, _ in events]
    assert (ordered["liquidated_side"] == "long").tolist() == sells
