"""Importing the simulator keeps heavy extras lazy (its public names are frozen in
``tests/test_public_api.py``)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_sim_does_not_import_dask_plotly_or_duckdb() -> None:
    code = (
        "import sys, liqcascade.sim; "
        "print(sorted({'dask', 'distributed', 'plotly', 'duckdb'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
