"""Extended backfill on fakes (no network): incremental ranges, mark/spot bars, long/short
ratios, Deribit DVOL and options OI, Binance dumps verified against their .CHECKSUM."""

from __future__ import annotations

import doctest
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_live import NOW, RecordedExchange

from liqcascade.data import Store, live, live_extra
from liqcascade.errors import RemoteError

BINANCE = Path(__file__).resolve().parent / "fixtures" / "binance"
H4 = 4 * 3_600_000
T0 = 1758499200000  # 2025-09-22 00:00 UTC


def test_doctests_of_live_extra() -> None:
    assert doctest.testmod(live_extra).failed == 0


def test_missing_ranges_find_interior_holes_and_the_ends() -> None:
    # rows at 0, 4h, 12h cover [0, 8h) and [12h, 16h): missing [8h, 12h) and [16h, 24h)
    got = live_extra.missing_ranges([T0, T0 + H4, T0 + 3 * H4], T0, T0 + 6 * H4, H4)
    assert got == [(T0 + 2 * H4, T0 + 3 * H4), (T0 + 4 * H4, T0 + 6 * H4)]
    # irregular series (funding): only before the first / after the last stored row
    assert live_extra.missing_ranges([T0 + H4, T0 + 2 * H4], T0, T0 + 6 * H4, None) == [
        (T0, T0 + H4),
        (T0 + 2 * H4 + 1, T0 + 6 * H4),
    ]


class Clocked(RecordedExchange):
    """The recorded Binance exchange; logs the ``price`` each OHLCV call asks for."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.has = {**self.has, "fetchMarkOHLCV": True}

    def fetch_ohlcv(self, symbol, timeframe="1m", since=None, limit=None, params=None):
        params = dict(params or {})
        self.calls.append(("price", params.pop("price", "trade")))  # type: ignore[arg-type]
        return super().fetch_ohlcv(symbol, timeframe, since, limit, params)


@pytest.fixture()
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pd.Timestamp.now

    def now(tz: Any = None) -> pd.Timestamp:
        return pd.Timestamp(NOW, tz="UTC") if tz is not None else real()

    monkeypatch.setattr(pd.Timestamp, "now", staticmethod(now))


def test_second_backfill_fetches_nothing_the_store_has(tmp_path: Path, frozen_now: None) -> None:
    store = Store(tmp_path)
    args = {"since": "2025-09-22", "until": "2025-09-23", "store": store, "what": ["ohlcv"]}
    first = live.backfill(
        "binance", "BTC/USDT:USDT", client=RecordedExchange("binance_BTCUSDT.json"), **args
    )
    assert len(first.frames["candles"]) == 6
    again_client = RecordedExchange("binance_BTCUSDT.json")
    again = live.backfill("binance", "BTC/USDT:USDT", client=again_client, **args)
    assert again_client.calls == [] and again.skipped["ohlcv"] == "already in the store"


def test_backfill_fills_only_the_hole(tmp_path: Path, frozen_now: None) -> None:
    store = Store(tmp_path)
    full = live.fetch_ohlcv(
        RecordedExchange("binance_BTCUSDT.json"),
        "BTC/USDT:USDT",
        since="2025-09-22",
        until="2025-09-23",
        now=NOW,
    )
    store.write("candles", full.drop(index=[2, 3]), source="test")  # 08:00 and 12:00 missing
    client = RecordedExchange("binance_BTCUSDT.json")
    result = live.backfill(
        "binance",
        "BTC/USDT:USDT",
        since="2025-09-22",
        until="2025-09-23",
        store=store,
        what=["ohlcv"],
        client=client,
    )
    assert [c[1] for c in client.calls] == [T0 + 2 * H4]  # one window, starting at the hole
    assert len(result.frames["candles"]) == 2
    assert len(store.candles("BTC/USDT:USDT", interval="4h", exchange="binance")) == 6


def test_mark_bars_ask_for_the_mark_price_and_store_no_volume(frozen_now: None) -> None:
    client = Clocked("binance_BTCUSDT.json")
    result = live.backfill(
        "binance",
        "BTC/USDT:USDT",
        since="2025-09-22",
        until="2025-09-23",
        what=["mark"],
        client=client,
    )
    candles = result.frames["candles"]
    assert ("price", "mark") in client.calls
    assert set(candles["market"]) == {"mark"} and candles["volume"].isna().all()


class Ratios:
    """ccxt LongShortRatio answers (unified fields; info as the venue sends it)."""

    def __init__(self) -> None:
        self.id = "bybit"
        self.has = {"fetchLongShortRatioHistory": True}
        self.rateLimit = 10
        # synthetic values in the v5 /market/account-ratio shape (buyRatio + sellRatio = 1)
        self.rows = [
            {
                "symbol": "BTC/USDT:USDT",
                "timestamp": T0 + H4,
                "longShortRatio": 1.5,
                "info": {"buyRatio": "0.6", "sellRatio": "0.4"},
            },
            {
                "symbol": "BTC/USDT:USDT",
                "timestamp": T0 + 2 * H4,
                "longShortRatio": 3.0,
                "info": {},
            },
        ]

    def fetch_long_short_ratio_history(
        self, symbol, timeframe, since=None, limit=None, params=None
    ):
        until = (params or {}).get("until")
        return [r for r in self.rows if r["timestamp"] >= since and r["timestamp"] <= until]


def test_long_short_sample_closes_its_bar() -> None:
    result = live.backfill(
        "bybit",
        "BTC/USDT:USDT",
        since=pd.Timestamp(T0, unit="ms", tz="UTC"),
        until=pd.Timestamp(T0 + 3 * H4, unit="ms", tz="UTC"),
        what=["ls"],
        client=Ratios(),
    )
    frame = result.frames["long_short"]
    # the sample at 04:00 is the bar [00:00, 04:00)
    assert frame["time"].tolist() == [
        pd.Timestamp(T0, unit="ms", tz="UTC"),
        pd.Timestamp(T0 + H4, unit="ms", tz="UTC"),
    ]
    # Bybit's own buyRatio 0.6; without one 3 / (1 + 3) = 0.75
    assert frame["long_fraction"].tolist() == [0.6, 0.75]
    assert frame["short_fraction"].tolist() == pytest.approx([0.4, 0.25])
    assert set(frame["kind"]) == {"global_account"}


class Deribit:
    def __init__(self) -> None:
        self.id = "deribit"
        self.has: dict[str, bool] = {}
        self.rateLimit = 10

    def public_get_get_volatility_index_data(self, params):
        # Deribit pages backwards: the newest bars first, "continuation" = older end
        bars = [[T0 + k * 3_600_000, 45.0 + k, 46.0 + k, 44.0 + k, 45.5 + k] for k in range(4)]
        if params["end_timestamp"] > T0 + 2 * 3_600_000:
            return {"result": {"data": bars[2:], "continuation": T0 + 2 * 3_600_000}}
        return {"result": {"data": bars[:2], "continuation": None}}

    def public_get_get_book_summary_by_currency(self, params):
        assert params == {"currency": "BTC", "kind": "option"}
        return {
            "result": [
                {
                    "instrument_name": "BTC-26SEP25-120000-C",
                    "open_interest": 10.0,
                    "underlying_price": 100000.0,
                },
                {
                    "instrument_name": "BTC-26SEP25-100000-P",
                    "open_interest": 4.0,
                    "underlying_price": 100000.0,
                },
                {
                    "instrument_name": "BTC-26SEP25-130000-C",
                    "open_interest": 1.5,
                    "underlying_price": 100000.0,
                },
            ]
        }


def test_dvol_pages_back_and_keeps_closed_bars_as_fractions(monkeypatch) -> None:
    now = pd.Timestamp(T0 + 3 * 3_600_000 + 1, unit="ms", tz="UTC")  # bar 03:00 still open
    monkeypatch.setattr(pd.Timestamp, "now", staticmethod(lambda tz=None: now))
    result = live.backfill(
        "deribit",
        "BTC",
        since=pd.Timestamp(T0, unit="ms", tz="UTC"),
        until=now,
        what=["dvol"],
        timeframe="1h",
        client=Deribit(),
    )
    frame = result.frames["candles"]
    assert frame["close"].tolist() == pytest.approx([0.455, 0.465, 0.475])  # 45.5 % -> 0.455
    assert set(frame["symbol"]) == {"BTC-DVOL"} and set(frame["market"]) == {"volatility"}


def test_options_snapshot_sums_per_expiry() -> None:
    result = live.backfill(
        "deribit", "BTC/USD:BTC", since="2025-09-22", what=["options"], client=Deribit()
    )
    frame = result.frames["options"].set_index("metric")
    expiry = pd.Timestamp("2025-09-26 08:00", tz="UTC")  # Deribit expiries at 08:00 UTC
    assert frame.loc["call_oi", "value"] == 11.5 and frame.loc["call_oi", "expiry"] == expiry
    assert frame.loc["put_oi", "value"] == 4.0
    # 15.5 BTC x 100,000 USD
    assert frame.loc["open_interest_usd", "value"] == 1_550_000.0
    assert frame["interval"].isna().all()


def _zip(name: str, csv: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name.replace(".zip", ".csv"), csv)
    return buf.getvalue()


def _site(day_csv: bytes, *, tamper: bool = False) -> tuple[dict[str, bytes], list[str]]:
    name = "BTCUSDT-4h-2025-09-22.zip"
    url = live_extra.dump_url("klines", "BTCUSDT", "2025-09-22")
    data = _zip(name, day_csv)
    digest = hashlib.sha256(data + (b"x" if tamper else b"")).hexdigest()
    site = {url: data, url + ".CHECKSUM": f"{digest}  {name}\n".encode()}
    asked: list[str] = []
    return site, asked


def test_dump_klines_are_verified_and_imported(tmp_path: Path) -> None:
    site, asked = _site((BINANCE / "BTCUSDT-4h-2025-09.csv").read_bytes())

    def get(url: str) -> bytes | None:
        asked.append(url)
        return site.get(url)

    store = Store(tmp_path / "store")
    args = {"since": "2025-09-22", "until": "2025-09-24", "what": ["dump-klines"], "store": store}
    result = live.backfill("binance", "BTC/USDT:USDT", http_get=get, **args)
    assert [p.name for p in result.files["dump-klines"]] == ["BTCUSDT-4h-2025-09-22.zip"]
    assert "2025-09-23" in result.skipped["dump-klines"]  # not published: named, not fatal
    candles = store.candles("BTC/USDT:USDT", interval="4h", exchange="binance", market="perp")
    assert candles["close"].tolist() == [114602.9, 112454.4, 112814.1]
    asked.clear()
    live.backfill("binance", "BTC/USDT:USDT", http_get=get, **args)
    assert not any(u.endswith(".zip") for u in asked)  # the verified file is kept


def test_a_tampered_dump_is_refused(tmp_path: Path) -> None:
    site, _ = _site((BINANCE / "BTCUSDT-4h-2025-09.csv").read_bytes(), tamper=True)
    store = Store(tmp_path / "store")
    with pytest.raises(RemoteError, match="does not match the published"):
        live.backfill(
            "binance",
            "BTC/USDT:USDT",
            since="2025-09-22",
            until="2025-09-23",
            what=["dump-klines"],
            store=store,
            http_get=site.get,
        )
    assert len(store.candles("BTC/USDT:USDT", interval="4h")) == 0


def test_dumps_and_deribit_items_only_on_their_venue() -> None:
    result = live.backfill(
        "okx",
        "BTC/USDT:USDT",
        since="2025-09-22",
        what=["dump-metrics", "dvol"],
        client=object(),
    )
    assert result.skipped == {
        "dump-metrics": "dump-metrics comes from binance only",
        "dvol": "dvol comes from deribit only",
    }


def test_offline_dump_backfill_names_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(address, timeout=None):
        raise OSError(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "create_connection", refuse)
    with pytest.raises(RemoteError, match=r"cannot reach data\.binance\.vision:443"):
        live.backfill("binance", "BTC/USDT:USDT", since="2025-09-22", what=["dump-metrics"])


def test_spot_pair_of_a_perp() -> None:
    assert live.spot_symbol("BTC/USDT:USDT") == "BTC/USDT"
