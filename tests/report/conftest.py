"""Fixtures for the report tests: the weekly report written from the session sample store."""

from __future__ import annotations

import pytest

from _shared import once_per_run
from liqcascade.data import Store
from liqcascade.report import WeeklyReport, weekly_report

ASOF = "2025-09-25"


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory: pytest.TempPathFactory, sample_store: Store) -> WeeklyReport:
    """The weekly report as of 2025-09-25 written from the sample, once per run; read-only."""
    return once_per_run(
        tmp_path_factory, "report", lambda folder: weekly_report(sample_store, ASOF, out_dir=folder)
    )


@pytest.fixture
def no_engines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report without the estimator/map/simulator (they have their own as-of tests; slow here)."""
    from liqcascade.errors import NoDataError
    from liqcascade.report import _engines

    def disabled(*args: object, **kwargs: object) -> None:
        raise NoDataError("disabled in this test")

    for engine in ("estimate_engine", "map_engine", "StressHistory"):
        monkeypatch.setattr(_engines, engine, disabled)
