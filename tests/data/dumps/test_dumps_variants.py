"""Format variants: header-less files, compressed files, unsorted and multi-contract Tardis
files, COIN-M klines, and what ``auto`` detection claims."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from liqcascade.data.importers._base import read_head
from liqcascade.data.importers.dumps import (
    DUMP_IMPORTERS,
    binance_book_depth,
    binance_funding,
    binance_klines,
    binance_liquidations,
    binance_metrics,
    tardis_liquidations,
)
from liqcascade.data.importers.dumps.tardis_liquidations import _codes
from liqcascade.errors import ImportFormatError

WITH_HEADER = [
    (binance_klines, "binance/BTCUSDT-4h-2025-09.csv"),
    (binance_metrics, "binance/BTCUSDT-metrics-2025-10-07.csv"),
    (binance_book_depth, "binance/BTCUSDT-bookDepth-2025-09-22.csv"),
    (binance_funding, "binance/BTCUSDT-fundingRate-2025-09.csv"),
    (binance_liquidations, "binance/BTCUSD_PERP-liquidationSnapshot-2024-10-14.csv"),
]


@pytest.mark.parametrize(("module", "name"), WITH_HEADER, ids=[m.FORMAT for m, _ in WITH_HEADER])
def test_headerless_file_reads_like_the_headed_one(
    module, name: str, fixtures: Path, tmp_path: Path
) -> None:
    source = fixtures / name
    headless = tmp_path / source.name
    headless.write_text(source.read_text().split("\n", 1)[1])
    assert module.detect(headless, read_head(headless))
    want, got = module.read(source), module.read(headless)
    assert want.frames.keys() == got.frames.keys()
    for dataset, frame in want.frames.items():
        pd.testing.assert_frame_equal(got.frames[dataset], frame)


def test_liquidation_snapshot_with_a_symbol_column(fixtures: Path, tmp_path: Path) -> None:
    # some copies carry the symbol after time: the symbol then comes from the rows
    lines = (fixtures / "binance/BTCUSD_PERP-liquidationSnapshot-2024-10-14.csv").read_text()
    header, *rows = lines.strip().split("\n")
    head = header.replace("time,", "time,symbol,", 1)
    body = [row.replace(",", ",BTCUSD_PERP,", 1) for row in rows]
    path = tmp_path / "liquidations.csv"
    path.write_text("\n".join([head, *body]) + "\n")
    frame = binance_liquidations.read(path).frames["liquidations"]
    assert set(frame["symbol"]) == {"BTC/USD:BTC"} and len(frame) == 2


def test_usdm_liquidation_snapshot_uses_base_quantity(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT-liquidationSnapshot-2021-05-19.csv"
    path.write_text("1621419600000,SELL,LIMIT,IOC,0.5,36000,36210.5,FILLED,0.5,0.5\n")
    row = binance_liquidations.read(path).frames["liquidations"].iloc[0]
    # USDⓈ-M: quantity in BTC, notional = 0.5 x 36210.5 = 18105.25 USDT
    assert (row["symbol"], row["qty"], row["notional_usd"]) == ("BTC/USDT:USDT", 0.5, 18105.25)


def test_coinm_klines_volume_is_converted_from_contracts(tmp_path: Path) -> None:
    # COIN-M: column 6 counts 100-USD contracts, column 8 is the base-asset volume
    path = tmp_path / "BTCUSD_PERP-1m-2020-06.csv"
    path.write_text(
        "1591258320000,9640.7,9642.4,9640.6,9642.0,206,1591258379999,2.13660389,48,119,1.23424865,0\n"
    )
    row = binance_klines.read(path).frames["candles"].iloc[0]
    assert row["symbol"] == "BTC/USD:BTC"
    assert row["volume"] == 2.13660389  # BTC
    assert row["quote_volume"] == 20600.0  # 206 contracts x 100 USD
    assert row["currency"] == "USD"


def test_spot_klines_in_microseconds(tmp_path: Path) -> None:
    # Binance spot files use microseconds from 2025-01-01; the unit is read from the magnitude
    folder = tmp_path / "spot" / "klines"
    folder.mkdir(parents=True)
    path = folder / "BTCUSDT-1d-2025-01.csv"
    path.write_text(
        "1735689600000000,93576.0,95151.15,92888.0,94591.79,10373.32613,1735775999999999,"
        "979506197.4,1329131,5143.0,485628339.6,0\n"
    )
    row = binance_klines.read(path).frames["candles"].iloc[0]
    assert row["time"] == pd.Timestamp("2025-01-01", tz="UTC")
    assert (row["symbol"], row["market"]) == ("BTC/USDT", "spot")


def test_tardis_rows_out_of_order_come_back_sorted(tmp_path: Path) -> None:
    header = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
    rows = (
        "bybit,BTCUSDT,1758513700000000,1758513700100000,,buy,112700.0,1.5\n"
        "bybit,BTCUSDT,1758513612000000,1758513612100000,,sell,112310.0,0.5\n"
        "okex-swap,BTC-USDT-SWAP,1758513650000000,1758513650100000,,sell,112400.0,30\n"
    )
    path = tmp_path / "mixed_liquidations_2025-09-22.csv"
    path.write_text(header + rows)
    frame = tardis_liquidations.read(path).frames["liquidations"]
    assert frame["time"].is_monotonic_increasing
    assert frame["exchange"].tolist() == ["bybit", "okx", "bybit"]
    assert frame["qty"].tolist()[1] == pytest.approx(0.3)  # 30 OKX contracts x 0.01 BTC
    assert frame["coverage"].tolist() == ["complete"] * 3


def test_tardis_ids_become_event_ids(tmp_path: Path) -> None:
    header = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
    rows = (
        "bitmex,XBTUSD,1758513612000000,1758513612100000,a1,Sell,112310.0,5000\n"
        "bitmex,XBTUSD,1758513612000000,1758513612100000,a2,Sell,112300.0,1000\n"
    )
    path = tmp_path / "bitmex_liquidations_2025-09-22_XBTUSD.csv"
    path.write_text(header + rows)
    frame = tardis_liquidations.read(path).frames["liquidations"]
    assert frame["event_id"].tolist() == ["a1", "a2"]
    assert frame["notional_usd"].tolist() == [5000.0, 1000.0]  # XBTUSD: 1 USD per contract


def test_codes_work_across_arrow_chunks() -> None:
    chunked = pa.chunked_array([["a", "b", None], ["b", "c"]])
    codes = _codes(chunked)
    assert codes[2] == -1 and codes[1] == codes[3] and len(set(codes.tolist())) == 4


def test_no_two_importers_claim_one_fixture(fixtures: Path) -> None:
    golden = Path(__file__).resolve().parent / "golden"
    for case in golden.glob("*.json"):
        path = fixtures / json.loads(case.read_text())["input"]
        claims = [m.FORMAT for m in DUMP_IMPORTERS if m.detect(path, read_head(path))]
        assert len(claims) == 1, (path, claims)


def test_tardis_trades_file_is_not_claimed(tmp_path: Path) -> None:
    path = tmp_path / "binance-futures_trades_2025-09-22_BTCUSDT.csv"
    path.write_text("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n")
    assert not tardis_liquidations.detect(path, read_head(path))


def test_large_file_keeps_every_row(tmp_path: Path) -> None:
    # 200 000 events spread over one day; pyarrow parses in blocks (threads) - rows must
    # all come back, in order, with their amounts
    n = 200_000
    rng = np.random.default_rng(7)
    ts = 1758499200000000 + np.sort(rng.integers(0, 86_400_000_000, n))
    amount = np.round(rng.exponential(0.2, n) + 0.001, 3)
    lines = [
        f"binance-futures,BTCUSDT,{t},{t + 50},,sell,112000.5,{a}"
        for t, a in zip(ts, amount, strict=True)
    ]
    path = tmp_path / "binance-futures_liquidations_2025-09-22_BTCUSDT.csv"
    path.write_text(
        "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n" + "\n".join(lines) + "\n"
    )
    frame = tardis_liquidations.read(path).frames["liquidations"]
    assert len(frame) == n
    assert frame["qty"].sum() == pytest.approx(amount.sum())
    assert frame["time"].is_monotonic_increasing


def test_dropped_rows_are_reported_as_warnings(fixtures: Path) -> None:
    snapshot = fixtures / "binance/BTCUSD_PERP-liquidationSnapshot-2024-10-14.csv"
    assert binance_liquidations.read(snapshot).warnings == [
        "1 forced order(s) with nothing filled left out",
        "1 verbatim repeated row(s) dropped",
    ]


def test_verbatim_repeated_tardis_row_is_dropped_and_reported(tmp_path: Path) -> None:
    row = "bybit,BTCUSDT,1758513612000000,1758513612100000,,sell,112310.0,0.5\n"
    path = tmp_path / "bybit_liquidations_2025-09-22_BTCUSDT.csv"
    path.write_text("exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n" + row * 2)
    result = tardis_liquidations.read(path)
    assert len(result.frames["liquidations"]) == 1
    assert result.warnings == ["1 verbatim repeated row(s) dropped"]


def test_klines_interval_and_kind_from_binance_folder_tree(fixtures: Path, tmp_path: Path) -> None:
    # data.binance.vision layout: .../indexPriceKlines/BTCUSDT/4h/<any name>.csv
    folder = tmp_path / "indexPriceKlines" / "BTCUSDT" / "4h"
    folder.mkdir(parents=True)
    path = folder / "download.csv"
    path.write_text((fixtures / "binance/markPriceKlines/BTCUSDT-4h-2025-09.csv").read_text())
    frame = binance_klines.read(path, symbol="BTC/USDT:USDT").frames["candles"]
    assert set(frame["interval"]) == {"4h"} and set(frame["market"]) == {"index"}


def test_klines_without_interval_anywhere_say_how_to_fix(fixtures: Path, tmp_path: Path) -> None:
    path = tmp_path / "download.csv"
    path.write_text((fixtures / "binance/BTCUSDT-4h-2025-09.csv").read_text())
    with pytest.raises(ImportFormatError, match="folder named after the interval"):
        binance_klines.read(path, symbol="BTC/USDT:USDT")


def test_premium_index_klines_are_refused(fixtures: Path, tmp_path: Path) -> None:
    folder = tmp_path / "premiumIndexKlines" / "BTCUSDT" / "4h"
    folder.mkdir(parents=True)
    path = folder / "BTCUSDT-4h-2025-09.csv"
    path.write_text((fixtures / "binance/markPriceKlines/BTCUSDT-4h-2025-09.csv").read_text())
    assert not binance_klines.detect(path, read_head(path))
    with pytest.raises(ImportFormatError, match="premium index"):
        binance_klines.read(path)


@pytest.mark.parametrize(("module", "name"), WITH_HEADER, ids=[m.FORMAT for m, _ in WITH_HEADER])
def test_added_columns_are_ignored_and_named(
    module, name: str, fixtures: Path, tmp_path: Path
) -> None:
    # A documented file with one column added in the middle and one at the end.
    source = fixtures / name
    lines = source.read_text().rstrip("\n").split("\n")
    widened = []
    for i, line in enumerate(lines):
        fields = line.split(",")
        extra = ("venue_note", "checksum") if i == 0 else ("x", str(i))
        widened.append(",".join([fields[0], extra[0], *fields[1:], extra[1]]))
    wide = tmp_path / source.name
    wide.write_text("\n".join(widened) + "\n")
    want, got = module.read(source), module.read(wide)
    assert want.frames.keys() == got.frames.keys()
    for dataset, frame in want.frames.items():
        pd.testing.assert_frame_equal(got.frames[dataset], frame)
    assert any("ignored column(s)" in w and "venue_note, checksum" in w for w in got.warnings)
    assert not any("ignored column(s)" in w for w in want.warnings)
