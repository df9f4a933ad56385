"""Fetch the venues' CURRENT bracket (risk-limit tier) tables through ccxt (extra ``live``).

``liqcascade margin brackets --refresh`` calls :func:`refresh_brackets`: it asks the venue for
its tiers, converts them to liqcascade bracket files (the format of
``margin/brackets/*.json``), validates each with :func:`liqcascade.margin.load_brackets` and
writes it, dated by the UTC fetch day, into :func:`liqcascade.margin.user_brackets_dir`, where
:func:`liqcascade.margin.brackets` finds it after the packaged tables.

Endpoints (through ccxt, so a fake client with the same methods replays recorded responses):

- Binance: ``fetch_leverage_tiers`` / ``fetch_market_leverage_tiers`` -> ``GET
  /fapi/v1/leverageBracket`` (USD-M) and ``/dapi/v1/leverageBracket`` (COIN-M). Binance serves
  them only to SIGNED requests: set ``BINANCE_API_KEY`` and ``BINANCE_API_SECRET`` (a read-only
  key is enough). ``cum`` is Binance's own.
- Bybit: ``GET /v5/market/risk-limit`` (public); ``mmDeduction`` is Bybit's maintenance
  deduction (the recurrence fills it in when empty).
- OKX: ``GET /api/v5/public/position-tiers`` (public), one instrument family per call; tiers are
  in CONTRACTS and are converted to base units with the market's contract value (``basis:
  quantity``); coin-margined OKX tiers (contracts of USD) are not converted and are skipped.
- Hyperliquid: ``POST /info {"type": "meta"}``: each asset's ``marginTableId`` names a table of
  ``lowerBound`` / ``maxLeverage`` tiers; the maintenance rate is ``1 / (2 x max leverage)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liqcascade._venues import check_venue
from liqcascade.data.live import HOSTS, check_reachable, make_client
from liqcascade.errors import BracketError, InputError, RemoteError

# Host of each venue's tier endpoint (Binance's futures API is not its spot host).
TIER_HOSTS = {
    "binance": "fapi.binance.com",
    "bybit": HOSTS["bybit"],
    "okx": HOSTS["okx"],
    "hyperliquid": HOSTS["hyperliquid"],
}
ENDPOINTS = {
    "binance": "GET /fapi/v1/leverageBracket (COIN-M: /dapi/v1/leverageBracket)",
    "bybit": "GET /v5/market/risk-limit",
    "okx": "GET /api/v5/public/position-tiers",
    "hyperliquid": 'POST /info {"type": "meta"} marginTables',
}
OPEN_CAP = 1e15  # an open-ended top tier (the packaged Hyperliquid tables' convention)


@dataclass
class RefreshResult:
    """Tables written (path per ccxt symbol) and symbols skipped (with why)."""

    written: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def make_tier_client(venue: str) -> Any:
    """A ccxt client for the venue's tier endpoint; the host is reached first (fails fast).

    Raises
    ------
    RemoteError
        The venue's tier host cannot be reached (within ~5 s, naming the host).
    MissingExtraError
        ccxt is not installed.
    """
    venue = check_venue(venue)
    check_reachable(TIER_HOSTS[venue])
    client = make_client(venue)
    if venue == "binance":
        key, secret = os.environ.get("BINANCE_API_KEY"), os.environ.get("BINANCE_API_SECRET")
        if key and secret:
            client.apiKey, client.secret = key, secret
    return client


def fetch_tables(
    venue: str,
    symbols: Sequence[str] | None = None,
    *,
    client: Any,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The venue's current tiers as liqcascade bracket-file objects (not yet validated).

    Parameters
    ----------
    venue
        ``binance``, ``bybit``, ``okx`` or ``hyperliquid``.
    symbols
        ccxt symbols; None: every market the venue answers for in one call (Binance, Bybit,
        Hyperliquid; OKX needs symbols).
    client
        A ccxt exchange (or an object with the same methods).
    now
        Fetch time (UTC); the tables' ``effective_from`` is its day.

    Returns
    -------
    (tables, skipped)
        Bracket-file dicts, and ``{symbol: reason}`` for markets that could not be converted.
    """
    venue = check_venue(venue)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    if venue == "hyperliquid":
        return _hyperliquid_tables(client, symbols, when)
    try:
        client.load_markets()
        tiers = _fetch_tiers(venue, client, symbols)
    except Exception as exc:  # ccxt's errors; re-raised with the venue and what to do
        raise _remote_error(venue, exc) from None
    tables, skipped = [], {}
    for symbol, rows in tiers.items():
        try:
            tables.append(_table_obj(venue, symbol, rows, client, when))
        except BracketError as exc:
            skipped[symbol] = str(exc)
    return tables, skipped


def _fetch_tiers(venue: str, client: Any, symbols: Sequence[str] | None) -> dict[str, list[Any]]:
    has = getattr(client, "has", {}) or {}
    if symbols:
        if has.get("fetchLeverageTiers") and venue != "okx":
            return dict(client.fetch_leverage_tiers(list(symbols)))
        return {s: client.fetch_market_leverage_tiers(s) for s in symbols}
    if venue == "okx":
        raise InputError(
            "OKX serves position tiers one instrument family at a time: pass --symbol, e.g. "
            "--symbol BTC/USDT:USDT"
        )
    return dict(client.fetch_leverage_tiers())


def _remote_error(venue: str, exc: BaseException) -> Exception:
    if isinstance(exc, InputError | RemoteError):
        return exc
    name = type(exc).__name__
    if venue == "binance" and name in (
        "AuthenticationError",
        "PermissionDenied",
        "ArgumentsRequired",
    ):
        return RemoteError(
            "binance serves leverage brackets only to signed requests (/fapi/v1/leverageBracket): "
            "set BINANCE_API_KEY and BINANCE_API_SECRET (a read-only key) and retry"
        )
    if name == "BadSymbol":
        return InputError(f"{venue}: {exc}")
    return RemoteError(f"{venue} tier request failed ({name}: {exc})")


def _market(client: Any, symbol: str) -> Mapping[str, Any]:
    try:
        return client.market(symbol)
    except Exception:  # an unknown market: fall back to the symbol's shape
        return {}


def _table_obj(
    venue: str, symbol: str, rows: Sequence[Mapping[str, Any]], client: Any, when: datetime
) -> dict[str, Any]:
    if not rows:
        raise BracketError(f"{venue} returned no tiers for {symbol}")
    market = _market(client, symbol)
    inverse = bool(market.get("inverse", symbol.split(":")[-1] == symbol.split("/")[0]))
    rows = sorted(rows, key=lambda r: float(r.get("minNotional") or 0.0))
    scale, basis = 1.0, "notional"
    if venue == "okx":
        if inverse:
            raise BracketError(
                f"okx {symbol}: coin-margined tiers are in USD contracts; not converted"
            )
        scale, basis = float(market.get("contractSize") or 0.0), "quantity"
        if not scale > 0:
            raise BracketError(f"okx {symbol}: the market gives no contract size")
    brackets = []
    floor = 0.0
    for k, row in enumerate(rows):
        cap = _number(row.get("maxNotional"), f"{venue} {symbol} tier {k + 1} maxNotional") * scale
        mmr = _number(row.get("maintenanceMarginRate"), f"{venue} {symbol} tier {k + 1} mmr")
        lev = _number(row.get("maxLeverage"), f"{venue} {symbol} tier {k + 1} maxLeverage")
        if lev > 0 and mmr >= 1.0 / lev:  # e.g. a rate in percent
            raise BracketError(
                f"{venue} {symbol} tier {k + 1}: maintenance rate {mmr!r} is not below the "
                f"initial rate 1/{lev:g}; expected a fraction"
            )
        tier = {
            "bracket": k + 1,
            "initialLeverage": lev,
            "notionalFloor": floor,
            "notionalCap": cap,
            "maintMarginRatio": mmr,
        }
        cum = _venue_cum(venue, row.get("info") or {})
        if cum is not None and basis == "notional":
            tier["cum"] = cum
        brackets.append(tier)
        floor = cap
    if any("cum" not in t for t in brackets):  # all or none: the recurrence fills them in
        for t in brackets:
            t.pop("cum", None)
    market_name = _market_name(venue, inverse)
    stamp = when.strftime("%Y-%m-%d %H:%M UTC")
    return {
        "description": f"{venue} {symbol} tiers as the venue served them on {stamp}",
        "source": f"{venue} {ENDPOINTS[venue]} via ccxt, fetched {stamp}",
        "fetched_at": when.isoformat(timespec="seconds"),
        "venue": venue,
        "market": market_name,
        "symbol": symbol,
        "venue_symbol": market.get("id", ""),
        "inverse": inverse,
        "basis": basis,
        "contract_size": market.get("contractSize"),
        "effective_from": when.date().isoformat(),
        "brackets": brackets,
    }


def _venue_cum(venue: str, info: Mapping[str, Any]) -> float | None:
    key = {"binance": "cum", "bybit": "mmDeduction"}.get(venue)
    value = info.get(key) if key else None
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _number(value: Any, what: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise BracketError(f"{what}: {value!r} is not a number") from None
    if out != out:
        raise BracketError(f"{what}: missing")
    return out


def _market_name(venue: str, inverse: bool) -> str:
    names = {
        "binance": ("usdm", "coinm"),
        "bybit": ("linear", "inverse"),
        "okx": ("swap", "swap_inverse"),
        "hyperliquid": ("perp", "perp"),
    }
    return names[venue][int(inverse)]


def _hyperliquid_tables(
    client: Any, symbols: Sequence[str] | None, when: datetime
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    try:
        meta = client.public_post_info({"type": "meta"})
    except Exception as exc:  # ccxt's errors
        raise _remote_error("hyperliquid", exc) from None
    tables_by_id = {int(i): t for i, t in meta.get("marginTables", [])}
    wanted = None if not symbols else {s.split("/")[0].upper() for s in symbols}
    stamp = when.strftime("%Y-%m-%d %H:%M UTC")
    out: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for asset in meta.get("universe", []):
        name = str(asset.get("name", ""))
        if wanted is not None and name.upper() not in wanted:
            continue
        symbol = f"{name}/USDC:USDC"
        table = tables_by_id.get(int(asset.get("marginTableId", -1)))
        if table is None:
            skipped[symbol] = f"margin table {asset.get('marginTableId')!r} not in the answer"
            continue
        tiers = sorted(table["marginTiers"], key=lambda t: float(t["lowerBound"]))
        floors = [float(t["lowerBound"]) for t in tiers]
        brackets = [
            {
                "bracket": k + 1,
                "initialLeverage": float(t["maxLeverage"]),
                "notionalFloor": floors[k],
                "notionalCap": floors[k + 1] if k + 1 < len(tiers) else OPEN_CAP,
                "maintMarginRatio": 0.5 / float(t["maxLeverage"]),
            }
            for k, t in enumerate(tiers)
        ]
        out.append(
            {
                "description": f"hyperliquid {symbol} margin table "
                f"{table.get('description', '')!r} as served on {stamp}",
                "source": f"hyperliquid {ENDPOINTS['hyperliquid']} via ccxt, fetched {stamp}",
                "fetched_at": when.isoformat(timespec="seconds"),
                "venue": "hyperliquid",
                "market": "perp",
                "symbol": symbol,
                "inverse": False,
                "basis": "notional",
                "effective_from": when.date().isoformat(),
                "brackets": brackets,
            }
        )
    if wanted is not None:
        found = {t["symbol"].split("/")[0] for t in out} | {s.split("/")[0] for s in skipped}
        for base in sorted(wanted - found):
            skipped[f"{base}/USDC:USDC"] = "hyperliquid lists no such perp"
    return out, skipped


def file_name(obj: Mapping[str, Any]) -> str:
    """``<venue>_<market>_<SYMBOL>_<YYYY-MM-DD>.json`` (symbol without separators)."""
    base, _, rest = str(obj["symbol"]).partition("/")
    quote = rest.split(":")[0]
    return f"{obj['venue']}_{obj['market']}_{base}{quote}_{obj['effective_from']}.json"


def write_tables(tables: Iterable[Mapping[str, Any]], folder: Path) -> dict[str, Path]:
    """Validate each table (:func:`liqcascade.margin.load_brackets`) and write it to ``folder``.

    Raises
    ------
    BracketError
        A table violates the table rules (the file is not written).
    """
    from liqcascade.margin import load_brackets

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for obj in tables:
        load_brackets(dict(obj))  # raises on a malformed table, before anything is written
        path = folder / file_name(obj)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
        out[str(obj["symbol"])] = path
    return out


def refresh_brackets(
    venue: str,
    symbols: Sequence[str] | None = None,
    *,
    client: Any = None,
    folder: Path | None = None,
    now: datetime | None = None,
) -> RefreshResult:
    """Fetch the venue's current tiers and write them as dated user tables.

    Parameters
    ----------
    venue
        ``binance``, ``bybit``, ``okx`` or ``hyperliquid``.
    symbols
        ccxt symbols (``BTC/USDT:USDT``); None: every market one call returns.
    client
        A ccxt exchange or a fake with the same methods; None makes one with
        :func:`make_tier_client` (which fails fast, naming the host, when offline).
    folder
        Where to write; default :func:`liqcascade.margin.user_brackets_dir`.
    now
        Fetch time (UTC); tables are dated by its day.

    Returns
    -------
    RefreshResult

    Raises
    ------
    RemoteError
        Offline (the host is named), or the venue kept failing.
    """
    from liqcascade.margin import normalize_symbol, user_brackets_dir

    venue = check_venue(venue)
    wanted = None if not symbols else [normalize_symbol(s) for s in symbols]
    if venue == "hyperliquid" and wanted:
        wanted = [f"{s.split('/')[0]}/USDC:USDC" for s in wanted]
    client = client if client is not None else make_tier_client(venue)
    tables, skipped = fetch_tables(venue, wanted, client=client, now=now)
    written = write_tables(tables, folder if folder is not None else user_brackets_dir())
    return RefreshResult(written=written, skipped=skipped)


__all__ = [
    "ENDPOINTS",
    "TIER_HOSTS",
    "RefreshResult",
    "fetch_tables",
    "file_name",
    "make_tier_client",
    "refresh_brackets",
    "write_tables",
]
