"""The dashboard's HTML pages: one shell (navigation, theme, scripts) and a body per page.

Pages are static forms filled in by ``static/dashboard.js`` from the JSON API; values from the
query string only pre-fill the forms (escaped).
"""

from __future__ import annotations

import json
from html import escape

from liqcascade import _theme

PAGES = (
    ("overview", "/", "Overview"),
    ("map", "/map", "Liquidation map"),
    ("stress", "/stress", "Stress what-if"),
    ("reports", "/reports", "Reports"),
    ("live", "/live", "Live"),
)


def _theme_json() -> str:
    return json.dumps(
        {
            "palette": list(_theme.PALETTE),
            "long": _theme.LONG,
            "short": _theme.SHORT,
            "up": _theme.UP_CANDLE,
            "down": _theme.DOWN_CANDLE,
            "heatmap": _theme.HEATMAP_SCALE,
            "font": _theme.FONT,
            "grid": _theme.GRID,
            "longLight": _theme.LONG_LIGHT,
            "shortLight": _theme.SHORT_LIGHT,
        }
    )


def shell(page: str, body: str, *, store: str, defaults: dict[str, str]) -> str:
    """The full HTML document of ``page`` around ``body``."""
    active = " class='active' aria-current='page'"
    nav = "".join(
        f"<a href='{href}'{active if key == page else ''}>{label}</a>" for key, href, label in PAGES
    )
    title = dict((k, label) for k, _, label in PAGES)[page]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)} · liqcascade</title><link rel='icon' href='data:,'>"
        f"<style>{_theme.css()}</style><link rel='stylesheet' href='/static/dashboard.css'>"
        "<script src='/static/plotly.min.js'></script>"
        f"<script>window.LC_THEME={_theme_json()};"
        f"window.LC_DEFAULTS={json.dumps(defaults)};</script>"
        "<script src='/static/dashboard.js' defer></script></head>"
        f"<body data-page='{page}'><header><strong>liqcascade</strong><nav>{nav}</nav>"
        f"<span class='store' title='store folder (read only)'>{escape(store)}</span></header>"
        f"<main>{body}<div class='error' role='alert' hidden></div></main>"
        "<footer>Modelled figures carry bands; see the docs for every rule. "
        "<a href='/docs'>API (OpenAPI)</a></footer></body></html>"
    )


# (loop as in /api/stress?feedback=, label, what it does) - see docs/cascade.md
FEEDBACK_SWITCHES = (
    ("momentum", "momentum", "momentum sellers: extra flow in the move's direction"),
    ("funding", "funding", "holders close when the funding they pay passes a threshold"),
    ("depth_withdrawal", "depth withdrawal", "market makers pull depth as volatility rises"),
    ("flows", "ETF flows", "the last day's US spot ETF net flow spread over the day"),
)


def _field(label: str, control: str) -> str:
    return f"<label>{label}{control}</label>"


def _symbol_select(name: str = "symbol") -> str:
    return f"<select name='{name}' data-symbols></select>"


OVERVIEW = (
    "<h1>Overview</h1><form id='form' class='controls'>"
    + _field("Asset", "<select name='asset'><option>BTC</option><option>ETH</option></select>")
    + _field("As of (UTC)", "<input name='asof' type='datetime-local'>")
    + "<button>Show</button><span class='status'></span></form>"
    "<div class='grid'>"
    "<div id='chart-price' class='chart'></div><div id='chart-oi' class='chart'></div>"
    "<div id='chart-funding' class='chart'></div><div id='chart-ls' class='chart'></div>"
    "<div id='chart-liq-venue' class='chart'></div><div id='chart-liq-band' class='chart'></div>"
    "</div>"
)

MAP = (
    "<h1>Liquidation map</h1><form id='form' class='controls'>"
    + _field("Symbol", _symbol_select())
    + _field("As of (UTC)", "<input name='asof' type='datetime-local'>")
    + "<button>Show</button><span class='status'></span></form>"
    "<p class='note'>Modelled book: where open positions would be liquidated (longs below the "
    "price, shorts above). Hover a cell for the USD at risk and the leverage mix of the book "
    "as of the chosen time.</p><div id='chart-map' class='chart tall'></div>"
)

STRESS = (
    "<h1>Stress what-if</h1><form id='form' class='controls'>"
    + _field("Symbol", _symbol_select())
    + _field("As of (UTC)", "<input name='asof' type='datetime-local'>")
    + _field(
        "Shock (fraction of price)",
        "<input name='shock_range' type='range' min='-0.2' max='0.2' step='0.005' value='-0.03'>"
        "<input name='shock' type='text' inputmode='decimal' value='-0.03' size='7'>",
    )
    + _field("Flow (USD, − = sell)", "<input name='flow_usd' type='number' value='0' step='1e7'>")
    + _field("Monte Carlo paths", "<input name='paths' type='number' value='0' min='0' step='100'>")
    + "<fieldset class='loops'><legend>Feedback loops (calibrated from the store)</legend>"
    + "".join(
        f"<label><input name='feedback' type='checkbox' value='{loop}' title='{title}'>"
        f"{label}</label>"
        for loop, label, title in FEEDBACK_SWITCHES
    )
    + "</fieldset>"
    + _field("Seed", "<input name='seed' type='number' value='0' min='0'>")
    + "<button>Run</button><span class='status'></span></form>"
    "<progress id='progress' max='1' value='0' hidden></progress>"
    "<div id='kpis' class='kpis'></div><div class='grid'>"
    "<div id='chart-path' class='chart'></div><div id='chart-quantiles' class='chart'></div>"
    "</div><table id='quantiles' class='table'></table>"
)

REPORTS = (
    "<h1>Reports</h1><section><h2>Weekly report</h2><form id='form-week' class='controls'>"
    + _field("As of (day, UTC)", "<input name='asof' type='date'>")
    + "<button>Open</button><span class='status'></span></form>"
    "<p class='links'></p><iframe id='week-frame' title='weekly report'></iframe></section>"
    "<section><h2>Episode replay</h2><form id='form-replay' class='controls'>"
    + _field("Start (UTC)", "<input name='start' type='date'>")
    + _field("End (UTC, exclusive)", "<input name='end' type='date'>")
    + "<button>Replay</button><span class='status'></span></form>"
    "<iframe id='replay-frame' title='episode replay'></iframe></section>"
    "<section><h2>Validation model card</h2><ul id='cards'></ul></section>"
)

LIVE = (
    "<h1>Live liquidations</h1><p class='note'>Newest rows of the store's liquidations dataset; "
    "run <code>liqcascade collect</code> against the same store and new rows appear here "
    "without a reload (pushed as server-sent events; the store is checked every "
    "<span id='interval'></span> s).</p>"
    "<p class='status' id='live-status'></p><table id='live' class='table'><thead><tr>"
    "<th>time (UTC)</th><th>venue</th><th>symbol</th><th>interval</th><th>side liquidated</th>"
    "<th>notional (USD)</th><th>price</th></tr></thead><tbody></tbody></table>"
)

BODIES = {"overview": OVERVIEW, "map": MAP, "stress": STRESS, "reports": REPORTS, "live": LIVE}
