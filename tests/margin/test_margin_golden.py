"""Golden cases from exchange documentation: the fast path AND the Decimal oracle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from liqcascade.margin import _oracle as oracle
from liqcascade.margin import (
    brackets,
    collateral_for_leverage,
    liquidation_price,
    maintenance_margin,
)
from liqcascade.margin._tables import expected_cums

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "margin"


def _load(name: str) -> dict:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def _cross_terms(other: dict | None) -> tuple[float, float]:
    # TMM1 = q*mark*mmr - cum; UPNL1 = side*q*(mark - entry) of the OTHER position
    if not other:
        return 0.0, 0.0
    mm = other["size"] * other["mark_price"] * other["mmr"] - other["cum"]
    upnl = other["side"] * other["size"] * (other["mark_price"] - other["entry_price"])
    return mm, upnl


BINANCE = _load("binance.json")


@pytest.mark.golden
@pytest.mark.parametrize("case", BINANCE["cases"], ids=lambda c: c["description"][:40])
def test_binance_fast_path(case: dict) -> None:
    i = case["input"]
    omm, oup = _cross_terms(i.get("other"))
    lp = liquidation_price(
        "binance",
        i["side"],
        i["size"],
        i["entry_price"],
        i["collateral"],
        mmr=i["mmr"],
        cum=i["cum"],
        other_maint_margin=omm,
        other_upnl=oup,
    )
    assert lp == pytest.approx(case["expected"]["liquidation_price"], abs=BINANCE["tolerance"])


@pytest.mark.golden
@pytest.mark.parametrize("case", BINANCE["cases"], ids=lambda c: c["description"][:40])
def test_binance_oracle(case: dict) -> None:
    i = case["input"]
    omm, oup = _cross_terms(i.get("other"))
    lp = oracle.binance_usdm_liquidation(
        1, i["size"], i["entry_price"], i["collateral"], oracle.single(i["mmr"], i["cum"]), omm, oup
    )
    assert float(lp) == pytest.approx(
        case["expected"]["liquidation_price"], abs=BINANCE["tolerance"]
    )


@pytest.mark.golden
def test_binance_faq_isolated_eth_from_dated_table() -> None:
    # At entry the notional is 5.37 M (bracket 7, 12.5 %); at the liquidation price it is
    # 3,683.979*1,114.78 = 4.11 M, bracket 6 (10 %, cum 135,365): the FAQ's numbers.
    lp = liquidation_price(
        "binance", "long", 3683.979, 1456.84, 1535443.01, symbol="ETHUSDT", at="2021-06-01"
    )
    assert lp == pytest.approx(1114.78, abs=0.01)
    table = brackets("binance", "ETH/USDT:USDT", at="2021-06-01")
    tiers = oracle.tiers_of(table.floors, table.caps, table.mmrs, table.cums)
    exact = oracle.binance_usdm_liquidation(1, 3683.979, 1456.84, 1535443.01, tiers)
    assert float(exact) == pytest.approx(1114.78, abs=0.01)


@pytest.mark.golden
def test_binance_faq_isolated_btc_from_2021_table() -> None:
    # 109.488 * 18,778.73 = 2.06 M notional -> bracket 4 (2.5 %, cum 16,300) of the 2021 table
    lp = liquidation_price(
        "binance", "long", 109.488, 32481.98, 1535443.01, symbol="BTCUSDT", at="2021-06-01"
    )
    assert lp == pytest.approx(18778.73, abs=0.01)


BRACKETS = _load("brackets.json")


@pytest.mark.golden
def test_binance_2021_cum_recurrence() -> None:
    caps = BRACKETS["input"]["caps"]
    floors = [0, *caps[:-1]]
    want = BRACKETS["expected"]["cums"]
    np.testing.assert_allclose(expected_cums(floors, BRACKETS["input"]["mmrs"]), want, atol=1e-6)
    np.testing.assert_allclose(
        [float(c) for c in oracle.expected_cums(floors, BRACKETS["input"]["mmrs"])], want
    )
    table = brackets("binance", "BTCUSDT", at="2021-03-18")
    assert list(table.caps) == caps
    np.testing.assert_allclose(table.cums, want)


BYBIT = _load("bybit.json")


@pytest.mark.golden
@pytest.mark.parametrize("case", BYBIT["cases"], ids=lambda c: c["description"][:40])
def test_bybit_usdt_example(case: dict) -> None:
    i, want = case["input"], case["expected"]
    im = collateral_for_leverage(i["size"], i["entry_price"], i["leverage"])
    assert im == pytest.approx(want["initial_margin"])  # 1*20,000/50 = 400
    mm = maintenance_margin(
        "bybit", i["size"], i["entry_price"], entry_price=i["entry_price"], mmr=i["mmr"]
    )
    assert mm == pytest.approx(want["maintenance_margin"])  # 20,000*0.5 % = 100
    lp = liquidation_price("bybit", i["side"], i["size"], i["entry_price"], im, mmr=i["mmr"])
    assert lp == pytest.approx(want["liquidation_price"], abs=BYBIT["tolerance"])  # 20,000-300
    exact = oracle.bybit_linear_liquidation(
        1, i["size"], i["entry_price"], im, oracle.single(i["mmr"])
    )
    assert float(exact) == pytest.approx(want["liquidation_price"], abs=BYBIT["tolerance"])


HYPER = _load("hyperliquid.json")


@pytest.mark.golden
@pytest.mark.parametrize("case", HYPER["cases"], ids=lambda c: c["description"][:40])
def test_hyperliquid_example(case: dict) -> None:
    i, want = case["input"], case["expected"]["liquidation_price"]
    lp = liquidation_price(
        "hyperliquid",
        i["side"],
        i["size"],
        i["entry_price"],
        i["collateral"],
        max_leverage=i["max_leverage"],
    )
    assert lp == pytest.approx(want, rel=HYPER["relative_tolerance"])
    exact = oracle.hyperliquid_liquidation(
        1, i["size"], i["entry_price"], i["collateral"], i["max_leverage"]
    )
    assert float(exact) == pytest.approx(want, rel=HYPER["relative_tolerance"])


COINM = _load("binance_coinm.json")


@pytest.mark.golden
def test_binance_coinm_maintenance_margin() -> None:
    from liqcascade.margin import contracts_to_size

    i, want = COINM["input"], COINM["expected"]
    # 100 contracts * 100 USD / 25,000 = 0.4 BTC of base units at entry
    size = float(
        contracts_to_size(
            i["contracts"], i["contract_size_usd"], inverse=True, entry_price=i["entry_price"]
        )
    )
    assert size == pytest.approx(want["notional_btc"])
    mm = maintenance_margin(
        "binance",
        size,
        i["mark_price"],
        entry_price=i["entry_price"],
        mmr=i["mmr"],
        cum=i["cum"],
        inverse=True,
    )
    assert mm == pytest.approx(want["maintenance_margin_btc"], abs=COINM["tolerance"])
