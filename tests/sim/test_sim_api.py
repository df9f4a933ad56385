"""The simulator's public names are frozen; heavy extras stay lazy."""

from __future__ import annotations

import subprocess
import sys

import liqcascade.sim as sim


def test_sim_all_is_frozen() -> None:
    assert sorted(sim.__all__) == [
        "Book",
        "CascadeConfig",
        "CascadeResult",
        "DaskExecutor",
        "DepthWithdrawal",
        "Executor",
        "ExogenousFlow",
        "FundingPressure",
        "Momentum",
        "MonteCarloPriors",
        "MonteCarloResult",
        "ProcessExecutor",
        "ReplayResult",
        "SerialExecutor",
        "Shock",
        "StressResult",
        "calibrate_depth_withdrawal",
        "monte_carlo",
        "replay",
        "simulate",
        "stress",
    ]


def test_importing_sim_does_not_import_dask_plotly_or_duckdb() -> None:
    code = (
        "import sys, liqcascade.sim; "
        "print(sorted({'dask', 'distributed', 'plotly', 'duckdb'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
