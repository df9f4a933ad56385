"""No look-ahead at every as-of entry point: rows not yet known at T never change a result at T.

Two stores from the bundled real sample: ``known`` holds only the rows known at T (a bar once
closed, an event once happened, a filing once filed; the rule written out here independently
of ``liqcascade._time``), ``full`` holds every row (bars still open at T and everything later
appended). Each entry point must answer the same at T from both.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from liqcascade.data import DATASETS, Store, sample_files
from liqcascade.data._frames import to_frame

pytestmark = pytest.mark.integration

BTC = "BTC/USDT:USDT"
ASOF = pd.Timestamp("2025-09-23 02:00", tz="UTC")  # inside the 4h, 8h and 1d bars then open
REPORT_DAY = "2025-09-23"  # the weekly report knows rows up to that day's close
BAR_LENGTH = {
    "1h": pd.Timedelta(hours=1),
    "4h": pd.Timedelta(hours=4),
    "8h": pd.Timedelta(hours=8),
    "1d": pd.Timedelta(days=1),
    "24h": pd.Timedelta(hours=24),
    "1w": pd.Timedelta(weeks=1),
}


def _known_at(frame: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    keep = frame["time"] < t
    if "interval" in frame.columns:
        bars = frame["interval"].notna()
        unknown = set(frame.loc[bars, "interval"]) - set(BAR_LENGTH)
        assert not unknown, f"add the sample's intervals {unknown} to BAR_LENGTH"
        closes = frame["time"] + frame["interval"].map(BAR_LENGTH).fillna(pd.Timedelta(0))
        keep &= closes <= t
    if "filed_time" in frame.columns:
        keep &= frame["filed_time"].isna() | (frame["filed_time"] < t)
    return frame[keep]


def _store_known_at(path: Path, t: pd.Timestamp) -> Store:
    store = Store(path)
    with store.transaction() as tx:
        for name, file in sample_files().items():
            frame = to_frame(DATASETS[name], pq.read_table(file))
            tx.write(name, _known_at(frame, t))
    return store


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, sample_store_path: Path) -> dict[str, Store]:
    root = tmp_path_factory.mktemp("asof")
    return {
        "full": Store(sample_store_path),  # the whole sample, as loaded (only read here)
        "known": _store_known_at(root / "known", ASOF),
        "known_day": _store_known_at(
            root / "known_day", pd.Timestamp(REPORT_DAY, tz="UTC") + pd.Timedelta(days=1)
        ),
    }


def test_the_known_store_really_drops_open_bars(stores: dict[str, Store]) -> None:
    # the 4h perp bar opening 2025-09-23 00:00 is still open at 02:00: only the full store has it
    def last_bar(store: Store) -> pd.Timestamp:
        rows = store.read(
            "candles", symbol=BTC, market="perp", interval="4h", end=ASOF + pd.Timedelta("1D")
        )
        return rows["time"].max()

    assert last_bar(stores["known"]) == pd.Timestamp("2025-09-22 20:00", tz="UTC")
    assert last_bar(stores["full"]) > ASOF


def test_liquidation_map_ignores_rows_not_known_at_asof(stores: dict[str, Store]) -> None:
    from liqcascade.leverage import liquidation_map

    known = liquidation_map(stores["known"], BTC, ASOF).to_dict()
    assert liquidation_map(stores["full"], BTC, ASOF).to_dict() == known


def test_stress_ignores_rows_not_known_at_asof(stores: dict[str, Store]) -> None:
    from liqcascade.sim import stress

    known = stress(stores["known"], BTC, ASOF, -0.05).to_dict()
    assert stress(stores["full"], BTC, ASOF, -0.05).to_dict() == known


def test_estimate_ignores_rows_not_known_at_asof(stores: dict[str, Store]) -> None:
    from liqcascade.leverage import estimate_liquidations

    def run(store: Store) -> pd.DataFrame:
        return estimate_liquidations(store, BTC, "2025-09-15", None, asof=ASOF)

    known = run(stores["known"])
    assert not known.empty
    pd.testing.assert_frame_equal(run(stores["full"]), known)


def test_weekly_report_ignores_rows_not_known_at_the_asof_close(stores: dict[str, Store]) -> None:
    from liqcascade.report import compute_weekly

    facts_known, frames_known = compute_weekly(stores["known_day"], REPORT_DAY)
    facts_full, frames_full = compute_weekly(stores["full"], REPORT_DAY)
    assert facts_full == facts_known
    assert frames_full.keys() == frames_known.keys()
    for name, frame in frames_known.items():
        pd.testing.assert_frame_equal(frames_full[name], frame, obj=name)
