"""The one position-book schema: clear errors, and margin, map and sim accept the same frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqcascade.errors import InputError
from liqcascade.leverage import map_from_frames
from liqcascade.leverage._map import POSITION_COLUMNS, _curve_at
from liqcascade.margin import _positions as schema
from liqcascade.margin import liquidation_prices
from liqcascade.sim._positions import prepare_positions

# Binance FAQ "How to Calculate Liquidation Price of USDⓈ-M Contracts", ETHUSDT one-way
# isolated example: size 3683.979, entry 1456.84, wallet 1,535,443.01, MMR 10 %, cum 135,365
# -> LP 1114.78. The second row is the same position in cross mode with 50,000 USDT of other
# positions' maintenance margin (TMM1): LP = (WB - TMM1 + cum - size*EP) / (size*MMR - size).
FAQ = pd.DataFrame(
    {
        "venue": "binance",
        "symbol": "ETH/USDT:USDT",
        "side": ["long", "long"],
        "size": [3683.979, 3683.979],
        "entry_price": [1456.84, 1456.84],
        "collateral": [1535443.01, 1535443.01],
        "margin_mode": ["isolated", "cross"],
        "other_maint_margin": [50_000.0, 50_000.0],
        "mmr": [0.10, 0.10],
        "cum": [135365.0, 135365.0],
    }
)
# (1535443.01 - 50000 + 135365 - 3683.979*1456.84) / (3683.979*0.10 - 3683.979)
CROSS_LP = (1535443.01 - 50_000 + 135365 - 3683.979 * 1456.84) / (3683.979 * 0.10 - 3683.979)


def test_cross_golden_is_above_isolated() -> None:
    assert pytest.approx(1129.86, abs=0.01) == CROSS_LP  # other positions' MM eats 50,000


def test_margin_and_sim_price_the_same_frame_alike() -> None:
    margin = liquidation_prices(FAQ)
    sim = prepare_positions(FAQ, maintenance_margin_rate=0.005)
    assert margin.liquidation_price[0] == pytest.approx(1114.78, abs=0.01)
    assert margin.liquidation_price[1] == pytest.approx(CROSS_LP, rel=1e-12)
    # the simulator reads margin_mode where it matters: the cross row uses TMM1
    np.testing.assert_allclose(sim.liquidation, margin.liquidation_price, rtol=1e-12)
    np.testing.assert_allclose(sim.bankruptcy, margin.bankruptcy_price, rtol=1e-12)
    assert sim.price_source == "margin engine"


def test_margin_mode_is_optional_and_isolated_ignores_cross_terms() -> None:
    # without margin_mode every row takes the cross terms as given (the cross row's price)
    no_mode = liquidation_prices(FAQ.drop(columns="margin_mode"))
    assert no_mode.liquidation_price == pytest.approx([CROSS_LP, CROSS_LP], rel=1e-12)
    # without cross terms both modes price alike (so the simulator does not require the column)
    plain = FAQ.drop(columns=["other_maint_margin"])
    res = liquidation_prices(plain)
    assert res.liquidation_price[0] == pytest.approx(res.liquidation_price[1], rel=1e-15)
    sim = prepare_positions(plain.drop(columns="margin_mode"), maintenance_margin_rate=0.005)
    assert sim.liquidation == pytest.approx(res.liquidation_price, rel=1e-12)


def test_map_curve_reads_the_same_frame() -> None:
    book = FAQ.assign(liquidation_price=liquidation_prices(FAQ).liquidation_price)
    long_usd, short_usd = _curve_at(book, 1456.84, np.array([-0.23, -0.22]))
    # a 23 % drop reaches 1121.77 <= 1129.86 (cross row) but not 1114.78 (isolated row);
    # a 22 % drop (1136.34) reaches neither.
    assert long_usd[0] == pytest.approx(3683.979 * CROSS_LP)
    assert long_usd[1] == 0.0 and (short_usd == 0.0).all()


def _market(n_bars: int = 80) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    rng = np.random.default_rng(3)
    time = pd.Timestamp("2025-08-01", tz="UTC") + pd.to_timedelta(np.arange(n_bars) * 4, "h")
    close = 110_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n_bars)))
    open_ = np.r_[close[0], close[:-1]]
    candles = pd.DataFrame(
        {
            "time": time,
            "open": open_,
            "high": np.maximum(open_, close) * 1.004,
            "low": np.minimum(open_, close) * 0.996,
            "close": close,
        }
    )
    oi = pd.DataFrame({"time": time, "close_usd": 60e9 * np.ones(n_bars)})
    return candles, oi, time[-1] + pd.Timedelta("4h")


def test_map_positions_follow_the_schema_and_feed_margin_and_sim() -> None:
    candles, oi, asof = _market()
    positions = map_from_frames(candles, oi, symbol="BTC/USDT:USDT", asof=asof).positions
    assert list(positions.columns) == POSITION_COLUMNS
    schema.check_book(positions, required=schema.SIM_REQUIRED)
    sim = prepare_positions(positions, maintenance_margin_rate=0.005)
    np.testing.assert_array_equal(sim.liquidation, positions["liquidation_price"].to_numpy())
    res = liquidation_prices(positions, mmr=0.004)  # venue and symbol from the columns
    assert res.ok.all() and len(res.liquidation_price) == len(positions)


@pytest.mark.parametrize("column", schema.REQUIRED)
def test_missing_column_is_named(column: str) -> None:
    with pytest.raises(InputError, match=rf"missing column\(s\) \['{column}'\]"):
        liquidation_prices(FAQ.drop(columns=column))
    with pytest.raises(InputError, match=rf"missing column\(s\) \['{column}'\]"):
        prepare_positions(FAQ.drop(columns=column), maintenance_margin_rate=0.005)


@pytest.mark.parametrize(
    ("column", "value", "dtype"),
    [
        ("size", pd.Timestamp("2025-01-01"), "datetime64"),
        ("entry_price", True, "bool"),
        ("collateral", "lots", "(object|str)"),
        ("venue", 3, "int64"),
        ("side", pd.Timestamp("2025-01-01"), "datetime64"),
    ],
)
def test_bad_dtype_names_column_and_expected(column: str, value: object, dtype: str) -> None:
    bad = FAQ.assign(**{column: value})
    with pytest.raises(InputError, match=rf"column '{column}' has .*{dtype}.*; expected"):
        schema.check_book(bad)
    with pytest.raises(InputError, match=rf"column '{column}'"):
        liquidation_prices(bad)


def test_text_numbers_parse_and_bad_text_names_row() -> None:
    ok = FAQ.assign(size=["3683.979", "3683.979"])
    assert liquidation_prices(ok).liquidation_price[0] == pytest.approx(1114.78, abs=0.01)
    with pytest.raises(
        InputError, match=r"column 'size' has 'x' at row 1 \(dtype (object|str)\); expected number"
    ):
        liquidation_prices(FAQ.assign(size=["1.0", "x"]))


def test_bad_margin_mode_names_row_and_choices() -> None:
    bad = FAQ.assign(margin_mode=["isolated", "portfolio"])
    for call in (liquidation_prices, lambda f: prepare_positions(f, maintenance_margin_rate=0.0)):
        with pytest.raises(InputError, match=r"'portfolio' at row 1; expected 'isolated' or"):
            call(bad)


@st.composite
def books(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    finite = {"allow_nan": False, "allow_infinity": False}
    entry = draw(st.lists(st.floats(10.0, 1e5, **finite), min_size=n, max_size=n))
    lev = draw(st.lists(st.floats(1.5, 50.0, **finite), min_size=n, max_size=n))
    size = draw(st.lists(st.floats(1e-3, 1e3, **finite), min_size=n, max_size=n))
    side = draw(st.lists(st.sampled_from(["long", "short", "LONG", " Short"]), min_size=n))
    mode = draw(st.lists(st.sampled_from(["isolated", "cross"]), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "venue": "bybit",
            "symbol": "BTC/USDT:USDT",
            "side": side[:n],
            "size": size,
            "entry_price": entry,
            "collateral": np.array(size) * np.array(entry) / np.array(lev),
            "margin_mode": mode,
            "other_upnl": draw(st.floats(0.0, 1.0, **finite)),
            "mmr": 0.005,
        }
    )
    return frame


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(book=books())
def test_any_valid_book_prices_alike_in_margin_and_sim(book: pd.DataFrame) -> None:
    schema.check_book(book, required=schema.SIM_REQUIRED)
    margin = liquidation_prices(book)
    assert margin.ok.all()
    sim = prepare_positions(book, maintenance_margin_rate=0.005)
    np.testing.assert_allclose(sim.liquidation, margin.liquidation_price, rtol=1e-12)
    # isolated rows ignore other_upnl: they price as the same row without cross terms
    isolated = book["margin_mode"].to_numpy() == "isolated"
    alone = liquidation_prices(book.drop(columns=["other_upnl", "margin_mode"]))
    np.testing.assert_array_equal(
        margin.liquidation_price[isolated], alone.liquidation_price[isolated]
    )


@pytest.mark.property
@settings(max_examples=30, deadline=None)
@given(book=books(), data=st.data())
def test_dropping_any_required_column_is_refused_by_name(
    book: pd.DataFrame, data: st.DataObject
) -> None:
    column = data.draw(st.sampled_from(schema.SIM_REQUIRED))
    with pytest.raises(InputError, match=rf"\['{column}'\]"):
        prepare_positions(book.drop(columns=column), maintenance_margin_rate=0.005)
