"""`report week` on a store holding only candles: it succeeds and lists what is missing."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from liqcascade.data import Store
from liqcascade.data._frames import to_frame
from liqcascade.data._sample import sample_files
from liqcascade.data._schema import DATASETS
from liqcascade.report import weekly_report
from liqcascade.report._missing import FILL, MissingSection, PartialInput, missing_sections


@pytest.fixture(scope="module")
def candles_report(tmp_path_factory: pytest.TempPathFactory):
    store = Store(tmp_path_factory.mktemp("candles_only") / "store")
    candles = to_frame(DATASETS["candles"], pq.read_table(sample_files()["candles"]))
    store.write("candles", candles[candles["exchange"] == "binance"])
    return weekly_report(store, "2025-09-25", out_dir=tmp_path_factory.mktemp("report"))


def test_candles_only_report_lists_each_missing_section_with_its_command(candles_report) -> None:
    data = json.loads(candles_report.json_path.read_text(encoding="utf-8"))
    assert data["assets"]["BTC"]["available"] is not False
    missing = {m["section"]: m for m in data["missing"]}
    for section in ("liquidations", "open_interest.BTC", "funding", "etf_flows", "long_short",
                    "liquidation_map.BTC", "stress", "sentiment", "macro"):  # fmt: skip
        assert section in missing, section
        assert missing[section]["fill"].startswith("liqcascade "), section
    assert "--what ohlcv,oi" in missing["liquidation_map.BTC"]["fill"]


def test_missing_sections_are_in_the_markdown(candles_report) -> None:
    text = candles_report.markdown_path.read_text(encoding="utf-8")
    assert "## Missing data and how to fill it" in text
    assert "farside" in text


def test_partial_engine_inputs_are_listed_as_partial() -> None:
    report = {
        "funding": {"available": True},
        "liquidation_map": {
            "BTC": {"available": True, "missing": ["all-exchange open interest"]},
            "ETH": {"available": False, "reason": "no 4h candles"},
        },
    }
    assert missing_sections(report) == [
        PartialInput(section="liquidation_map.BTC", reason="all-exchange open interest", fill=""),
        MissingSection(section="liquidation_map.ETH", reason="no 4h candles",
                       fill=FILL["liquidation_map"]),
    ]  # fmt: skip
