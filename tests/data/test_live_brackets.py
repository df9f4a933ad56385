"""`margin brackets --refresh` on RECORDED tier answers replayed by a fake exchange (no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from liqcascade.data import live, live_brackets
from liqcascade.errors import NoBracketTableError, RemoteError
from liqcascade.margin import brackets, user_brackets_dir

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ccxt" / "tiers.json"
NOW = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


class RecordedTiers:
    """Replays one venue's recorded tiers like ccxt would (markets, unified tiers, HL meta)."""

    def __init__(self, venue: str, *, error: Exception | None = None) -> None:
        spec = json.loads(FIXTURE.read_text(encoding="utf-8"))[venue]
        self.id = venue
        self.has = spec.get("has", {})
        self.markets = spec.get("markets", {})
        self.recorded = spec
        self.error = error
        self.calls: list[str] = []

    def load_markets(self) -> dict[str, Any]:
        return self.markets

    def market(self, symbol: str) -> dict[str, Any]:
        return self.markets[symbol]

    def fetch_leverage_tiers(self, symbols=None, params=None) -> dict[str, Any]:
        self.calls.append("fetch_leverage_tiers")
        if self.error is not None:
            raise self.error
        tiers = self.recorded["tiers"]
        return {s: tiers[s] for s in (symbols or tiers)}

    def fetch_market_leverage_tiers(self, symbol, params=None) -> list[Any]:
        self.calls.append("fetch_market_leverage_tiers")
        if self.error is not None:
            raise self.error
        return self.recorded["tiers"][symbol]

    def public_post_info(self, params) -> dict[str, Any]:
        assert params == {"type": "meta"}
        return self.recorded["meta"]


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIQCASCADE_HOME", str(tmp_path))
    return tmp_path


def test_user_tables_live_beside_the_store(home: Path) -> None:
    assert user_brackets_dir() == home / "brackets"


def test_bybit_refresh_writes_a_dated_table_that_brackets_finds(home: Path) -> None:
    result = live_brackets.refresh_brackets(
        "bybit", ["BTCUSDT"], client=RecordedTiers("bybit"), now=NOW
    )
    path = result.written["BTC/USDT:USDT"]
    assert path.name == "bybit_linear_BTCUSDT_2026-11-30.json" and path.parent == home / "brackets"
    table = brackets("bybit", "BTC/USDT:USDT")
    assert str(table.effective_from) == "2026-11-30"  # the fetch day, newer than the packaged
    assert table.caps == (2_000_000.0, 2_600_000.0)
    # Bybit's own mmDeduction of tier 2 kept: 2,000,000 x (0.0056 - 0.005) = 1,200
    assert table.cums == (0.0, 1200.0)
    assert "/v5/market/risk-limit" in table.source and "2026-11-30 09:15 UTC" in table.source
    # a date before the fetch still gets the packaged table
    assert str(brackets("bybit", "BTCUSDT", at="2026-11-29").effective_from) == "2025-01-01"


def test_okx_contract_tiers_become_base_unit_quantity_tiers(home: Path) -> None:
    client = RecordedTiers("okx")
    live_brackets.refresh_brackets("okx", ["ADA-USDT-SWAP"], client=client, now=NOW)
    assert client.calls == ["fetch_market_leverage_tiers"]  # OKX: one family per call
    table = brackets("okx", "ADA/USDT:USDT")
    assert table.basis == "quantity"
    # 1,500 / 3,000 / 6,000 contracts x ctVal 100 ADA; floors are the previous caps
    assert table.caps == (150_000.0, 300_000.0, 600_000.0)
    assert table.floors == (0.0, 150_000.0, 300_000.0)
    assert table.mmrs == (0.005, 0.0075, 0.01) and table.cums == (0.0, 0.0, 0.0)


def test_okx_without_symbol_asks_for_one(home: Path) -> None:
    from liqcascade.errors import InputError

    with pytest.raises(InputError, match="pass --symbol"):
        live_brackets.refresh_brackets("okx", None, client=RecordedTiers("okx"), now=NOW)


def test_binance_keeps_its_cum_and_asks_for_a_key_when_refused(home: Path) -> None:
    live_brackets.refresh_brackets("binance", ["ETHUSDT"], client=RecordedTiers("binance"), now=NOW)
    table = brackets("binance", "ETHUSDT")
    assert table.caps == (10_000.0,) and table.mmrs == (0.0065,) and table.max_leverages == (75.0,)
    ccxt = pytest.importorskip("ccxt")
    refused = RecordedTiers("binance", error=ccxt.AuthenticationError("requires apiKey"))
    with pytest.raises(RemoteError, match="BINANCE_API_KEY"):
        live_brackets.refresh_brackets("binance", ["ETHUSDT"], client=refused, now=NOW)


def test_hyperliquid_meta_tiers_match_the_documented_table(home: Path) -> None:
    result = live_brackets.refresh_brackets(
        "hyperliquid", ["BTC", "ETH", "NOPE"], client=RecordedTiers("hyperliquid"), now=NOW
    )
    fetched = brackets("hyperliquid", "BTC")
    packaged = brackets("hyperliquid", "BTC", at="2026-11-29")
    assert fetched.effective_from != packaged.effective_from
    # maintenance = 1 / (2 x 40) = 1.25 % then 1 / (2 x 20) = 2.5 %: the docs' table exactly
    assert (fetched.floors, fetched.mmrs, fetched.cums) == (
        packaged.floors,
        packaged.mmrs,
        packaged.cums,
    )
    assert "ETH/USDC:USDC" in result.skipped and "NOPE/USDC:USDC" in result.skipped


def test_a_rate_in_percent_is_refused_not_written(home: Path) -> None:
    client = RecordedTiers("bybit")
    client.recorded["tiers"]["BTC/USDT:USDT"][0]["maintenanceMarginRate"] = 0.5  # v2 percent
    result = live_brackets.refresh_brackets("bybit", ["BTCUSDT"], client=client, now=NOW)
    assert not result.written and "expected a fraction" in result.skipped["BTC/USDT:USDT"]
    assert not (home / "brackets").exists() or not list((home / "brackets").iterdir())


def test_offline_refresh_fails_fast_naming_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(address, timeout=None):
        raise OSError(-2, "Name or service not known")

    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(RemoteError, match=r"cannot reach www\.okx\.com:443"):
        live_brackets.make_tier_client("okx")
    with pytest.raises(RemoteError, match=r"cannot reach fapi\.binance\.com:443"):
        live_brackets.make_tier_client("binance")


def test_okx_without_a_table_says_how_to_refresh(home: Path) -> None:
    with pytest.raises(NoBracketTableError, match=r"margin brackets --refresh --venue okx"):
        brackets("okx", "DOGE/USDT:USDT")


def test_cli_refresh_then_print(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcascade.cli import app

    monkeypatch.setattr(live_brackets, "make_tier_client", lambda venue: RecordedTiers("okx"))
    args = ["margin", "brackets", "--refresh", "--venue", "okx", "--symbol", "ADA/USDT:USDT"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "saved" in result.output and "okx ADA/USDT:USDT brackets from" in result.output
    assert "150,000" in result.output  # 1,500 contracts x 100 ADA
    assert live.HOSTS["okx"] == live_brackets.TIER_HOSTS["okx"]


def test_cli_okx_without_a_table_says_how_to_refresh(home: Path) -> None:
    from liqcascade.cli import app

    args = ["margin", "brackets", "--venue", "okx", "--symbol", "BTC/USDT:USDT"]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, NoBracketTableError)
    assert "--refresh --venue okx --symbol BTC/USDT:USDT" in str(result.exception)
