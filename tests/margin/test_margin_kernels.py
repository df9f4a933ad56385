"""The one margin fast path: the compiled kernels and their readable twins agree row by row.

Every margin figure comes from ``_rows.margin_rows_py`` / ``margin_state_py``, run as they are
below ``_api.KERNEL_MIN_ROWS`` rows and compiled (``_kernels``) from there on; the golden and
property tests check both against the exchanges' examples and the Decimal oracle.
"""

from __future__ import annotations

import numpy as np
import pytest

import liqcascade.margin._api as api
from liqcascade._compat.numba import HAS_NUMBA
from liqcascade.margin import Status, _kernels, brackets, load_brackets, margin_at, margin_detailed

FIELDS = ("liquidation_price", "bankruptcy_price", "maintenance_margin", "margin_ratio")

INVERSE = load_brackets(
    {
        "symbol": "BTCUSD_PERP",
        "brackets": [
            {"qtyFloor": 0, "qtyCap": 50, "maintMarginRatio": 0.005, "initialLeverage": 100},
            {"qtyFloor": 50, "qtyCap": 500, "maintMarginRatio": 0.01, "initialLeverage": 50},
        ],
    }
)


def _positions(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    entry = 30_000 * np.exp(rng.normal(0, 0.2, n))
    size = np.exp(rng.uniform(-6, 9, n))
    coll = size * entry / rng.uniform(0.5, 130, n)
    side = np.where(rng.random(n) < 0.5, 1, -1)
    size[:3] = [np.nan, -1.0, 0.0]  # invalid rows
    side[3] = 2
    return {"side": side, "size": size, "entry": entry, "coll": coll}


CASES = [
    ("binance", {"symbol": "BTCUSDT", "at": "2021-06-01"}),
    ("binance", {"symbol": INVERSE, "inverse": True}),
    ("binance", {"mmr": 0.004, "cum": 0.0, "inverse": True}),
    ("bybit", {"mmr": 0.005}),
    ("bybit", {"mmr": 0.005, "inverse": True}),
    ("okx", {"mmr": 0.004}),
    ("hyperliquid", {"symbol": "BTC"}),
    ("hyperliquid", {"max_leverage": 50}),
]


@pytest.mark.parametrize(("venue", "kw"), CASES, ids=[f"{v}-{i}" for i, (v, _) in enumerate(CASES)])
def test_compiled_kernel_equals_twin(venue: str, kw: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _positions(30_000, 7)
    args = (venue, p["side"], p["size"], p["entry"], p["coll"])
    assert p["size"].shape[0] >= api.KERNEL_MIN_ROWS  # the public call runs the compiled kernel
    kernel = margin_detailed(*args, **kw, other_upnl=-0.01 * p["coll"])
    monkeypatch.setattr(api, "KERNEL_MIN_ROWS", 10**12)  # the same call through the twin
    twin = margin_detailed(*args, **kw, other_upnl=-0.01 * p["coll"])
    if not HAS_NUMBA:
        pytest.skip("numba not available: only the twin runs")
    np.testing.assert_array_equal(kernel.status, twin.status)
    np.testing.assert_array_equal(kernel.bracket, twin.bracket)
    for name in FIELDS:
        np.testing.assert_allclose(getattr(kernel, name), getattr(twin, name), rtol=1e-12)
    assert (kernel.status == Status.INVALID_INPUT).sum() >= 4
    assert (kernel.status == Status.OK).sum() > 3_000  # many rows solved: the check has teeth


@pytest.mark.parametrize(("venue", "kw"), CASES, ids=[f"{v}-{i}" for i, (v, _) in enumerate(CASES)])
def test_margin_at_compiled_equals_twin(
    venue: str, kw: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _positions(30_000, 9)
    mark = p["entry"] * np.exp(np.random.default_rng(3).normal(0, 0.1, p["entry"].size))
    mark[5] = np.nan
    args = (venue, p["side"], p["size"], p["entry"], p["coll"], mark)
    kernel = margin_at(*args, **kw)
    monkeypatch.setattr(api, "KERNEL_MIN_ROWS", 10**12)
    twin = margin_at(*args, **kw)
    np.testing.assert_array_equal(kernel.status, twin.status)
    np.testing.assert_array_equal(kernel.liquidatable, twin.liquidatable)
    for name in ("maintenance_margin", "margin_balance", "margin_ratio"):
        np.testing.assert_allclose(getattr(kernel, name), getattr(twin, name), rtol=1e-12)
    assert (kernel.status == Status.INVALID_INPUT).sum() >= 5
    assert (kernel.status == Status.OK).sum() > 3_000


def test_kernels_are_the_compiled_twins() -> None:
    # one switch (liqcascade._compat.numba): the kernel is njit(twin), or the twin itself
    assert (_kernels.margin_rows is not _kernels.margin_rows_py) == HAS_NUMBA
    assert (_kernels.margin_state is not _kernels.margin_state_py) == HAS_NUMBA


def test_small_calls_do_not_import_numba() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from liqcascade.margin import liquidation_price, margin_at; "
        "liquidation_price('binance', 'long', 1.0, 100.0, 10.0, mmr=0.004); "
        "margin_at('binance', [1, -1], 1.0, 100.0, 10.0, 95.0, mmr=0.004); "
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_readable_twin_equals_compiled_kernel() -> None:
    p = _positions(300, 11)
    t = brackets("binance", "BTCUSDT", at="2021-06-01")
    n = 300
    z = np.zeros(n)
    side = np.clip(p["side"], -2, 2).astype(np.int8)
    rates = (t.array("floors"), t.array("mmrs"), t.array("cums"), np.zeros(1), np.zeros(1), False)
    args = ((side, p["size"], p["entry"], p["coll"], z, z), t.array("caps"), rates)
    opts = {"fee": 0.0, "inverse": False, "mm_at_entry": False}
    twin = _kernels.run(*args, **opts, compiled=False)
    fast = _kernels.run(*args, **opts)
    for name, arr in twin.items():
        np.testing.assert_array_equal(arr, fast[name], err_msg=name)
