"""``liqcascade validate``: --json is one JSON object, --help has an example, bad values exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _validate_fakes import BTC, ETH
from typer.testing import CliRunner

from liqcascade.cli import app


def _invoke(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


def test_json_is_one_object_on_stdout(small_store_path: Path, fake_scorers) -> None:
    result = _invoke(
        "--symbol", BTC, "--symbol", ETH, "--start", "2025-01-05", "--end", "2025-01-25",
        "--json", "--store", str(small_store_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc["stress"]) == [BTC, ETH]
    assert doc["summary"]["passed"] is True
    assert doc["shock"] == 0.02


def test_html_card_is_written_and_json_stays_clean(
    small_store_path: Path, fake_scorers, tmp_path: Path
) -> None:
    card = tmp_path / "card.html"
    result = _invoke(
        "--symbol", BTC, "--json", "--html", str(card), "--store", str(small_store_path)
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # "wrote ..." went to stderr
    assert "<html" in card.read_text(encoding="utf-8")


def test_table_output_says_not_available(small_store_path: Path, fake_scorers) -> None:
    fake_scorers.raises["liquidations"] = NotImplementedError("being built")
    result = _invoke("--symbol", BTC, "--store", str(small_store_path))
    assert result.exit_code == 0, result.output
    assert "not available" in result.stdout and "being built" in result.stdout


def test_help_has_a_worked_example() -> None:
    result = _invoke("--help")
    assert result.exit_code == 0
    assert "liqcascade validate --symbol BTC/USDT:USDT --symbol ETH/USDT:USDT" in result.output
    assert "FRACTION" in result.output


@pytest.mark.parametrize("shock", ["2", "0", "-0.02", "1"])
def test_shock_outside_0_1_exits_2(small_store_path: Path, fake_scorers, shock: str) -> None:
    result = _invoke("--symbol", BTC, "--shock", shock, "--store", str(small_store_path))
    assert result.exit_code == 2
    assert "FRACTION" in result.output
    assert fake_scorers.calls == []


def test_reversed_dates_exit_2(small_store_path: Path, fake_scorers) -> None:
    result = _invoke(
        "--symbol", BTC, "--start", "2025-01-20", "--end", "2025-01-10",
        "--store", str(small_store_path),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "not after" in result.output


def test_unreadable_date_exits_2(small_store_path: Path, fake_scorers) -> None:
    result = _invoke("--symbol", BTC, "--start", "yesterday-ish", "--store", str(small_store_path))
    assert result.exit_code == 2
    assert "not a date" in result.output
