"""``replay``: walk the real price path bar by bar and report the liquidations it implies.

Each 4h bar is two legs from its open: to the high then the low for a down bar (close <
open), to the low then the high otherwise. Each leg runs the stepper (``simulate`` with
``solver="stepper"``) on the positions still open, with the leg's extreme as an exogenous
price move and infinite depth, because the real extreme already contains the impact of the
liquidations; fills are therefore at the extreme (the conservative gap assumption for the
insurance fund). Liquidated positions leave the book; the book is rebuilt from the
liquidation map as of the bar's open every ``refresh`` (only data closed by then).
The implied liquidations sit beside the estimated true liquidations of
``liqcascade.leverage.estimate_liquidations`` (p10/p50/p90).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from liqcascade._time import parse_interval, to_utc
from liqcascade.errors import InputError, NoDataError
from liqcascade.sim._book import Book
from liqcascade.sim._config import CascadeConfig, Shock
from liqcascade.sim._engine import simulate
from liqcascade.sim._positions import PositionArrays, prepare_positions
from liqcascade.sim._stress import DEFAULT_INSURANCE_FUND_USD, insurance_fund_at

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store

BAR = pd.Timedelta("4h")
EST = [f"estimated_{s}_{q}" for s in ("long", "short") for q in ("p10", "p50", "p90")]


def _bars(store: Store, symbol: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    from liqcascade.data import base_asset

    asset = base_asset(symbol)
    for sym, market in ((symbol, "perp"), (f"{asset}/USDT", "spot")):
        frame = store.read(
            "candles", start=start, end=end, symbol=sym, market=market, interval="4h"
        )
        if not frame.empty:
            top = frame["exchange"].value_counts().index[0]
            frame = frame[frame["exchange"] == top]
            return frame[["time", "open", "high", "low", "close"]].reset_index(drop=True)
    raise NoDataError(
        f"no 4h candles for {symbol} (perp) or {asset}/USDT (spot) in [{start}, {end}); "
        "import 4h klines"
    )


def _book_at(
    store: Store, symbol: str, asof: pd.Timestamp, config: CascadeConfig
) -> PositionArrays:
    from liqcascade.leverage import liquidation_map

    positions = liquidation_map(store, symbol, asof).positions
    return prepare_positions(positions, maintenance_margin_rate=config.maintenance_margin_rate)


@dataclass(frozen=True)
class ReplayResult:
    """Per-bar implied vs estimated liquidations and the fit between them."""

    symbol: str
    bars: pd.DataFrame
    fit: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for row in self.bars.to_dict("records"):
            row["time"] = pd.Timestamp(row["time"]).isoformat()
            rows.append(
                {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            )
        return {"symbol": self.symbol, "bars": rows, "fit": self.fit}

    def write_html(self, path: str | Path) -> Path:
        """Write an interactive chart (plotly, self-contained) of price and liquidations."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        from liqcascade import _theme

        b = self.bars
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6])
        fig.add_trace(_theme.candlestick(b, x=b["time"], name="price"), row=1, col=1)
        for side, sign in (("long", 1), ("short", -1)):
            fig.add_trace(
                go.Bar(
                    x=b["time"],
                    y=sign * b[f"implied_{side}_usd"] / 1e6,
                    name=f"implied {side}s (M USD)",
                ),
                row=2,
                col=1,
            )
            p50 = b[f"estimated_{side}_p50"] / 1e6
            fig.add_trace(
                go.Scatter(
                    x=b["time"],
                    y=sign * p50,
                    mode="markers",
                    name=f"estimated true {side}s p50 (p10-p90)",
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": sign * (b[f"estimated_{side}_p90"] / 1e6 - p50),
                        "arrayminus": sign * (p50 - b[f"estimated_{side}_p10"] / 1e6),
                    },
                ),
                row=2,
                col=1,
            )

        _theme.style(
            fig, title=f"Replay {self.symbol}: liquidations implied by the real path vs estimated"
        )
        fig.update_layout(xaxis_rangeslider_visible=False, barmode="relative")
        fig.update_yaxes(title_text="price (USD)", row=1, col=1)
        fig.update_yaxes(title_text="liquidated (M USD; shorts below 0)", row=2, col=1)
        fig.update_xaxes(title_text="bar open (UTC)", row=2, col=1)
        out = Path(path)
        fig.write_html(out, include_plotlyjs=True, full_html=True)
        return out


def _fit(bars: pd.DataFrame) -> dict[str, Any]:
    implied = bars["implied_long_usd"] + bars["implied_short_usd"]
    est = bars["estimated_long_p50"] + bars["estimated_short_p50"]
    ok = est.notna()
    if ok.sum() < 3:
        return {"bars": int(ok.sum()), "note": "too few bars with an estimate to fit"}
    implied, est = implied[ok], est[ok]
    lo = bars.loc[ok, "estimated_long_p10"] + bars.loc[ok, "estimated_short_p10"]
    hi = bars.loc[ok, "estimated_long_p90"] + bars.loc[ok, "estimated_short_p90"]
    return {
        "bars": int(ok.sum()),
        "implied_total_usd": float(implied.sum()),
        "estimated_p50_total_usd": float(est.sum()),
        "ratio_implied_to_estimated": float(implied.sum() / est.sum()) if est.sum() > 0 else None,
        "pearson": float(np.corrcoef(implied, est)[0, 1]) if implied.std() > 0 else None,
        "spearman": float(implied.rank().corr(est.rank())) if implied.std() > 0 else None,
        "share_within_p10_p90": float(((implied >= lo) & (implied <= hi)).mean()),
    }


def replay(
    store: Store,
    symbol: str,
    start: object,
    end: object,
    *,
    refresh: str | None = "1d",
    config: CascadeConfig | None = None,
    insurance_fund_usd: float = DEFAULT_INSURANCE_FUND_USD,
) -> ReplayResult:
    """Run the stepper along the real 4h price path and compare with estimated liquidations.

    Parameters
    ----------
    store
        A store with 4h candles, open interest (for the liquidation map) and the
        liquidation feeds (for the estimate).
    symbol
        ccxt symbol, e.g. ``BTC/USDT:USDT``.
    start, end
        Half-open range of bar open times.
    refresh
        Rebuild the position book from the liquidation map this often (``None``: once, at
        ``start``).
    config
        Cascade options (the solver is forced to the stepper).
    insurance_fund_usd
        Insurance fund at the start, USD (carried from bar to bar).

    Returns
    -------
    ReplayResult
        ``bars``: time, OHLC, implied_long_usd, implied_short_usd, insurance_fund_used_usd,
        adl_usd, engine_seconds, estimated_{long,short}_{p10,p50,p90}; ``fit`` summary.
    """
    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t1 <= t0:
        raise InputError(f"end {t1.isoformat()} must be after start {t0.isoformat()}")
    config = (config or CascadeConfig()).model_copy(update={"solver": "stepper"})
    step = parse_interval(refresh, "refresh") if refresh else None
    bars = _bars(store, symbol, t0, t1)
    pos = _book_at(store, symbol, t0, config)
    next_refresh = t0 + step if step is not None else None
    fund, notes = insurance_fund_at(insurance_fund_usd, t0)
    rows = []
    for bar in bars.itertuples(index=False):
        if next_refresh is not None and bar.time >= next_refresh:
            pos = _book_at(store, symbol, bar.time, config)
            next_refresh = bar.time + step
        legs = (bar.high, bar.low) if bar.close < bar.open else (bar.low, bar.high)
        ref = float(bar.open)
        out = dict.fromkeys(("long", "short", "fund", "adl", "secs"), 0.0)
        for extreme in legs:
            if len(pos) == 0 or extreme == ref:
                ref = float(extreme)
                continue
            book = Book.parametric(ref, np.inf, insurance_fund_usd=fund)
            r = simulate(pos, book, Shock(price_move=float(extreme) / ref - 1.0), config=config)
            out["long"] += r.liquidated_long_usd
            out["short"] += r.liquidated_short_usd
            out["fund"] += r.insurance_fund_used_usd
            out["adl"] += r.adl_usd
            out["secs"] += float(r.path["time_s"].iloc[-1]) if len(r.path) else 0.0
            fund = fund - r.insurance_fund_used_usd + r.insurance_fund_added_usd
            gone = np.zeros(len(pos), dtype=bool)
            gone[r.liquidations["row"].to_numpy(np.int64)] = True
            # positions already past liquidation at the leg's start are liquidated there too
            at_start = (pos.side > 0) & (pos.liquidation >= ref) | (pos.side < 0) & (
                pos.liquidation <= ref
            )
            pos = pos.subset(~(gone | at_start))
            ref = float(extreme)
        rows.append(
            {
                "time": bar.time, "open": bar.open, "high": bar.high, "low": bar.low,
                "close": bar.close, "implied_long_usd": out["long"],
                "implied_short_usd": out["short"], "insurance_fund_used_usd": out["fund"],
                "adl_usd": out["adl"], "engine_seconds": out["secs"],
            }
        )  # fmt: skip
    frame = pd.DataFrame(rows)
    frame = frame.merge(_estimates(store, symbol, t0, t1), on="time", how="left")
    return ReplayResult(symbol=symbol, bars=frame, fit={**_fit(frame), "notes": list(notes)})


def _estimates(store: Store, symbol: str, t0: pd.Timestamp, t1: pd.Timestamp) -> pd.DataFrame:
    from liqcascade.leverage import estimate_liquidations

    try:
        est = estimate_liquidations(store, symbol, t0, t1)
    except NoDataError:
        return pd.DataFrame(columns=["time", *EST])
    return est[["time", *EST]]


__all__ = ["ReplayResult", "replay"]
