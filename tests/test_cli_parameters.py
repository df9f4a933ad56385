"""Every bad command-line value is one clear line and exit status 2, before any work starts;
ranges with no data and file-system failures are one line too (issue 16, cases 8 and 9)."""

from __future__ import annotations

import errno
import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

import liqcascade.data._transaction as transaction_module
from liqcascade.cli import main
from liqcascade.data import Store


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, sample_store_path: Path) -> Path:
    """This module's own copy of the session's sample store (some tests write to it)."""
    root = tmp_path_factory.mktemp("cli") / "store"
    shutil.copytree(sample_store_path, root)
    return root


def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """Run ``liqcascade *args`` in this process: (exit status, stderr)."""
    monkeypatch.setattr(sys, "argv", ["liqcascade", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


STRESS = ("stress", "--symbol", "BTC/USDT:USDT", "--asof", "2025-09-21")
REPLAY = ("replay", "--symbol", "BTC/USDT:USDT", "--start", "2025-09-22", "--end", "2025-09-23")

BAD = {
    "estimate reversed": (
        ("liquidations", "estimate", "--symbol", "BTC/USDT:USDT"),
        ("--start", "2025-09-25", "--end", "2025-09-22"),
        r"--start 2025-09-25 is after --end 2025-09-22; the range is empty",
    ),
    "estimate empty": (
        ("liquidations", "estimate", "--symbol", "BTC/USDT:USDT"),
        ("--start", "2025-09-22", "--end", "2025-09-22"),
        r"--start 2025-09-22 equals --end",
    ),
    "paths 0": (STRESS, ("--shock", "-0.03", "--paths", "0"), r"--paths 0 is out of range"),
    "paths 1e9": (
        STRESS,
        ("--shock", "-0.03", "--paths", "1000000000"),
        r"--paths 1,000,000,000 is out of range; expected 1 \.\. 10,000,000",
    ),
    "shock +500 %": (STRESS, ("--shock", "5"), r"--shock 5\.0 is out of range.*\(-1, 1\)"),
    "shock -100 %": (STRESS, ("--shock", "-1"), r"--shock -1\.0 is out of range"),
    "cluster without paths": (
        STRESS,
        ("--shock", "-0.03", "--cluster", "bogus"),
        r"--cluster 'bogus' is not understood",
    ),
    "refresh banana": (REPLAY, ("--refresh", "banana"), r"--refresh 'banana' is not a duration"),
    "refresh 0h": (REPLAY, ("--refresh", "0h"), r"--refresh '0h' is zero"),
    "show reversed": (
        ("data", "show", "candles"),
        ("--start", "2025-10-01", "--end", "2025-09-01"),
        r"--start 2025-10-01 is after --end 2025-09-01",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_parameter_is_one_line_and_exit_2(
    case: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command, options, message = BAD[case]
    code, err = cli(capsys, monkeypatch, *command, *options, "--store", str(tmp_path / "s"))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert re.search(message, err), err
    assert not (tmp_path / "s").exists()  # checked before the store was even opened


def test_html_into_a_missing_folder_or_onto_a_folder_is_refused_before_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = ("leverage", "map", "--symbol", "BTC/USDT:USDT", "--asof", "2025-09-21")
    store = ("--store", str(tmp_path / "s"))
    code, err = cli(
        capsys, monkeypatch, *command, "--html", str(tmp_path / "no" / "m.html"), *store
    )
    assert code == 2 and "does not exist" in err
    code, err = cli(capsys, monkeypatch, *command, "--html", str(tmp_path), *store)
    assert code == 2 and "is a folder" in err
    assert not (tmp_path / "s").exists()


def test_report_out_onto_an_existing_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("mine")
    code, err = cli(
        capsys, monkeypatch, "report", "week", "--asof", "2025-09-25", "--out", str(target)
    )
    assert code == 2 and "is a file; expected a folder" in err
    assert target.read_text() == "mine"


def test_an_estimate_over_dates_without_data_says_so(
    sample: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, err = cli(
        capsys,
        monkeypatch,
        *("liquidations", "estimate", "--symbol", "BTC/USDT:USDT"),
        *("--start", "2030-01-01", "--end", "2030-01-05", "--store", str(sample)),
    )
    assert code == 1
    assert "no liquidation bars for BTC/USDT:USDT between 2030-01-01 and 2030-01-05" in err


def test_a_full_disk_is_one_line_and_leaves_the_store_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = tmp_path / "bars.csv"
    pd.DataFrame(
        {
            "time": ["2025-09-22T00:00:00Z"],
            "exchange": ["binance"],
            "symbol": ["BTC/USDT"],
            "market": ["spot"],
            "interval": ["1d"],
            "close": [112650.99],
        }
    ).to_csv(csv, index=False)
    root = tmp_path / "s"
    Store(root)

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(transaction_module, "write_parquet", full)
    code, err = cli(
        capsys,
        monkeypatch,
        *("data", "import", "records", str(csv), "--kind", "candles", "--store", str(root)),
    )
    assert code == 1
    assert err.count("\n") == 1
    assert "the disk is full; nothing was changed" in err
    assert Store(root).version == 0
    assert not any(root.rglob("*.parquet"))
