"""The no-look-ahead harness catches a scorer that reads later data, and passes an honest one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from _lookahead import assert_no_lookahead, split_store
from _validate_fakes import BTC

from liqcascade.data import Store
from liqcascade.validate import mae

CUTOFF = "2025-01-20"


def _honest(store: Store, symbol: str, *, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    # Predict each bar's range from the mean range of the 30 bars closed by its open.
    bars = store.candles(symbol, end=end, interval="4h")
    rng = ((bars["high"] - bars["low"]) / bars["open"]).to_numpy()
    trailing = pd.Series(rng).shift(1).rolling(30).mean().to_numpy()
    scored = (bars["time"] >= start).to_numpy()
    detail = {"time": bars["time"][scored], "realized": rng[scored], "predicted": trailing[scored]}
    return {"n": int(scored.sum()), "mae": mae(detail["predicted"], detail["realized"]),
            "detail": detail}  # fmt: skip


def _leaky(store: Store, symbol: str, *, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    # Scales by the mean range of the WHOLE history, future included: a look-ahead.
    block = _honest(store, symbol, start=start, end=end)
    everything = store.candles(symbol, interval="4h")
    scale = float(((everything["high"] - everything["low"]) / everything["open"]).mean())
    block["mae"] = block["mae"] / scale
    return block


def test_split_store_truncates_then_appends(small_store_path, tmp_path) -> None:
    early, late = split_store(Store(small_store_path), CUTOFF, tmp_path)
    assert early.candles(BTC, interval="4h")["time"].max() < pd.Timestamp(CUTOFF, tz="UTC")
    full = Store(small_store_path).candles(BTC, interval="4h")
    pd.testing.assert_frame_equal(late.candles(BTC, interval="4h"), full)


def test_an_honest_scorer_passes(small_store_path, tmp_path) -> None:
    block: dict[str, Any] = assert_no_lookahead(
        _honest, Store(small_store_path), BTC, CUTOFF, start="2025-01-10", tmp_path=tmp_path
    )
    assert block["n"] == 60  # 10 days x 6 bars before the cutoff
    assert np.isfinite(block["mae"])


def test_a_scorer_reading_the_future_fails(small_store_path, tmp_path) -> None:
    with pytest.raises(AssertionError, match=r"look-ahead.*\.mae"):
        assert_no_lookahead(
            _leaky, Store(small_store_path), BTC, CUTOFF, start="2025-01-10", tmp_path=tmp_path
        )


def test_end_after_the_cutoff_is_refused(small_store_path, tmp_path) -> None:
    with pytest.raises(AssertionError, match="end must not be after cutoff"):
        assert_no_lookahead(
            _honest, Store(small_store_path), BTC, CUTOFF, start="2025-01-10",
            end="2025-01-25", tmp_path=tmp_path,
        )  # fmt: skip
