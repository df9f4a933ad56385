"""Adapters to the hidden-leverage estimator and the cascade simulator.

The report must always render: when an engine is missing, or fails on this store, its section
says "not available" with the reason (and report.json carries null with that reason).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pandas as pd

from liqcascade.errors import LiqcascadeError
from liqcascade.report._window import ReportWindow

SHOCKS = (-0.05, -0.10)
STRESS_SYMBOLS = {"BTC": "BTC/USDT:USDT", "ETH": "ETH/USDT:USDT"}


def _engine(module: str, name: str) -> tuple[Callable[..., Any] | None, str]:
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError as exc:
        return None, f"{module} cannot be imported ({exc})"
    if found is None:
        return None, f"{module}.{name} is not available in this version"
    return found, ""


def _unavailable(reason: str) -> dict[str, object]:
    return {"available": False, "reason": reason}


def estimated_liquidations(
    store: Any, window: ReportWindow, assets: tuple[str, ...] = ("BTC", "ETH")
) -> tuple[dict, pd.DataFrame | None]:
    """Estimated true liquidations in the week (p10/p50/p90), summed over ``assets``."""
    estimate, why = _engine("liqcascade.leverage", "estimate_liquidations")
    if estimate is None:
        return _unavailable(why), None
    try:
        frame = estimate(
            store,
            list(assets),
            window.week_start,
            window.cutoff,
            interval="4h",
            asof=window.cutoff,
        )
    except (LiqcascadeError, ValueError, KeyError, TypeError) as exc:
        return _unavailable(f"estimate_liquidations failed: {exc}"), None
    if frame is None or len(frame) == 0:
        return _unavailable("estimate_liquidations returned no rows for the week"), None
    frame = frame[(frame["time"] >= window.week_start) & (frame["time"] < window.cutoff)]
    columns = [f"estimated_{side}_{q}" for side in ("long", "short") for q in ("p10", "p50", "p90")]
    daily = frame.groupby(frame["time"].dt.normalize())[columns].sum()
    totals = daily.sum()
    data: dict[str, object] = {"available": True}
    for side in ("long", "short"):
        data[f"{side}_usd"] = {
            q: float(totals[f"estimated_{side}_{q}"]) for q in ("p10", "p50", "p90")
        }
    data["note"] = "p10/p50/p90 summed over 4h bars (the sum of p10s is not the p10 of the sum)"
    return data, daily


def liquidation_map(
    store: Any, window: ReportWindow, symbol: str
) -> tuple[dict, pd.DataFrame | None, pd.DataFrame | None]:
    """Liquidation map of ``symbol`` as of the cutoff, and what further 5 % / 10 % drops hit.

    Returns the facts, the cumulative curve and the heatmap grid (time x price, long format).
    The map's ``curve`` is cumulative: ``long_usd`` at ``move_pct`` (a FRACTION, -0.05 =
    a 5 % drop) is the long notional liquidated by a drop to that price.
    """
    build, why = _engine("liqcascade.leverage", "liquidation_map")
    if build is None:
        return _unavailable(why), None, None
    try:
        result = build(store, symbol, window.cutoff)
        curve = pd.DataFrame(result.curve)
        grid = pd.DataFrame(result.grid)
        drops = {f"{shock:+.0%}": float(result.liquidated_by(shock)) for shock in SHOCKS}
        price = float(result.price)
    except (LiqcascadeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return _unavailable(f"liquidation_map failed: {exc}"), None, None
    data = {"available": True, "symbol": symbol, "price": price, "longs_within": drops}
    data["sources"] = list(getattr(result, "sources", ()))
    data["missing"] = list(getattr(result, "missing", ()))
    return data, curve, grid


def stress(store: Any, window: ReportWindow) -> dict[str, object]:
    """Simulated cascades for a further 5 % and 10 % drop from the as-of close.

    Each shock carries the central cascade, the Monte Carlo p10/p50/p90 of the move and of
    longs liquidated, and how often a day's low reached that drop from its open before.
    """
    run, why = _engine("liqcascade.sim", "stress")
    if run is None:
        return _unavailable(why)
    shocks: list[dict[str, Any]] = []
    for asset, symbol in STRESS_SYMBOLS.items():
        for shock in SHOCKS:
            try:
                result = run(store, symbol, window.cutoff, shock)
            except (LiqcascadeError, ValueError, KeyError, TypeError) as exc:
                shocks.append(
                    {"asset": asset, "shock": shock, "available": False, "reason": str(exc)}
                )
                continue
            shocks.append(
                {
                    "asset": asset,
                    "symbol": symbol,
                    "shock": shock,
                    "available": True,
                    **_quantiles(result),
                    **_history(store, asset, window, shock),
                    **{
                        name: _maybe_float(getattr(getattr(result, "cascade", result), name, None))
                        for name in (
                            "start_price",
                            "trough_price",
                            "move_pct",
                            "liquidated_long_usd",
                            "liquidated_short_usd",
                            "insurance_fund_used_usd",
                            "adl_usd",
                        )
                    },
                }
            )
    if not any(s.get("available") for s in shocks):
        return _unavailable("; ".join(sorted({s["reason"] for s in shocks})))
    return {"available": True, "shocks": shocks}


def _quantiles(result: Any) -> dict[str, float | None]:
    """Monte Carlo p10/p50/p90 of the move (FRACTION) and of longs liquidated (USD)."""
    mc = getattr(result, "monte_carlo", None)
    if mc is None:
        return {}
    q = mc.quantiles()
    out: dict[str, float | None] = {}
    for name, key in (("move", "move_pct"), ("liquidated_long", "liquidated_long_usd")):
        for level in ("p10", "p50", "p90"):
            out[f"{name}_{level}"] = _maybe_float(q.get(key, {}).get(level))
    return out


def _history(store: Any, asset: str, window: ReportWindow, shock: float) -> dict[str, object]:
    """How often a day's low reached ``shock`` from its open, in the daily bars known then."""
    try:
        days = store.read(
            "candles", end=window.cutoff, symbol=f"{asset}/USDT", market="spot", interval="1d"
        )
    except (LiqcascadeError, ValueError, KeyError, AttributeError):
        return {}
    days = days[days["time"] + pd.Timedelta("1D") <= window.cutoff]
    days = days.drop_duplicates("time", keep="last")
    if days.empty:
        return {}
    drop = (days["low"] / days["open"] - 1.0).to_numpy(dtype=float)
    hits = drop <= shock
    return {
        "history_days": len(days),
        "history_first_day": pd.Timestamp(days["time"].min()).date().isoformat(),
        "history_hits": int(hits.sum()),
        "history_frequency": float(hits.mean()),
        "history_median_move": float(pd.Series(drop[hits]).median()) if hits.any() else None,
    }


def _maybe_float(value: Any) -> float | None:
    # Any value at all: what float() refuses becomes None.
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
