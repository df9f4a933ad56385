"""Binance USDⓈ-M golden cases from the FAQ (the first API other layers rely on)."""

from __future__ import annotations

import numpy as np
import pytest

from liqcascade.margin import bankruptcy_price, liquidation_price

WALLET = 1_535_443.01


@pytest.mark.golden
def test_faq_isolated_eth_long() -> None:
    # (1,535,443.01 + 135,365 - 3,683.979*1,456.84) / (3,683.979*0.10 - 3,683.979) = 1,114.78
    lp = liquidation_price("binance", "long", 3683.979, 1456.84, WALLET, mmr=0.10, cum=135365)
    assert lp == pytest.approx(1114.78, abs=0.01)


@pytest.mark.golden
def test_faq_isolated_btc_long_vectorized_with_eth() -> None:
    lp = liquidation_price(
        "binance",
        np.array(["long", "long"]),
        np.array([109.488, 3683.979]),
        np.array([32481.98, 1456.84]),
        WALLET,
        mmr=np.array([0.025, 0.10]),
        cum=np.array([16300.0, 135365.0]),
    )
    np.testing.assert_allclose(lp, [18778.73, 1114.78], atol=0.01)


def test_bankruptcy_long_is_entry_minus_collateral_per_unit() -> None:
    # 20,000 - 400/1 = 19,600
    assert bankruptcy_price("binance", "long", 1.0, 20000.0, 400.0, mmr=0.004) == 19600.0
