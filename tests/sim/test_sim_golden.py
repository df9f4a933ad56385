"""Insurance-fund settlement against published worked examples (tests/sim/golden/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liqcascade.sim import Book, simulate

GOLDEN = json.loads((Path(__file__).parent / "golden" / "insurance_fund.json").read_text())


@pytest.mark.golden
@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["description"][:40])
def test_insurance_fund_examples(case: dict) -> None:
    inp, exp = case["input"], case["expected"]
    positions = pd.DataFrame(
        {
            "venue": ["example"],
            "symbol": ["BTC/USD"],
            "side": [inp["side"]],
            "size": [inp["size"]],
            "entry_price": [inp["start_price"]],
            "collateral": [1.0],
            "margin_mode": ["isolated"],
            "liquidation_price": [inp["liquidation_price"]],
            "bankruptcy_price": [inp["bankruptcy_price"]],
        }
    )
    # infinite depth: the order fills exactly at the price the shock moves the mark to
    book = Book.parametric(inp["start_price"], np.inf, insurance_fund_usd=inp["insurance_fund_usd"])
    r = simulate(positions, book, inp["fill_price"] / inp["start_price"] - 1.0)
    assert r.liquidations["fill_price"].iloc[0] == pytest.approx(inp["fill_price"])
    assert r.insurance_fund_added_usd == pytest.approx(exp["insurance_fund_add_usd"])
    assert r.insurance_fund_used_usd == pytest.approx(exp["insurance_fund_draw_usd"])
    assert r.adl_usd == pytest.approx(exp["adl_usd"])
