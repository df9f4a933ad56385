"""The report renders whether or not the estimator, the map and the simulator are available."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from liqcascade.errors import NoDataError
from liqcascade.report import _engines
from liqcascade.report._window import parse_asof

WINDOW = parse_asof("2025-09-25")


def test_missing_engine_gives_null_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_engines, "_engine", lambda module, name: (None, f"{name} missing"))
    assert _engines.stress(object(), WINDOW) == {"available": False, "reason": "stress missing"}
    estimated, daily = _engines.estimated_liquidations(object(), WINDOW)
    assert estimated == {"available": False, "reason": "estimate_liquidations missing"}
    assert daily is None


def test_stress_results_are_read_from_the_central_cascade(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []

    def fake_stress(store, symbol, asof, shock):
        calls.append((symbol, asof, shock))
        cascade = SimpleNamespace(
            start_price=100.0,
            trough_price=100.0 * (1 + 2 * shock),
            move_pct=2 * shock,
            liquidated_long_usd=1e6,
            liquidated_short_usd=0.0,
            insurance_fund_used_usd=0.0,
            adl_usd=0.0,
        )
        return SimpleNamespace(cascade=cascade)

    monkeypatch.setattr(_engines, "_engine", lambda module, name: (fake_stress, ""))
    out = _engines.stress(object(), WINDOW)
    assert out["available"] is True
    # every shock is applied as of the as-of close, never later
    assert {asof for _, asof, _ in calls} == {WINDOW.cutoff}
    first = out["shocks"][0]
    assert first["shock"] == -0.05
    assert first["trough_price"] == pytest.approx(90.0)


def test_a_failing_engine_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise NoDataError("no depth known at 2025-09-26")

    monkeypatch.setattr(_engines, "_engine", lambda module, name: (broken, ""))
    out = _engines.stress(object(), WINDOW)
    assert out == {"available": False, "reason": "no depth known at 2025-09-26"}


def test_stress_block_shows_monte_carlo_quantiles_and_the_historical_frequency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pandas as pd

    def fake_stress(store, symbol, asof, shock):
        cascade = SimpleNamespace(start_price=100.0, trough_price=94.0, move_pct=-0.06,
                                  liquidated_long_usd=5e6, liquidated_short_usd=0.0,
                                  insurance_fund_used_usd=0.0, adl_usd=0.0)  # fmt: skip
        q = {
            "move_pct": {"p10": 2 * shock, "p50": 1.2 * shock, "p90": shock},
            "liquidated_long_usd": {"p10": 1e6, "p50": 5e6, "p90": 9e6},
        }
        return SimpleNamespace(cascade=cascade, monte_carlo=SimpleNamespace(quantiles=lambda: q))

    class Days:  # daily bars 09-21 .. 09-26; lows from the open: -1, -6, -12, -2, -50, -90 %
        def read(self, kind, **filters):
            times = pd.date_range("2025-09-21", periods=6, freq="1D", tz="UTC")
            return pd.DataFrame({"time": times, "open": 100.0,
                                 "low": [99.0, 94.0, 88.0, 98.0, 50.0, 10.0]})  # fmt: skip

    monkeypatch.setattr(_engines, "_engine", lambda module, name: (fake_stress, ""))
    out = _engines.stress(Days(), WINDOW)
    five = next(s for s in out["shocks"] if s["asset"] == "ETH" and s["shock"] == -0.05)
    assert five["move_p50"] == pytest.approx(-0.06)
    assert five["liquidated_long_p90"] == 9e6
    # the cutoff is 2025-09-25's close (09-26 00:00): days 21..25 are known, the 26th is not
    assert five["history_days"] == 5
    assert five["history_hits"] == 3  # -6 %, -12 % and -50 % reached -5 %
    assert five["history_median_move"] == pytest.approx(-0.12)
    ten = next(s for s in out["shocks"] if s["asset"] == "ETH" and s["shock"] == -0.10)
    assert ten["history_hits"] == 2
