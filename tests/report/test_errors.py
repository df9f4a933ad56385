"""Bad input gets a clear error saying what was expected and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqcascade.data import Store
from liqcascade.errors import InputError, NoDataError
from liqcascade.report import weekly_report


def test_empty_store_says_how_to_load_data(tmp_path: Path) -> None:
    with pytest.raises(NoDataError, match="liqcascade data sample"):
        weekly_report(Store(tmp_path / "store"), "2025-09-25", out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "report.html").exists()


def test_asof_with_a_time_names_the_value(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="2025-09-25 13:00"):
        weekly_report(Store(tmp_path / "store"), "2025-09-25 13:00", out_dir=tmp_path / "out")
