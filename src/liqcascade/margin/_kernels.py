"""The compiled margin kernels: ``njit`` of the readable twins in ``_rows`` (STYLE.md 3).

``margin_rows = njit(margin_rows_py)`` and ``margin_state = njit(margin_state_py)`` run one
thread; ``margin_rows_parallel`` (``parallel=True``) serves calls of ``PARALLEL_MIN_ROWS`` rows
or more. Without numba, or with ``LIQCASCADE_DISABLE_NUMBA=1``, ``njit`` returns the twin
itself (the one switch, in :mod:`liqcascade._compat.numba`). Importing this module imports
numba, so ``_rows.run`` imports it only for calls large enough to repay that.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from liqcascade._compat.numba import jitable, njit, prange
from liqcascade.margin import _rows
from liqcascade.margin._rows import margin_rows_py, margin_state_py, run, run_state

jitable(_rows._at)
jitable(_rows._position_at)
jitable(_rows._tier)
jitable(_rows._unsolved)


def _with_prange(func: Callable[..., Any]) -> types.FunctionType:
    # The twin's own module binds prange to range (running it never imports numba); the
    # parallel build compiles the same code with numba's prange in its globals.
    if not isinstance(func, types.FunctionType):  # pragma: no cover - a programming error
        raise TypeError(f"{func!r} is not a plain Python function and cannot be compiled")
    globals_ = {**func.__globals__, "prange": prange}
    name = f"{func.__name__}_parallel"
    twin = types.FunctionType(func.__code__, globals_, name, func.__defaults__)
    # numba names a function's cache files after its module and __qualname__ (and keys
    # entries by signature, not by options): a name of its own keeps the parallel build's
    # cache apart from the serial build's, so both can be cached to disk.
    twin.__qualname__ = name
    return twin


# Serial by default: per call numba's parallel region costs thread wake-up and, on a shared
# machine, waits for the busiest core; measured on the 2-core dev machine under load it was
# slower than one thread (docs/margin.md). Very large calls use the parallel build, compiled
# on first use and cached to disk under its own name (see _with_prange).
# error_model="numpy": a division never checks for zero (every divisor here is guarded).
margin_rows = njit(error_model="numpy")(margin_rows_py)
margin_rows_parallel = njit(parallel=True, error_model="numpy")(_with_prange(margin_rows_py))
margin_state = njit(error_model="numpy")(margin_state_py)
PARALLEL_MIN_ROWS = 2_000_000

__all__ = [
    "PARALLEL_MIN_ROWS",
    "margin_rows",
    "margin_rows_parallel",
    "margin_rows_py",
    "margin_state",
    "margin_state_py",
    "run",
    "run_state",
]
