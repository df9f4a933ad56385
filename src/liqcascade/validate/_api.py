"""``validate``: score every model walk-forward over a store's history, per symbol.

Calls the three scorers (``score_stress``, ``score_estimator``, ``score_liquidations``) for
each symbol, judges each score against the target table, and returns a frozen
:class:`ValidationResult` (JSON and an HTML model card). A scorer that is not built yet
(``NotImplementedError``) or lacks data (``NoDataError``) makes only its block "not
available"; any other exception is a bug and propagates.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._json import jsonable
from liqcascade._time import to_utc
from liqcascade.errors import InputError, NoDataError
from liqcascade.validate import _estimator, _liquidations, _stress
from liqcascade.validate._targets import AREAS, CONTRACT, checks, targets_table

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade._dated import DatedConstant
    from liqcascade.data import Store

Progress = Callable[[str, int, int], None]  # (task label, done, total)
BAR = pd.Timedelta("4h")


def _utc(value: object, name: str) -> pd.Timestamp:
    try:
        return to_utc(value, name)
    except InputError as exc:  # the validation commands' own wording
        raise InputError(
            f"{name}={value!r} is not a date; expected ISO like 2025-01-01 or 2025-01-01T04:00Z"
        ) from exc


def _symbols(symbols: str | Sequence[str]) -> tuple[str, ...]:
    items = [symbols] if isinstance(symbols, str) else list(symbols)
    if not items:
        raise InputError("no symbol given; pass one or more ccxt perp symbols like BTC/USDT:USDT")
    for s in items:
        if not isinstance(s, str) or "/" not in s:
            raise InputError(
                f"symbol {s!r} is not a ccxt symbol; expected a perp like BTC/USDT:USDT"
            )
    return tuple(dict.fromkeys(items))


def _history(store: Store, symbols: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """First/last 4h bar per symbol (perp, mark, else its asset's USDT spot, as the map reads).

    Raises NoDataError naming what the store holds when a symbol has no 4h bars at all.
    """
    from liqcascade.data import base_asset

    out = {}
    for symbol in symbols:
        chain = ((symbol, "perp"), (symbol, "mark"), (f"{base_asset(symbol)}/USDT", "spot"))
        for name, market in chain:
            bars = store.read("candles", symbol=name, market=market, interval="4h")
            if not bars.empty:
                break
        if bars.empty:
            held = store.read("candles", interval="4h")
            have = sorted(set(held["symbol"])) if not held.empty else []
            raise NoDataError(
                f"the store at {store.path} has no 4h candles of {symbol} (perp or mark) or of "
                f"its spot pair; it has 4h candles of {have or 'nothing'}. Load the bundled "
                "sample with `liqcascade data sample` or import 4h candles"
            )
        out[symbol] = {
            "candles": f"{name} {market} 4h",
            "first": bars["time"].min(),
            "last": bars["time"].max(),
            "bars": len(bars),
        }
    return out


def _sample_info() -> dict[str, Any]:
    """Which bundled sample this liqcascade ships (so a card says what it was scored on)."""
    from liqcascade.data._sample import sample_dir

    try:
        meta = json.loads((sample_dir() / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    candles = meta.get("files", {}).get("candles.parquet", {})
    return {"description": meta.get("description"), "candles_sha256": candles.get("sha256")}


def dated_constants() -> tuple[DatedConstant[Any], ...]:
    """Every dated calibration constant the models use (listed in each validation result)."""
    from liqcascade.leverage._config import DATED_PRIOR
    from liqcascade.sim._regime import DATED_HAR_WEIGHTS
    from liqcascade.sim._stress import DATED_INSURANCE_FUND

    return (DATED_PRIOR, DATED_INSURANCE_FUND, DATED_HAR_WEIGHTS)


def _check_contract(area: str, symbol: str, block: Any) -> dict[str, Any]:
    if not isinstance(block, Mapping):
        raise TypeError(f"score_{area}({symbol!r}) returned {type(block).__name__}, not a dict")
    missing = [k for k in CONTRACT[area] if k not in block]
    if missing:
        raise KeyError(
            f"score_{area}({symbol!r}) returned no {missing}; its block must hold "
            f"{list(CONTRACT[area])} (see docs/validation.md)"
        )
    detail = block.get("detail")
    if detail is not None:
        if not isinstance(detail, Mapping):
            raise TypeError(f"score_{area}({symbol!r}) detail must be a dict of per-bar arrays")
        lengths = {k: len(v) for k, v in detail.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                f"score_{area}({symbol!r}) detail arrays differ in length: {lengths}; each "
                "holds one entry per scored bar"
            )
    return {"available": True, **block}


def _run_one(
    area: str,
    store: Store,
    symbol: str,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    shock: float,
    seed: int,
    progress: Progress | None,
) -> dict[str, Any]:
    label = f"{area} {symbol}"
    tick = (lambda done, total: progress(label, done, total)) if progress else None
    try:
        # Looked up on the module at call time, so tests can swap a scorer.
        if area == "stress":
            block = _stress.score_stress(
                store, symbol, start=start, end=end, shock=shock, seed=seed, progress=tick
            )
        elif area == "estimator":
            block = _estimator.score_estimator(store, symbol, start=start, end=end, progress=tick)
        else:
            block = _liquidations.score_liquidations(
                store, symbol, start=start, end=end, progress=tick
            )
    except (NotImplementedError, NoDataError) as exc:
        reason = str(exc) or type(exc).__name__
        return {"available": False, "reason": reason}
    return _check_contract(area, symbol, block)


@dataclass(frozen=True)
class ValidationResult:
    """The walk-forward scores of every model, per symbol, with targets and pass/fail.

    Attributes
    ----------
    symbols
        The symbols scored, in the order given.
    start, end
        Half-open window of as-of times (bar opens) scored, UTC.
    shock
        Fixed stress shock as a FRACTION (0.02 = 2 %), applied down and up.
    seed
        Monte Carlo seed of the stress scorer.
    blocks
        ``{area: {symbol: block}}`` for area in ``stress``, ``estimator``, ``liquidations``.
        A block holds the scorer's scores, ``available`` (False with a ``reason`` when the
        scorer is not built or has no data), ``checks`` (each target: value, baseline,
        target, pass) and, when the scorer returns it, ``detail`` (per-bar arrays).
    store
        Store path, liqcascade version, 4h candle history per symbol, the bundled sample.
    constants
        Each dated constant: known_from, source, fallback and how this window used it.
    generated
        When the run finished (UTC).
    seconds
        Wall time per ``area symbol``.
    """

    symbols: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    shock: float
    seed: int
    blocks: dict[str, dict[str, dict[str, Any]]]
    store: dict[str, Any]
    constants: tuple[dict[str, Any], ...]
    generated: pd.Timestamp
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Return the count of targets met, missed and not judged, and ``passed``.

        ``passed`` is True only when every target of every block was met (a target that
        does not apply, such as ``share_over_10pct`` at a shock other than 2 %, is left out).
        """
        verdicts = [
            row["pass"]
            for area in AREAS
            for block in self.blocks.get(area, {}).values()
            for row in block["checks"]
            if row["applies"]
        ]
        met = sum(v is True for v in verdicts)
        missed = sum(v is False for v in verdicts)
        unjudged = sum(v is None for v in verdicts)
        return {
            "met": met,
            "missed": missed,
            "not_judged": unjudged,
            "passed": bool(verdicts) and met == len(verdicts),
        }

    def to_dict(self, *, detail: bool = False) -> dict[str, Any]:
        """Return the JSON document (rates as FRACTIONS; NaN as null).

        Parameters
        ----------
        detail
            Also include each block's per-bar ``detail`` arrays (large; the HTML card uses
            them for its charts).
        """
        out: dict[str, Any] = {}
        for area in AREAS:
            out[area] = {
                symbol: {k: v for k, v in block.items() if detail or k != "detail"}
                for symbol, block in self.blocks.get(area, {}).items()
            }
        out.update(
            symbols=list(self.symbols),
            start=self.start,
            end=self.end,
            shock=self.shock,
            seed=self.seed,
            generated=self.generated,
            store=self.store,
            targets=targets_table(),
            constants=list(self.constants),
            seconds=self.seconds,
            summary=self.summary(),
        )
        return jsonable(out)

    def write_html(self, path: str | Path) -> Path:
        """Write the self-contained HTML model card (plotly.js inlined, opens offline)."""
        from liqcascade.validate._card import render_card

        out = Path(path)
        try:
            out.write_text(render_card(self.to_dict(detail=True)), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the model card to {out}: {exc}") from exc
        return out


def validate(
    store: Store,
    symbols: str | Sequence[str],
    *,
    start: object = None,
    end: object = None,
    shock: float = 0.02,
    seed: int = 0,
    progress: Progress | None = None,
) -> ValidationResult:
    """Score the stress test, the estimator and the liquidation map walk-forward.

    Every score is strictly as-of: the model at each bar open sees only data closed by then.
    See ``docs/validation.md`` for what each score means and the targets.

    Parameters
    ----------
    store
        A :class:`liqcascade.data.Store` with 4h perp candles, open interest, depth and
        liquidations of the symbols (the bundled sample has them).
    symbols
        ccxt perp symbols, e.g. ``["BTC/USDT:USDT", "ETH/USDT:USDT"]``.
    start, end
        Half-open window of bar opens to score (UTC dates or times); default: the first and
        last 4h candle of the symbols in the store.
    shock
        Fixed stress shock as a FRACTION in (0, 1): 0.02 = 2 %, applied down and up.
    seed
        Monte Carlo seed of the stress scorer (results depend on it, not on the machine).
    progress
        Called as ``progress(label, done, total)``, label ``"<area> <symbol>"``.

    Returns
    -------
    ValidationResult
        Scores, checks against the targets, and metadata; ``to_dict()`` and
        ``write_html(path)``.

    Raises
    ------
    InputError
        A bad symbol, date, shock or seed, or ``end`` not after ``start``.
    NoDataError
        The store has no 4h candles of a symbol.

    Examples
    --------
    >>> from liqcascade.data import Store, load_sample      # doctest: +SKIP
    >>> store = Store("v-store"); load_sample(store)          # doctest: +SKIP
    >>> res = validate(store, ["BTC/USDT:USDT"], start="2025-01-01", end="2025-10-05")
    ... # doctest: +SKIP
    >>> res.to_dict()["stress"]["BTC/USDT:USDT"]["auc"]       # doctest: +SKIP
    """
    names = _symbols(symbols)
    shock = float(shock)
    if not (math.isfinite(shock) and 0.0 < shock < 1.0):
        raise InputError(
            f"shock={shock!r}; expected a FRACTION in (0, 1) such as 0.02 for 2 % (applied "
            "down and up)"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed={seed!r}; expected a non-negative integer")
    history = _history(store, names)
    t0 = _utc(start, "start") if start is not None else min(h["first"] for h in history.values())
    t1 = _utc(end, "end") if end is not None else max(h["last"] for h in history.values()) + BAR
    if t1 <= t0:
        raise InputError(
            f"end {t1.isoformat()} is not after start {t0.isoformat()}; swap them or widen "
            "the window"
        )
    blocks: dict[str, dict[str, dict[str, Any]]] = {area: {} for area in AREAS}
    seconds: dict[str, float] = {}
    for symbol in names:
        for area in AREAS:
            began = time.perf_counter()
            block = _run_one(
                area, store, symbol, start=t0, end=t1, shock=shock, seed=int(seed),
                progress=progress,
            )  # fmt: skip
            seconds[f"{area} {symbol}"] = round(time.perf_counter() - began, 3)
            block["checks"] = checks(area, block, shock=shock)
            blocks[area][symbol] = block
    from liqcascade import __version__

    info = {
        "path": str(store.path),
        "liqcascade_version": __version__,
        "candles_4h": {s: jsonable(h) for s, h in history.items()},
        "bundled_sample": _sample_info(),
    }
    return ValidationResult(
        symbols=names,
        start=t0,
        end=t1,
        shock=shock,
        seed=int(seed),
        blocks=blocks,
        store=info,
        constants=tuple(c.describe(t0, t1) for c in dated_constants()),
        generated=pd.Timestamp.now(tz="UTC").floor("s"),
        seconds=seconds,
    )


__all__ = ["Progress", "ValidationResult", "dated_constants", "validate"]
