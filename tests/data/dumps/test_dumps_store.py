"""Dump fixtures through ``import_paths(store, "auto", ...)`` into a real store and back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import Store, import_paths
from liqcascade.errors import ImportFormatError


@pytest.fixture
def dumps(fixtures: Path, tmp_path: Path) -> Path:
    """A folder holding every Binance and Tardis fixture (as a user's download folder)."""
    folder = tmp_path / "downloads"
    shutil.copytree(fixtures / "binance", folder / "binance")
    shutil.copytree(fixtures / "tardis", folder / "tardis")
    return folder


@pytest.mark.integration
def test_auto_import_of_a_download_folder_reads_back(dumps: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    summary = import_paths(store, "auto", [dumps])
    # our metadata.json files are not data: the folder walk skips them, nothing else
    assert sorted(path.name for path, _ in summary.skipped_files) == ["metadata.json"] * 2
    assert summary.bad_rows == []
    # 3 perp 4h + 1 perp 1w + 2 mark 4h klines
    assert summary.totals["candles"].added == 6
    perp = store.candles("BTC/USDT:USDT", interval="4h", exchange="binance", market="perp")
    assert perp["close"].tolist() == [114602.9, 112454.4, 112814.1]
    mark = store.candles("BTC/USDT:USDT", interval="4h", market="mark")
    assert mark["volume"].isna().all() and len(mark) == 2
    funding = store.funding("BTC/USDT:USDT", exchange="binance")
    assert funding["rate"].tolist() == [0.0000179, 0.00005669, -0.00000066]
    oi = store.open_interest("BTC/USDT:USDT", exchange="binance", interval="5m")
    assert oi["close_usd"].iloc[0] == 12494186585.40
    ls = store.long_short("BTC/USDT:USDT", kind="global_account")
    assert ls["ratio"].tolist() == [0.56, 0.56]
    depth = store.depth("BTC/USDT:USDT", exchange="binance")
    assert len(depth) == 6 and set(depth["band"]) == {0.01, 0.02, 0.03, 0.04, 0.05}
    liq = store.liquidations("BTC/USDT:USDT", exchange="binance")
    assert liq["liquidated_side"].tolist() == ["long", "long", "short"]
    assert set(store.liquidations("BTC/USD:BTC")["exchange"]) == {"binance", "bybit"}


@pytest.mark.integration
def test_importing_the_same_dumps_twice_changes_nothing(dumps: Path, tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    import_paths(store, "auto", [dumps])
    before = store.liquidations("BTC/USDT:USDT")
    again = import_paths(store, "auto", [dumps])
    assert all(t.added == 0 and t.replaced == 0 for t in again.totals.values())
    pd.testing.assert_frame_equal(store.liquidations("BTC/USDT:USDT"), before)


@pytest.mark.integration
def test_a_bad_file_writes_nothing(dumps: Path, tmp_path: Path) -> None:
    bad = dumps / "binance" / "BTCUSDT-fundingRate-2025-10.csv"
    bad.write_text("1759276800000,8,0.0001\n1759305600000,8,zero\n")
    store = Store(tmp_path / "store")
    with pytest.raises(ImportFormatError) as info:
        import_paths(store, "auto", [dumps])
    assert (info.value.line, info.value.column, info.value.value) == (
        2,
        "last_funding_rate",
        "zero",
    )
    assert store.funding("BTC/USDT:USDT").empty
    assert store.candles("BTC/USDT:USDT", interval="4h").empty


@pytest.mark.integration
def test_cli_import_auto_then_skip_bad(dumps: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from liqcascade.cli import app

    bad = dumps / "tardis" / "bybit_liquidations_2025-09-23_BTCUSDT.csv"
    bad.write_text(
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
        "bybit,BTCUSDT,1758600000000000,1758600000100000,,sell,112310.0,0.5\n"
        "bybit,BTCUSDT,1758600001000000,1758600001100000,,sell,112310.0\n"
    )
    store = tmp_path / "store"
    refused = CliRunner().invoke(app, ["data", "import", "auto", str(dumps), "--store", str(store)])
    assert refused.exit_code != 0
    assert "line 3" in str(refused.exception) and bad.name in str(refused.exception)
    args = ["data", "import", "auto", str(dumps), "--store", str(store), "--skip-bad"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    bybit = Store(store).liquidations("BTC/USDT:USDT", exchange="bybit")
    assert len(bybit) == 2  # one from the fixture, one good row of the bad file
