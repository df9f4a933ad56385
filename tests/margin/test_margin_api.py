"""Behaviour of the public margin API: shapes, flags, errors, tables, DataFrames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from liqcascade.errors import BracketError, InputError, UnknownVenueError
from liqcascade.margin import (
    Status,
    bankruptcy_price,
    brackets,
    initial_margin,
    liquidation_price,
    liquidation_prices,
    load_brackets,
    maintenance_margin,
    margin_detailed,
    margin_ratio,
    normalize_symbol,
)
from liqcascade.margin.binance import hedge_liquidation_price

BTC = {"symbol": "BTCUSDT", "at": "2021-06-01"}


@pytest.mark.parametrize("size", [0.0, -1.0, float("nan")])
def test_scalar_bad_size_raises_naming_the_value(size: float) -> None:
    with pytest.raises(InputError, match="size="):
        liquidation_price("binance", "long", size, 100.0, 10.0, mmr=0.004)


def test_array_bad_rows_are_nan_with_flags() -> None:
    res = margin_detailed(
        "binance", ["long", "long", "buy"], [1.0, float("nan"), 1.0], 100.0, 10.0, mmr=0.004
    )
    assert res.status.tolist() == [Status.OK, Status.INVALID_INPUT, Status.INVALID_INPUT]
    assert np.isnan(res.liquidation_price[1:]).all()


def test_unknown_venue_and_symbol() -> None:
    with pytest.raises(UnknownVenueError, match="ftx"):
        liquidation_price("ftx", "long", 1.0, 100.0, 10.0, mmr=0.004)
    with pytest.raises(UnknownVenueError, match="DOGE"):
        liquidation_price("binance", "long", 1.0, 100.0, 10.0, symbol="DOGEUSDT")
    # a missing table is also a BracketError, for callers that fall back to a flat rate
    with pytest.raises(BracketError, match="DOGE"):
        liquidation_price("bybit", "long", 1.0, 100.0, 10.0, symbol="DOGEUSDT")


def test_date_before_first_table() -> None:
    with pytest.raises(BracketError, match="2020-01-01"):
        liquidation_price("binance", "long", 1.0, 100.0, 10.0, symbol="BTCUSDT", at="2020-01-01")


def test_notional_beyond_last_bracket() -> None:
    # 20,000 BTC * 30,000 = 600 M > 500 M cap of the 2021 table
    with pytest.raises(BracketError, match="last bracket"):
        liquidation_price("binance", "long", 20_000.0, 30_000.0, 6e8, **BTC)
    res = margin_detailed("binance", "long", [1.0, 20_000.0], 30_000.0, [3000.0, 6e8], **BTC)
    assert res.status.tolist() == [Status.OK, Status.BEYOND_LAST_BRACKET]


def test_collateral_below_maintenance() -> None:
    # 1 BTC at 30,000 in bracket 1 needs 120 of maintenance margin; 100 is below it
    with pytest.raises(InputError, match="maintenance"):
        liquidation_price("binance", "long", 1.0, 30_000.0, 100.0, **BTC)
    res = margin_detailed("binance", "long", [1.0], 30_000.0, [100.0], **BTC)
    assert res.status[0] == Status.BELOW_MAINTENANCE and np.isnan(res.liquidation_price[0])


def test_fully_collateralised_long_has_no_liquidation_price() -> None:
    # collateral above the notional: no positive price liquidates the long
    assert liquidation_price("binance", "long", 1.0, 100.0, 150.0, mmr=0.004) == 0.0
    res = margin_detailed("binance", "long", 1.0, 100.0, 150.0, mmr=0.004)
    assert res.status == Status.NO_LIQUIDATION


def test_inverse_one_x_short_is_never_liquidated() -> None:
    # a 1x coin-margined short is a hedge: price may rise forever
    assert liquidation_price("binance", "short", 1.0, 100.0, 1.0, mmr=0.004, inverse=True) == np.inf


def test_series_in_series_out() -> None:
    size = pd.Series([1.0, 2.0], index=["a", "b"])
    out = liquidation_price("binance", "long", size, 100.0, 10.0, mmr=0.004)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"]


def test_int_sides_accepted() -> None:
    lp = liquidation_price("binance", np.array([1, -1]), 1.0, 100.0, 10.0, mmr=0.004)
    assert lp[0] < 100.0 < lp[1]


def test_bankruptcy_price_short() -> None:
    # 20,000 + 400/1
    assert bankruptcy_price("binance", "short", 1.0, 20000.0, 400.0, mmr=0.004) == 20400.0


def test_margin_ratio_at_mark() -> None:
    # 1 BTC long at 100 with 10 collateral, mark 95: MM 95*0.004 = 0.38, balance 10 - 5 = 5
    assert margin_ratio("binance", "long", 1.0, 100.0, 10.0, 95.0, mmr=0.004) == pytest.approx(
        0.38 / 5
    )


def test_initial_margin_from_bracket_leverage() -> None:
    # 1 BTC at 40,000 = 40,000 notional, bracket 1 (125x) -> 320
    assert initial_margin("binance", 1.0, 40_000.0, **BTC) == pytest.approx(320.0)


def test_max_leverage_only_for_hyperliquid() -> None:
    with pytest.raises(InputError, match="hyperliquid"):
        liquidation_price("binance", "long", 1.0, 100.0, 10.0, max_leverage=20)


def test_hyperliquid_has_no_inverse() -> None:
    with pytest.raises(InputError, match="inverse"):
        liquidation_price("hyperliquid", "long", 1.0, 100.0, 10.0, max_leverage=20, inverse=True)


def test_no_rate_source_is_an_error() -> None:
    with pytest.raises(InputError, match="mmr="):
        liquidation_price("binance", "long", 1.0, 100.0, 10.0)


@pytest.mark.parametrize(
    ("raw", "inverse", "want"),
    [
        ("BTCUSDT", False, "BTC/USDT:USDT"),
        ("BTC/USDT:USDT", False, "BTC/USDT:USDT"),
        ("BTC-USDT-SWAP", False, "BTC/USDT:USDT"),
        ("BTCUSD_PERP", True, "BTC/USD:BTC"),
        ("eth", False, "ETH/USDT:USDT"),
    ],
)
def test_normalize_symbol(raw: str, inverse: bool, want: str) -> None:
    assert normalize_symbol(raw, inverse=inverse) == want


def test_hyperliquid_symbol_maps_to_usdc() -> None:
    assert brackets("hyperliquid", "BTC").symbol == "BTC/USDC:USDC"


def test_dated_table_selection() -> None:
    assert str(brackets("binance", "BTCUSDT", at="2021-03-18").effective_from) == "2021-03-18"


BINANCE_RESPONSE = [
    {
        "symbol": "ETHUSDT",
        "notionalCoef": 1.5,
        "brackets": [
            {
                "bracket": 1,
                "initialLeverage": 75,
                "notionalCap": 10000,
                "notionalFloor": 0,
                "maintMarginRatio": 0.0065,
                "cum": 0.0,
            },
            {
                "bracket": 2,
                "initialLeverage": 50,
                "notionalCap": 100000,
                "notionalFloor": 10000,
                "maintMarginRatio": 0.01,
                "cum": 35.0,
            },
        ],
    }
]


def test_load_binance_response_shape() -> None:
    table = load_brackets(json.dumps(BINANCE_RESPONSE))
    assert table.symbol == "ETH/USDT:USDT" and table.cums == (0.0, 35.0)


def test_load_fills_missing_cum_from_recurrence() -> None:
    rows = [dict(b) for b in BINANCE_RESPONSE[0]["brackets"]]
    for r in rows:
        del r["cum"]
    assert load_brackets({"symbol": "ETHUSDT", "brackets": rows}).cums == (0.0, 35.0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cum", 40.0, "recurrence"),
        ("maintMarginRatio", 0.005, "non-decreasing"),
        ("notionalFloor", 20000, "floor"),
        ("maintMarginRatio", 1.5, "fraction"),
    ],
)
def test_load_rejects_invalid_tables(field: str, value: float, message: str) -> None:
    bad = json.loads(json.dumps(BINANCE_RESPONSE))
    bad[0]["brackets"][1][field] = value
    with pytest.raises(BracketError, match=message):
        load_brackets(bad)


def test_load_reports_file_and_json_errors(tmp_path) -> None:
    path = tmp_path / "b.json"
    path.write_text("{not json")
    with pytest.raises(BracketError, match="line 1"):
        load_brackets(path)


def test_user_table_used_in_place_of_symbol() -> None:
    table = load_brackets(BINANCE_RESPONSE)
    # 1 ETH at 1,000: bracket 1 at any price below 10,000
    got = liquidation_price("binance", "long", 1.0, 1000.0, 100.0, symbol=table)
    want = liquidation_price("binance", "long", 1.0, 1000.0, 100.0, mmr=0.0065)
    assert got == pytest.approx(want)


def test_dataframe_entry_point_isolated_and_cross() -> None:
    df = pd.DataFrame(
        {
            "side": ["long", "long"],
            "size": [3683.979, 3683.979],
            "entry_price": [1456.84, 1456.84],
            "collateral": [1535443.01, 1535443.01],
            "margin_mode": ["isolated", "cross"],
            "other_maint_margin": [50_000.0, 50_000.0],
            "other_upnl": [0.0, 0.0],
        }
    )
    res = liquidation_prices(df, venue="binance", mmr=0.10, cum=135365)
    assert res.liquidation_price[0] == pytest.approx(1114.78, abs=0.01)
    assert res.liquidation_price[1] > res.liquidation_price[0]  # other MM eats the wallet


def test_dataframe_requires_columns() -> None:
    with pytest.raises(InputError, match="collateral"):
        liquidation_prices(pd.DataFrame({"side": ["long"], "size": [1.0], "entry_price": [1.0]}))


def test_hedge_formula_with_one_leg_equals_one_way() -> None:
    one_way = liquidation_price("binance", "long", 2.0, 100.0, 30.0, mmr=0.004, cum=0.0)
    hedge = hedge_liquidation_price(
        30.0, 2.0, 100.0, 0.0, 0.0, mmr_long=0.004, cum_long=0.0, mmr_short=0.004, cum_short=0.0
    )
    assert float(hedge) == pytest.approx(one_way)


def test_scalar_call_does_not_import_numba() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from liqcascade.margin import liquidation_price; "
        "liquidation_price('binance', 'long', 1.0, 100.0, 10.0, mmr=0.004); "
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_later_table_does_not_change_an_earlier_as_of_result(monkeypatch) -> None:
    from dataclasses import replace

    from liqcascade.margin import _tables

    before = liquidation_price("binance", "long", 109.488, 32481.98, 1535443.01, **BTC)
    packaged = _tables.packaged_tables()
    later = replace(
        brackets("binance", "BTCUSDT"),
        effective_from=pd.Timestamp("2030-01-01").date(),
        floors=(0.0,),
        caps=(1e9,),
        mmrs=(0.1,),
        cums=(0.0,),
        max_leverages=(10.0,),
        _arrays={},
    )
    monkeypatch.setattr(_tables, "_packaged", lambda: (*packaged, later))
    assert brackets("binance", "BTCUSDT").effective_from.year == 2030  # the new table is live
    after = liquidation_price("binance", "long", 109.488, 32481.98, 1535443.01, **BTC)
    assert after == before  # as of 2021-06-01 nothing changed


def test_dataframe_groups_by_venue_and_symbol_columns() -> None:
    df = pd.DataFrame(
        {
            "venue": ["hyperliquid", "binance", "hyperliquid"],
            "symbol": ["BTC", "ETHUSDT", "BTC"],
            "side": ["long", "long", "short"],
            "size": [0.0015, 3683.979, 0.0015],
            "entry_price": [66930.0, 1456.84, 66930.0],
            "collateral": [20.043862, 1535443.01, 20.043862],
        }
    )
    res = liquidation_prices(df, at="2025-09-22")
    hl = liquidation_price(
        "hyperliquid", ["long", "short"], 0.0015, 66930.0, 20.043862, symbol="BTC"
    )
    assert res.liquidation_price[[0, 2]].tolist() == hl.tolist()
    # the binance row uses the ETHUSDT table in force on that date, as a scalar call does
    eth = liquidation_price(
        "binance", "long", 3683.979, 1456.84, 1535443.01, symbol="ETHUSDT", at="2025-09-22"
    )
    assert res.liquidation_price[1] == eth
    assert res.table is None  # several tables were used


def test_dataframe_uses_the_table_in_force_at_the_date() -> None:
    df = pd.DataFrame(
        {
            "venue": ["binance"],
            "symbol": ["ETHUSDT"],
            "side": ["long"],
            "size": [3683.979],
            "entry_price": [1456.84],
            "collateral": [1535443.01],
        }
    )
    # Binance FAQ example under the 2021 ETHUSDT table: 1114.78
    res = liquidation_prices(df, at="2021-06-01")
    assert res.liquidation_price[0] == pytest.approx(1114.78, abs=0.01)


def test_initial_margin_without_leverage_column_is_an_error() -> None:
    # the packaged 2021 ETHUSDT table has no initialLeverage column
    with pytest.raises(BracketError, match="initialLeverage"):
        initial_margin("binance", 1.0, 2000.0, symbol="ETHUSDT", at="2021-06-01")


def test_one_failure_one_error_type_in_every_function() -> None:
    # 5,000 BTC at 120,000 = 600 M USDT notional, beyond the 2021 BTCUSDT table's last cap
    # (500 M): the same BracketError from the price, the ratio and the maintenance functions.
    args = ("binance", "long", 5_000.0, 120_000.0, 400e6)
    table = {"symbol": "BTCUSDT", "at": "2021-06-01"}
    with pytest.raises(BracketError, match="last bracket"):
        liquidation_price(*args, **table)
    with pytest.raises(BracketError, match="last bracket"):
        margin_ratio(*args, 120_000.0, **table)
    with pytest.raises(BracketError, match="last bracket"):
        maintenance_margin("binance", 5_000.0, 120_000.0, **table)


def test_an_unknown_option_is_named_with_the_valid_ones() -> None:
    for function in (liquidation_price, bankruptcy_price, margin_detailed):
        with pytest.raises(TypeError, match=r"mrr.*expected some of mmr, cum"):
            function("binance", "long", 1.0, 100.0, 10.0, mrr=0.004)
    with pytest.raises(TypeError, match="mrr"):
        margin_ratio("binance", "long", 1.0, 100.0, 10.0, 95.0, mrr=0.004)
    # one position's maintenance margin has no cross-margin options
    with pytest.raises(TypeError, match="other_upnl"):
        maintenance_margin("binance", 1.0, 100.0, mmr=0.004, other_upnl=5.0)


def test_options_are_one_frozen_object() -> None:
    from dataclasses import FrozenInstanceError

    from liqcascade.margin._api import MarginOptions

    options = MarginOptions.of("liquidation_price", {"mmr": 0.004, "inverse": True})
    assert (options.mmr, options.inverse, options.other_upnl) == (0.004, True, 0.0)
    with pytest.raises(FrozenInstanceError):
        options.mmr = 0.005  # type: ignore[misc]
