"""Treasury-company highs are labelled by the year they are taken over (a 2026 as-of says 2026)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade._json import jsonable
from liqcascade.report._facts import _stock_facts
from liqcascade.report._macro import treasury_stocks_section
from liqcascade.report._window import parse_asof


class _Candles:
    """A store double holding a few hand-made daily equity bars of one company."""

    def __init__(self, rows: list[tuple[str, float, float]]) -> None:
        self.frame = pd.DataFrame(
            {
                "time": pd.to_datetime([r[0] for r in rows], utc=True),
                "symbol": "MSTR",
                "currency": "USD",
                "interval": "1d",
                "high": [r[1] for r in rows],
                "close": [r[2] for r in rows],
            }
        )

    def read(self, dataset: str, *, start: Any = None, end: Any = None, **equals: Any):
        f = self.frame
        return f[(f["time"] >= start) & (f["time"] < end)]


def test_a_2026_report_takes_and_names_the_2026_high() -> None:
    store = _Candles(
        [
            ("2025-11-20", 400.0, 390.0),  # last year's high: outside the 2026 window
            ("2026-01-02", 200.0, 190.0),  # the 2026 high so far
            ("2026-01-09", 185.0, 180.0),  # last close before Monday 2026-01-12
            ("2026-01-13", 170.0, 160.0),  # last close by the as-of day
            ("2026-01-15", 900.0, 800.0),  # after the as-of close: never seen
        ]
    )
    section, _ = treasury_stocks_section(store, parse_asof("2026-01-14"))
    block = jsonable(section)  # the report.json form
    (company,) = block["companies"]
    assert company["high_ytd"] == 200.0
    assert company["from_ytd_high_pct"] == 160.0 / 200.0 - 1.0  # -20 %
    assert company["week_change_pct"] == 160.0 / 180.0 - 1.0
    assert block["high_label"] == "2026 year-to-date high"
    (line,) = [f for f in _stock_facts(block) if f.startswith("MSTR")]
    assert "from its 2026 year-to-date high (200.00 USD)" in line
    assert "2025" not in line
