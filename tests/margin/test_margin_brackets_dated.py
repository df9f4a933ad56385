"""Dated bracket tables: rows checked against their sources, and the date picks the right file.

Sources of the 2025 Binance tables (see the JSON files' ``source``): GitHub mamawai/wtfibought,
wiib-sim/src/main/java/com/mawai/wiibsim/config/FuturesLeverageBracketRegistry.java at commit
c6e6dbe571239f2d098e1a1fde8d36c637fd5b41 (BTC_BRACKETS / ETH_BRACKETS, "rules update time
2025-08-19" of Binance's Leverage & Margin page). The 2021 BTCUSDT table: Binance announcement
of 2021-03-18. Bybit BTCUSDT: Bybit's Margin Parameters page (undated; its file assumes a start
of 2025-01-01). Expected numbers below are copied from those sources, not from liqcascade.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import BracketError
from liqcascade.margin import brackets, liquidation_price, maintenance_margin
from liqcascade.margin._tables import expected_cums

SRC_2025 = "mamawai/wtfibought FuturesLeverageBracketRegistry.java @ c6e6dbe (2025-08-19)"

# (symbol, bracket number, floor, cap, max leverage, maintenance rate, cum) from SRC_2025
ROWS_2025 = [
    ("BTCUSDT", 1, 0, 300_000, 150, 0.004, 0),
    ("BTCUSDT", 2, 300_000, 800_000, 100, 0.005, 300),
    ("BTCUSDT", 5, 12_000_000, 70_000_000, 25, 0.02, 132_000),
    ("BTCUSDT", 7, 100_000_000, 230_000_000, 10, 0.05, 2_982_000),
    ("BTCUSDT", 12, 1_200_000_000, 1_800_000_000, 1, 0.5, 421_482_000),
    ("ETHUSDT", 1, 0, 300_000, 150, 0.004, 0),
    ("ETHUSDT", 5, 12_000_000, 50_000_000, 25, 0.02, 132_000),
    ("ETHUSDT", 6, 50_000_000, 65_000_000, 20, 0.025, 382_000),
    ("ETHUSDT", 8, 150_000_000, 320_000_000, 5, 0.1, 9_507_000),
    ("ETHUSDT", 12, 800_000_000, 1_200_000_000, 1, 0.5, 280_507_000),
]


@pytest.mark.golden
@pytest.mark.parametrize("row", ROWS_2025, ids=lambda r: f"{r[0]}-{r[1]}")
def test_binance_2025_rows_match_source(row: tuple) -> None:
    # source: SRC_2025, the row named by symbol and bracket number
    symbol, k, floor, cap, lev, mmr, cum = row
    table = brackets("binance", symbol, at="2025-09-22")
    assert table.effective_from == date(2025, 8, 19)
    i = k - 1
    assert (table.floors[i], table.caps[i]) == (floor, cap)
    assert table.max_leverages[i] == lev
    assert table.mmrs[i] == mmr
    assert table.cums[i] == cum


@pytest.mark.golden
@pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT"])
def test_binance_2025_cum_equals_the_recurrence(symbol: str) -> None:
    # source cum column vs cum_n = floor_n*(mmr_n - mmr_(n-1)) + cum_(n-1); e.g. ETHUSDT
    # bracket 7: 65,000,000 * (0.05 - 0.025) + 382,000 = 2,007,000 (source: 2,007,000)
    table = brackets("binance", symbol, at="2025-09-22")
    assert len(table) == 12
    assert list(table.cums) == expected_cums(table.floors, table.mmrs)


@pytest.mark.golden
def test_binance_2025_maintenance_margin_in_bracket_3() -> None:
    # BTCUSDT 1,000,000 USDT notional: bracket 3 (800k-3M, 0.65 %, cum 1,500, SRC_2025)
    # MM = 1,000,000 * 0.0065 - 1,500 = 5,000
    mm = maintenance_margin("binance", 10.0, 100_000.0, symbol="BTCUSDT", at="2025-09-22")
    assert mm == pytest.approx(5_000.0, abs=1e-6)


@pytest.mark.golden
def test_binance_2025_isolated_long_liquidation_price_by_hand() -> None:
    # 1 BTC long at 100,000, isolated margin 1,000; bracket 1 (0.4 %, cum 0, SRC_2025).
    # LP = (WB + cum - q*EP) / (q*MMR - q) = (1,000 - 100,000) / (0.004 - 1) = 99,397.5904
    # notional at LP 99,398 < 300,000: still bracket 1, so the fixed point is this value.
    lp = liquidation_price(
        "binance", "long", 1.0, 100_000.0, 1_000.0, symbol="BTCUSDT", at="2025-09-22"
    )
    assert lp == pytest.approx(99_000.0 / 0.996, rel=1e-12)


@pytest.mark.golden
def test_binance_2025_isolated_short_in_bracket_2_by_hand() -> None:
    # 100 ETH short at 4,000 (400,000 USDT: bracket 2, 0.5 %, cum 300, SRC_2025), margin 20,000.
    # LP = (WB + cum + q*EP) / (q*MMR + q) = (20,000 + 300 + 400,000) / (100 * 1.005)
    #    = 4,182.0896; notional at LP 418,209 is in bracket 2 as well.
    lp = liquidation_price(
        "binance", "short", 100.0, 4_000.0, 20_000.0, symbol="ETH/USDT:USDT", at="2025-09-22"
    )
    assert lp == pytest.approx(420_300.0 / 100.5, rel=1e-12)


SRC_BYBIT = "Bybit Margin Parameters page, BTCUSDT (bybitx.global/pt-PT mirror), undated"

# (bracket number, risk limit = cap, max leverage, maintenance rate, deduction) from SRC_BYBIT
ROWS_BYBIT = [
    (1, 2_000_000, 100, 0.005, 0),
    (2, 2_600_000, 90, 0.0056, 1_200),
    (6, 5_000_000, 65, 0.0077, 8_460),
    (9, 10_000_000, 45, 0.013, 46_000),
    (13, 38_000_000, 25, 0.025, 300_000),
    (20, 80_000_000, 14, 0.045, 1_482_000),
]


@pytest.mark.golden
@pytest.mark.parametrize("row", ROWS_BYBIT, ids=lambda r: f"tier-{r[0]}")
def test_bybit_btcusdt_rows_match_source(row: tuple) -> None:
    # source: SRC_BYBIT, the tier named by its number; the floor is the previous tier's limit
    k, cap, lev, mmr, deduction = row
    table = brackets("bybit", "BTC/USDT:USDT", at="2025-09-22")
    assert len(table) == 20
    assert table.caps[k - 1] == cap
    assert table.max_leverages[k - 1] == lev
    assert table.mmrs[k - 1] == mmr
    assert table.cums[k - 1] == deduction
    assert list(table.cums) == expected_cums(table.floors, table.mmrs)  # the page's recurrence


@pytest.mark.golden
def test_bybit_isolated_long_by_hand() -> None:
    # 100 BTC long at 48,000 = 4,800,000 USDT: tier 6 (4.4M-5M, 0.77 %, deduction 8,460, SRC_BYBIT)
    # MM = 4,800,000 * 0.0077 - 8,460 = 28,500; IM 480,000 (10x)
    # LP = EP - (IM - MM) / size = 48,000 - 451,500 / 100 = 43,485 (Bybit "Liquidation Price")
    kw = {"symbol": "BTCUSDT", "at": "2025-09-22"}
    assert liquidation_price("bybit", "long", 100.0, 48_000.0, 480_000.0, **kw) == pytest.approx(
        43_485.0, abs=1e-6
    )
    mm = maintenance_margin("bybit", 100.0, 48_000.0, entry_price=48_000.0, **kw)
    assert mm == pytest.approx(28_500.0, abs=1e-6)


@pytest.mark.golden
def test_bybit_isolated_short_in_tier_1_by_hand() -> None:
    # 1 BTC short at 100,000: tier 1 (0.5 %, no deduction); IM 10,000, MM 500
    # LP = EP + (IM - MM) / size = 100,000 + 9,500 = 109,500
    lp = liquidation_price(
        "bybit", "short", 1.0, 100_000.0, 10_000.0, symbol="BTCUSDT", at="2025-09-22"
    )
    assert lp == pytest.approx(109_500.0, abs=1e-6)


def test_bybit_table_starts_at_its_assumed_date() -> None:
    # the page is undated; the file assumes 2025-01-01, so earlier dates have no table
    assert brackets("bybit", "BTCUSDT", at="2025-01-01").effective_from == date(2025, 1, 1)
    with pytest.raises(BracketError, match="before the first"):
        brackets("bybit", "BTCUSDT", at="2024-12-31")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2021-03-18", date(2021, 3, 18)),  # the 2021 announcement's first day
        ("2024-12-31", date(2021, 3, 18)),  # no table between 2021 and 2025-08-19 is shipped
        ("2025-08-18", date(2021, 3, 18)),  # the day before the 2025 table
        ("2025-08-19", date(2025, 8, 19)),  # its first day
        ("2025-09-22", date(2025, 8, 19)),  # the motivating week
        (pd.Timestamp("2025-09-22 23:59", tz="UTC"), date(2025, 8, 19)),
        (None, date(2025, 8, 19)),  # latest
    ],
)
def test_date_picks_newest_table_in_force(at: object, expected: date) -> None:
    assert brackets("binance", "BTCUSDT", at=at).effective_from == expected


@pytest.mark.parametrize("spelling", ["BTCUSDT", "BTC/USDT:USDT", "btc-usdt-swap", "BTC"])
def test_ccxt_and_venue_spellings_select_the_same_table(spelling: str) -> None:
    assert brackets("binance", spelling, at="2025-09-22") is brackets(
        "binance", "BTCUSDT", at="2025-09-22"
    )


def test_a_later_table_leaves_an_earlier_date_unchanged() -> None:
    # 2021-06-01: the 2021 bracket 2 (50k-250k, 0.5 %, cum 50), not 2025's 0.4 % bracket 1
    mm = maintenance_margin("binance", 2.0, 50_000.0, symbol="BTCUSDT", at="2021-06-01")
    assert mm == pytest.approx(100_000 * 0.005 - 50)  # 450


def test_before_the_first_table_is_an_error() -> None:
    with pytest.raises(BracketError, match="before the first"):
        brackets("binance", "ETHUSDT", at="2020-01-01")


def test_every_packaged_file_names_its_source_and_start_date() -> None:
    folder = resources.files("liqcascade.margin") / "brackets"
    for entry in folder.iterdir():
        if not entry.name.endswith(".json"):
            continue
        obj = json.loads(entry.read_text(encoding="utf-8"))
        assert obj["source"].strip(), entry.name
        date.fromisoformat(obj["effective_from"])
        assert obj["effective_from"][:7].replace("-", "") in entry.name.replace("-", "") or (
            obj["effective_from"][:4] in entry.name
        ), f"{entry.name}: file name should carry the start date {obj['effective_from']}"


def test_parallel_kernel_build_equals_serial_build(monkeypatch: pytest.MonkeyPatch) -> None:
    # the parallel build serves calls of PARALLEL_MIN_ROWS rows or more; same arithmetic
    from liqcascade.margin import _kernels

    if _kernels.margin_rows_parallel is None:
        pytest.skip("numba not available")
    rng = np.random.default_rng(5)
    n = 5_000
    entry = 60_000 * np.exp(rng.normal(0, 0.2, n))
    size = np.exp(rng.uniform(-6, 9, n))
    coll = size * entry / rng.uniform(0.5, 160, n)
    size[:2] = [np.nan, -1.0]
    side = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    t = brackets("binance", "BTCUSDT", at="2025-09-22")
    z = np.zeros(1)
    rates = (*(t.array(c) for c in ("floors", "mmrs", "cums")), z, z, False)
    args = ((side, size, entry, coll, z, z), t.array("caps"), rates)
    opts = {"fee": 0.0, "inverse": False, "mm_at_entry": False}
    serial = _kernels.run(*args, **opts)
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_ROWS", 1)
    parallel = _kernels.run(*args, **opts)
    for name, arr in serial.items():
        np.testing.assert_array_equal(arr, parallel[name], err_msg=name)
    assert (serial["status"] == 0).sum() > n // 2  # most rows solved, so the check has teeth
