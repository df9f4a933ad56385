"""One visual style for every chart liqcascade draws (report, map, replay, dashboard).

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays
distinguishable under the common colour-vision deficiencies; heatmaps use Cividis (Nuñez,
Anderton & Renslow 2018), designed to read the same for colour-blind viewers and in grey.
Longs are vermillion, shorts blue throughout. Private module: any layer may import it; plotly
is imported only inside :func:`template`.
"""

from __future__ import annotations

import functools
from typing import Any

# Okabe-Ito, in the order plotly cycles through them.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
LONG = "#D55E00"
SHORT = "#0072B2"
LONG_LIGHT = "rgba(213, 94, 0, 0.45)"
SHORT_LIGHT = "rgba(0, 114, 178, 0.45)"
NEUTRAL = "#555555"
UP_CANDLE = "#009E73"
DOWN_CANDLE = "#D55E00"
WEEK_FILL = "rgba(230, 159, 0, 0.12)"
HEATMAP_SCALE = "Cividis"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
BACKGROUND = "#ffffff"
GRID = "#e5e5e5"

# Used by the dashboard's stylesheet (same colours as the charts).
CSS_VARIABLES = {
    "--lc-long": LONG,
    "--lc-short": SHORT,
    "--lc-accent": PALETTE[0],
    "--lc-warn": PALETTE[1],
    "--lc-text": "#1a1a1a",
    "--lc-muted": NEUTRAL,
    "--lc-grid": GRID,
    "--lc-bg": BACKGROUND,
}


@functools.cache
def template() -> Any:
    """Return the plotly layout template (white, Okabe-Ito colourway, labelled axes).

    Built once per process (a report styles ~20 figures); plotly copies a template when it is
    assigned to a figure, so the shared object is never changed by a figure.
    """
    import plotly.graph_objects as go

    axis = {
        "showgrid": True,
        "gridcolor": GRID,
        "zeroline": False,
        "linecolor": NEUTRAL,
        "ticks": "outside",
        "title": {"standoff": 8},
    }
    return go.layout.Template(
        layout={
            "colorway": list(PALETTE),
            "font": {"family": FONT, "size": 13, "color": "#1a1a1a"},
            "paper_bgcolor": BACKGROUND,
            "plot_bgcolor": BACKGROUND,
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"orientation": "h", "y": -0.18},
            "hoverlabel": {"font": {"family": FONT}},
            "colorscale": {"sequential": HEATMAP_SCALE},
        }
    )


def style(fig: Any, *, title: str | None = None, x: str | None = None, y: str | None = None) -> Any:
    """Apply the template to ``fig`` and set its title and axis titles (units in brackets)."""
    layout: dict[str, Any] = {"template": template()}
    if title is not None:
        layout["title"] = {"text": title, "x": 0.01}
    if x is not None:
        layout["xaxis_title"] = x
    if y is not None:
        layout["yaxis_title"] = y
    fig.update_layout(**layout)
    return fig


# The static pages' shared look (weekly report, model card); each page appends its own rules.
PAGE_CSS = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 24px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 1.8em; }
.rule { color: #666; font-size: 0.9em; }
.summary { background: #f6f8fa; border-left: 4px solid #d62728; padding: 12px 16px; }
.chart { margin: 12px 0; }
"""


def chart_div(fig: Any, div_id: str) -> str:
    """The figure as an HTML fragment for a page that loads plotly.js once (no logo, resizes)."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def candlestick(bars: Any, *, x: Any, name: str, **style: Any) -> Any:
    """A plotly candlestick of the ``open``/``high``/``low``/``close`` columns of ``bars``
    against ``x``; ``style`` passes trace options (candle colours...)."""
    import plotly.graph_objects as go

    prices = {column: bars[column] for column in ("open", "high", "low", "close")}
    return go.Candlestick(x=x, **prices, name=name, **style)


def css() -> str:
    """Return the ``:root`` CSS block with the palette as custom properties."""
    body = "".join(f"{k}:{v};" for k, v in CSS_VARIABLES.items())
    return f":root{{{body}}}"


__all__ = [
    "HEATMAP_SCALE",
    "LONG",
    "PAGE_CSS",
    "PALETTE",
    "SHORT",
    "WEEK_FILL",
    "candlestick",
    "chart_div",
    "css",
    "style",
    "template",
]
