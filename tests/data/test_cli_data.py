"""The ``liqcascade data`` commands, end to end on a temporary store."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from liqcascade.cli import app
from liqcascade.data import Store
from liqcascade.errors import ImportFormatError

pytestmark = pytest.mark.integration

HEADER = "open_time_utc,open_time_ms,open,high,low,close,volume_base,close_time_ms"
ROWS = [
    "2025-09-21 00:00:00,1758412800000,115632.38,115848.77,115188.00,115232.29,7.1,1758499199999",
    "2025-09-22 00:00:00,1758499200000,115232.29,115305.13,111800.00,112650.99,9.2,1758585599999",
]
runner = CliRunner()


@pytest.fixture
def klines(tmp_path: Path) -> Path:
    path = tmp_path / "files" / "BTCUSDT_D1.csv"
    path.parent.mkdir()
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return path


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_import_list_show_round_trip(tmp_path: Path, klines: Path) -> None:
    store = str(tmp_path / "store")
    out = invoke("data", "import", "auto", str(klines.parent), "--store", store)
    assert "candles" in out and "2" in out
    out = invoke("data", "list", "--all", "--store", store)
    assert "BTC/USDT" in out and "2025-09-21" in out  # rich wraps the series column
    csv_text = invoke("data", "show", "candles", "--symbol", "BTC/USDT", "--csv", "--store", store)
    frame = pd.read_csv(io.StringIO(csv_text))
    assert list(frame["close"]) == [115232.29, 112650.99]
    exported = tmp_path / "export.csv"
    exported.write_text(csv_text)
    again = tmp_path / "store2"
    invoke("data", "import", "auto", str(exported), "--store", str(again))
    pd.testing.assert_frame_equal(
        Store(again).candles("BTC/USDT"), Store(store).candles("BTC/USDT")
    )


def test_show_json(tmp_path: Path, klines: Path) -> None:
    store = str(tmp_path / "store")
    invoke("data", "import", "ohlcvfeed", str(klines), "--store", store)
    doc = json.loads(
        invoke("data", "show", "candles", "--symbol", "BTC/USDT", "--json", "--store", store)
    )
    records = doc["records"]
    assert doc["dataset"] == "candles" and doc["rows"] == 2
    assert [r["close"] for r in records] == [115232.29, 112650.99]
    assert records[0]["time"].startswith("2025-09-21T00:00:00")


def test_import_skip_bad_reports_rows(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT_D1.csv"
    path.write_text("\n".join([HEADER, ROWS[0], ROWS[1].replace("115305.13", "x")]) + "\n")
    out = invoke("data", "import", "auto", str(path), "--skip-bad", "--store", str(tmp_path / "s"))
    assert "1 bad row(s) skipped" in out
    assert "line 3" in out


def test_import_error_is_raised_for_the_root_handler(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT_D1.csv"
    path.write_text("\n".join([HEADER, ROWS[0].replace("115232.29", "?")]) + "\n")
    store = str(tmp_path / "s")
    result = runner.invoke(app, ["data", "import", "auto", str(path), "--store", store])
    assert isinstance(result.exception, ImportFormatError)


def test_error_exit_code_and_one_line_message(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT_D1.csv"
    path.write_text("\n".join([HEADER, ROWS[0].replace("115232.29", "?")]) + "\n")
    code = "from liqcascade.cli import main; main()"
    args = ["data", "import", "auto", str(path), "--store", str(tmp_path / "s")]
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "line 2, column 'close'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_sample_command_loads_the_sample(tmp_path: Path) -> None:
    out = invoke("data", "sample", "--store", str(tmp_path / "store"))
    assert "liquidations" in out
    assert not Store(tmp_path / "store").liquidations("BTC", exchange="binance").empty
