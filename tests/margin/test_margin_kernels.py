"""The fused numba kernel, its readable twin and the numpy path agree row by row."""

from __future__ import annotations

import numpy as np
import pytest

import liqcascade.margin._api as api
from liqcascade._compat.numba import HAS_NUMBA
from liqcascade.margin import Status, _kernels, brackets, load_brackets, margin_detailed

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
def test_kernel_equals_numpy_path(venue: str, kw: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _positions(30_000, 7)
    args = (venue, p["side"], p["size"], p["entry"], p["coll"])
    if p["size"].shape[0] < api.KERNEL_MIN_ROWS:
        pytest.skip("sample below kernel threshold")
    kernel = margin_detailed(*args, **kw, other_upnl=-0.01 * p["coll"])
    monkeypatch.setattr(api, "KERNEL_MIN_ROWS", 10**12)
    numpy_path = margin_detailed(*args, **kw, other_upnl=-0.01 * p["coll"])
    if not HAS_NUMBA:
        pytest.skip("numba not available: only the numpy path runs")
    np.testing.assert_array_equal(kernel.status, numpy_path.status)
    np.testing.assert_array_equal(kernel.bracket, numpy_path.bracket)
    for name in FIELDS:
        np.testing.assert_allclose(
            getattr(kernel, name), getattr(numpy_path, name), rtol=1e-12, err_msg=name
        )
    assert (kernel.status == Status.INVALID_INPUT).sum() >= 4


def test_readable_twin_equals_compiled_kernel() -> None:
    p = _positions(300, 11)
    t = brackets("binance", "BTCUSDT", at="2021-06-01")
    n = 300
    z = np.zeros(n)
    args = (
        np.clip(p["side"], -2, 2).astype(np.int8), p["size"], p["entry"], p["coll"], z, z,
        t.array("floors"), t.array("caps"), t.array("mmrs"), t.array("cums"),
        np.zeros(1), np.zeros(1),
    )  # fmt: skip
    opts = {"use_row_rates": False, "fee": 0.0, "inverse": False, "mm_at_entry": False}
    twin = _kernels.run(*args, **opts, compiled=False)
    fast = _kernels.run(*args, **opts)
    for name, arr in twin.items():
        np.testing.assert_array_equal(arr, fast[name], err_msg=name)
