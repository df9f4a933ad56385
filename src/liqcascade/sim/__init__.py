"""The cascade simulator: liquidation feedback loop, insurance fund, ADL, Monte Carlo.

May import ``margin``, ``data`` and ``leverage``; never ``report``.

Public surface: :func:`simulate` (one cascade, two solvers), :func:`monte_carlo` (stress
distributions through an executor), :func:`stress` and :func:`replay` (as-of runs on a
store), the :class:`Book` market model and the frozen configs. See ``docs/cascade.md``.
"""

from __future__ import annotations

from liqcascade.sim._book import Book
from liqcascade.sim._config import (
    CascadeConfig,
    DepthWithdrawal,
    ExogenousFlow,
    FundingPressure,
    Momentum,
    MonteCarloPriors,
    Shock,
    StressModel,
)
from liqcascade.sim._engine import simulate
from liqcascade.sim._executors import DaskExecutor, Executor, ProcessExecutor, SerialExecutor
from liqcascade.sim._montecarlo import MonteCarloResult, monte_carlo
from liqcascade.sim._replay import ReplayResult, replay
from liqcascade.sim._result import CascadeResult
from liqcascade.sim._stress import StressResult, calibrate_depth_withdrawal, stress

__all__ = [
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
    "StressModel",
    "StressResult",
    "calibrate_depth_withdrawal",
    "monte_carlo",
    "replay",
    "simulate",
    "stress",
]
