"""The store touches only its own files: hostile partition names, crafted journals, foreign
folders, read-only stores, old-format stores (issue 16, cases 2, 3, 4 and 8)."""

from __future__ import annotations

import builtins
import errno
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from liqcascade.data import Store
from liqcascade.data._frames import conform
from liqcascade.data._schema import dataset
from liqcascade.errors import SchemaError, StoreError

Bars = Callable[..., pd.DataFrame]


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# -- case 2: opening a folder never deletes files it did not create ---------------------------


def test_opening_a_folder_that_is_not_a_store_is_refused_and_deletes_nothing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "u"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "draft.tmp").write_text("x")
    with pytest.raises(StoreError, match=r"not a liqcascade store \(it holds a\)"):
        Store(folder)
    assert (folder / "a" / "draft.tmp").read_text() == "x"


def test_a_users_tmp_file_inside_a_store_survives_opens_and_writes(
    store: Store, bars: Bars
) -> None:
    store.write("candles", bars(["2025-09-22"], [1.0]), source="t")
    draft = store.path / "candles" / "draft.tmp"
    draft.write_text("mine")
    nested = next((store.path / "candles").glob("*/")) / "notes.tmp"
    nested.write_text("mine too")
    Store(store.path).write("candles", bars(["2025-09-23"], [2.0]), source="t")
    Store(store.path)
    assert draft.read_text() == "mine"
    assert nested.read_text() == "mine too"


# -- case 3: partition values are folder names, encoded reversibly ----------------------------


@pytest.mark.parametrize("value", ["..", ".", "", "a/../../b", "BTC/USDT:USDT", "é~%", "C:\\x"])
def test_partition_names_are_reversible_and_path_safe(value: str) -> None:
    from liqcascade.data._layout import decode_partition, encode_partition

    name = encode_partition(value)
    assert decode_partition(name) == value
    assert name not in (".", "..") and "/" not in name and "\\" not in name
    assert all(c.isalnum() or c in "%-_~" for c in name)


def test_dot_dot_symbols_stay_inside_their_dataset_folder(store: Store, bars: Bars) -> None:
    store.write("candles", bars(["2025-09-22"], [1.0], symbol=".."), source="t")
    store.write("candles", bars(["2025-09-22"], [2.0], symbol="."), source="t")
    funding = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-09-22"], utc=True),
            "exchange": "binance",
            "symbol": "..",
            "interval": "8h",
            "weighting": "none",
            "rate": [0.0001],
        }
    )
    store.write("funding", funding, source="t")
    assert all(
        f.startswith(("candles/", "funding/", "_manifest"))
        for f in files_under(store.path)
        if not f.startswith(".lock")
    )
    assert store.candles("..")["close"].tolist() == [1.0]
    assert store.candles(".")["close"].tolist() == [2.0]
    assert store.funding("..")["rate"].tolist() == [0.0001]
    listed = store.coverage("candles")
    assert sorted(listed["symbol"]) == [".", ".."]


def test_a_partition_folder_symlinked_outside_is_never_written_through(
    tmp_path: Path, store: Store, bars: Bars
) -> None:
    store.write("candles", bars(["2025-09-22"], [1.0]), source="t")
    folder = next((store.path / "candles").iterdir())
    outside = tmp_path / "outside"
    folder.rename(outside)
    folder.symlink_to(outside, target_is_directory=True)
    with pytest.raises(StoreError, match="leads outside the store"):
        store.write("candles", bars(["2025-09-23"], [2.0]), source="t")
    assert sorted(p.name for p in outside.iterdir()) == ["2025.v1.parquet"]


def test_a_partition_value_too_long_for_a_folder_is_a_clear_error(store: Store, bars: Bars) -> None:
    with pytest.raises(SchemaError, match="too long for a folder name"):
        store.write("candles", bars(["2025-09-22"], [1.0], symbol="X" * 300), source="t")
    assert store.version == 0


# -- case 4: the store's bookkeeping cannot point outside it ---------------------------------


def test_a_crafted_journal_in_a_store_is_never_replayed(
    tmp_path: Path, store: Store, bars: Bars
) -> None:
    store.write("candles", bars(["2025-09-22"], [1.0]), source="t")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me")
    (store.path / "_journal.json").write_text(
        json.dumps({"txid": "x", "renames": [["../outside/victim.txt", "candles/gone.txt"]]})
    )
    Store(store.path).write("candles", bars(["2025-09-23"], [2.0]), source="t")
    assert (outside / "victim.txt").read_text() == "keep me"


def legacy_store(root: Path) -> Path:
    """A store as written before manifests: <dataset>/<path-safe partition>/<YYYY-MM>.parquet."""
    folder = root / "candles" / "BTC_USDT"
    folder.mkdir(parents=True)
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-09-22"], utc=True),
            "exchange": "binance",
            "symbol": "BTC/USDT",
            "market": "spot",
            "interval": "1d",
            "close": [112650.99],
        }
    )
    table = conform(dataset("candles"), frame, source="old")
    pq.write_table(table, folder / "2025-09.parquet")
    (root / ".lock").touch()
    return root


def test_a_crafted_journal_in_an_old_store_is_refused_before_any_rename(
    tmp_path: Path,
) -> None:
    root = legacy_store(tmp_path / "old")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("keep me")
    (root / "_journal.json").write_text(
        json.dumps(
            {"txid": "x", "renames": [["../outside/victim.txt", "candles/x/2025-09.parquet"]]}
        )
    )
    with pytest.raises(StoreError, match="NOT applied"):
        Store(root)
    assert (outside / "victim.txt").read_text() == "keep me"


def test_an_old_store_is_read_and_upgraded_in_place(tmp_path: Path, bars: Bars) -> None:
    root = legacy_store(tmp_path / "old")
    store = Store(root)
    assert store.candles("BTC/USDT")["close"].tolist() == [112650.99]
    store.write("candles", bars(["2025-09-23"], [1.0]), source="new")
    store.write("candles", bars(["2025-09-24"], [2.0]), source="new")  # collects the old file
    assert store.candles("BTC/USDT")["close"].tolist() == [112650.99, 1.0, 2.0]
    assert not (root / "candles" / "BTC_USDT" / "2025-09.parquet").exists()


# -- case 8: a read-only store can be read ----------------------------------------------------


def make_lock_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening ``.lock`` for writing fails as on a read-only mount (the tests run as root,
    for whom chmod does not stop writes)."""
    real_open = builtins.open

    def fake_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if str(file).endswith(".lock") and any(c in mode for c in "wa+"):
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", fake_open)


def test_a_read_only_store_can_be_read(
    tmp_path: Path, bars: Bars, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ro"
    Store(root).write("candles", bars(["2025-09-22"], [1.0]), source="t")
    make_lock_read_only(monkeypatch)
    store = Store(root)
    assert not store.writable
    assert store.candles("BTC/USDT")["close"].tolist() == [1.0]
    assert len(store.coverage("candles")) == 1
    with pytest.raises(StoreError, match="read-only"):
        store.write("candles", bars(["2025-09-23"], [2.0]), source="t")
