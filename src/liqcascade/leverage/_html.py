"""The liquidation heatmap as a self-contained interactive HTML page (plotly, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from liqcascade.leverage._map import LiquidationMap


def heatmap_figure(result: LiquidationMap):  # -> plotly.graph_objects.Figure
    """Price (y) x time (x) heatmap of notional at risk, both sides, with the candles on top."""
    import plotly.graph_objects as go  # a core dependency, imported lazily (slow import)

    from liqcascade import _theme

    grid = result.grid
    times = np.sort(grid["time"].unique())
    prices = np.sort(grid["price"].unique())
    shape = (len(times), len(prices))
    at_risk = (grid["long_usd"] + grid["short_usd"]).to_numpy().reshape(shape).T
    bars = result.bars[result.bars["time"] >= times[0]]
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=times,
            y=prices,
            z=at_risk,
            colorscale=_theme.HEATMAP_SCALE,
            colorbar={"title": "USD at risk"},
            hovertemplate="%{x}<br>price %{y:,.0f}<br>%{z:,.0f} USD<extra></extra>",
            name="liquidation notional",
        )
    )
    fig.add_trace(
        _theme.candlestick(
            bars,
            x=bars["time"],
            name=result.symbol,
            increasing_line_color="#ffffff",
            decreasing_line_color=_theme.LONG,
        )
    )
    fig.add_hline(
        y=result.price,
        line_dash="dot",
        line_color="white",
        annotation_text=f"as of {result.asof:%Y-%m-%d %H:%M} UTC: {result.price:,.0f}",
    )
    fig.update_layout(
        title=f"{result.symbol} liquidation map as of {result.asof:%Y-%m-%d %H:%M} UTC "
        f"(longs below the price, shorts above; modelled, see docs/leverage.md)",
        xaxis_rangeslider_visible=False,
    )
    _theme.style(fig, x="time (UTC, bar open)", y="price (USD)")
    return fig


def write_html(result: LiquidationMap, path: str | Path) -> Path:
    """Write the heatmap to ``path`` with plotly.js embedded (works offline)."""
    out = Path(path)
    heatmap_figure(result).write_html(out, include_plotlyjs=True, full_html=True)
    return out
