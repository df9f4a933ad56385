"""Backfill failure behaviour without a network: offline, 429/418 Retry-After, a bad symbol."""

from __future__ import annotations

import socket
from typing import Any

import ccxt
import pytest
from typer.testing import CliRunner

from liqcascade.cli import app
from liqcascade.data import live
from liqcascade.errors import InputError, RemoteError


def _offline(*args: Any, **kwargs: Any) -> Any:
    raise socket.gaierror(-2, "Name or service not known")


def test_offline_backfill_fails_at_once_naming_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "create_connection", _offline)
    result = CliRunner().invoke(
        app, ["data", "backfill", "--exchange", "bybit", "--since", "2025-09-01"]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, RemoteError)
    message = str(result.exception)
    assert "cannot reach api.bybit.com" in message
    assert "\n" not in message


def test_check_reachable_accepts_a_listening_loopback_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        live.check_reachable("127.0.0.1", port=server.getsockname()[1])


def test_refused_port_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(RemoteError, match=f"cannot reach 127.0.0.1:{port}"):
            live.check_reachable("127.0.0.1", port=port, timeout_s=1)


class _Throttled:
    """A ccxt-like client answering 429/418 ``failures`` times with the given headers."""

    id = "binance"

    def __init__(self, error: type[Exception], headers: dict[str, str], failures: int = 1):
        self.error, self.last_response_headers, self.failures = error, headers, failures
        self.rateLimit = 50  # ccxt's attribute name (ms between calls)

    def fetch_ohlcv(self, *args: Any, **kwargs: Any) -> list[Any]:
        if self.failures:
            self.failures -= 1
            raise self.error("429 Too Many Requests")
        return []


@pytest.mark.parametrize("error", [ccxt.RateLimitExceeded, ccxt.DDoSProtection])
def test_429_and_418_wait_what_retry_after_says(error: type[Exception]) -> None:
    slept: list[float] = []
    client = _Throttled(error, {"Retry-After": "7"})
    live.fetch_ohlcv(client, "BTC/USDT:USDT", since="2025-09-01", until="2025-09-02",
                     now="2025-09-03", sleep=slept.append)  # fmt: skip
    assert slept == [7.0]


def test_retry_after_is_capped() -> None:
    slept: list[float] = []
    client = _Throttled(ccxt.DDoSProtection, {"retry-after": "86400"})
    live.fetch_ohlcv(client, "BTC/USDT:USDT", since="2025-09-01", until="2025-09-02",
                     now="2025-09-03", sleep=slept.append)  # fmt: skip
    assert slept == [live.MAX_RETRY_AFTER_S]


def test_without_retry_after_the_backoff_applies() -> None:
    slept: list[float] = []
    client = _Throttled(ccxt.RateLimitExceeded, {}, failures=2)
    live.fetch_ohlcv(client, "BTC/USDT:USDT", since="2025-09-01", until="2025-09-02",
                     now="2025-09-03", sleep=slept.append)  # fmt: skip
    assert slept == [1.0, 2.0]  # max(1 s, rateLimit) x 2^attempt


def test_retry_after_http_date() -> None:
    assert live.retry_after_s({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


class _Unknown:
    id = "bybit"

    def __init__(self) -> None:
        self.symbols = ["BTC/USDT:USDT", "BTC/USDC:USDC", "ETH/USDT:USDT", "BTC/USD:BTC"]

    def fetch_ohlcv(self, symbol: str, *args: Any, **kwargs: Any) -> list[Any]:
        raise ccxt.BadSymbol(f"bybit does not have market symbol {symbol}")


def test_bad_symbol_lists_close_matches() -> None:
    with pytest.raises(InputError, match="no symbol 'BTC/USDT:USD'; close matches: BTC/USDT:USDT"):
        live.fetch_ohlcv(_Unknown(), "BTC/USDT:USD", since="2025-09-01", until="2025-09-02",
                         now="2025-09-03")  # fmt: skip
