"""Bad input: one test per case; the error names file, line, column, value and what was expected."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pytest

from liqcascade.data.importers.dumps import (
    binance_book_depth,
    binance_funding,
    binance_klines,
    binance_liquidations,
    binance_metrics,
    tardis_liquidations,
)
from liqcascade.errors import ImportFormatError

KLINES_HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
    "taker_buy_volume,taker_buy_quote_volume,ignore\n"
)
BAR_0 = "1758499200000,115183.9,115344.6,114050,114602.9,34166.4,1758513599999,3.9e9,8,1,1,0\n"
BAR_1 = "1758513600000,114602.9,114604.9,111469.2,112454.4,48938.0,1758527999999,5.5e9,9,1,1,0\n"
METRICS_HEADER = (
    "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,"
    "sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio\n"
)
TARDIS_HEADER = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_row_names_line_and_skip_bad_reports_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "BTCUSDT-4h-2025-09.csv", KLINES_HEADER + BAR_0 + "1758513600000,1,2\n")
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(path)
    assert info.value.path == str(path) and info.value.line == 3  # header is line 1
    assert "12 comma-separated fields" in str(info.value)
    result = binance_klines.read(path, skip_bad=True)
    assert len(result.frames["candles"]) == 1
    assert [row.line for row in result.bad_rows] == [3]


def test_unconvertible_value_names_line_column_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "BTCUSDT-4h-2025-09.csv",
        KLINES_HEADER + BAR_0 + BAR_1.replace("114602.9,", "1146o2.9,", 1),
    )
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(path)
    error = info.value
    assert (error.line, error.column, error.value) == (3, "open", "1146o2.9")
    assert "a number" in (error.expected or "")
    result = binance_klines.read(path, skip_bad=True)
    assert result.frames["candles"]["open"].tolist() == [115183.9]
    assert [(b.line, b.column) for b in result.bad_rows] == [(3, "open")]


def test_empty_required_field_is_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "BTCUSDT-fundingRate-2025-09.csv", "1758499200007,8,\n1758528000001,8,0.0001\n"
    )
    with pytest.raises(ImportFormatError) as info:
        binance_funding.read(path)
    assert (info.value.line, info.value.column) == (1, "last_funding_rate")  # no header here


def test_wrong_header_names_the_first_differing_column(tmp_path: Path) -> None:
    text = KLINES_HEADER.replace("quote_volume", "quote_asset_volume") + BAR_0
    path = _write(tmp_path, "BTCUSDT-4h-2025-09.csv", text)
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (
        1,
        "quote_volume",
        "quote_asset_volume",
    )


def test_file_of_the_wrong_format_is_refused(fixtures: Path) -> None:
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(fixtures / "binance" / "BTCUSDT-metrics-2025-10-07.csv")
    assert "wrong header for Binance klines" in str(info.value)


def test_unknown_interval_in_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "BTCUSDT-7h-2025-09.csv", KLINES_HEADER + BAR_0)
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(path)
    assert info.value.value == "7h" and "4h" in (info.value.expected or "")


def test_bar_length_contradicting_the_interval(tmp_path: Path) -> None:
    path = _write(tmp_path, "BTCUSDT-1h-2025-09.csv", KLINES_HEADER + BAR_0)
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(path)
    assert (info.value.line, info.value.column) == (2, "close_time")


def test_unknown_funding_interval(tmp_path: Path) -> None:
    path = _write(tmp_path, "BTCUSDT-fundingRate-2025-09.csv", "1758499200007,3,0.0001\n")
    with pytest.raises(ImportFormatError) as info:
        binance_funding.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (
        1,
        "funding_interval_hours",
        3,
    )


def test_unknown_amount_unit_in_tardis(tmp_path: Path) -> None:
    # OKX linear swaps count contracts; DOGE's contract value is not in our table.
    text = (
        TARDIS_HEADER + "okex-swap,DOGE-USDT-SWAP,1758513612345000,1758513612401234,,sell,0.25,10\n"
    )
    path = _write(tmp_path, "okex-swap_liquidations_2025-09-22_DOGE.csv", text)
    with pytest.raises(ImportFormatError) as info:
        tardis_liquidations.read(path)
    assert (info.value.line, info.value.column) == (2, "symbol")
    assert "contract value" in str(info.value)


def test_unknown_liquidation_side(tmp_path: Path) -> None:
    text = TARDIS_HEADER + "bybit,BTCUSDT,1758513612000000,1758513612100000,,long,112310.0,0.5\n"
    path = _write(tmp_path, "bybit_liquidations_2025-09-22_BTCUSDT.csv", text)
    with pytest.raises(ImportFormatError) as info:
        tardis_liquidations.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (2, "side", "long")
    assert tardis_liquidations.read(path, skip_bad=True).frames["liquidations"].empty


def test_duplicate_kline_with_conflicting_values(tmp_path: Path) -> None:
    clash = BAR_0.replace("114602.9,34166.4", "114000.0,34166.4")
    path = _write(tmp_path, "BTCUSDT-4h-2025-09.csv", KLINES_HEADER + BAR_0 + BAR_1 + clash)
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (4, "close", 114000.0)
    assert "line 2" in str(info.value)
    result = binance_klines.read(path, skip_bad=True)
    assert result.frames["candles"]["close"].tolist() == [114602.9, 112454.4]  # first kept
    assert [row.line for row in result.bad_rows] == [4]


def test_exact_duplicate_kline_is_not_a_conflict(tmp_path: Path) -> None:
    path = _write(tmp_path, "BTCUSDT-4h-2025-09.csv", KLINES_HEADER + BAR_0 + BAR_0)
    assert len(binance_klines.read(path).frames["candles"]) == 1


def test_duplicate_funding_settlement_with_conflicting_rate(tmp_path: Path) -> None:
    # 1758499200007 and 1758499200000 are the same settlement once the jitter is rounded off.
    path = _write(
        tmp_path,
        "BTCUSDT-fundingRate-2025-09.csv",
        "1758499200007,8,0.0001\n1758499200000,8,0.0002\n",
    )
    with pytest.raises(ImportFormatError) as info:
        binance_funding.read(path)
    assert (info.value.line, info.value.column) == (2, "last_funding_rate")


def test_duplicate_metrics_sample_with_conflicting_values(tmp_path: Path) -> None:
    rows = (
        "2025-10-07 00:00:00,BTCUSDT,100243.058,12494186585.40,0.69,1.82,0.56,1.15\n"
        "2025-10-07 00:00:00,BTCUSDT,100243.058,12494186585.40,0.69,1.82,0.57,1.15\n"
    )
    path = _write(tmp_path, "BTCUSDT-metrics-2025-10-07.csv", METRICS_HEADER + rows)
    with pytest.raises(ImportFormatError) as info:
        binance_metrics.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (
        3,
        "count_long_short_ratio",
        0.57,
    )


def test_negative_long_short_ratio_is_refused_and_skip_bad_drops_the_row(tmp_path: Path) -> None:
    rows = (
        "2025-10-07 00:00:00,BTCUSDT,100243.058,12494186585.40,0.69,1.82,0.56,1.15\n"
        "2025-10-07 00:05:00,BTCUSDT,100243.058,12494186585.40,0.69,1.82,-1,1.15\n"
    )
    path = _write(tmp_path, "BTCUSDT-metrics-2025-10-07.csv", METRICS_HEADER + rows)
    with pytest.raises(ImportFormatError) as info:
        binance_metrics.read(path)
    where = (info.value.line, info.value.column, info.value.value)
    assert where == (3, "count_long_short_ratio", -1)
    assert ">= 0" in str(info.value)
    result = binance_metrics.read(path, skip_bad=True)
    assert [bad.line for bad in result.bad_rows] == [3]
    ratios = result.frames["long_short"]
    assert np.isfinite(ratios["long_fraction"]).all() and len(ratios) == 3


def test_duplicate_depth_band_with_conflicting_values(tmp_path: Path) -> None:
    text = (
        "timestamp,percentage,depth,notional\n"
        "2025-09-22 04:00:08,-1,10,100\n"
        "2025-09-22 04:00:08,-1,11,110\n"
    )
    path = _write(tmp_path, "BTCUSDT-bookDepth-2025-09-22.csv", text)
    with pytest.raises(ImportFormatError) as info:
        binance_book_depth.read(path)
    assert (info.value.line, info.value.column) == (3, "depth")


def test_duplicate_tardis_id_with_conflicting_values(tmp_path: Path) -> None:
    rows = (
        "bybit,BTCUSDT,1758513612000000,1758513612100000,abc,sell,112310.0,0.5\n"
        "bybit,BTCUSDT,1758513612000000,1758513612200000,abc,sell,112310.0,0.7\n"
    )
    path = _write(tmp_path, "bybit_liquidations_2025-09-22_BTCUSDT.csv", TARDIS_HEADER + rows)
    with pytest.raises(ImportFormatError) as info:
        tardis_liquidations.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (3, "amount", 0.7)


def test_truncated_gzip_is_refused(tmp_path: Path, fixtures: Path) -> None:
    source = fixtures / "tardis" / "binance-futures_liquidations_2025-09-22_BTCUSDT.csv"
    data = gzip.compress(source.read_bytes())
    path = tmp_path / "binance-futures_liquidations_2025-09-22_BTCUSDT.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFormatError) as info:
        tardis_liquidations.read(path)
    assert info.value.path == str(path) and "decompress" in str(info.value)


def test_truncated_zip_is_refused(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "BTCUSDT-4h-2025-09.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(fixtures / "binance" / "BTCUSDT-4h-2025-09.csv", "BTCUSDT-4h-2025-09.csv")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])
    with pytest.raises(ImportFormatError):
        binance_klines.read(path)


def test_complete_gzip_and_zip_import_like_the_plain_file(tmp_path: Path, fixtures: Path) -> None:
    source = fixtures / "binance" / "BTCUSDT-4h-2025-09.csv"
    gz = tmp_path / "BTCUSDT-4h-2025-09.csv.gz"
    gz.write_bytes(gzip.compress(source.read_bytes()))
    zipped = tmp_path / "BTCUSDT-4h-2025-09.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(source, source.name)
    plain = binance_klines.read(source).frames["candles"]
    assert binance_klines.read(gz).frames["candles"].equals(plain)
    assert binance_klines.read(zipped).frames["candles"].equals(plain)


def test_volume_less_klines_need_a_kind(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "binance" / "markPriceKlines" / "BTCUSDT-4h-2025-09.csv").read_text()
    path = _write(tmp_path, "BTCUSDT-4h-2025-09.csv", text)
    with pytest.raises(ImportFormatError) as info:
        binance_klines.read(path)
    assert "--kind markPriceKlines" in str(info.value)
    frame = binance_klines.read(path, kind="indexPriceKlines").frames["candles"]
    assert set(frame["market"]) == {"index"}


def test_metrics_symbol_column_must_match_the_file_name(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "binance" / "BTCUSDT-metrics-2025-10-07.csv").read_text()
    path = _write(tmp_path, "ETHUSDT-metrics-2025-10-07.csv", text)
    with pytest.raises(ImportFormatError) as info:
        binance_metrics.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (2, "symbol", "BTCUSDT")


def test_unknown_order_side_in_liquidation_snapshot(tmp_path: Path) -> None:
    text = "1728866962145,SHORT,LIMIT,IOC,12,65012.3,65340.1,FILLED,12,12\n"
    path = _write(tmp_path, "BTCUSD_PERP-liquidationSnapshot-2024-10-14.csv", text)
    with pytest.raises(ImportFormatError) as info:
        binance_liquidations.read(path)
    assert (info.value.line, info.value.column, info.value.value) == (1, "side", "SHORT")
