"""The model card: one self-contained HTML page of a validation run (plotly.js inlined once).

Each score sits beside its naive baseline and its target, with pass/fail. Where a scorer returns
per-bar ``detail``, the card also draws its distribution. ``detail`` is optional; its arrays all
have one entry per scored bar, and the card reads these keys when present:

- ``time``: bar open (ISO text or timestamps);
- ``realized``: what the market then did (the excursion, the all-exchange figure...);
- ``predicted``: the model's central prediction of it;
- ``baseline``: the naive baseline's prediction of it;
- ``lower``, ``upper``: the band the ``coverage``/``within_bounds`` score checks;
- ``checked``: what must lie inside that band (default ``realized``).

The scorers' own names are read too (``ALIASES``: the estimator's ``actual_usd``/``p10``/
``p50``/``p90``, the map check's ``modelled_usd`` between ``reported_usd`` and
``oi_drop_usd``). Other keys are kept in the JSON and not drawn. USD amounts spanning more than
two decades are drawn on log axes, and their errors as log10(predicted / realized).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from liqcascade._theme import PAGE_CSS, chart_div
from liqcascade.validate._targets import AREAS

CSS = (
    PAGE_CSS
    + """
.na { color: #8a6d3b; background: #fcf8e3; padding: 6px 10px; }
table.scores { border-collapse: collapse; margin: 8px 0; }
table.scores th, table.scores td { border-bottom: 1px solid #eee; padding: 4px 12px;
                                   text-align: right; }
table.scores th:first-child, table.scores td:first-child { text-align: left; }
table.text th, table.text td { text-align: left; }
.pass { color: #2ca02c; font-weight: 600; }
.fail { color: #d62728; font-weight: 600; }
.none { color: #999; }
"""
)

MODEL_COLOR = "#1f77b4"
BASELINE_COLOR = "#7f7f7f"
REALIZED_COLOR = "#d62728"

# detail key in the card's vocabulary -> the name a scorer uses for it
ALIASES = {
    "estimator": {"realized": "actual_usd", "predicted": "p50", "lower": "p10", "upper": "p90"},
    "liquidations": {"checked": "modelled_usd", "lower": "reported_usd", "upper": "oi_drop_usd"},
}

# The scored areas (``ValidationResult.blocks``), in report order, with their titles.
AREA_TITLES = {
    "stress": "Cascade stress test (4h bars whose adverse excursion reached the shock)",
    "estimator": "All-exchange liquidation estimator (daily p10-p90 band)",
    "liquidations": "Liquidation map at large bars (|excursion| >= 3 %)",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return html.escape(str(value))


def _verdict(passed: bool | None, applies: bool) -> str:
    if not applies:
        return "<span class='none'>does not apply</span>"
    if passed is None:
        return "<span class='none'>not judged</span>"
    return "<span class='pass'>met</span>" if passed else "<span class='fail'>missed</span>"


def _scores_table(block: dict[str, Any]) -> str:
    rows = [f"<tr><td>n</td><td>{_fmt(block.get('n'))}</td><td></td><td></td><td></td></tr>"]
    for check in block["checks"]:
        shown_value = block.get(check["score"], check["value"])  # the interval, not its bound
        rows.append(
            f"<tr><td>{html.escape(check['score'])}</td><td>{_fmt(shown_value)}</td>"
            f"<td>{_fmt(check['baseline'])}</td><td>{html.escape(check['target'])}</td>"
            f"<td>{_verdict(check['pass'], check['applies'])}</td></tr>"
        )
    shown = {"n", "available", "checks", "detail", "reason"} | {c["score"] for c in block["checks"]}
    shown |= {"mae_baseline", "auc_vol_baseline"}  # already in the baseline column
    for key, value in block.items():
        if key not in shown:
            rows.append(
                f"<tr><td>{html.escape(key)}</td><td>{_fmt(value)}</td>"
                "<td></td><td></td><td></td></tr>"
            )
    head = "<tr><th>score</th><th>value</th><th>baseline</th><th>target</th><th>result</th></tr>"
    return f"<table class='scores'>{head}{''.join(rows)}</table>"


def _figure(title: str, *, xaxis: str = "", yaxis: str = "", height: int = 360) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        title={"text": title, "x": 0.01},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
        xaxis_title=xaxis,
        yaxis_title=yaxis,
    )
    return fig


def _array(detail: dict[str, Any], key: str) -> np.ndarray | None:
    values = detail.get(key)
    if values is None:
        return None
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _is_log(*arrays: np.ndarray) -> bool:
    # USD amounts over more than two decades read better on log axes.
    values = np.concatenate([a[np.isfinite(a)] for a in arrays])
    return bool(values.size) and values.min() > 0 and values.max() / values.min() > 100


def scatter_chart(title: str, detail: dict[str, Any]) -> Any:
    """Predicted (and baseline) against realized, with the perfect-prediction diagonal."""
    import plotly.graph_objects as go

    realized, predicted = _array(detail, "realized"), _array(detail, "predicted")
    if realized is None or predicted is None:
        return None
    fig = _figure(f"{title}: predicted vs realized", xaxis="realized", yaxis="predicted")
    if _is_log(realized, predicted):
        fig.update_xaxes(type="log")
        fig.update_yaxes(type="log")
    baseline = _array(detail, "baseline")
    if baseline is not None:
        fig.add_trace(
            go.Scatter(x=realized, y=baseline, mode="markers", name="baseline",
                       marker={"color": BASELINE_COLOR, "size": 5, "opacity": 0.5})
        )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=realized, y=predicted, mode="markers", name="model",
                   marker={"color": MODEL_COLOR, "size": 5, "opacity": 0.7})
    )  # fmt: skip
    finite = np.concatenate([a[np.isfinite(a)] for a in (realized, predicted)])
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        fig.add_trace(
            go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="perfect",
                       line={"color": "#444", "dash": "dot", "width": 1})
        )  # fmt: skip
    return fig


def error_chart(title: str, detail: dict[str, Any]) -> Any:
    """Histogram of prediction errors, model and baseline (log ratios for wide USD ranges)."""
    import plotly.graph_objects as go

    realized, predicted = _array(detail, "realized"), _array(detail, "predicted")
    if realized is None or predicted is None:
        return None
    log = _is_log(realized, predicted)
    label = "log10(predicted / realized)" if log else "predicted - realized"

    def error(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            e = np.log10(x / realized) if log else x - realized
        return e[np.isfinite(e)]

    fig = _figure(f"{title}: error distribution, {label}", xaxis="error")
    baseline = _array(detail, "baseline")
    if baseline is not None:
        fig.add_trace(
            go.Histogram(x=error(baseline), name="baseline", opacity=0.55,
                         marker_color=BASELINE_COLOR, bingroup=1)
        )  # fmt: skip
    fig.add_trace(
        go.Histogram(x=error(predicted), name="model", opacity=0.65,
                     marker_color=MODEL_COLOR, bingroup=1)
    )  # fmt: skip
    fig.update_layout(barmode="overlay")
    return fig


def band_chart(title: str, detail: dict[str, Any]) -> Any:
    """What the score checks (``checked``, else ``realized``) against lower..upper over time."""
    import plotly.graph_objects as go

    name = "checked" if "checked" in detail else "realized"
    checked = _array(detail, name)
    lower, upper = _array(detail, "lower"), _array(detail, "upper")
    if checked is None or lower is None or upper is None:
        return None
    x = detail.get("time") or list(range(len(checked)))
    fig = _figure(f"{title}: {name} against the band (lower to upper)", yaxis="value")
    if _is_log(checked, lower, upper):
        fig.update_yaxes(type="log")
    # One vertical segment per case (cases may share a time, e.g. long and short sides).
    seg_x = [v for t in x for v in (t, t, None)]
    seg_y = [v for lo, hi in zip(lower, upper, strict=True) for v in (lo, hi, None)]
    fig.add_trace(
        go.Scatter(x=seg_x, y=seg_y, mode="lines", name="band", connectgaps=False,
                   line={"color": "rgba(31, 119, 180, 0.35)", "width": 3})
    )  # fmt: skip
    inside = (checked >= lower) & (checked <= upper)
    fig.add_trace(
        go.Scatter(
            x=x, y=checked, mode="markers", name=name,
            marker={"color": np.where(inside, MODEL_COLOR, REALIZED_COLOR).tolist(), "size": 5},
        )
    )  # fmt: skip
    return fig


def block_charts(area: str, symbol: str, block: dict[str, Any]) -> list[Any]:
    """The charts a block's ``detail`` allows (none without detail)."""
    detail = block.get("detail")
    if not detail:
        return []
    detail = dict(detail)
    for ours, theirs in ALIASES.get(area, {}).items():
        if ours not in detail and theirs in detail:
            detail[ours] = detail[theirs]
    title = f"{area} {symbol}"
    figures = (scatter_chart(title, detail), error_chart(title, detail), band_chart(title, detail))
    return [f for f in figures if f is not None]


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _constants_table(constants: list[dict[str, Any]]) -> str:
    head = "<tr><th>constant</th><th>known from</th><th>source</th><th>before it</th>"
    head += "<th>this window</th></tr>"
    rows = "".join(
        f"<tr><td>{html.escape(c['name'])}</td><td>{html.escape(c['known_from'])}</td>"
        f"<td>{html.escape(c['source'])}</td><td>{html.escape(c['fallback'])}</td>"
        f"<td>{html.escape(c['use'])}</td></tr>"
        for c in constants
    )
    return f"<table class='scores text'>{head}{rows}</table>"


def render_card(doc: dict[str, Any]) -> str:
    """Return the full page for a ``ValidationResult.to_dict(detail=True)`` document."""
    summary = doc["summary"]
    unavailable = [
        f"{area} {symbol}: not available: {block['reason']}"
        for area in AREAS
        for symbol, block in doc[area].items()
        if not block["available"]
    ]
    store = doc["store"]
    body = [
        "<h1>liqcascade model card: walk-forward validation</h1>",
        f"<p class='rule'>As-of bar opens {html.escape(doc['start'])} to {html.escape(doc['end'])}"
        f" (end excluded); stress shock &plusmn;{doc['shock']:.2%}; seed {doc['seed']}; store "
        f"{html.escape(store['path'])}; liqcascade {html.escape(store['liqcascade_version'])}; "
        f"generated {html.escape(doc['generated'])}. Every score is strictly as-of: the model at "
        "each bar open sees only data closed by then.</p>",
        "<h2>Summary</h2>",
        f"<p class='summary' id='summary'>{summary['met']} targets met, {summary['missed']} "
        f"missed, {summary['not_judged']} not judged: "
        f"{'all targets met' if summary['passed'] else 'the targets are not all met'}.</p>",
    ]
    if unavailable:
        items = "".join(f"<li>{html.escape(u)}</li>" for u in unavailable)
        body.append(f"<ul class='na'>{items}</ul>")
    count = 0
    for area in AREAS:
        body.append(f"<h2 id='{area}'>{html.escape(AREA_TITLES[area])}</h2>")
        for symbol, block in doc[area].items():
            body.append(f"<h3>{html.escape(symbol)}</h3>")
            if not block["available"]:
                body.append(f"<p class='na'>not available: {html.escape(block['reason'])}</p>")
                continue
            body.append(_scores_table(block))
            for fig in block_charts(area, symbol, block):
                count += 1
                div = chart_div(fig, f"chart-{count}")
                body.append(f"<div class='chart'>{div}</div>")
    body.append("<h2 id='constants'>Dated constants</h2>")
    body.append(
        "<p class='rule'>A constant read off a dated source is not used by an as-of before "
        "that date; the fallback is used instead.</p>"
    )
    body.append(_constants_table(doc["constants"]))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>liqcascade model card {html.escape(doc['start'][:10])} to "
        f"{html.escape(doc['end'][:10])}</title><style>{CSS}</style>"
        f"<script type='text/javascript'>{_plotly_js()}</script></head><body>"
        + "\n".join(body)
        + "<p class='rule'>Generated by liqcascade validate; definitions and targets in "
        "docs/validation.md; the numbers are in <code>liqcascade validate --json</code>.</p>"
        "</body></html>\n"
    )


__all__ = ["block_charts", "render_card"]
