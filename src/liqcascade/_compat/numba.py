"""numba shim: ``HAS_NUMBA``, ``njit`` and a switch to force the pure-numpy path.

Every kernel is written once in plain Python/numpy (``foo_py``) and compiled with
``foo = njit(foo_py)``. Helpers that kernels call are plain functions marked ``@jitable``:
called from Python they run as written (the twin stays pure Python), called from a compiled
kernel numba compiles them into it. Set ``LIQCASCADE_DISABLE_NUMBA=1`` to run the readable twins
(debugging, or platforms without numba); tests check both paths agree.
Compilation happens on first call, never at import.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

DISABLED = os.environ.get("LIQCASCADE_DISABLE_NUMBA", "").strip() not in ("", "0", "false")


def _cache_dir() -> str:
    """numba's on-disk cache goes to the user cache folder, never into the installed package
    (which may be read-only or shared); ``NUMBA_CACHE_DIR`` set by the user wins."""
    import platformdirs

    return os.path.join(platformdirs.user_cache_dir("liqcascade", appauthor=False), "numba")


_numba: ModuleType | None  # numba itself, or None on the pure-numpy path
try:  # pragma: no cover - exercised implicitly
    if DISABLED:
        raise ImportError("disabled by LIQCASCADE_DISABLE_NUMBA")
    os.environ.setdefault("NUMBA_CACHE_DIR", _cache_dir())  # read by numba at import
    _numba = importlib.import_module("numba")
    HAS_NUMBA = True
except ImportError:  # pragma: no cover
    _numba = None
    HAS_NUMBA = False


def njit(func: F | None = None, **options: Any) -> Any:
    """Compile ``func`` lazily with ``numba.njit(cache=True)``, or return it unchanged.

    Usable bare (``njit(f)``) or with options (``njit(parallel=True)(f)``).
    """
    options.setdefault("cache", True)

    def wrap(f: F) -> F:
        if _numba is None:
            return f
        compiled: F = _numba.njit(**options)(f)
        return compiled

    return wrap(func) if func is not None else wrap


def jitable(func: F) -> F:
    """Mark a helper of compiled kernels; returns ``func`` itself, unchanged for Python callers.

    With numba, ``numba.extending.register_jitable`` lets compiled kernels call it (compiled
    into the caller, no dispatcher); without numba, or with the switch set, it is a no-op.
    """
    if HAS_NUMBA:
        from numba.extending import register_jitable

        register_jitable(func)
    return func


def readonly(value: T) -> T:
    """``value`` with every array in it (also inside tuples) read-only: views, never copies.

    numba compiles a kernel once per argument TYPE, and a read-only array is another type than
    a writable one. Inputs arrive either way (pandas' ``to_numpy``, ``np.broadcast_to`` and the
    bracket tables give read-only arrays, fresh arrays are writable), so every mix cost its own
    compile (2-6 s each on first use). Kernel inputs passed through this compile once. Only for
    what a kernel reads: its output arrays stay writable.
    """
    if isinstance(value, np.ndarray) and value.flags.writeable:
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, tuple) and type(value) is tuple:  # named tuples (workspaces): as given
        return tuple(readonly(v) for v in value)  # type: ignore[return-value]
    return value


# Inside a compiled kernel numba must see its own ``prange`` object, so alias it directly.
prange = _numba.prange if _numba is not None else range

__all__ = ["DISABLED", "HAS_NUMBA", "jitable", "njit", "prange", "readonly"]
