"""The bundled sample: integrity, attribution, idempotent loading, real values.

Golden values come from ``shared/data/market/PROVENANCE.md`` (spot checks that match public
reporting), not from liqcascade's output.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from liqcascade.data import DATASETS, Store, load_sample, sample_files
from liqcascade.data._sample import sample_dir
from liqcascade.data.importers._provenance import REPOSITORIES
from liqcascade.errors import StoreError

PKG = Path(__file__).resolve().parents[2] / "src" / "liqcascade"


def test_sample_is_small_and_covers_every_dataset() -> None:
    files = sample_files()
    # feed_gaps is written only by a live collector (`collect`): a sample has no such gaps
    assert set(files) == set(DATASETS) - {"feed_gaps"}
    total = sum(p.stat().st_size for p in files.values())
    assert total < 5 * 1024 * 1024  # "a few MB"


def test_metadata_sha256_matches_every_file() -> None:
    meta = json.loads((sample_dir() / "metadata.json").read_text())
    for name, path in sample_files().items():
        info = meta["files"][path.name]
        assert info["dataset"] == name
        assert info["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_attribution_names_every_repository_and_commit() -> None:
    text = (sample_dir() / "ATTRIBUTION.md").read_text()
    for repo, commit, _ in REPOSITORIES.values():
        assert repo in text
        assert commit.split(" ")[0] in text


def test_package_code_never_reads_the_shared_collection() -> None:
    offenders = [
        p.relative_to(PKG).as_posix()
        for p in PKG.rglob("*.py")
        if "shared/data" in p.read_text(encoding="utf-8") and p.name != "_build.py"
    ]
    assert offenders == []


def test_damaged_sample_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import liqcascade.data._sample as sample

    copy = tmp_path / "sample"
    shutil.copytree(sample_dir(), copy)
    (copy / "sentiment.parquet").write_bytes(b"not parquet")
    monkeypatch.setattr(sample, "sample_dir", lambda: copy)
    with pytest.raises(StoreError, match="damaged"):
        sample.load_sample(Store(tmp_path / "store"))


def test_loading_again_changes_nothing(store_copy: Path) -> None:
    sample_store = Store(store_copy)
    before = {p: p.stat().st_mtime_ns for p in sample_store.path.rglob("*.parquet")}
    again = load_sample(sample_store)
    assert all(s.added == 0 and s.replaced == 0 and s.unchanged > 0 for s in again.values())
    meta = json.loads((sample_dir() / "metadata.json").read_text())
    assert {k: v.unchanged for k, v in again.items()} == {
        info["dataset"]: info["rows"] for info in meta["files"].values()
    }
    assert {p: p.stat().st_mtime_ns for p in sample_store.path.rglob("*.parquet")} == before


@pytest.mark.golden
def test_eth_fell_twelve_percent_into_2025_09_26(sample_store: Store) -> None:
    # PROVENANCE.md: ETHUSDT daily close 2025-09-18 4,587.66 -> 2025-09-26 4,032.24 (-12.1 %)
    eth = sample_store.candles("ETH/USDT", "2025-09-18", "2025-09-27", exchange="binance")
    close = eth.set_index(eth["time"].dt.strftime("%Y-%m-%d"))["close"]
    assert close["2025-09-18"] == 4587.66
    assert close["2025-09-26"] == 4032.24
    assert close["2025-09-26"] / close["2025-09-18"] - 1 == pytest.approx(-0.121, abs=5e-4)


@pytest.mark.golden
def test_eth_low_and_btc_drop(sample_store: Store) -> None:
    # PROVENANCE.md: ETH 2025-09-25 low 3,815.00 / close 3,874.36;
    # BTCUSDT 2025-09-19 115,632 -> 2025-09-26 109,643 (-5.2 %)
    eth = sample_store.candles("ETH/USDT", "2025-09-25", "2025-09-26")
    assert (eth["low"].item(), eth["close"].item()) == (3815.00, 3874.36)
    btc = sample_store.candles("BTC/USDT", "2025-09-19", "2025-09-27")
    first, last = btc["close"].iloc[0], btc["close"].iloc[-1]
    assert (round(first), round(last)) == (115632, 109643)
    assert last / first - 1 == pytest.approx(-0.052, abs=5e-4)


@pytest.mark.golden
def test_etf_flows_are_usd_not_millions(sample_store: Store) -> None:
    # PROVENANCE.md: first US spot-BTC-ETF day 2024-01-11 total +655.3 M USD;
    # etf.csv 2025-09-22: BTC -363.1, ETH -76.0 (USD millions)
    first = sample_store.etf_flows("BTC", "2024-01-11", "2024-01-12", fund="TOTAL")
    assert first["flow_usd"].item() == pytest.approx(655.3e6)
    day = sample_store.etf_flows(None, "2025-09-22", "2025-09-23", fund="TOTAL")
    flows = dict(zip(day["asset"], day["flow_usd"], strict=True))
    assert flows == pytest.approx({"BTC": -363.1e6, "ETH": -76.0e6})


@pytest.mark.golden
def test_funding_is_a_fraction(sample_store: Store) -> None:
    # Coinglass prints 0.01 (percent) for Binance's default 0.01 % per 8h -> 0.0001
    rates = sample_store.funding("BTC/USDT:USDT", "2025-01-01", "2025-02-01", exchange="binance")
    rates = rates[rates["interval"] == "8h"]
    assert (rates["rate"].abs() < 0.01).all()
    assert (rates["rate"] == 0.0001).sum() > 10
    assert set(rates["funding_interval_hours"]) == {8.0}


def test_sample_window_and_assets(sample_store: Store) -> None:
    oi = sample_store.open_interest(["BTC", "ETH"], exchange="all", interval="4h")
    assert oi["time"].max() < pd.Timestamp("2025-10-06", tz="UTC")
    assert oi["time"].min() < pd.Timestamp("2024-12-01", tz="UTC")
    assert set(oi["symbol"]) == {"BTC", "ETH"}
    daily = sample_store.candles("BTC/USDT", end="2024-11-01", exchange="binance")
    assert daily["time"].min() <= pd.Timestamp("2024-01-01", tz="UTC")  # 100-day MA history


def test_liquidations_carry_an_explicit_side(sample_store: Store) -> None:
    liq = sample_store.liquidations(["BTC", "ETH"], "2025-09-22", "2025-09-23", exchange="binance")
    bars4h = liq[liq["interval"] == "4h"]
    assert set(bars4h["liquidated_side"]) == {"long", "short"}
    assert set(bars4h["coverage"]) == {"throttled"}
    hl = sample_store.liquidations("BTC", exchange="hyperliquid", interval="1d")
    assert set(hl["coverage"]) == {"complete"} and set(hl["liquidated_side"]) == {"both"}


def test_sample_parquet_reimports_as_records_unchanged(sample_store: Store) -> None:
    from liqcascade.data import import_paths

    path = sample_files()["etf_flows"]
    summary = import_paths(sample_store, "auto", [path])  # detected as `records` (Parquet)
    assert summary.files[0].format == "records"
    written = summary.totals["etf_flows"]
    assert (written.added, written.replaced) == (0, 0)
    assert written.unchanged == len(sample_store.etf_flows())
