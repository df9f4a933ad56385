"""Bracket (risk-limit tier) tables: the domain objects, loading, validation and the dated registry.

A table lists tiers of position value. Tier ``k`` covers ``floor_k <= value < cap_k`` and sets the
maintenance margin rate ``mmr_k`` and the maintenance amount ``cum_k`` (Binance's "cum", Bybit's
"MM deduction", Hyperliquid's "maintenance deduction") so that the maintenance margin
``value * mmr_k - cum_k`` is continuous across tiers::

    cum_k = floor_k * (mmr_k - mmr_{k-1}) + cum_{k-1},   cum_0 = 0

``basis`` says what "value" is: ``"notional"`` (position value in the margin currency: quote for
linear contracts, base coin for inverse ones; the exchange re-evaluates it at the mark price) or
``"quantity"`` (position size in base units, OKX position tiers; the tier does not move with
price and the maintenance amount is zero).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from liqcascade._venues import check_venue as check_venue  # margin._api imports it from here
from liqcascade.errors import BracketError, InputError, NoBracketTableError

# The flat maintenance rate used wherever no bracket table applies (the liquidation map, the
# cascade's simple formula): Binance USD-M BTCUSDT/ETHUSDT first bracket, 0.4 %
# (margin/brackets/binance_usdm_BTCUSDT_2025-08.json).
FALLBACK_MAINTENANCE_RATE = 0.004
_CUM_TOLERANCE = 1e-6  # relative, plus one cent absolute: exchange tables round cum to cents


@dataclass(frozen=True)
class BracketTable:
    """A validated, dated bracket table for one venue and contract.

    Build one with :func:`load_brackets` (own data) or :func:`brackets` (packaged, dated).
    """

    venue: str
    symbol: str
    effective_from: date
    floors: tuple[float, ...]
    caps: tuple[float, ...]
    mmrs: tuple[float, ...]
    cums: tuple[float, ...]
    max_leverages: tuple[float, ...]
    inverse: bool = False
    basis: Literal["notional", "quantity"] = "notional"
    source: str = ""
    description: str = ""
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        _validate(self)
        for name in ("floors", "caps", "mmrs", "cums", "max_leverages"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            arr.setflags(write=False)
            self._arrays[name] = arr

    def __len__(self) -> int:
        return len(self.floors)

    def array(self, name: str) -> np.ndarray:
        """Read-only float64 array of one column (floors, caps, mmrs, cums, max_leverages)."""
        return self._arrays[name]

    @property
    def last_cap(self) -> float:
        return self.caps[-1]

    def rows(self) -> list[dict[str, float | int | None]]:
        """The tiers as dicts in Binance's ``leverageBracket`` vocabulary (bracket from 1)."""
        return [
            {
                "bracket": k + 1,
                "initialLeverage": None
                if math.isnan(self.max_leverages[k])
                else self.max_leverages[k],
                "notionalFloor": self.floors[k],
                "notionalCap": self.caps[k],
                "maintMarginRatio": self.mmrs[k],
                "cum": self.cums[k],
            }
            for k in range(len(self))
        ]


def expected_cums(floors: Sequence[float], mmrs: Sequence[float]) -> list[float]:
    """Maintenance amounts by ``cum_k = floor_k*(mmr_k - mmr_{k-1}) + cum_{k-1}``."""
    # Decimal keeps cents exact (10,000 * (0.01 - 0.0065) is 35, not 35.00000000000001).
    d = [Decimal(repr(float(m))) for m in mmrs]
    cums = [Decimal(0)]
    for k in range(1, len(floors)):
        cums.append(Decimal(repr(float(floors[k]))) * (d[k] - d[k - 1]) + cums[-1])
    return [float(c) for c in cums]


def _validate(t: BracketTable) -> None:
    where = f"{t.venue} {t.symbol} table from {t.effective_from}"
    n = len(t.floors)
    if n == 0:
        raise BracketError(f"{where}: no brackets; expected at least one tier")
    lengths = {len(t.caps), len(t.mmrs), len(t.cums), len(t.max_leverages)}
    if lengths != {n}:
        raise BracketError(f"{where}: columns have different lengths; every tier needs all fields")
    for k in range(n):
        tier = f"{where}, bracket {k + 1}"
        values = (t.floors[k], t.caps[k], t.mmrs[k], t.cums[k])
        if not all(isinstance(v, float | int) and not math.isnan(v) for v in values):
            raise BracketError(f"{tier}: non-numeric or NaN field in {values!r}")
        if not 0.0 < t.mmrs[k] < 1.0:
            raise BracketError(
                f"{tier}: maintMarginRatio {t.mmrs[k]!r} is not a fraction in (0, 1)"
                " (give 0.004 for 0.4 %)"
            )
        if not t.caps[k] > t.floors[k]:
            raise BracketError(f"{tier}: cap {t.caps[k]!r} is not above floor {t.floors[k]!r}")
        if t.max_leverages[k] <= 0:  # NaN (unknown leverage) passes
            raise BracketError(f"{tier}: initialLeverage {t.max_leverages[k]!r} is not positive")
    if t.floors[0] != 0:
        raise BracketError(f"{where}: the first floor is {t.floors[0]!r}; expected 0")
    for k in range(1, n):
        if t.floors[k] != t.caps[k - 1]:
            raise BracketError(
                f"{where}, bracket {k + 1}: floor {t.floors[k]!r} does not equal the previous cap "
                f"{t.caps[k - 1]!r}; floors must increase without gaps"
            )
        if t.mmrs[k] < t.mmrs[k - 1]:
            raise BracketError(
                f"{where}, bracket {k + 1}: maintMarginRatio {t.mmrs[k]!r} is below the previous "
                f"{t.mmrs[k - 1]!r}; rates must be non-decreasing"
            )
    if t.basis == "quantity":
        if any(c != 0 for c in t.cums):
            raise BracketError(f"{where}: quantity-based tiers carry no maintenance amount (cum)")
        return
    for k, (got, want) in enumerate(zip(t.cums, expected_cums(t.floors, t.mmrs), strict=True)):
        if abs(got - want) > _CUM_TOLERANCE * abs(want) + 0.01:
            raise BracketError(
                f"{where}, bracket {k + 1}: cum {got!r} is inconsistent with the recurrence "
                f"cum_k = floor_k*(mmr_k - mmr_(k-1)) + cum_(k-1), which gives {want!r}"
            )


# --------------------------------------------------------------------------- symbols


_QUOTES = ("USDT", "USDC", "USD", "BUSD", "FDUSD")


def normalize_symbol(symbol: str, *, inverse: bool = False) -> str:
    """ccxt symbol (``BTC/USDT:USDT``, ``BTC/USD:BTC``) from the usual spellings.

    Accepts ccxt form, venue ids (``BTCUSDT``, ``BTCUSD_PERP``, ``BTC-USDT-SWAP``, ``BTC-USD-SWAP``)
    and a bare asset (``BTC``: Hyperliquid's perps, USDC-margined, or USDT for the others).
    """
    if not isinstance(symbol, str) or not symbol.strip():
        raise InputError(f"symbol {symbol!r} is not a non-empty string; expected e.g. 'BTCUSDT'")
    s = symbol.strip().upper()
    if "/" in s:
        base, _, rest = s.partition("/")
        quote, _, settle = rest.partition(":")
        settle = settle or (base if inverse else quote)
        return f"{base}/{quote}:{settle}"
    s = re.sub(r"(-SWAP|_PERP|-PERP|PERP)$", "", s).replace("-", "").replace("_", "")
    for quote in _QUOTES:
        if s.endswith(quote) and len(s) > len(quote):
            base = s[: -len(quote)]
            settle = base if quote == "USD" or inverse else quote
            return f"{base}/{quote}:{settle}"
    if s.isalnum():
        return f"{s}/USD:{s}" if inverse else f"{s}/USDT:USDT"
    raise InputError(f"symbol {symbol!r} is not recognised; expected e.g. 'BTCUSDT' or ccxt form")


# --------------------------------------------------------------------------- loading


def _as_float(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BracketError(f"{what}: {value!r} is not a number") from None


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        value = str(value.astype("datetime64[D]"))
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}-\d{2}", text):
            text += "-01"
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp, numpy via pandas
        return value.date()
    raise InputError(f"date {value!r} is not understood; expected ISO form like '2025-09-22'")


def _parse_obj(obj: Any, symbol: str | None) -> Mapping[str, Any]:
    """Pick the one table object out of a Binance response list or a single object."""
    if isinstance(obj, Mapping):
        return obj
    if isinstance(obj, list) and obj and all(isinstance(o, Mapping) for o in obj):
        if len(obj) == 1:
            return obj[0]
        if symbol is None:
            found = [o.get("symbol") or o.get("pair") for o in obj]
            raise BracketError(
                f"the bracket response holds {len(obj)} symbols {found[:5]}...; pass symbol= "
                "to choose one"
            )
        want = {symbol.upper(), normalize_symbol(symbol)}
        for o in obj:
            name = str(o.get("symbol") or o.get("pair") or "")
            if name.upper() in want or normalize_symbol(name) in want:
                return o
        raise BracketError(f"the bracket response has no entry for symbol {symbol!r}")
    raise BracketError(
        "bracket data is neither an object nor a list of objects; expected Binance's "
        "/fapi/v1/leverageBracket response shape"
    )


def _read_source(path_or_json: str | Path | Mapping[str, Any] | list[Any]) -> tuple[Any, str]:
    if isinstance(path_or_json, Mapping | list):
        return path_or_json, "<object>"
    text = str(path_or_json)
    if isinstance(path_or_json, Path) or not text.lstrip().startswith(("{", "[")):
        path = Path(path_or_json)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BracketError(f"cannot read bracket file {path}: {exc.strerror}") from None
        where = str(path)
    else:
        where = "<json>"
    try:
        return json.loads(text), where
    except json.JSONDecodeError as exc:
        raise BracketError(
            f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def load_brackets(
    path_or_json: str | Path | Mapping[str, Any] | list[Any],
    *,
    venue: str = "binance",
    symbol: str | None = None,
    effective_from: date | str | None = None,
    inverse: bool | None = None,
) -> BracketTable:
    """Load and validate a bracket table.

    Parameters
    ----------
    path_or_json
        A file path, a JSON string, or the parsed object. Accepted shapes: Binance's
        ``/fapi/v1/leverageBracket`` (or ``/dapi`` ``qtyCap``) response, a list of them, or a
        liqcascade bracket file (the same ``brackets`` list plus ``venue``, ``symbol``,
        ``effective_from``, ``source``). A missing ``cum`` is filled in from the recurrence.
    venue, symbol, effective_from, inverse
        Defaults for fields the data does not carry; ``symbol`` also picks one entry out of a
        multi-symbol response.

    Returns
    -------
    BracketTable

    Raises
    ------
    BracketError
        When the data is malformed or violates the table rules (floors contiguous from 0,
        non-decreasing rates, cum consistent with the recurrence).
    """
    raw, where = _read_source(path_or_json)
    obj = _parse_obj(raw, symbol)
    try:
        return _table_from_obj(obj, venue, symbol, effective_from, inverse)
    except BracketError as exc:
        if where.startswith("<"):
            raise
        raise BracketError(f"{where}: {exc}") from None


def _table_from_obj(
    obj: Mapping[str, Any],
    venue: str,
    symbol: str | None,
    effective_from: date | str | None,
    inverse: bool | None,
) -> BracketTable:
    tiers = obj.get("brackets")
    if not isinstance(tiers, list) or not tiers:
        raise BracketError("no 'brackets' list found; expected {'symbol': ..., 'brackets': [...]}")
    name = obj.get("symbol") or obj.get("pair") or symbol
    if not name:
        raise BracketError("the table names no symbol; pass symbol=")
    is_inverse = bool(obj.get("inverse", inverse if inverse is not None else False))
    if any("qtyCap" in t for t in tiers):
        is_inverse = True if inverse is None else inverse
    tiers = sorted(tiers, key=lambda t: _as_float(_floor_of(t), "notionalFloor"))
    floors = [_as_float(_floor_of(t), "notionalFloor") for t in tiers]
    caps = [_as_float(t.get("notionalCap", t.get("qtyCap")), "notionalCap") for t in tiers]
    mmrs = [_as_float(t.get("maintMarginRatio"), "maintMarginRatio") for t in tiers]
    levs = [_as_float(t.get("initialLeverage", "nan"), "initialLeverage") for t in tiers]
    basis = obj.get("basis", "notional")
    if basis not in ("notional", "quantity"):
        raise BracketError(f"basis {basis!r} is unknown; expected 'notional' or 'quantity'")
    if all("cum" in t for t in tiers):
        cums = [_as_float(t["cum"], "cum") for t in tiers]
    else:
        cums = [0.0] * len(tiers) if basis == "quantity" else expected_cums(floors, mmrs)
    when = obj.get("effective_from", effective_from)
    return BracketTable(
        venue=str(obj.get("venue", venue)).lower(),
        symbol=normalize_symbol(str(name), inverse=is_inverse),
        effective_from=_as_date(when) if when is not None else date(1970, 1, 1),
        floors=tuple(floors),
        caps=tuple(caps),
        mmrs=tuple(mmrs),
        cums=tuple(cums),
        max_leverages=tuple(levs),
        inverse=is_inverse,
        basis=basis,
        source=str(obj.get("source", "")),
        description=str(obj.get("description", "")),
    )


def _floor_of(tier: Mapping[str, Any]) -> Any:
    for key in ("notionalFloor", "qtyFloor", "qtylFloor"):  # Binance's docs misspell qtylFloor
        if key in tier:
            return tier[key]
    raise BracketError(f"tier {dict(tier)!r} has no notionalFloor/qtyFloor")


# --------------------------------------------------------------------------- packaged tables


@cache
def _packaged() -> tuple[BracketTable, ...]:
    folder = resources.files("liqcascade.margin") / "brackets"
    tables = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            tables.append(load_brackets(json.loads(entry.read_text(encoding="utf-8"))))
    return tuple(tables)


def packaged_tables() -> tuple[BracketTable, ...]:
    """Every bracket table shipped with liqcascade, sorted by file name."""
    return _packaged()


def user_brackets_dir() -> Path:
    """Folder of the bracket tables fetched by ``liqcascade margin brackets --refresh``.

    ``$LIQCASCADE_HOME/brackets`` when that variable is set, else ``brackets`` in the user data
    directory (the same root as the default store). Tables there load AFTER the packaged ones,
    so a table fetched on a day replaces a packaged table of the same day.
    """
    env = os.environ.get("LIQCASCADE_HOME")
    if env:
        return Path(env).expanduser() / "brackets"
    import platformdirs

    return Path(platformdirs.user_data_dir("liqcascade", appauthor=False)) / "brackets"


@cache
def _user_tables_cached(
    folder: str, stamp: tuple[tuple[str, int], ...]
) -> tuple[BracketTable, ...]:
    return tuple(load_brackets(Path(folder) / name) for name, _ in stamp)


def _user_tables() -> tuple[BracketTable, ...]:
    folder = user_brackets_dir()
    if not folder.is_dir():
        return ()
    files = sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in files)
    return _user_tables_cached(str(folder), stamp)


def _all_tables() -> tuple[BracketTable, ...]:
    return _packaged() + _user_tables()


def brackets(
    venue: str,
    symbol: str,
    *,
    at: date | datetime | str | None = None,
    inverse: bool = False,
) -> BracketTable:
    """The bracket table in force at ``at`` (the latest one when ``at`` is None).

    Packaged tables and the ones fetched with ``margin brackets --refresh`` (in
    :func:`user_brackets_dir`, dated by the fetch day) are searched together.

    Parameters
    ----------
    venue
        ``binance``, ``bybit``, ``okx`` or ``hyperliquid``.
    symbol
        Any spelling :func:`normalize_symbol` accepts (``BTCUSDT``, ``BTC/USDT:USDT``, ``BTC``).
    at
        A date; the table with the latest ``effective_from`` on or before it is returned.
    inverse
        Select the inverse (coin-margined) contract.

    Raises
    ------
    UnknownVenueError
        Unknown venue; for no table for the symbol :class:`NoBracketTableError`, which is
        both an ``UnknownVenueError`` and a ``BracketError``.
    BracketError
        ``at`` is before the first table for the symbol.
    """
    venue_id = check_venue(venue)
    sym = normalize_symbol(symbol, inverse=inverse)
    if venue_id == "hyperliquid" and not inverse:
        sym = _hyperliquid_symbol(sym)
    tables = _all_tables()
    candidates = [
        t for t in tables if t.venue == venue_id and t.symbol == sym and t.inverse == inverse
    ]
    if not candidates:
        known = sorted({t.symbol for t in tables if t.venue == venue_id})
        flag = " --inverse" if inverse else ""
        raise NoBracketTableError(
            f"no bracket table for {venue_id} {sym!r}; known: {known}. Fetch the venue's current "
            f"tiers with `liqcascade margin brackets --refresh --venue {venue_id} --symbol {sym}"
            f"{flag}` (saved in {user_brackets_dir()}), pass mmr=/cum=, or load your own with "
            "load_brackets()"
        )
    candidates.sort(key=lambda t: t.effective_from)  # stable: a user table wins a same-day tie
    if at is None:
        return candidates[-1]
    day = _as_date(at)
    valid = [t for t in candidates if t.effective_from <= day]
    if not valid:
        raise BracketError(
            f"date {day} is before the first {venue_id} {sym} table "
            f"(effective from {candidates[0].effective_from}); pass mmr=/cum= for earlier dates"
        )
    return valid[-1]


def _hyperliquid_symbol(sym: str) -> str:
    base = sym.split("/")[0]
    return f"{base}/USDC:USDC"


def contracts_to_size(
    contracts: ArrayLike, contract_size: float, *, inverse: bool = False, entry_price: Any = None
) -> np.ndarray:
    """Base units from a contract count (the margin functions take base units).

    Linear: ``contracts * contract_size`` (base per contract). Inverse: the contracts are worth
    ``contracts * contract_size`` USD, i.e. ``contracts * contract_size / entry_price`` coins
    at entry.
    """
    c = np.asarray(contracts, dtype=np.float64) * float(contract_size)
    if not inverse:
        return c
    if entry_price is None:
        raise InputError("inverse contracts need entry_price= to convert USD value to base units")
    return c / np.asarray(entry_price, dtype=np.float64)
