"""The engine blocks: missing data says "not available", a bug raises, each book is built once."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from liqcascade._json import jsonable
from liqcascade.errors import NoDataError
from liqcascade.report import _engines
from liqcascade.report._window import parse_asof

WINDOW = parse_asof("2025-09-25")
REPORT = Path(_engines.__file__).parent


class EmptyStore:
    """A store without any data (the engines themselves are replaced in these tests)."""

    def read(self, dataset, **filters):
        raise NoDataError(f"no {dataset}")


def _raise(exc: Exception):
    def engine(*args, **kwargs):
        raise exc

    return engine


def _cascade(shock: float) -> SimpleNamespace:
    return SimpleNamespace(start_price=100.0, trough_price=100.0 * (1 + 2 * shock),
                           move_pct=2 * shock, liquidated_long_usd=1e6, liquidated_short_usd=0.0,
                           insurance_fund_used_usd=0.0, adl_usd=0.0)  # fmt: skip


@pytest.fixture
def histories(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """Replace the StressHistory the report builds by a record of (symbol, end)."""
    built: list[tuple[str, object]] = []

    def fake_history(store, symbol, *, end, book=None):
        built.append((symbol, end))
        return SimpleNamespace(symbol=symbol, book=book)

    monkeypatch.setattr(_engines, "StressHistory", fake_history)
    return built


def test_missing_data_gives_null_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_engines, "estimate_engine", _raise(NoDataError("no 4h candles")))
    monkeypatch.setattr(_engines, "map_engine", _raise(NoDataError("no open interest")))
    monkeypatch.setattr(_engines, "StressHistory", _raise(NoDataError("no depth")))
    assert jsonable(_engines.stress(EmptyStore(), WINDOW)) == {
        "available": False,
        "reason": "no depth",
    }
    estimated, daily = _engines.estimated_liquidations(EmptyStore(), WINDOW)
    assert jsonable(estimated) == {
        "available": False,
        "reason": "estimate_liquidations failed: no 4h candles",
    }
    assert daily is None
    block, book = _engines.liquidation_map(EmptyStore(), WINDOW, "BTC/USDT:USDT")
    assert jsonable(block) == {
        "available": False,
        "reason": "liquidation_map failed: no open interest",
    }
    assert book is None


@pytest.mark.parametrize("error", [TypeError("bad argument"), AttributeError("no .curve")])
def test_a_programming_error_in_an_engine_raises(
    monkeypatch: pytest.MonkeyPatch, histories: list, error: Exception
) -> None:
    monkeypatch.setattr(_engines, "estimate_engine", _raise(error))
    monkeypatch.setattr(_engines, "map_engine", _raise(error))
    monkeypatch.setattr(_engines, "stress_engine", _raise(error))
    with pytest.raises(type(error)):
        _engines.estimated_liquidations(EmptyStore(), WINDOW)
    with pytest.raises(type(error)):
        _engines.liquidation_map(EmptyStore(), WINDOW, "BTC/USDT:USDT")
    with pytest.raises(type(error)):
        _engines.stress(EmptyStore(), WINDOW)


def test_report_modules_do_not_use_importlib() -> None:
    offenders = []
    for path in sorted(REPORT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Name | ast.Attribute):
                names = [node.id if isinstance(node, ast.Name) else node.attr]
            if any(n.split(".")[0] in ("importlib", "__import__") for n in names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_each_asset_builds_one_history_shared_by_its_shocks(
    monkeypatch: pytest.MonkeyPatch, histories: list
) -> None:
    calls = []

    def fake_stress(store, symbol, asof, shock, *, history):
        calls.append((symbol, asof, shock, history))
        return SimpleNamespace(cascade=_cascade(shock), monte_carlo=None)

    monkeypatch.setattr(_engines, "stress_engine", fake_stress)
    out = _engines.stress(EmptyStore(), WINDOW)
    assert isinstance(out, _engines.StressBlock)
    # 2 assets x 2 shocks, but one history per asset, built up to the as-of close only
    assert histories == [("BTC/USDT:USDT", WINDOW.cutoff), ("ETH/USDT:USDT", WINDOW.cutoff)]
    assert len(calls) == 4
    assert {asof for _, asof, _, _ in calls} == {WINDOW.cutoff}
    assert all(history.symbol == symbol for symbol, _, _, history in calls)
    first = jsonable(out)["shocks"][0]
    assert first["shock"] == -0.05
    assert first["trough_price"] == pytest.approx(90.0)  # 100 * (1 - 2 * 5 %)


def test_the_maps_books_reach_the_histories(
    monkeypatch: pytest.MonkeyPatch, histories: list
) -> None:
    books = []

    def fake_stress(store, symbol, asof, shock, *, history):
        books.append((symbol, history.book))
        return SimpleNamespace(cascade=_cascade(shock), monte_carlo=None)

    monkeypatch.setattr(_engines, "stress_engine", fake_stress)
    btc_map = SimpleNamespace(symbol="BTC/USDT:USDT")  # the report's map of BTC; ETH had none
    _engines.stress(EmptyStore(), WINDOW, {"BTC": btc_map, "ETH": None})
    assert books == [("BTC/USDT:USDT", btc_map)] * 2 + [("ETH/USDT:USDT", None)] * 2


def test_one_shock_without_data_keeps_the_others(
    monkeypatch: pytest.MonkeyPatch, histories: list
) -> None:
    def fake_stress(store, symbol, asof, shock, *, history):
        if symbol.startswith("ETH") and shock == -0.10:
            raise NoDataError("no overshoots")
        return SimpleNamespace(cascade=_cascade(shock), monte_carlo=None)

    monkeypatch.setattr(_engines, "stress_engine", fake_stress)
    shocks = jsonable(_engines.stress(EmptyStore(), WINDOW))["shocks"]
    assert [s["available"] for s in shocks] == [True, True, True, False]
    assert shocks[3] == {"asset": "ETH", "shock": -0.10, "available": False,
                         "reason": "no overshoots"}  # fmt: skip


def test_stress_block_shows_monte_carlo_quantiles_and_the_historical_frequency(
    monkeypatch: pytest.MonkeyPatch, histories: list
) -> None:
    def fake_stress(store, symbol, asof, shock, *, history):
        q = {
            "move_pct": {"p10": 2 * shock, "p50": 1.2 * shock, "p90": shock},
            "liquidated_long_usd": {"p10": 1e6, "p50": 5e6, "p90": 9e6},
        }
        return SimpleNamespace(
            cascade=_cascade(shock), monte_carlo=SimpleNamespace(quantiles=lambda: q)
        )

    class Days:  # daily bars 09-21 .. 09-26; lows from the open: -1, -6, -12, -2, -50, -90 %
        def read(self, kind, **filters):
            times = pd.date_range("2025-09-21", periods=6, freq="1D", tz="UTC")
            return pd.DataFrame({"time": times, "open": 100.0,
                                 "low": [99.0, 94.0, 88.0, 98.0, 50.0, 10.0]})  # fmt: skip

    monkeypatch.setattr(_engines, "stress_engine", fake_stress)
    out = jsonable(_engines.stress(Days(), WINDOW))
    five = next(s for s in out["shocks"] if s["asset"] == "ETH" and s["shock"] == -0.05)
    assert five["move_p50"] == pytest.approx(-0.06)
    assert five["liquidated_long_p90"] == 9e6
    # the cutoff is 2025-09-25's close (09-26 00:00): days 21..25 are known, the 26th is not
    assert five["history_days"] == 5
    assert five["history_hits"] == 3  # -6 %, -12 % and -50 % reached -5 %
    assert five["history_median_move"] == pytest.approx(-0.12)
    ten = next(s for s in out["shocks"] if s["asset"] == "ETH" and s["shock"] == -0.10)
    assert ten["history_hits"] == 2
