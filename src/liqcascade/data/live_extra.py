"""Backfill beyond candles/funding/OI: long/short ratios, Deribit DVOL and options OI, Binance
public-data dumps with checksum verification, and the "only what is missing" ranges.

Every fetcher takes the client (ccxt exchange or a fake with the same methods), so tests replay
recorded answers. Conventions:

- **Long/short ratio** (ccxt ``fetch_long_short_ratio_history``; Binance
  ``/futures/data/globalLongShortAccountRatio``, Bybit ``/v5/market/account-ratio``, OKX
  ``/api/v5/rubik/stat/contracts/long-short-account-ratio-contract``): the ratio of ACCOUNTS
  net long to net short, ``kind = global_account``. A sample at T closes the bar
  ``[T - timeframe, T)`` (as open interest): ``time = T - timeframe``. ``long_fraction`` is the
  venue's own (Bybit ``buyRatio``) or ``ratio / (1 + ratio)``.
- **DVOL** (Deribit ``public/get_volatility_index_data``): candles ``exchange=deribit``,
  ``symbol=<ASSET>-DVOL``, ``market=volatility``, values as FRACTIONS (45.0 -> 0.45), bars by
  open time, only closed bars (as the ``deribit-dvol`` importer).
- **Options open interest** (Deribit ``public/get_book_summary_by_currency kind=option``): a
  SNAPSHOT at fetch time (Deribit publishes no history): ``options`` rows ``call_oi``/``put_oi``
  per expiry (base units: one contract is one coin) and the total ``open_interest`` (base) and
  ``open_interest_usd`` (x the underlying price), ``interval`` null.
- **Binance public data** (``https://data.binance.vision``): daily zip files of USDⓈ-M
  ``klines`` (4h/1d...), ``metrics`` and ``bookDepth``, each with a ``.CHECKSUM`` file
  (``<sha256>  <file name>``); a file is imported only when its SHA-256 matches.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.data.importers.dumps._convert import schema_frame
from liqcascade.errors import InputError, RemoteError

DUMP_HOST = "data.binance.vision"
DUMP_KINDS = {"dump-klines": "klines", "dump-metrics": "metrics", "dump-bookdepth": "bookDepth"}
DERIBIT_RESOLUTIONS = {"1m": "60", "1h": "3600", "12h": "43200", "1d": "1D"}
_DAY_MS = 86_400_000


# --------------------------------------------------------------------------- missing ranges


def missing_ranges(
    stored_ms: Sequence[int], since_ms: int, until_ms: int, step_ms: int | None
) -> list[tuple[int, int]]:
    """Sub-ranges of ``[since_ms, until_ms)`` not covered by stored rows.

    With a fixed ``step_ms`` each stored row covers ``[t, t + step)``, so interior holes are
    found too; without one (funding: irregular) only what lies before the first or after the
    last stored row is missing.

    Examples
    --------
    >>> missing_ranges([10, 20, 40], 0, 60, 10)
    [(0, 10), (30, 40), (50, 60)]
    >>> missing_ranges([], 0, 60, 10)
    [(0, 60)]
    """
    times = sorted(int(t) for t in stored_ms if since_ms <= int(t) < until_ms)
    if not times:
        return [(since_ms, until_ms)] if since_ms < until_ms else []
    covered = [(t, t + step_ms) for t in times] if step_ms else [(times[0], times[-1] + 1)]
    out, cursor = [], since_ms
    for lo, hi in covered:
        if lo > cursor:
            out.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < until_ms:
        out.append((cursor, until_ms))
    return out


# --------------------------------------------------------------------------- long/short


def fetch_long_short(
    client: Any,
    symbol: str,
    *,
    since_ms: int,
    until_ms: int,
    timeframe: str = "4h",
    limit: int = 500,
    call: Callable[..., list[Any]],
) -> pd.DataFrame:
    """Account long/short ratio samples as ``long_short`` rows (see the module notes)."""
    from liqcascade.data.live import _bar_pages, timeframe_ms

    step = timeframe_ms(timeframe)
    ordered = _bar_pages(
        call,
        client,
        "fetch_long_short_ratio_history",
        symbol,
        timeframe,
        lambda row: int(row["timestamp"]),
        since_ms=since_ms,
        until_ms=until_ms,
        limit=limit,
    )
    ratio = np.asarray([float(r["longShortRatio"]) for r in ordered], dtype=float)
    long_f = np.asarray([_long_fraction(r, x) for r, x in zip(ordered, ratio, strict=True)])
    sampled = np.asarray([int(r["timestamp"]) for r in ordered], dtype=np.int64)
    return schema_frame(
        "long_short",
        {
            "time": pd.to_datetime(sampled - step, unit="ms", utc=True),
            "exchange": str(getattr(client, "id", "")).lower(),
            "symbol": symbol,
            "interval": timeframe,
            "kind": "global_account",
            "long_fraction": long_f,
            "short_fraction": 1.0 - long_f,
            "ratio": ratio,
        },
        len(ordered),
    )


def _long_fraction(row: dict[str, Any], ratio: float) -> float:
    info = row.get("info") or {}
    if isinstance(info, dict) and info.get("buyRatio") not in (None, ""):
        return float(info["buyRatio"])  # Bybit publishes the fraction itself
    if isinstance(info, dict) and info.get("longAccount") not in (None, ""):
        return float(info["longAccount"])  # Binance too
    return ratio / (1.0 + ratio)


# --------------------------------------------------------------------------- Deribit


def deribit_asset(symbol: str) -> str:
    """BTC or ETH from ``BTC``, ``BTC/USD:BTC``, ``BTC-PERPETUAL``..."""
    asset = re.split(r"[/:\-_]", symbol.strip().upper())[0]
    if asset not in ("BTC", "ETH"):
        raise InputError(f"deribit publishes DVOL and options for BTC and ETH, not {symbol!r}")
    return asset


def fetch_dvol(
    client: Any,
    symbol: str,
    *,
    since_ms: int,
    until_ms: int,
    now_ms: int,
    timeframe: str = "1h",
    call: Callable[..., Any],
) -> pd.DataFrame:
    """Deribit DVOL bars (closed, by open time) as ``candles`` rows in FRACTIONS."""
    from liqcascade.data.live import timeframe_ms

    asset = deribit_asset(symbol)
    resolution = DERIBIT_RESOLUTIONS.get(timeframe)
    if resolution is None:
        raise InputError(
            f"deribit DVOL comes in {sorted(DERIBIT_RESOLUTIONS)} bars, not {timeframe!r}; "
            "pass --interval 1h or 1d"
        )
    step = timeframe_ms(timeframe)
    rows: dict[int, list[float]] = {}
    end = until_ms
    while end > since_ms:  # Deribit pages backwards with "continuation"
        answer = call(
            client,
            "public_get_get_volatility_index_data",
            {
                "currency": asset,
                "start_timestamp": since_ms,
                "end_timestamp": end,
                "resolution": resolution,
            },
        )
        result = answer.get("result", answer) if isinstance(answer, dict) else {}
        for bar in result.get("data", []):
            t = int(bar[0])
            if since_ms <= t < until_ms and t + step <= now_ms:
                rows.setdefault(t, [float(v) for v in bar[1:5]])
        nxt = result.get("continuation")
        if not nxt or int(nxt) >= end:
            break
        end = int(nxt)
    times = sorted(rows)
    ohlc = np.asarray([rows[t] for t in times], dtype=float).reshape(-1, 4) / 100.0
    return schema_frame(
        "candles",
        {
            "time": pd.to_datetime(np.asarray(times, dtype=np.int64), unit="ms", utc=True),
            "exchange": "deribit",
            "symbol": f"{asset}-DVOL",
            "market": "volatility",
            "interval": timeframe,
            "open": ohlc[:, 0],
            "high": ohlc[:, 1],
            "low": ohlc[:, 2],
            "close": ohlc[:, 3],
            "volume": None,
            "quote_volume": None,
            "currency": "USD",
        },
        len(times),
    )


def fetch_options_oi(
    client: Any, symbol: str, *, now_ms: int, call: Callable[..., Any]
) -> pd.DataFrame:
    """A snapshot of Deribit options open interest as ``options`` rows (module notes)."""
    asset = deribit_asset(symbol)
    answer = call(
        client, "public_get_get_book_summary_by_currency", {"currency": asset, "kind": "option"}
    )
    summaries = answer.get("result", answer) if isinstance(answer, dict) else answer
    per: dict[tuple[str, pd.Timestamp], float] = {}
    total = total_usd = 0.0
    for row in summaries:
        parts = str(row["instrument_name"]).split("-")  # BTC-27DEC24-100000-C
        if len(parts) != 4:
            continue
        expiry = pd.Timestamp(pd.to_datetime(parts[1], format="%d%b%y"), tz="UTC") + pd.Timedelta(
            hours=8
        )
        metric = "call_oi" if parts[3] == "C" else "put_oi"
        oi = float(row.get("open_interest") or 0.0)
        per[(metric, expiry)] = per.get((metric, expiry), 0.0) + oi
        total += oi
        total_usd += oi * float(row.get("underlying_price") or np.nan)
    when = pd.Timestamp(now_ms, unit="ms", tz="UTC").floor("min")
    keys = sorted(per, key=lambda k: (k[1], k[0]))
    metrics = [k[0] for k in keys] + ["open_interest", "open_interest_usd"]
    return schema_frame(
        "options",
        {
            "time": [when] * len(metrics),
            "exchange": "deribit",
            "asset": asset,
            "expiry": pd.to_datetime([k[1] for k in keys] + [pd.NaT, pd.NaT], utc=True),
            "metric": metrics,
            "interval": None,
            "value": [per[k] for k in keys] + [total, total_usd],
            "unit": ["base"] * (len(keys) + 1) + ["usd"],
        },
        len(metrics),
    )


# --------------------------------------------------------------------------- Binance dumps


def dump_url(kind: str, symbol_id: str, day: str, *, interval: str = "4h") -> str:
    """URL of one daily USDⓈ-M dump file on data.binance.vision.

    Examples
    --------
    >>> dump_url("klines", "BTCUSDT", "2025-09-22")
    'https://data.binance.vision/data/futures/um/daily/klines/BTCUSDT/4h/BTCUSDT-4h-2025-09-22.zip'
    >>> dump_url("metrics", "BTCUSDT", "2025-09-22")[-38:]
    'BTCUSDT/BTCUSDT-metrics-2025-09-22.zip'
    """
    base = f"https://{DUMP_HOST}/data/futures/um/daily/{kind}/{symbol_id}"
    if kind == "klines":
        return f"{base}/{interval}/{symbol_id}-{interval}-{day}.zip"
    if kind in ("metrics", "bookDepth"):
        return f"{base}/{symbol_id}-{kind}-{day}.zip"
    raise InputError(f"binance dump kind {kind!r} is unknown; expected klines, metrics, bookDepth")


def verify_checksum(data: bytes, checksum_text: str, name: str) -> str:
    """The SHA-256 of ``data`` if it matches the ``.CHECKSUM`` text, else raise.

    Raises
    ------
    RemoteError
        The digests differ (a corrupt or tampered download) or the checksum file is malformed.
    """
    fields = checksum_text.strip().split()
    if not fields or not re.fullmatch(r"[0-9a-fA-F]{64}", fields[0]):
        raise RemoteError(f"{name}.CHECKSUM is not '<sha256>  <file>': {checksum_text[:80]!r}")
    got = hashlib.sha256(data).hexdigest()
    if got != fields[0].lower():
        raise RemoteError(
            f"{name}: SHA-256 {got} does not match the published {fields[0].lower()}; "
            "the download is corrupt, not imported (run the backfill again)"
        )
    return got


def fetch_dumps(
    kind: str,
    symbol_id: str,
    days: Sequence[str],
    *,
    folder: Path,
    get: Callable[[str], bytes | None],
    interval: str = "4h",
) -> tuple[list[Path], dict[str, str]]:
    """Download and verify daily dump files into ``folder``; already-verified files are kept.

    Parameters
    ----------
    get
        ``get(url) -> bytes`` or None when the file does not exist (HTTP 404).

    Returns
    -------
    (paths, skipped)
        Verified zip files, and ``{day: reason}`` for days with no published file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths, skipped = [], {}
    for day in days:
        url = dump_url(kind, symbol_id, day, interval=interval)
        name = url.rsplit("/", 1)[1]
        path = folder / name
        checksum = get(url + ".CHECKSUM")
        if checksum is None:
            skipped[day] = f"{name}: not published (no .CHECKSUM)"
            continue
        text = checksum.decode("utf-8", "replace")
        if path.exists():
            try:
                verify_checksum(path.read_bytes(), text, name)
                paths.append(path)
                continue
            except RemoteError:
                path.unlink()
        data = get(url)
        if data is None:
            skipped[day] = f"{name}: not published"
            continue
        verify_checksum(data, text, name)
        tmp = path.with_suffix(".zip.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        paths.append(path)
    return paths, skipped


def http_get(url: str, *, timeout_s: float = 30.0) -> bytes | None:
    """GET ``url``: its bytes, None on HTTP 404, :class:`RemoteError` otherwise."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            return answer.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise RemoteError(f"GET {url} failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise RemoteError(f"GET {url} failed: {exc}") from None


def days_between(since_ms: int, until_ms: int) -> list[str]:
    """UTC days (ISO) whose whole day lies in ``[since_ms, until_ms)``.

    Examples
    --------
    >>> days_between(0, 2 * 86_400_000 + 5)
    ['1970-01-01', '1970-01-02']
    """
    first = -(-since_ms // _DAY_MS)
    last = until_ms // _DAY_MS
    return [pd.Timestamp(d * _DAY_MS, unit="ms").strftime("%Y-%m-%d") for d in range(first, last)]


__all__ = [
    "DUMP_HOST",
    "DUMP_KINDS",
    "days_between",
    "deribit_asset",
    "dump_url",
    "fetch_dumps",
    "fetch_dvol",
    "fetch_long_short",
    "fetch_options_oi",
    "http_get",
    "missing_ranges",
    "verify_checksum",
]
