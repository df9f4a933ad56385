"""Episode pages: replay a past stretch bar by bar and set the simulated liquidations beside the
reported and the estimated ones (``liqcascade report replay``)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from liqcascade._json import jsonable
from liqcascade._theme import chart_div
from liqcascade._time import TimeLike, to_utc
from liqcascade.errors import InputError
from liqcascade.report._access import Readable, read_known
from liqcascade.report._summary import pct, usd

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.data import Store

DEFAULT_SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT")
BOOK_REFRESH = "24h"  # rebuild the replayed position book from the liquidation map daily


@dataclass(frozen=True)
class EpisodeReport:
    """A written episode page: its facts (episode.json) and where the files are."""

    data: dict[str, Any]
    html_path: Path
    json_path: Path


def _reported(store: Readable, symbol: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Binance 4h reported liquidations of the symbol's asset, long/short per bar."""
    from liqcascade.data import base_asset

    rows = read_known(
        store,
        "liquidations",
        end,
        start=start,
        symbol=base_asset(symbol),
        exchange="binance",
        interval="4h",
    )
    if rows.empty:
        return pd.DataFrame(columns=["long", "short"])
    table = rows.pivot_table(
        index="time", columns="liquidated_side", values="notional_usd", aggfunc="sum"
    )
    return table.reindex(columns=["long", "short"]).fillna(0.0)


def _symbol_block(
    store: Store, symbol: str, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    from liqcascade.sim import replay

    result = replay(store, symbol, start, end, refresh=BOOK_REFRESH)
    bars = result.bars.set_index("time")
    reported = _reported(store, symbol, start, end)
    first, last = bars.iloc[0], bars.iloc[-1]
    block = {
        "symbol": symbol,
        "bars": len(bars),
        "open": float(first["open"]),
        "close": float(last["close"]),
        "low": float(bars["low"].min()),
        "change_pct": float(last["close"] / first["open"] - 1.0),
        "implied_long_usd": float(bars["implied_long_usd"].sum()),
        "implied_short_usd": float(bars["implied_short_usd"].sum()),
        "estimated_long_p50_usd": float(bars["estimated_long_p50"].sum()),
        "reported_binance_long_usd": float(reported["long"].sum()),
        "insurance_fund_used_usd": float(bars["insurance_fund_used_usd"].sum()),
        "adl_usd": float(bars["adl_usd"].sum()),
        "fit": result.fit,
    }
    return block, bars, reported


def _facts(block: dict) -> list[str]:
    fit = block["fit"]
    facts = [
        f"{block['symbol']}: {pct(block['change_pct'])} over {block['bars']} bars "
        f"(low {block['low']:,.2f}).",
        f"Simulated (replayed) liquidations: longs {usd(block['implied_long_usd'])}, shorts "
        f"{usd(block['implied_short_usd'])}; insurance fund used "
        f"{usd(block['insurance_fund_used_usd'])}, ADL {usd(block['adl_usd'])}.",
        f"Estimated true longs (p50, summed) {usd(block['estimated_long_p50_usd'])}; Binance "
        f"reported longs {usd(block['reported_binance_long_usd'])} (a floor: throttled feed).",
    ]
    if fit.get("pearson") is not None:
        facts.append(
            f"Fit of simulated vs estimated per bar: Pearson {fit['pearson']:.2f}, Spearman "
            f"{fit['spearman']:.2f}, {fit['share_within_p10_p90']:.0%} of bars inside p10-p90, "
            f"simulated/estimated total {fit['ratio_implied_to_estimated']:.2f}."
        )
    return facts


def _figure(block: dict, bars: pd.DataFrame, reported: pd.DataFrame) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from liqcascade import _theme

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6])
    fig.add_trace(_theme.candlestick(bars, x=bars.index, name="price (4h)"), row=1, col=1)
    longs = (
        (bars, "implied_long_usd", "simulated longs", _theme.LONG),
        (reported, "long", "Binance reported longs", _theme.LONG_LIGHT),
    )
    for frame, column, name, colour in longs:
        bar = go.Bar(x=frame.index, y=frame[column], name=name, marker_color=colour)
        fig.add_trace(bar, row=2, col=1)
    p50 = bars["estimated_long_p50"]
    fig.add_trace(
        go.Scatter(
            x=bars.index,
            y=p50,
            mode="markers",
            name="estimated longs (p50, p10-p90)",
            marker={"color": _theme.SHORT, "symbol": "diamond"},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": bars["estimated_long_p90"] - p50,
                "arrayminus": p50 - bars["estimated_long_p10"],
            },
        ),
        row=2,
        col=1,
    )
    fig.update_layout(
        title={"text": f"{block['symbol']}: replay, liquidations per 4h bar", "x": 0.01},
        height=560,
        template=_theme.template(),
        barmode="group",
        xaxis_rangeslider_visible=False,
        legend={"orientation": "h", "y": -0.1},
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    fig.update_yaxes(title_text="price (USD)", row=1, col=1)
    fig.update_yaxes(title_text="longs liquidated (USD)", row=2, col=1)
    fig.update_xaxes(title_text="bar open (UTC)", row=2, col=1)
    return fig  # fmt: skip


def episode_report(
    store: Store,
    start: TimeLike,
    end: TimeLike,
    *,
    out_dir: str | Path,
    symbols: tuple[str, ...] = DEFAULT_SYMBOLS,
) -> EpisodeReport:
    """Replay ``[start, end)`` bar by bar for each symbol and write episode.html / .json.

    Parameters
    ----------
    store
        A :class:`liqcascade.data.Store` with 4h candles, open interest and liquidation feeds.
    start, end
        Half-open range of 4h bar open times, UTC.
    out_dir
        Folder for ``episode.html`` (self-contained) and ``episode.json``.
    symbols
        ccxt perp symbols to replay.

    Raises
    ------
    InputError
        If ``end`` is not after ``start`` or no symbol is given.
    """
    from plotly.offline import get_plotlyjs

    t0, t1 = to_utc(start, "start"), to_utc(end, "end")
    if t1 <= t0:
        raise InputError(f"end {t1.isoformat()} must be after start {t0.isoformat()}")
    if not symbols:
        raise InputError("no symbol given; expected e.g. BTC/USDT:USDT")
    blocks: list[dict[str, Any]] = []
    parts: list[str] = []
    for symbol in symbols:
        block, bars, reported = _symbol_block(store, symbol, t0, t1)
        blocks.append(block)
        items = "".join(f"<li>{html.escape(f)}</li>" for f in _facts(block))
        chart = chart_div(_figure(block, bars, reported), f"episode-{len(parts) + 1}")
        parts.append(f"<h2>{html.escape(symbol)}</h2><ul>{items}</ul><div>{chart}</div>")
    data = jsonable(
        {"start": t0.isoformat(), "end": t1.isoformat(), "rule": "bars with start <= open < end",
         "symbols": blocks}
    )  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "episode.json"
    json_path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    title = f"Episode replay {t0:%Y-%m-%d %H:%M} - {t1:%Y-%m-%d %H:%M} UTC"
    html_path = out / "episode.html"
    html_path.write_text(
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:0 auto;"
        "padding:24px}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        "<p>The cascade simulator replays the real 4h price path (position book rebuilt daily "
        "from the liquidation map) and its liquidations are set beside the estimated true and "
        "the Binance-reported ones.</p>" + "\n".join(parts) + "</body></html>\n",
        encoding="utf-8",
    )
    return EpisodeReport(data=data, html_path=html_path, json_path=json_path)
