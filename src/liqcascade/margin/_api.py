"""Public margin functions: validate and coerce at the edge, dispatch to one venue module.

Conventions (all functions):

- ``size`` is the position size in BASE units, always positive; ``side`` says long/short
  (``"long"``/``"short"`` or +1/-1, never inferred from an order side). For inverse contracts
  pass base units at entry, ``contracts * contract_value_usd / entry_price``
  (:func:`~liqcascade.margin.contracts_to_size`).
- ``collateral`` is in the margin currency: quote (USDT/USDC) for linear, coins for inverse.
  Isolated: the position's margin. Cross: the wallet balance, with ``other_maint_margin`` and
  ``other_upnl`` the maintenance margin and unrealised PnL of the account's other positions.
- Scalars in -> float out, raising :class:`InputError` / :class:`BracketError` on a bad value.
  Arrays (or Series) in -> arrays (Series) out; bad rows become NaN and the reason is in
  ``status`` of :func:`margin_detailed` (see :class:`Status`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from liqcascade.errors import BracketError, InputError
from liqcascade.margin import _rows, binance, bybit, hyperliquid, okx
from liqcascade.margin._math import Tiers
from liqcascade.margin._status import MESSAGES, Status
from liqcascade.margin._tables import BracketTable, brackets, check_venue
from liqcascade.margin._venue import single_tier

VENUE_RULES: dict[str, ModuleType] = {
    "binance": binance,
    "bybit": bybit,
    "okx": okx,
    "hyperliquid": hyperliquid,
}

DateLike = date | datetime | str | None


@dataclass(frozen=True)
class MarginResult:
    """Per-row results of :func:`margin_detailed` (arrays, or 0-d arrays for scalar input).

    Attributes
    ----------
    liquidation_price, bankruptcy_price
        Prices in quote per base unit; NaN where ``status`` is an error, 0.0 (linear long) or
        ``inf`` (inverse short) where no price liquidates the position.
    maintenance_margin
        Maintenance margin of this position at its liquidation price (at entry for Bybit).
    margin_ratio
        Maintenance margin over margin balance at the ENTRY price (liquidation at >= 1).
    bracket
        Bracket number (1-based, as Binance numbers them) used at the liquidation price; 0 none.
    status
        :class:`Status` code per row.
    table
        The bracket table used, or None when ``mmr``/``max_leverage`` were given.
    """

    liquidation_price: np.ndarray
    bankruptcy_price: np.ndarray
    maintenance_margin: np.ndarray
    margin_ratio: np.ndarray
    bracket: np.ndarray
    status: np.ndarray
    table: BracketTable | None = None

    @property
    def ok(self) -> np.ndarray:
        """Rows with a usable number (``OK`` or ``NO_LIQUIDATION``)."""
        return self.status <= Status.NO_LIQUIDATION

    def raise_for_status(self, values: dict[str, Any] | None = None) -> None:
        """Raise for the first row with an error status, naming the row and its values."""
        bad = np.flatnonzero(~np.atleast_1d(self.ok))
        if bad.size == 0:
            return
        i = int(bad[0])
        code = Status(int(np.atleast_1d(self.status)[i]))
        row_values = {k: _item(v, i) for k, v in (values or {}).items()}
        detail = ""
        if row_values:
            detail = " (" + ", ".join(f"{k}={v!r}" for k, v in row_values.items()) + ")"
        row = "" if np.ndim(self.status) == 0 else f"row {i}: "
        message = MESSAGES[code]
        if code == Status.INVALID_INPUT and row_values:
            message = _invalid_reason(row_values) or message
        raise status_error(code, f"{row}{message}{detail}")


def status_error(code: Status, message: str) -> InputError | BracketError:
    """The error for a row status: one type per failure, whichever function met it.

    A value beyond the last bracket is a :class:`BracketError`; invalid input and a position
    already below maintenance are :class:`InputError`.
    """
    return BracketError(message) if code == Status.BEYOND_LAST_BRACKET else InputError(message)


def _item(value: Any, i: int) -> Any:
    arr = np.atleast_1d(np.asarray(value))
    got = arr[i] if arr.size > 1 else arr[0]
    return got.item() if hasattr(got, "item") else got


def _invalid_reason(values: dict[str, Any]) -> str | None:
    """Say which value is bad and what was expected."""
    side = values.get("side")
    if (
        side is not None
        and side not in ("long", "short", 1, -1)
        and (not isinstance(side, str) or side.strip().lower() not in ("long", "short"))
    ):
        return f"side {side!r} is not 'long'/'short' or +1/-1 (never an order side like 'buy')"
    for name, value in values.items():
        if name == "side":
            continue
        try:
            x = float(value)
        except (TypeError, ValueError):
            return f"{name} {value!r} is not a number"
        if not np.isfinite(x):
            return f"{name} is {value!r}; expected a finite number"
        if name == "collateral" and x < 0:
            return f"collateral {value!r} is negative; expected >= 0"
        if name != "collateral" and x <= 0:
            return f"{name} {value!r} must be > 0"
    return None


@dataclass(frozen=True, kw_only=True)
class MarginOptions:
    """The keyword options every margin function takes, checked once and frozen.

    Attributes
    ----------
    mmr, cum
        Maintenance margin rate (fraction) and maintenance amount; skip the bracket table.
    symbol, at
        Select the packaged bracket table for ``symbol`` in force at date ``at`` (latest if
        None); the bracket is the one holding the value AT the liquidation price. ``symbol``
        may also be a :class:`BracketTable` (e.g. from :func:`load_brackets`).
    max_leverage
        Hyperliquid: tier max leverage; maintenance rate ``1/(2*max_leverage)``.
    other_maint_margin, other_upnl
        Cross margin: maintenance margin and unrealised PnL of the account's other positions.
    inverse
        Coin-margined (inverse) contract.
    taker_fee
        Fee rate the venue adds at liquidation (OKX 0.0005 by default; others 0).
    """

    mmr: Any = None
    cum: Any = None
    symbol: str | BracketTable | None = None
    at: DateLike = None
    max_leverage: Any = None
    other_maint_margin: Any = 0.0
    other_upnl: Any = 0.0
    inverse: bool = False
    taker_fee: float | None = None

    @classmethod
    def of(cls, function: str, options: dict[str, Any], *, without: tuple[str, ...] = ()) -> Any:
        """Build from a function's ``**options``; an unknown name is a TypeError naming it."""
        valid = [f.name for f in fields(cls) if f.name not in without]
        unknown = sorted(set(options) - set(valid))
        if unknown:
            raise TypeError(
                f"{function}() got unexpected option(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(valid)}"
            )
        return cls(**options)


@dataclass(frozen=True)
class MarginState:
    """Margin of positions at a mark price (for simulators re-pricing positions)."""

    maintenance_margin: np.ndarray  # this position's, plus other_maint_margin
    margin_balance: np.ndarray  # collateral + other_upnl + this position's unrealised PnL
    margin_ratio: np.ndarray  # maintenance_margin / margin_balance (inf when balance <= 0)
    liquidatable: np.ndarray  # margin_balance <= maintenance_margin
    status: np.ndarray


# --------------------------------------------------------------------------- coercion


def _array(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} {value!r} is not numeric; expected a number or array") from None
    return arr


def side_codes(side: Any) -> np.ndarray:
    """+1 (long), -1 (short) or 0 (not understood) per element of ``side``."""
    arr = np.asarray(side)
    if arr.dtype.kind in "iu":  # anything but +-1 clips to 0/+-2 and counts as invalid
        return np.clip(arr, -2, 2).astype(np.int8)
    if arr.dtype.kind == "f":
        out = np.where(arr == 1, 1, np.where(arr == -1, -1, 0))
        return out.astype(np.int8)
    if arr.dtype.kind in "USO":
        out = np.where(arr == "long", 1, np.where(arr == "short", -1, 0)).astype(np.int8)
        odd = out == 0
        if odd.any():  # other spellings ("LONG", " short"): normalise only those rows
            low = np.char.lower(np.char.strip(arr[odd].astype(str)))
            out[odd] = np.where(low == "long", 1, np.where(low == "short", -1, 0))
        return out
    if arr.dtype.kind == "b":
        raise InputError("side is boolean; pass 'long'/'short' or +1/-1 explicitly")
    raise InputError(f"side {side!r} is not understood; expected 'long'/'short' or +1/-1")


def _index_of(*values: Any) -> Any:
    for v in values:
        if hasattr(v, "index") and hasattr(v, "iloc"):  # pandas Series, no pandas import
            return v.index
    return None


def _shape_out(arr: np.ndarray, scalar: bool, index: Any) -> Any:
    if scalar:
        return float(arr.reshape(-1)[0])
    if index is not None:
        import pandas as pd

        return pd.Series(arr, index=index)
    return arr


@dataclass(frozen=True)
class _Prepared:
    rules: ModuleType
    side: np.ndarray  # int8 codes, 1-D, length n or 1 (a scalar for every row)
    qty: np.ndarray  # float64, 1-D, length n or 1; so are the next four
    entry: np.ndarray
    collateral: np.ndarray
    other_mm: np.ndarray
    other_upnl: np.ndarray
    extra: list[np.ndarray]
    tiers: Tiers
    table: BracketTable | None
    fee: float
    inverse: bool
    scalar: bool
    index: Any
    shape: tuple[int, ...]  # the broadcast shape of the inputs; results take it

    @property
    def n(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def compiled(self) -> bool:
        # from KERNEL_MIN_ROWS rows on the compiled kernel; below, the same code uncompiled
        # (small calls, e.g. the CLI, never import numba)
        return self.n >= KERNEL_MIN_ROWS

    @property
    def position(self) -> _rows.Position:
        """The six position columns as the kernels take them."""
        return self.side, self.qty, self.entry, self.collateral, self.other_mm, self.other_upnl

    def rates(self) -> _rows.Rates:
        """The kernels' ``rates``: table floors, mmrs and cums, or the per-row rates."""
        t = self.tiers
        if not t.per_row:
            return t.floors, t.mmrs, t.cums, np.zeros(1), np.zeros(1), False
        row = [
            np.ascontiguousarray(np.broadcast_to(a, (self.n,)), dtype=np.float64)
            for a in (t.mmrs, t.cums)
        ]
        return t.floors, np.zeros(1), np.zeros(1), row[0], row[1], True


def _resolve_tiers(
    rules: ModuleType, qty: np.ndarray, options: MarginOptions
) -> tuple[Tiers, BracketTable | None]:
    mmr, cum, symbol, max_leverage = options.mmr, options.cum, options.symbol, options.max_leverage
    if mmr is not None:
        mmr_arr = np.broadcast_to(_array("mmr", mmr), qty.shape)
        cum_arr = np.broadcast_to(_array("cum", 0.0 if cum is None else cum), qty.shape)
        if not np.all((mmr_arr > 0) & (mmr_arr < 1)):
            raise InputError(
                f"mmr {mmr!r} is not a fraction in (0, 1); give 0.004 for 0.4 % maintenance"
            )
        if not np.all(np.isfinite(cum_arr) & (cum_arr >= 0)):
            raise InputError(f"cum {cum!r} must be finite and >= 0 (Binance's maintenance amount)")
        return single_tier(mmr_arr, cum_arr), None
    if cum is not None:
        raise InputError("cum= needs mmr=; give both, or symbol= for a dated bracket table")
    if max_leverage is not None:
        if rules is not hyperliquid:
            raise InputError(
                f"max_leverage= sets the tier on hyperliquid only; for {rules.NAME} give "
                "mmr=/cum= or symbol="
            )
        lev = np.broadcast_to(_array("max_leverage", max_leverage), qty.shape)
        if not np.all(np.isfinite(lev) & (lev >= 1)):
            raise InputError(f"max_leverage {max_leverage!r} must be a number >= 1")
        return hyperliquid.leverage_tiers(lev), None
    if symbol is None:
        raise InputError(
            "no maintenance rate given: pass mmr= (and cum=), symbol= (with at= for a dated "
            "bracket table), or max_leverage= for hyperliquid"
        )
    if isinstance(symbol, BracketTable):  # the user's own table (load_brackets)
        return rules.tiers(symbol, qty), symbol
    table = brackets(rules.NAME, symbol, at=options.at, inverse=options.inverse)
    return rules.tiers(table, qty), table


def _prepare(
    venue: str,
    side: ArrayLike,
    size: ArrayLike,
    entry_price: ArrayLike,
    collateral: ArrayLike,
    options: MarginOptions,
    extra: tuple[Any, ...] = (),
) -> _Prepared:
    """Check the arguments once and coerce them to flat float64 arrays for the kernels.

    Argument errors (venue, options, shapes, non-numeric values) raise here; row values
    (finite, positive, side +-1) are checked once, by the kernel, into ``status``.
    """
    o = options
    rules = VENUE_RULES[check_venue(venue)]
    if o.inverse and not rules.SUPPORTS_INVERSE:
        raise InputError(f"{rules.NAME} has no inverse contracts; drop inverse=True")
    fee = rules.DEFAULT_TAKER_FEE if o.taker_fee is None else float(o.taker_fee)
    if not (np.isfinite(fee) and 0.0 <= fee < 0.1):
        raise InputError(f"taker_fee {o.taker_fee!r} is not a fee rate in [0, 0.1)")
    codes = side_codes(side)
    raw = [codes, size, entry_price, collateral, o.other_maint_margin, o.other_upnl, *extra]
    scalar = all(np.ndim(v) == 0 for v in raw)
    index = _index_of(side, size, entry_price, collateral, *extra)
    names = ["size", "entry_price", "collateral", "other_maint_margin", "other_upnl"]
    names += ["mark_price"] * len(extra)
    arrays = [np.asarray(codes)] + [_array(n, v) for n, v in zip(names, raw[1:], strict=True)]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = {n: np.shape(v) for n, v in zip(["side", *names], raw, strict=True)}
        raise InputError(f"argument shapes do not broadcast: {shapes}") from None
    flat = [_flat(a, shape) for a in arrays]
    tiers, table = _resolve_tiers(rules, np.broadcast_to(arrays[1], shape).reshape(-1), o)
    s, q, e, c, omm, oup, *rest = flat
    return _Prepared(
        rules, s, q, e, c, omm, oup, rest, tiers, table, fee, o.inverse, scalar, index, shape
    )


def _flat(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    # a scalar (or one value broadcast) goes to the kernel as one element, not n copies
    if a.size == 1:
        return np.ascontiguousarray(a.reshape(1))
    return np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1)


KERNEL_MIN_ROWS = 64  # below this the twin runs uncompiled (no numba import): <= ~2 ms a call


def _detailed(prep: _Prepared) -> MarginResult:
    out = _rows.run(
        prep.position, prep.tiers.caps, prep.rates(), n=prep.n, fee=prep.fee,
        inverse=prep.inverse, mm_at_entry=prep.rules.MAINTENANCE_AT == "entry",
        compiled=prep.compiled,
    )  # fmt: skip
    return MarginResult(**{k: v.reshape(prep.shape) for k, v in out.items()}, table=prep.table)


# --------------------------------------------------------------------------- public


def margin_detailed(
    venue: str,
    side: ArrayLike,
    size: ArrayLike,
    entry_price: ArrayLike,
    collateral: ArrayLike,
    **options: Any,
) -> MarginResult:
    """Liquidation and bankruptcy prices, maintenance margin, ratio, bracket and status per row.

    Same arguments as :func:`liquidation_price`; never raises for a bad ROW (see ``status``),
    only for bad arguments (unknown venue/symbol, date before the first table, bad mmr).
    """
    opts = MarginOptions.of("margin_detailed", options)
    return _detailed(_prepare(venue, side, size, entry_price, collateral, opts))


def _scalar_or_array(
    function: str, venue: str, side: Any, size: Any, entry_price: Any, collateral: Any, options
) -> Any:
    opts = MarginOptions.of(function, options)
    prep = _prepare(venue, side, size, entry_price, collateral, opts)
    result = _detailed(prep)
    if prep.scalar:
        result.raise_for_status(
            {"side": side, "size": size, "entry_price": entry_price, "collateral": collateral}
        )
    return _shape_out(np.asarray(getattr(result, function)), prep.scalar, prep.index)


def liquidation_price(
    venue: str,
    side: ArrayLike,
    size: ArrayLike,
    entry_price: ArrayLike,
    collateral: ArrayLike,
    **options: Any,
) -> Any:
    """Mark price at which the venue liquidates the position.

    Parameters
    ----------
    venue
        ``"binance"``, ``"bybit"``, ``"okx"`` or ``"hyperliquid"``.
    side
        ``"long"``/``"short"`` or +1/-1 (scalar or array).
    size
        Position size in base units (> 0). Inverse: base units at entry.
    entry_price
        Average entry price, quote per base unit.
    collateral
        Isolated margin, or the cross wallet balance; quote (linear) or coins (inverse).
    **options
        Keyword options, the fields of :class:`MarginOptions`: ``mmr``/``cum`` (skip the
        bracket table), ``symbol``/``at`` (dated bracket table, or a :class:`BracketTable`),
        ``max_leverage`` (Hyperliquid tier), ``other_maint_margin``/``other_upnl`` (cross),
        ``inverse`` and ``taker_fee``.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same shape as the inputs. Arrays: NaN for rows in error (see :func:`margin_detailed`);
        0.0 for a linear long that no positive price liquidates, ``inf`` for such an inverse short.

    Raises
    ------
    InputError, BracketError, UnknownVenueError
        Bad argument; for scalar calls also a bad value (size <= 0, NaN, collateral at or
        below the maintenance margin, value beyond the last bracket).
    TypeError
        An option that is not a field of :class:`MarginOptions`.

    Examples
    --------
    Binance FAQ, isolated ETHUSDT long:

    >>> round(liquidation_price("binance", "long", 3683.979, 1456.84, 1535443.01,
    ...                         mmr=0.10, cum=135365), 2)
    1114.78
    """
    return _scalar_or_array(
        "liquidation_price", venue, side, size, entry_price, collateral, options
    )


def bankruptcy_price(
    venue: str,
    side: ArrayLike,
    size: ArrayLike,
    entry_price: ArrayLike,
    collateral: ArrayLike,
    **options: Any,
) -> Any:
    """Mark price at which the margin balance (collateral + other_upnl + own PnL) is zero.

    Same arguments and conventions as :func:`liquidation_price` (the bracket arguments only
    serve the validity checks). Linear: ``entry - side*(collateral + other_upnl)/size``.

    Examples
    --------
    >>> bankruptcy_price("bybit", "long", 1.0, 20000.0, 400.0, mmr=0.005)
    19600.0
    """
    return _scalar_or_array("bankruptcy_price", venue, side, size, entry_price, collateral, options)


def margin_at(
    venue: str,
    side: Any,
    size: Any,
    entry_price: Any,
    collateral: Any,
    mark_price: Any,
    **options: Any,
) -> MarginState:
    """Maintenance margin and margin balance of positions at ``mark_price`` (arrays).

    Options as :func:`liquidation_price` (:class:`MarginOptions`). For simulators that
    re-price positions: ``liquidatable`` is ``margin_balance <= maintenance_margin``, the
    exchange's trigger. Rows with bad input are NaN / False with ``status`` INVALID_INPUT; a
    value beyond the last bracket gives NaN and BEYOND_LAST_BRACKET.
    """
    opts = MarginOptions.of("margin_at", options)
    return _margin_at(venue, (side, size, entry_price, collateral), mark_price, opts)


def _margin_at(
    venue: str, position: tuple[Any, Any, Any, Any], mark_price: Any, options: MarginOptions
) -> MarginState:
    # position: side, size, entry_price, collateral
    prep = _prepare(venue, *position, options, extra=(mark_price,))
    r, table = prep.rules, prep.table
    # The last cap bounds the value at the mark where maintenance is valued there on a
    # notional-based table (Bybit values it at entry; quantity tiers have no value cap).
    checked = table is not None and table.basis == "notional" and r.MAINTENANCE_AT == "price"
    cap = table.last_cap if checked and table is not None else np.inf
    out = _rows.run_state(
        prep.position, prep.extra[0], prep.rates(), n=prep.n, fee=prep.fee,
        inverse=prep.inverse, mm_at_entry=r.MAINTENANCE_AT == "entry", cap=cap,
        compiled=prep.compiled,
    )  # fmt: skip
    return MarginState(**{k: v.reshape(prep.shape) for k, v in out.items()})


def _raise_for_scalar(state: MarginState, scalar: bool, size: Any, mark_price: Any) -> None:
    if not scalar:
        return
    code = Status(int(state.status.reshape(-1)[0]))
    if code != Status.OK:
        raise status_error(code, f"{MESSAGES[code]} (size={size!r}, mark_price={mark_price!r})")


def maintenance_margin(
    venue: str, size: Any, mark_price: Any, *, entry_price: Any = None, **options: Any
) -> Any:
    """Maintenance margin of a position of ``size`` base units at ``mark_price``.

    ``value*mmr_k - cum_k`` in the bracket holding the value (OKX adds the taker fee; Bybit values
    at entry, so pass ``entry_price``). Inverse positions need ``entry_price`` (their size is
    base units at entry) and return coins. Options as :func:`liquidation_price`, but for the
    cross-margin ones (this is one position's figure).

    Examples
    --------
    Binance 2021 BTCUSDT bracket 4: 109.488 * 32,481.98 = 3,556,387 notional, * 2.5 % - 16,300:

    >>> round(maintenance_margin("binance", 109.488, 32481.98, mmr=0.025, cum=16300), 2)
    72609.68
    """
    opts = MarginOptions.of(
        "maintenance_margin", options, without=("other_maint_margin", "other_upnl")
    )
    if entry_price is None:
        if opts.inverse or VENUE_RULES[check_venue(venue)].MAINTENANCE_AT == "entry":
            kind = "inverse" if opts.inverse else ""
            raise InputError(f"entry_price= is required for {venue} {kind}")
        entry_price = mark_price
    state = _margin_at(venue, (1, size, entry_price, 0.0), mark_price, opts)
    scalar = all(np.ndim(v) == 0 for v in (size, mark_price, entry_price))
    _raise_for_scalar(state, scalar, size, mark_price)
    return _shape_out(
        np.asarray(state.maintenance_margin), scalar, _index_of(size, mark_price, entry_price)
    )


def margin_ratio(
    venue: str,
    side: Any,
    size: Any,
    entry_price: Any,
    collateral: Any,
    mark_price: Any,
    **options: Any,
) -> Any:
    """Maintenance margin over margin balance at ``mark_price`` (the venue liquidates at >= 1).

    Options as :func:`liquidation_price` (:class:`MarginOptions`). Balance <= 0 gives ``inf``.
    """
    opts = MarginOptions.of("margin_ratio", options)
    state = _margin_at(venue, (side, size, entry_price, collateral), mark_price, opts)
    scalar = all(np.ndim(v) == 0 for v in (side, size, entry_price, collateral, mark_price))
    _raise_for_scalar(state, scalar, size, mark_price)
    return _shape_out(
        np.asarray(state.margin_ratio), scalar, _index_of(side, size, entry_price, collateral)
    )


def _position_value(size: Any, entry_price: Any, *, inverse: bool) -> np.ndarray:
    """Value at entry (quote; inverse: the size in coins), NaN for bad rows.

    The same row check as the kernels' (size and entry price finite and > 0): a scalar call
    raises the same :class:`InputError` as :func:`liquidation_price` would.
    """
    q = _array("size", size)
    e = None if inverse else _array("entry_price", entry_price)
    bad = ~(np.isfinite(q) & (q > 0))
    if e is not None:
        bad = bad | ~(np.isfinite(e) & (e > 0))
    if np.ndim(bad) == 0 and bad:
        values = {"size": size} if inverse else {"size": size, "entry_price": entry_price}
        raise status_error(
            Status.INVALID_INPUT, _invalid_reason(values) or MESSAGES[Status.INVALID_INPUT]
        )
    with np.errstate(invalid="ignore"):
        value = q if e is None else q * e
    return np.where(bad, np.nan, value)


def collateral_for_leverage(size: Any, entry_price: Any, leverage: Any, *, inverse: bool = False):
    """Isolated collateral of a position opened at ``leverage``: its initial margin.

    Linear: ``size*entry_price/leverage`` (quote). Inverse: ``size/leverage`` (coins).

    Examples
    --------
    >>> collateral_for_leverage(1.0, 20000.0, 50)
    400.0
    """
    lev = _array("leverage", leverage)
    if np.any(~np.isfinite(lev) | (lev <= 0)):
        raise InputError(f"leverage {leverage!r} must be finite and > 0")
    out = _position_value(size, entry_price, inverse=inverse) / lev
    if np.ndim(out) == 0:
        return float(out)
    index = _index_of(size, entry_price, leverage)
    return _shape_out(np.asarray(out), False, index)


def initial_margin(
    venue: str,
    size: Any,
    entry_price: Any,
    *,
    leverage: Any = None,
    symbol: str | None = None,
    at: DateLike = None,
    inverse: bool = False,
) -> Any:
    """Initial margin: ``value/leverage``; without ``leverage``, the bracket's max leverage.

    The bracket is the one holding the position value at ``entry_price`` (the exchange's
    rule for opening).
    """
    if leverage is not None:
        return collateral_for_leverage(size, entry_price, leverage, inverse=inverse)
    if symbol is None:
        raise InputError("initial_margin needs leverage= or symbol= (for the bracket max leverage)")
    table = brackets(check_venue(venue), symbol, at=at, inverse=inverse)
    value = _position_value(size, entry_price, inverse=inverse)
    k = np.searchsorted(table.array("floors"), value, side="right") - 1
    beyond = value >= table.last_cap
    if np.ndim(value) == 0 and beyond:
        raise BracketError(
            f"position value {float(value)!r} is beyond the last {table.symbol} bracket cap "
            f"{table.last_cap!r}"
        )
    lev = table.array("max_leverages")[np.clip(k, 0, len(table) - 1)]
    if np.ndim(value) == 0 and np.isnan(lev):
        raise BracketError(
            f"the {table.venue} {table.symbol} table from {table.effective_from} has no "
            "initialLeverage column; pass leverage="
        )
    out = np.where(beyond, np.nan, value / lev)
    if np.ndim(out) == 0:
        return float(out)
    return _shape_out(np.asarray(out), False, _index_of(size, entry_price))
