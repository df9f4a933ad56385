"""numba's cache never writes into the installed package (issue 16, case 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import liqcascade

PROBE = (
    "import liqcascade._compat.numba as shim, numba; "
    "print(numba.config.CACHE_DIR if shim.HAS_NUMBA else '')"
)


def test_the_numba_cache_lives_outside_the_package(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    package = Path(liqcascade.__file__).resolve().parent
    assert out, "numba is a core dependency: the shim must find it"
    assert Path(out).resolve().is_relative_to(tmp_path.resolve())
    assert not Path(out).resolve().is_relative_to(package)
