"""Fixtures for the report tests: a store holding the real sample, and a written report."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.report import WeeklyReport, weekly_report

ASOF = "2025-09-25"


def _sample_store(tmp: Path, shared_market: Path):
    """The bundled sample in a real Store; the shared CSVs in memory until the store lands."""
    try:
        from liqcascade.data import Store, load_sample
    except ImportError:
        from _frame_store import FrameStore, shared_frames

        return FrameStore(shared_frames(shared_market))
    store = Store(tmp / "store")
    try:
        load_sample(store)
    except FileNotFoundError:  # the bundled sample is still being added by the data layer
        from _frame_store import FrameStore, shared_frames

        return FrameStore(shared_frames(shared_market))
    return store


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory, shared_market: Path):
    return _sample_store(tmp_path_factory.mktemp("sample"), shared_market)


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory, sample_store) -> WeeklyReport:
    return weekly_report(sample_store, ASOF, out_dir=tmp_path_factory.mktemp("report"))
