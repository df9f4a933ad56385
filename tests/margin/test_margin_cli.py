"""``liqcascade margin`` commands, run through typer's test runner."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from liqcascade._cli import margin as margin_cli
from liqcascade.errors import InputError

pytestmark = pytest.mark.integration

FAQ_ETH = [
    "margin",
    "liq-price",
    "--venue",
    "binance",
    "--side",
    "long",
    "--size",
    "3683.979",
    "--entry",
    "1456.84",
    "--collateral",
    "1535443.01",
]


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """Test root."""

    margin_cli.register(root)
    return root


def test_liq_price_prints_two_decimals(app: typer.Typer) -> None:
    out = CliRunner().invoke(app, [*FAQ_ETH, "--mmr", "0.10", "--cum", "135365"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "1114.78"


def test_liq_price_json_with_dated_table(app: typer.Typer) -> None:
    out = CliRunner().invoke(
        app, [*FAQ_ETH, "--symbol", "ETH/USDT:USDT", "--at", "2021-06-01", "--json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert round(doc["liquidation_price"], 2) == 1114.78
    assert doc["bracket"]["maintMarginRatio"] == 0.10 and doc["bracket"]["cum"] == 135365
    assert set(doc) >= {"bankruptcy_price", "maintenance_margin", "margin_ratio", "bracket"}


def test_liq_price_bad_size_is_an_input_error(app: typer.Typer) -> None:
    args = [a if a != "3683.979" else "-1" for a in FAQ_ETH]
    out = CliRunner().invoke(app, [*args, "--mmr", "0.1"])
    assert isinstance(out.exception, InputError)
    assert "size -1.0 must be > 0" in str(out.exception)


def test_brackets_json(app: typer.Typer) -> None:
    out = CliRunner().invoke(
        app,
        [
            "margin",
            "brackets",
            "--venue",
            "binance",
            "--symbol",
            "BTCUSDT",
            "--at",
            "2021-06-01",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["brackets"]
    assert [r["cum"] for r in rows][:4] == [0, 50, 1300, 16300]


def test_brackets_table_without_max_leverage(app: typer.Typer) -> None:
    # The bundled 2021 ETHUSDT table (a calculator gist) lists no initialLeverage: rows()
    # gives None there, which the text table shows as "?" (it used to raise TypeError).
    args = ["margin", "brackets", "--venue", "binance", "--symbol", "ETHUSDT", "--at", "2021-06-01"]
    out = CliRunner().invoke(app, args, terminal_width=200)
    assert out.exit_code == 0, out.output
    # bracket 3: 100,000 to 500,000 at MMR 1 %, cum 365 (the FAQ's table)
    row = next(line for line in out.output.splitlines() if "500,000" in line and "365.00" in line)
    assert "?" in row and "1.0000%" in row


def test_help_has_examples(app: typer.Typer) -> None:
    out = CliRunner().invoke(app, ["margin", "liq-price", "--help"])
    assert "1114.78" in out.output and "--max-leverage" in out.output
