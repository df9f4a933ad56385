"""No look-ahead: data that arrives after the as-of close never changes the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store
from liqcascade.report import compute_weekly

pytestmark = pytest.mark.integration

ASOF = "2025-09-25"


def _copy_store(store: Store, tmp: Path) -> Store:
    """A writable copy of the session's sample store."""
    target = tmp / "store"
    shutil.copytree(store.path, target)
    return Store(target)


def _later(store, dataset: str, changes: dict, **equals) -> pd.DataFrame:
    """A copy of the dataset's last matching row, moved to ``changes`` (time, values)."""
    row = store.read(dataset, **equals).iloc[[-1]].copy()
    for column, value in changes.items():
        row[column] = pd.Series([value], index=row.index, dtype=row[column].dtype)
    return row


def test_data_after_the_asof_close_changes_nothing(
    sample_store, tmp_path: Path, no_engines: None
) -> None:
    store = _copy_store(sample_store, tmp_path)
    before, _ = compute_weekly(store, ASOF)
    t = pd.Timestamp
    rows = {
        # a crash candle after the cutoff, and one replacing the day after the as-of day
        "candles": _later(
            store,
            "candles",
            {"time": t("2025-09-27", tz="UTC"), "close": 1.0, "low": 1.0},
            symbol="ETH/USDT",
            exchange="binance",
            market="spot",
            interval="1d",
        ),
        # a 24h window that opened before the cutoff but closes after it
        "liquidations": _later(
            store,
            "liquidations",
            {"time": t("2025-09-25 12:00", tz="UTC"), "notional_usd": 1e12, "interval": "24h"},
            symbol="BTC",
            exchange="binance",
        ),
        "etf_flows": _later(
            store,
            "etf_flows",
            {"time": t("2025-09-26", tz="UTC"), "flow_usd": -1e12},
            asset="ETH",
            fund="TOTAL",
        ),
        "market_cap": _later(
            store,
            "market_cap",
            {"time": t("2025-09-26", tz="UTC"), "close": 1.0},
            asset="TOTAL",
            interval="1d",
        ),
        "sentiment": _later(
            store,
            "sentiment",
            {"time": t("2025-09-26", tz="UTC"), "value": 0.0},
            index="fear_greed",
        ),
        # an 8-K filed after the as-of day that reports a purchase made before it
        "treasury": _later(
            store,
            "treasury",
            {
                "time": t("2025-09-24", tz="UTC"),
                "filed_time": t("2025-09-29", tz="UTC"),
                "amount": 1e6,
                "reference": "later-filing",
            },
            kind="purchase",
            asset="BTC",
        ),
    }
    for dataset, frame in rows.items():
        store.write(dataset, frame, source="test-later")
    after, _ = compute_weekly(store, ASOF)
    assert after == before


def test_the_asof_day_bar_counts(sample_report) -> None:
    # the 2025-09-25 daily bar closed exactly at the cutoff, so its close is the week's close
    # (ETHUSDT_D1.csv 2025-09-25 close 3874.36)
    assert sample_report.data["assets"]["ETH"]["close"] == pytest.approx(3874.36)
