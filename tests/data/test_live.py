"""Live backfill through ccxt, on RECORDED responses replayed by a fake exchange (no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from liqcascade.data import live
from liqcascade.errors import InputError, RemoteError, UnknownVenueError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ccxt"
NOW = "2025-09-23 00:00"  # every recorded bar has closed by then


class RecordedExchange:
    """Replays a recorded ccxt response set like a venue would: the rows from ``since`` up to
    ``params["until"]`` (inclusive), at most ``limit`` (capped at the venue's ``page_size``) -
    the oldest first, or the newest first with ``newest_first``; logs each call; can fail the
    first ``failures`` calls with a ccxt error."""

    def __init__(
        self,
        name: str,
        *,
        failures: int = 0,
        error: type[Exception] | None = None,
        newest_first: bool = False,
    ):
        spec = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        self.id = spec["id"]
        self.has = spec["has"]
        self.rateLimit = spec["rateLimit"]
        self.page_size = spec["page_size"]
        self.recorded = spec
        self.calls: list[tuple[str, int | None]] = []
        self.failures = failures
        self.error = error
        self.newest_first = newest_first

    def _page(self, method: str, since: int | None, limit: int | None, params) -> list[Any]:
        self.calls.append((method, since))
        if self.failures:
            self.failures -= 1
            raise self.error("429 Too Many Requests")  # type: ignore[misc]
        until = (params or {}).get("until")
        ts = (lambda r: r[0]) if method == "fetch_ohlcv" else (lambda r: r["timestamp"])
        rows = [
            r
            for r in self.recorded[method]
            if (since is None or ts(r) >= since) and (until is None or ts(r) <= until)
        ]
        size = min(limit or self.page_size, self.page_size)
        return rows[-size:] if self.newest_first else rows[:size]

    def fetch_ohlcv(self, symbol, timeframe="1m", since=None, limit=None, params=None):
        return self._page("fetch_ohlcv", since, limit, params)

    def fetch_funding_rate_history(self, symbol=None, since=None, limit=None, params=None):
        return self._page("fetch_funding_rate_history", since, limit, params)

    def fetch_open_interest_history(
        self, symbol, timeframe="1h", since=None, limit=None, params=None
    ):
        return self._page("fetch_open_interest_history", since, limit, params)


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest-first", "newest-first"])
def test_ohlcv_pages_through_the_range(newest_first: bool) -> None:
    client = RecordedExchange("binance_BTCUSDT.json", newest_first=newest_first)
    frame = live.fetch_ohlcv(
        client,
        "BTC/USDT:USDT",
        since="2025-09-22",
        until="2025-09-23",
        timeframe="4h",
        limit=2,  # two bars a page: windows of 8 h
        now=NOW,
    )
    assert len(frame) == 6 and frame["time"].is_monotonic_increasing
    cursors = [since for _, since in client.calls]
    assert len(cursors) >= 3 and cursors == sorted(cursors)
    first = frame.iloc[0]
    assert first["time"] == pd.Timestamp("2025-09-22 00:00", tz="UTC")
    assert (first["exchange"], first["symbol"], first["market"], first["interval"]) == (
        "binance",
        "BTC/USDT:USDT",
        "perp",
        "4h",
    )
    assert (first["open"], first["close"], first["volume"]) == (115183.9, 114602.9, 34166.412)
    assert first["currency"] == "USDT"


def test_funding_pages_from_a_newest_first_venue_are_complete() -> None:
    client = RecordedExchange("binance_BTCUSDT.json", newest_first=True)
    frame = live.fetch_funding(
        client, "BTC/USDT:USDT", since="2025-09-21", until="2025-09-23", limit=1
    )
    assert frame["rate"].tolist() == [0.0000179, 0.00005669, -0.00000066]
    # 48 one-hour windows, plus at most one extra call per full page (3 settlements)
    assert 48 <= len(client.calls) <= 51


def test_ohlcv_drops_the_bar_still_open_at_fetch_time() -> None:
    client = RecordedExchange("binance_BTCUSDT.json")
    # at 22:30 the 20:00 bar (closes 24:00) is still open
    frame = live.fetch_ohlcv(client, "BTC/USDT:USDT", since="2025-09-22", now="2025-09-22 22:30")
    assert frame["time"].max() == pd.Timestamp("2025-09-22 16:00", tz="UTC")


def test_as_of_result_does_not_change_when_later_bars_exist() -> None:
    early = live.fetch_ohlcv(
        RecordedExchange("binance_BTCUSDT.json"),
        "BTC/USDT:USDT",
        since="2025-09-22",
        until="2025-09-22 12:00",
        now=NOW,
    )
    late = live.fetch_ohlcv(
        RecordedExchange("binance_BTCUSDT.json"), "BTC/USDT:USDT", since="2025-09-22", now=NOW
    )
    assert early.equals(late.loc[late["time"] < pd.Timestamp("2025-09-22 12:00", tz="UTC")])


def test_funding_settlement_is_the_close_of_its_interval() -> None:
    frame = live.fetch_funding(
        RecordedExchange("binance_BTCUSDT.json"), "BTC/USDT:USDT", since="2025-09-22"
    )
    # settlements 00:00, 08:00, 16:00 are 8 h apart -> bars open 16:00 (21st), 00:00, 08:00
    assert list(frame["time"]) == list(
        pd.to_datetime(["2025-09-21 16:00", "2025-09-22 00:00", "2025-09-22 08:00"], utc=True)
    )
    assert frame["rate"].tolist() == [0.0000179, 0.00005669, -0.00000066]
    assert set(frame["interval"]) == {"8h"} and set(frame["funding_interval_hours"]) == {8.0}
    assert set(frame["weighting"]) == {"none"}


def test_hourly_funding_of_hyperliquid() -> None:
    frame = live.fetch_funding(
        RecordedExchange("hyperliquid_BTC.json"), "BTC/USDC:USDC", since="2025-09-21"
    )
    assert set(frame["interval"]) == {"1h"}
    assert frame["time"].iloc[0] == pd.Timestamp("2025-09-20 23:00", tz="UTC")
    assert frame["rate"].iloc[0] == 0.0000125  # 0.00125 % per hour as a fraction


def test_funding_hours_from_settlement_spacing() -> None:
    hour = 3_600_000
    # gaps 8 h, 8 h, 16 h (a missing settlement -> default), then 4 h after a venue change
    times = [0, 8 * hour, 16 * hour, 32 * hour, 36 * hour]
    assert live.funding_hours(times, 8).tolist() == [8, 8, 8, 8, 4]
    assert live.funding_hours([0], 1).tolist() == [1]


def test_open_interest_sample_closes_its_bar() -> None:
    frame = live.fetch_open_interest(
        RecordedExchange("binance_BTCUSDT.json"), "BTC/USDT:USDT", since="2025-09-22"
    )
    assert frame["time"].iloc[0] == pd.Timestamp("2025-09-21 20:00", tz="UTC")  # 00:00 - 4h
    assert frame["close_usd"].iloc[0] == 14524772615.0
    assert frame["close_base"].iloc[0] == 126089.2
    assert set(frame["margin"]) == {"stablecoin"} and set(frame["interval"]) == {"4h"}


def test_rate_limit_errors_are_retried_with_backoff() -> None:
    ccxt = pytest.importorskip("ccxt")
    client = RecordedExchange("binance_BTCUSDT.json", failures=2, error=ccxt.RateLimitExceeded)
    waits: list[float] = []
    frame = live.fetch_funding(client, "BTC/USDT:USDT", since="2025-09-22", sleep=waits.append)
    assert len(frame) == 3
    assert waits == [1.0, 2.0]  # rateLimit 50 ms -> base 1 s, doubled


def test_persistent_failure_raises_remote_error() -> None:
    ccxt = pytest.importorskip("ccxt")
    client = RecordedExchange("binance_BTCUSDT.json", failures=99, error=ccxt.NetworkError)
    with pytest.raises(RemoteError, match="fetch_funding_rate_history failed 3 times"):
        live.fetch_funding(
            client, "BTC/USDT:USDT", since="2025-09-22", max_retries=2, sleep=lambda s: None
        )


def test_backfill_skips_what_the_venue_does_not_publish() -> None:
    result = live.backfill(
        "hyperliquid",
        "BTC/USDC:USDC",
        since="2025-09-21",
        what=("funding", "oi"),
        client=RecordedExchange("hyperliquid_BTC.json"),
    )
    assert list(result.frames) == ["funding"]
    assert "fetchOpenInterestHistory" in result.skipped["oi"]


def test_backfill_writes_each_dataset_with_its_source() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.writes: list[tuple[str, int, str]] = []

        def write(self, dataset: str, frame: pd.DataFrame, *, source: str) -> str:
            self.writes.append((dataset, len(frame), source))
            return "ok"

    store = Recorder()
    pages: list[tuple[str, int]] = []
    result = live.backfill(
        "binance",
        "BTC/USDT:USDT",
        since="2025-09-22",
        until="2025-09-23",
        store=store,
        client=RecordedExchange("binance_BTCUSDT.json"),
        on_page=lambda what, rows, last: pages.append((what, rows)),
    )
    assert store.writes == [
        ("candles", 6, "ccxt:binance"),
        ("funding", 3, "ccxt:binance"),
        ("open_interest", 3, "ccxt:binance"),
    ]
    assert result.written == {"candles": "ok", "funding": "ok", "open_interest": "ok"}
    assert ("ohlcv", 6) in pages


def test_unknown_venue_and_options_are_refused() -> None:
    with pytest.raises(UnknownVenueError, match="binance, bybit, okx, hyperliquid"):
        live.backfill("kraken", "BTC/USD:BTC", since="2025-09-01")
    with pytest.raises(InputError, match="unknown --what"):
        live.backfill("binance", "BTC/USDT:USDT", since="2025-09-01", what=("trades",))
    with pytest.raises(InputError, match="timeframe"):
        live.timeframe_ms("4x")


def test_missing_ccxt_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from liqcascade.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "ccxt", None)  # import ccxt -> ImportError
    with pytest.raises(MissingExtraError, match=r"liqcascade\[live\]"):
        live.make_client("binance")


def test_importing_live_does_not_import_ccxt() -> None:
    import subprocess
    import sys

    code = "import sys, liqcascade.data.live; print('ccxt' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.integration
def test_backfill_command_writes_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liqcascade.cli import app
    from liqcascade.data import Store

    monkeypatch.setattr(
        live, "make_client", lambda exchange: RecordedExchange("binance_BTCUSDT.json")
    )
    args = ["data", "backfill", "--exchange", "binance", "--symbol", "BTC/USDT:USDT"]
    args += ["--since", "2025-09-22", "--until", "2025-09-23", "--store", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "candles: 6 rows fetched" in result.output
    store = Store(tmp_path)
    candles = store.candles("BTC/USDT:USDT", interval="4h", exchange="binance", market="perp")
    assert len(candles) == 6 and candles["close"].iloc[-1] == 112604.7
    assert set(candles["source"]) == {"ccxt:binance"}
    funding = store.funding("BTC/USDT:USDT", exchange="binance")
    assert funding["time"].iloc[0] == pd.Timestamp("2025-09-21 16:00", tz="UTC")
    oi = store.open_interest("BTC/USDT:USDT", exchange="binance")
    assert oi["close_usd"].tolist() == [14524772615.0, 14513586020.0, 14500269045.0]
    again = CliRunner().invoke(app, args)  # idempotent: a second backfill changes nothing
    assert (
        again.exit_code == 0 and len(Store(tmp_path).candles("BTC/USDT:USDT", interval="4h")) == 6
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exchange", "kraken", "--since", "2025-09-01"], "no live backfill for 'kraken'"),
        (["--since", "2025-09-01", "--what", "trades"], "unknown --what"),
    ],
)
def test_backfill_command_refuses_bad_options(args: list[str], message: str) -> None:
    from liqcascade.cli import app
    from liqcascade.errors import LiqcascadeError

    result = CliRunner().invoke(app, ["data", "backfill", *args])
    assert isinstance(result.exception, LiqcascadeError) and message in str(result.exception)


def test_backfill_requires_start() -> None:
    from liqcascade.cli import app

    result = CliRunner().invoke(app, ["data", "backfill", "--exchange", "binance"])
    assert result.exit_code == 2 and "--start" in result.output
