"""Shares vs reported PIPE issue prices in the weekly report, on the bundled sample.

Golden values by hand from the real rows: PIPE prices from
``shared/data/market/dat_pipe_terms_secondary/dat_pipe_terms.csv`` and closes from
``dat_stock_prices_dattracker/dat_stock_prices_daily.csv.gz`` (lines quoted per case).
"""

from __future__ import annotations

import pytest

from liqcascade._json import jsonable
from liqcascade.data import Store
from liqcascade.report import WeeklyReport
from liqcascade.report._facts import _pipe_facts
from liqcascade.report._pipe import pipe_section
from liqcascade.report._window import parse_asof


def _by_name(store: Store, asof: str) -> tuple[dict, dict]:
    block, _ = pipe_section(store, parse_asof(asof))
    data = jsonable(block)  # the report.json form
    return data, {c["ticker"] or c["company"]: c for c in data.get("companies", [])}


def test_closes_against_pipe_prices_on_2025_09_25(sample_store: Store) -> None:
    data, rows = _by_name(sample_store, "2025-09-25")
    # "NAKA,US,USD,2025-09-25,1.16,1.33,1.13,1.26,48725700" vs pipe_price 1.12:
    # 1.26 / 1.12 - 1 = 0.125 -> 12.5 % ABOVE the issue price
    assert rows["NAKA"]["close"] == 1.26
    assert rows["NAKA"]["close_date"] == "2025-09-25"
    assert rows["NAKA"]["vs_pipe_pct"] == pytest.approx(0.125, abs=1e-12)
    # "ASST,US,USD,2025-09-25,2.75,3.09,2.63,2.75,9593300" vs 1.35: 2.75 / 1.35 - 1 = 1.037037
    assert rows["ASST"]["vs_pipe_pct"] == pytest.approx(2.75 / 1.35 - 1, rel=1e-12)
    assert rows["ASST"]["vs_pipe_pct"] == pytest.approx(1.037037, abs=1e-6)
    # "BMNR,US,USD,2025-09-25,48.96,50.96,47.21,49.57,50484700" vs 4.50: 49.57/4.5 - 1 = 10.0156
    assert rows["BMNR"]["vs_pipe_pct"] == pytest.approx(10.015556, abs=1e-6)
    # CEP has no share candles (the vendor file has no CEP ticker); Empery Digital no ticker
    assert not rows["CEP"]["available"]
    assert rows["Empery Digital"]["reason"] == "the source gives no ticker"
    assert (data["compared"], data["below"]) == (3, 0)
    assert data["label"] == "reported"


def test_terms_not_yet_published_are_not_used(sample_store: Store) -> None:
    # The CryptoQuant-sourced terms were published 2025-09-25: as of 2025-09-24 only BMNR's
    # (press release 2025-07-01) is known. "BMNR,...,2025-09-24,55.3,55.5,51.53,51.92,...":
    # 51.92 / 4.50 - 1 = 10.537778
    _, rows = _by_name(sample_store, "2025-09-24")
    assert set(rows) == {"BMNR"}
    assert rows["BMNR"]["close_date"] == "2025-09-24"
    assert rows["BMNR"]["vs_pipe_pct"] == pytest.approx(10.537778, abs=1e-6)


def test_nothing_before_the_first_publication(sample_store: Store) -> None:
    # BMNR's press release is dated 2025-07-01: on 2025-06-30 no term is known yet
    data, rows = _by_name(sample_store, "2025-06-30")
    assert not data["available"] and rows == {}


def test_facts_say_reported_and_name_the_source(sample_store: Store) -> None:
    block, _ = pipe_section(sample_store, parse_asof("2025-09-25"))
    text = "\n".join(_pipe_facts(jsonable(block)))
    assert "NAKA closed 1.26 USD on 2025-09-25, 12.5% above the PIPE issue price 1.12" in text
    assert "reported, source https://thecryptonewshub.com/pipe-dreams" in text
    assert "0 of 3 companies with share prices close below theirs" in text


def test_report_files_carry_the_fact(sample_report: WeeklyReport) -> None:
    assert sample_report.data["pipe_terms"]["compared"] == 3
    for path in (sample_report.markdown_path, sample_report.html_path):
        assert "12.5% above the PIPE issue price" in path.read_text(encoding="utf-8")
