"""``liqcascade data import <venue>-ws FILE``: captured frames through the live parser."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcascade.cli import app
from liqcascade.data import Store, import_paths
from liqcascade.errors import ImportFormatError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ws"
runner = CliRunner()


@pytest.mark.golden
def test_bybit_capture_through_the_cli(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = runner.invoke(
        app,
        [
            "data",
            "import",
            "bybit-ws",
            str(FIXTURES / "bybit-documented.jsonl"),
            "--store",
            str(store),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows = Store(store).liquidations("ROSE/USDT:USDT")
    assert len(rows) == 1  # the resent frame is stored once
    row = rows.iloc[0]
    # documented S=Sell = the POSITION side -> a short; 20000 ROSE x 0.04499 = 899.8 USD
    assert (row["liquidated_side"], row["qty"], row["coverage"]) == ("short", 20000.0, "complete")
    assert row["notional_usd"] == pytest.approx(899.8)


@pytest.mark.parametrize("venue", ["binance", "bybit", "hyperliquid"])
def test_gz_capture_equals_plain(tmp_path: Path, venue: str) -> None:
    plain = FIXTURES / f"{venue}-documented.jsonl"
    packed = tmp_path / f"{venue}.jsonl.gz"
    with plain.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    a, b = Store(tmp_path / "a"), Store(tmp_path / "b")
    import_paths(a, f"{venue}-ws", [plain])
    import_paths(b, "auto", [packed])  # auto-detected from the first frame
    cols = [
        "time",
        "exchange",
        "symbol",
        "liquidated_side",
        "qty",
        "price",
        "notional_usd",
        "event_id",
    ]
    assert a.read("liquidations")[cols].equals(b.read("liquidations")[cols])
    assert len(a.read("liquidations")) >= 1


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    path = FIXTURES / "binance-documented.jsonl"
    import_paths(store, "binance-ws", [path])
    before = store.read("liquidations")
    import_paths(store, "binance-ws", [path])
    assert store.read("liquidations").equals(before)
    assert len(before) == 2


def test_okx_unknown_contract_value_names_instrument_and_line(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"line 4.*IOST-USDT-SWAP.*ctVal"):
        import_paths(Store(tmp_path / "s"), "okx-ws", [FIXTURES / "okx-documented.jsonl"])


def test_okx_skip_bad_keeps_the_known_instruments(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    summary = import_paths(store, "okx-ws", [FIXTURES / "okx-documented.jsonl"], skip_bad=True)
    rows = store.liquidations("BTC/USDT:USDT")
    # 30 contracts x 0.01 BTC = 0.3 BTC at the bankruptcy price 60000 -> 18000 USD; sell -> long
    assert (len(rows), rows["liquidated_side"].iloc[0]) == (1, "long")
    assert rows["qty"].iloc[0] == pytest.approx(0.3)
    assert rows["notional_usd"].iloc[0] == pytest.approx(18_000.0)
    assert any("IOST" in row.reason for row in summary.bad_rows)
