"""Backfill OHLCV, funding history and open interest through ccxt REST (extra ``live``).

Venues: Binance, Bybit, OKX and Hyperliquid, through ccxt's unified methods ``fetch_ohlcv``,
``fetch_funding_rate_history`` and ``fetch_open_interest_history``. ccxt is imported only when
a client is made (``pip install 'liqcascade[live]'``); every fetch function also accepts any
object with those methods (tests pass a fake exchange replaying recorded responses).

Paging: each call asks for one time window (ccxt ``since`` plus ``params={"until": ...}``)
small enough to hold at most one page (``PAGE_LIMITS`` rows), so the answer is complete whether
a venue returns its oldest or its newest rows first; a full page continues from its last row.
Rate limits:
clients are made with ccxt's own throttle on (``enableRateLimit``); a rate-limit or network
error is retried with exponential back-off (from the venue's ``rateLimit``) up to
``max_retries`` times, then raised as :class:`~liqcascade.errors.RemoteError`.

Conventions (as for the dump importers, ``docs/data_dumps.md``):

- OHLCV rows are bars by OPEN time; a bar still open at fetch time is dropped (as-of: a bar
  counts once ``time + interval <= now``). Market ``perp`` for contracts, ``spot`` otherwise.
- A funding settlement at T pays for ``[T - h, T)``: stored with ``time = T - h``,
  ``interval = "<h>h"``; ``h`` is the spacing of the venue's settlements (the previous one, or
  the next for the first row; the venue default when there is only one).
- An open-interest sample at T closes the bar ``[T - timeframe, T)``:
  ``time = T - timeframe``, ``interval = timeframe``; ``close_base`` <- ``openInterestAmount``,
  ``close_usd`` <- ``openInterestValue`` (null when the venue gives no value).
  Binance serves only the last 30 days of open-interest history; Hyperliquid none.
"""

from __future__ import annotations

import functools
import time as _time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from liqcascade._time import parse_interval, to_utc
from liqcascade._venues import VENUES
from liqcascade.data.importers.dumps._convert import is_inverse, quote_currency, schema_frame
from liqcascade.errors import InputError, MissingExtraError, RemoteError, UnknownVenueError

BACKFILL_VENUES = (*VENUES, "deribit")  # Deribit: DVOL and options open interest
WHAT = (
    "ohlcv",
    "funding",
    "oi",
    "mark",
    "spot",
    "ls",
    "dvol",
    "options",
    "dump-klines",
    "dump-metrics",
    "dump-bookdepth",
)
DATASET_OF = {
    "ohlcv": "candles",
    "funding": "funding",
    "oi": "open_interest",
    "mark": "candles",
    "spot": "candles",
    "ls": "long_short",
    "dvol": "candles",
    "options": "options",
}
# Funding period (hours) when a backfill holds a single settlement to measure it from.
DEFAULT_FUNDING_HOURS = {"binance": 8, "bybit": 8, "okx": 8, "hyperliquid": 1}
FUNDING_HOURS = (1, 2, 4, 8)
# Rows asked per call (at most what each venue serves per page for these endpoints).
PAGE_LIMITS = {"binance": 500, "bybit": 200, "okx": 100, "hyperliquid": 500}
_HOUR_MS = 3_600_000
# on_page(what, rows so far, time covered so far) - for progress bars
PageCallback = Callable[[str, int, pd.Timestamp], None]


@dataclass
class BackfillResult:
    """What a backfill fetched (schema frames by dataset), wrote, and skipped (with why)."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    written: dict[str, Any] = field(default_factory=dict)  # dataset -> WriteSummary
    skipped: dict[str, str] = field(default_factory=dict)  # what -> reason
    files: dict[str, list[Any]] = field(default_factory=dict)  # dump item -> verified zips


# The REST host each venue's backfill talks to first (ccxt loads the markets from it).
HOSTS = {
    "binance": "api.binance.com",
    "bybit": "api.bybit.com",
    "okx": "www.okx.com",
    "hyperliquid": "api.hyperliquid.xyz",
    "deribit": "www.deribit.com",
}
CONNECT_TIMEOUT_S = 5.0
MAX_RETRY_AFTER_S = 300.0


def check_reachable(host: str, *, port: int = 443, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Resolve ``host`` and open a TCP connection to it, or raise at once.

    Raises
    ------
    RemoteError
        ``cannot reach <host>``: no network, DNS failure, or a firewall (within
        ``2 x timeout_s`` seconds, instead of ccxt's retries).
    """
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise RemoteError(
            f"cannot reach {host}:{port} ({why}); check the network connection or proxy"
        ) from None


def _installed(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[module] is None
        return False


def make_client(exchange: str, *, check_network: bool = True) -> Any:
    """Return a ccxt client for ``exchange`` with ccxt's rate-limit throttle on.

    With ``check_network`` the venue's REST host is reached first (:func:`check_reachable`),
    so an offline machine gets one clear error within seconds.

    Raises
    ------
    MissingExtraError
        ccxt is not installed (``pip install 'liqcascade[live]'``).
    RemoteError
        The venue's host cannot be reached.
    UnknownVenueError
        ``exchange`` is not one of :data:`VENUES`.
    """
    venue = _venue(exchange)
    if not _installed("ccxt"):
        raise MissingExtraError("ccxt", "live")
    if check_network:  # offline: one line within seconds, before ccxt's slow import and retries
        check_reachable(HOSTS[venue])
    import ccxt

    return getattr(ccxt, venue)({"enableRateLimit": True, "timeout": 10_000})


def timeframe_ms(timeframe: str) -> int:
    """Length of a ccxt timeframe (``5m``, ``4h``, ``1d``, ``1w``) in milliseconds."""
    return int(parse_interval(timeframe, "timeframe") // pd.Timedelta(milliseconds=1))


def to_ms(value: str | pd.Timestamp | Any, name: str = "time") -> int:
    """Epoch milliseconds of a date/time (naive values are UTC)."""
    return int(to_utc(value, name).value // 1_000_000)


def _venue(exchange: str) -> str:
    venue = exchange.strip().lower()
    if venue not in BACKFILL_VENUES:
        raise UnknownVenueError(
            f"no live backfill for {exchange!r}; expected one of {', '.join(BACKFILL_VENUES)}"
        )
    return venue


def _retryable() -> tuple[type[BaseException], ...]:
    try:
        import ccxt
    except ImportError:  # a fake client without ccxt installed: nothing is retryable
        return ()
    return (ccxt.NetworkError,)  # parent of RateLimitExceeded, DDoSProtection, RequestTimeout


def _rate_limited(exc: BaseException) -> bool:
    """HTTP 429 / 418 as ccxt raises them (RateLimitExceeded, DDoSProtection)."""
    try:
        import ccxt
    except ImportError:
        return False
    return isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection)


def retry_after_s(headers: Any) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta seconds or an HTTP date), if any.

    Examples
    --------
    >>> retry_after_s({"Retry-After": "7"})
    7.0
    >>> retry_after_s({}) is None
    True
    """
    if not headers:
        return None
    value = next((v for k, v in dict(headers).items() if str(k).lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - _time.time())


def _bad_symbol(client: Any, symbol: str, exc: BaseException) -> InputError | None:
    """An InputError listing close matches when ccxt says the symbol does not exist."""
    try:
        import ccxt
    except ImportError:
        return None
    if not isinstance(exc, ccxt.BadSymbol):
        return None
    import difflib

    known = list(getattr(client, "symbols", None) or [])
    close = difflib.get_close_matches(symbol, known, n=5, cutoff=0.6)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    return InputError(f"{getattr(client, 'id', 'exchange')} has no symbol {symbol!r}{hint}")


def _call(
    client: Any,
    method: str,
    *args: Any,
    max_retries: int,
    sleep: Callable[[float], None],
    **kwargs: Any,
) -> list[Any]:
    """Call ``client.method`` (a list answer) and back off on rate-limit / network errors."""
    return list(
        _call_any(client, method, *args, max_retries=max_retries, sleep=sleep, **kwargs) or []
    )


def _call_any(
    client: Any,
    method: str,
    *args: Any,
    max_retries: int,
    sleep: Callable[[float], None],
    **kwargs: Any,
) -> Any:
    """Call ``client.method`` and back off on rate-limit / network errors; the raw answer."""
    retryable = _retryable()
    base = max(1.0, float(getattr(client, "rateLimit", 1000)) / 1000.0)
    for attempt in range(max_retries + 1):
        try:
            return getattr(client, method)(*args, **kwargs)
        except retryable as exc:
            if attempt == max_retries:
                raise RemoteError(
                    f"{getattr(client, 'id', 'exchange')} {method} failed {max_retries + 1} "
                    f"times: {exc}; try again later or with a shorter range"
                ) from exc
            wait = min(60.0, base * 2**attempt)
            if _rate_limited(exc):  # 429/418: the venue says how long to stay away
                asked = retry_after_s(getattr(client, "last_response_headers", None))
                wait = min(MAX_RETRY_AFTER_S, asked) if asked is not None else wait
            sleep(wait)
        except Exception as exc:
            bad = _bad_symbol(client, str(args[0]) if args else "", exc)
            if bad is not None:
                raise bad from None
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _paginate(
    fetch: Callable[[int, int], list[Any]],
    timestamp: Callable[[Any], int],
    *,
    since_ms: int,
    until_ms: int,
    window_ms: int,
    limit: int,
    on_page: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Collect rows with ``since_ms <= t < until_ms`` window by window.

    Each call asks for one window ``[cursor, cursor + window_ms)`` (ccxt ``since`` and
    ``params={"until": ...}``), sized so that it holds at most ``limit`` rows: the answer is then
    complete whether the venue returns the oldest or the newest rows first. A page that comes
    back full may have been cut short, so the next call starts right after its last row.
    """
    rows: dict[int, Any] = {}
    cursor = since_ms
    while cursor < until_ms:
        end = min(until_ms, cursor + window_ms)
        page = fetch(cursor, end)
        inside = [row for row in page if cursor <= timestamp(row) < end]
        for row in inside:
            rows.setdefault(timestamp(row), row)
        full = len(page) >= limit and bool(inside)  # maybe cut short: go on after its last row
        cursor = max(timestamp(row) for row in inside) + 1 if full else end
        if on_page is not None:
            on_page(len(rows), cursor)
    return [rows[t] for t in sorted(rows)]


def _bar_pages(
    call: Callable[..., Any],
    client: Any,
    method: str,
    symbol: str,
    timeframe: str,
    timestamp: Callable[[Any], int],
    *,
    since_ms: int,
    until_ms: int,
    limit: int,
    extra: dict[str, Any] | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """:func:`_paginate` over a per-bar ccxt history ``client.method(symbol, timeframe, ...)``.

    ``call(client, method, *args, **kwargs)`` makes one request (with its retries); a window
    holds ``limit`` bars, bounded by ccxt's unified ``until`` (``extra``: more params).
    """
    return _paginate(
        lambda cursor, end: call(
            client,
            method,
            symbol,
            timeframe,
            since=cursor,
            limit=limit,
            params={"until": end - 1, **(extra or {})},
        ),
        timestamp,
        since_ms=since_ms,
        until_ms=until_ms,
        window_ms=limit * timeframe_ms(timeframe),
        limit=limit,
        on_page=on_page,
    )


def _progress(on_page: PageCallback | None, what: str) -> Callable[[int, int], None] | None:
    if on_page is None:
        return None

    def report(rows: int, covered_ms: int) -> None:
        on_page(what, rows, pd.Timestamp(covered_ms, unit="ms", tz="UTC"))

    return report


def _page_limit(client: Any) -> int:
    return PAGE_LIMITS.get(_exchange_id(client), 100)


def _until_params(client: Any, end: int) -> dict[str, Any]:
    """The window's last millisecond as ccxt's unified ``until``; OKX's funding history takes
    its own ``after`` bound instead (ccxt passes it through)."""
    if _exchange_id(client) == "okx":
        return {"after": str(end)}
    return {"until": end - 1}


def _market(symbol: str) -> str:
    return "perp" if ":" in symbol else "spot"


def _exchange_id(client: Any) -> str:
    return str(getattr(client, "id", "")).lower()


def fetch_ohlcv(
    client: Any,
    symbol: str,
    *,
    since: Any,
    until: Any = None,
    timeframe: str = "4h",
    limit: int | None = None,
    now: Any = None,
    price: str = "trade",
    on_page: PageCallback | None = None,
    max_retries: int = 5,
    sleep: Callable[[float], None] = _time.sleep,
) -> pd.DataFrame:
    """Fetch closed OHLCV bars ``since <= open time < until`` as ``candles`` rows.

    Parameters
    ----------
    client
        A ccxt exchange (:func:`make_client`) or any object with ``fetch_ohlcv``.
    symbol
        ccxt symbol (``BTC/USDT:USDT``).
    since, until
        Bar open times (UTC); ``until=None`` means now.
    timeframe
        ccxt timeframe of the bars.
    now
        The fetch time (default: the clock); bars not closed by then are dropped.
    price
        ``trade`` (market ``perp``/``spot``) or ``mark`` (the venue's mark-price bars, ccxt
        ``params={"price": "mark"}``, market ``mark``, no volume).
    """
    if price not in ("trade", "mark"):
        raise InputError(f"price {price!r} is unknown; expected 'trade' or 'mark'")
    extra = {"price": "mark"} if price == "mark" else {}
    step = timeframe_ms(timeframe)
    now_ms = to_ms(now if now is not None else pd.Timestamp.now(tz="UTC"))
    until_ms = min(to_ms(until) if until is not None else now_ms, now_ms)
    limit = limit or _page_limit(client)
    rows = _bar_pages(
        functools.partial(_call, max_retries=max_retries, sleep=sleep),
        client,
        "fetch_ohlcv",
        symbol,
        timeframe,
        lambda row: int(row[0]),
        since_ms=to_ms(since),
        until_ms=until_ms,
        limit=limit,
        extra=extra,
        on_page=_progress(on_page, "ohlcv"),
    )
    rows = [row for row in rows if int(row[0]) + step <= now_ms]  # closed bars only
    data = np.asarray(
        [[np.nan if v is None else v for v in row[:6]] for row in rows], dtype=float
    ).reshape(-1, 6)
    volume = data[:, 5] if price == "trade" else np.full(len(rows), np.nan)
    return schema_frame(
        "candles",
        {
            "time": pd.to_datetime(data[:, 0].astype(np.int64), unit="ms", utc=True),
            "exchange": _exchange_id(client),
            "symbol": symbol,
            "market": "mark" if price == "mark" else _market(symbol),
            "interval": timeframe,
            "open": data[:, 1],
            "high": data[:, 2],
            "low": data[:, 3],
            "close": data[:, 4],
            "volume": volume,  # ccxt unifies OHLCV volume to base units
            "quote_volume": None,
            "currency": "USD" if is_inverse(symbol) else quote_currency(symbol),
        },
        len(rows),
    )


def funding_hours(settlements_ms: Sequence[int] | np.ndarray, default: int) -> np.ndarray:
    """Funding period of each settlement, from the spacing of the settlements (hours).

    Each row takes the gap to the previous settlement (the first row the gap to the next); a
    gap that is not a period venues use (1, 2, 4, 8 h: e.g. a missing settlement) and a lone
    settlement fall back to ``default``.
    """
    times = np.asarray(settlements_ms, dtype=np.int64)
    if len(times) < 2:
        return np.full(len(times), default, dtype=np.int64)
    gaps = np.diff(times) / 3_600_000
    hours = np.concatenate([[gaps[0]], gaps])
    whole = np.round(hours).astype(np.int64)
    valid = np.isin(whole, FUNDING_HOURS) & (np.abs(hours - whole) < 0.01)
    return np.where(valid, whole, default)


def fetch_funding(
    client: Any,
    symbol: str,
    *,
    since: Any,
    until: Any = None,
    limit: int | None = None,
    on_page: PageCallback | None = None,
    max_retries: int = 5,
    sleep: Callable[[float], None] = _time.sleep,
) -> pd.DataFrame:
    """Fetch settled funding rates (FRACTION per interval) as ``funding`` rows.

    ``since``/``until`` bound the settlement times. See the module notes for ``time``.
    """
    now_ms = to_ms(pd.Timestamp.now(tz="UTC"))
    limit = limit or _page_limit(client)
    rows = _paginate(
        lambda cursor, end: _call(
            client,
            "fetch_funding_rate_history",
            symbol,
            since=cursor,
            limit=limit,
            params=_until_params(client, end),
            max_retries=max_retries,
            sleep=sleep,
        ),
        lambda row: int(row["timestamp"]),
        since_ms=to_ms(since),
        until_ms=to_ms(until) if until is not None else now_ms + 1,
        window_ms=limit * _HOUR_MS,  # settlements are at least an hour apart
        limit=limit,
        on_page=_progress(on_page, "funding"),
    )
    settled = np.asarray([int(row["timestamp"]) for row in rows], dtype=np.int64)
    default = DEFAULT_FUNDING_HOURS.get(_exchange_id(client), 8)
    hours = funding_hours(settled, default)
    return schema_frame(
        "funding",
        {
            "time": pd.to_datetime(settled - hours * 3_600_000, unit="ms", utc=True),
            "exchange": _exchange_id(client),
            "symbol": symbol,
            "interval": [f"{h}h" for h in hours],
            "weighting": "none",
            "rate": np.asarray([float(row["fundingRate"]) for row in rows], dtype=float),
            "funding_interval_hours": hours.astype(float),
        },
        len(rows),
    )


def fetch_open_interest(
    client: Any,
    symbol: str,
    *,
    since: Any,
    until: Any = None,
    timeframe: str = "4h",
    limit: int | None = None,
    on_page: PageCallback | None = None,
    max_retries: int = 5,
    sleep: Callable[[float], None] = _time.sleep,
) -> pd.DataFrame:
    """Fetch open-interest samples as ``open_interest`` rows (one per ``timeframe`` bar)."""
    step = timeframe_ms(timeframe)
    now_ms = to_ms(pd.Timestamp.now(tz="UTC"))
    limit = limit or _page_limit(client)
    rows = _bar_pages(
        functools.partial(_call, max_retries=max_retries, sleep=sleep),
        client,
        "fetch_open_interest_history",
        symbol,
        timeframe,
        lambda row: int(row["timestamp"]),
        since_ms=to_ms(since),
        until_ms=to_ms(until) if until is not None else now_ms + 1,
        limit=limit,
        on_page=_progress(on_page, "oi"),
    )
    sampled = np.asarray([int(row["timestamp"]) for row in rows], dtype=np.int64)
    return schema_frame(
        "open_interest",
        {
            "time": pd.to_datetime(sampled - step, unit="ms", utc=True),
            "exchange": _exchange_id(client),
            "symbol": symbol,
            "interval": timeframe,
            "margin": "coin" if is_inverse(symbol) else "stablecoin",
            "close_usd": _floats(rows, "openInterestValue"),
            "close_base": _floats(rows, "openInterestAmount"),
        },
        len(rows),
    )


def _floats(rows: Iterable[dict[str, Any]], key: str) -> np.ndarray:
    return np.asarray(
        [np.nan if row.get(key) is None else float(row[key]) for row in rows], dtype=float
    )


def _supports(client: Any, method: str) -> bool:
    has = getattr(client, "has", None)
    return True if has is None else bool(has.get(method, False))


_METHODS = {
    "ohlcv": "fetchOHLCV",
    "funding": "fetchFundingRateHistory",
    "oi": "fetchOpenInterestHistory",
    "mark": "fetchMarkOHLCV",
    "spot": "fetchOHLCV",
    "ls": "fetchLongShortRatioHistory",
}
_ONLY_ON = {
    "dvol": "deribit",
    "options": "deribit",
    "dump-klines": "binance",
    "dump-metrics": "binance",
    "dump-bookdepth": "binance",
}


def spot_symbol(symbol: str) -> str:
    """The spot pair of a perpetual (``BTC/USDT:USDT`` -> ``BTC/USDT``)."""
    return symbol.split(":")[0]


def _series(item: str, venue: str, symbol: str, timeframe: str) -> dict[str, Any]:
    """The store filters naming the series ``item`` writes (for the missing ranges)."""
    if item in ("ohlcv", "mark", "spot"):
        sym = spot_symbol(symbol) if item == "spot" else symbol
        market = {"mark": "mark", "spot": "spot"}.get(item, _market(symbol))
        return {"exchange": venue, "symbol": sym, "market": market, "interval": timeframe}
    if item == "funding":
        return {"exchange": venue, "symbol": symbol, "weighting": "none"}
    if item == "oi":
        return {"exchange": venue, "symbol": symbol, "interval": timeframe}
    if item == "ls":
        return {"exchange": venue, "symbol": symbol, "interval": timeframe}
    if item == "dvol":
        from liqcascade.data.live_extra import deribit_asset

        sym = f"{deribit_asset(symbol)}-DVOL"
        return {"exchange": "deribit", "symbol": sym, "market": "volatility", "interval": timeframe}
    return {}


def _missing(
    store: Any,
    item: str,
    filters: dict[str, Any],
    since_ms: int,
    until_ms: int,
    step: int | None,
    *,
    shift: int = 0,
) -> list[tuple[int, int]]:
    """Ranges of FETCH times in ``[since_ms, until_ms)`` the store lacks for this series.

    ``shift`` maps a stored row time to its fetch time (open interest and long/short samples
    at T are stored as the bar ``T - step``: shift = step).
    """
    from liqcascade.data.live_extra import missing_ranges

    if store is None or not filters or not hasattr(store, "read"):  # a write-only sink
        return [(since_ms, until_ms)]
    frame = store.read(
        DATASET_OF[item],
        start=pd.Timestamp(since_ms - shift, unit="ms", tz="UTC"),
        end=pd.Timestamp(until_ms - shift, unit="ms", tz="UTC"),
        **filters,
    )
    stored = (frame["time"].astype("int64") // 1_000_000 + shift).tolist() if len(frame) else []
    return missing_ranges(stored, since_ms, until_ms, step)


class _Paging(TypedDict):
    # The paging options every fetch_* function takes.
    on_page: PageCallback | None
    sleep: Callable[[float], None]


def _fetch_item(
    item: str,
    client: Any,
    symbol: str,
    lo: int,
    hi: int,
    *,
    timeframe: str,
    on_page: PageCallback | None,
    sleep: Callable[[float], None],
) -> pd.DataFrame:
    """Rows of one item fetched for ``[lo, hi)`` (bar open times; sample times for oi/ls)."""
    from liqcascade.data import live_extra

    common: _Paging = {"on_page": on_page, "sleep": sleep}
    since, until = pd.Timestamp(lo, unit="ms", tz="UTC"), pd.Timestamp(hi, unit="ms", tz="UTC")
    if item in ("ohlcv", "mark", "spot"):
        sym = spot_symbol(symbol) if item == "spot" else symbol
        price = "mark" if item == "mark" else "trade"
        return fetch_ohlcv(
            client, sym, since=since, until=until, timeframe=timeframe, price=price, **common
        )
    if item == "funding":
        return fetch_funding(client, symbol, since=since, until=until, **common)
    if item == "oi":
        return fetch_open_interest(
            client, symbol, since=since, until=until, timeframe=timeframe, **common
        )

    def call(c: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        return _call_any(c, method, *args, max_retries=5, sleep=sleep, **kwargs)

    if item == "ls":
        return live_extra.fetch_long_short(
            client,
            symbol,
            since_ms=lo,
            until_ms=hi,
            timeframe=timeframe,
            limit=_page_limit(client),
            call=call,
        )
    now_ms = to_ms(pd.Timestamp.now(tz="UTC"))
    if item == "dvol":
        return live_extra.fetch_dvol(
            client, symbol, since_ms=lo, until_ms=hi, now_ms=now_ms, timeframe=timeframe, call=call
        )
    return live_extra.fetch_options_oi(client, symbol, now_ms=now_ms, call=call)


def backfill(
    exchange: str,
    symbol: str,
    *,
    since: Any,
    until: Any = None,
    what: Sequence[str] = ("ohlcv", "funding", "oi"),
    timeframe: str = "4h",
    store: Any = None,
    client: Any = None,
    on_page: PageCallback | None = None,
    sleep: Callable[[float], None] = _time.sleep,
    incremental: bool = True,
    dump_folder: Any = None,
    http_get: Callable[[str], bytes | None] | None = None,
) -> BackfillResult:
    """Fetch ``what`` for one symbol and write it to ``store``, only what the store lacks.

    Parameters
    ----------
    exchange
        binance, bybit, okx, hyperliquid or deribit.
    symbol
        ccxt symbol, e.g. ``BTC/USDT:USDT`` (Hyperliquid: ``BTC/USDC:USDC``; Deribit ``BTC``).
    since, until
        UTC date/times bounding the rows (``until=None``: now).
    what
        Any of :data:`WHAT`: ``ohlcv`` (perp or spot by the symbol), ``mark``, ``spot`` (the
        perp's spot pair), ``funding``, ``oi``, ``ls`` (account long/short ratio), ``dvol`` and
        ``options`` (Deribit), ``dump-klines`` / ``dump-metrics`` / ``dump-bookdepth`` (Binance
        public data, checksum-verified; see :mod:`liqcascade.data.live_extra`).
    store
        A :class:`~liqcascade.data.Store` to write into (source ``ccxt:<exchange>``);
        None fetches without writing.
    client
        The exchange object (default: :func:`make_client`); tests pass a recorded fake.
    incremental
        Fetch only the ranges the store lacks for each series (interior holes of fixed-step
        series included; funding: before the first / after the last stored settlement).
    dump_folder, http_get
        Where dump zips are kept (default ``<store>.dumps``) and the HTTP getter (tests).

    Returns
    -------
    BackfillResult
        The frames, the store's write summaries and what the venue could not give.
    """
    venue = _venue(exchange)
    unknown = [w for w in what if w not in WHAT]
    if unknown:
        raise InputError(f"unknown --what {unknown}; expected some of {', '.join(WHAT)}")
    result = BackfillResult()
    wanted = []
    for item in what:
        only = _ONLY_ON.get(item)
        if only is not None and only != venue:
            result.skipped[item] = f"{item} comes from {only} only"
        elif only is None and venue == "deribit" and item in ("ls", "spot"):
            result.skipped[item] = f"deribit has no {item}"
        else:
            wanted.append(item)
    dumps = [w for w in wanted if w.startswith("dump-")]
    rest = [w for w in wanted if not w.startswith("dump-")]
    if rest:
        client = client if client is not None else make_client(venue)
    since_ms = to_ms(since)
    until_ms = to_ms(until) if until is not None else to_ms(pd.Timestamp.now(tz="UTC"))
    step = timeframe_ms(timeframe)
    for item in rest:
        method = _METHODS.get(item)
        if method is not None and not _supports(client, method):
            result.skipped[item] = f"{venue} has no {method} in ccxt"
            continue
        if item == "options":
            ranges = [(since_ms, until_ms)]  # a snapshot: always taken
        else:
            filters = _series(item, venue, symbol, timeframe) if incremental else {}
            gap = None if item == "funding" else step
            shift = step if item in ("oi", "ls") else 0
            ranges = _missing(store, item, filters, since_ms, until_ms, gap, shift=shift)
        frames = [
            _fetch_item(
                item, client, symbol, lo, hi, timeframe=timeframe, on_page=on_page, sleep=sleep
            )
            for lo, hi in ranges
        ]
        frame = _concat(frames, DATASET_OF[item])
        _collect(result, store, DATASET_OF[item], frame, f"ccxt:{venue}")
        if incremental and not ranges:
            result.skipped.setdefault(item, "already in the store")
    for item in dumps:
        _backfill_dump(
            result, item, symbol, since_ms, until_ms, timeframe, store, dump_folder, http_get
        )
    return result


def _concat(frames: list[pd.DataFrame], dataset: str) -> pd.DataFrame:
    from liqcascade.data._frames import empty_frame
    from liqcascade.data._schema import dataset as schema_dataset

    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(schema_dataset(dataset))
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _collect(
    result: BackfillResult, store: Any, dataset: str, frame: pd.DataFrame, source: str
) -> None:
    """Add a frame to the result and the store (items sharing a dataset add up)."""
    before = result.frames.get(dataset)
    result.frames[dataset] = frame if before is None else _concat([before, frame], dataset)
    if store is None or not len(frame):
        return
    summary = store.write(dataset, frame, source=source)
    previous = result.written.get(dataset)
    result.written[dataset] = summary if previous is None else previous + summary


def _backfill_dump(
    result: BackfillResult,
    item: str,
    symbol: str,
    since_ms: int,
    until_ms: int,
    timeframe: str,
    store: Any,
    dump_folder: Any,
    http_get: Callable[[str], bytes | None] | None,
) -> None:
    """Download checksum-verified Binance daily dumps and import them into the store."""
    from pathlib import Path

    from liqcascade.data import live_extra

    kind = live_extra.DUMP_KINDS[item]
    symbol_id = symbol.split(":")[0].replace("/", "")
    if http_get is None:
        check_reachable(live_extra.DUMP_HOST)
        http_get = live_extra.http_get
    if dump_folder is None:
        root = Path(store.path) if store is not None else Path.cwd() / "liqcascade"
        dump_folder = root.with_name(root.name + ".dumps")
    days = live_extra.days_between(since_ms, until_ms)
    paths, skipped = live_extra.fetch_dumps(
        kind, symbol_id, days, folder=Path(dump_folder) / kind, get=http_get, interval=timeframe
    )
    result.files[item] = paths
    if skipped:
        result.skipped[item] = "; ".join(skipped.values())
    if store is None or not paths:
        return
    from liqcascade.data import import_paths

    fmt = {"klines": "binance-klines", "metrics": "binance-metrics"}.get(kind, "binance-bookdepth")
    for dataset, summary in import_paths(store, fmt, paths).totals.items():
        previous = result.written.get(dataset)
        result.written[dataset] = summary if previous is None else previous + summary


__all__ = [
    "BACKFILL_VENUES",
    "HOSTS",
    "VENUES",
    "WHAT",
    "BackfillResult",
    "backfill",
    "check_reachable",
    "fetch_funding",
    "fetch_ohlcv",
    "fetch_open_interest",
    "funding_hours",
    "make_client",
    "retry_after_s",
    "spot_symbol",
    "timeframe_ms",
]
