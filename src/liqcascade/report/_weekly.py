"""Assemble the weekly report: compute every section as of a day, then write html/md/json."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade._json import jsonable
from liqcascade.errors import NoDataError
from liqcascade.report import _derivatives, _engines, _flows, _macro, _market, _pipe, _staples
from liqcascade.report._access import CachedReads, Readable, daily_closes
from liqcascade.report._block import Unavailable
from liqcascade.report._levels import AssetLevels, AssetUnavailable, asset_levels
from liqcascade.report._missing import missing_sections
from liqcascade.report._summary import summary_paragraph
from liqcascade.report._window import ReportWindow, parse_asof

ASSET_SERIES = {"BTC": "BTC/USDT", "ETH": "ETH/USDT"}
PRICE_SOURCE = "Binance spot daily candles (BTC/USDT, ETH/USDT), bar open time UTC"


@dataclass(frozen=True)
class WeeklyReport:
    """A written weekly report: its facts (the report.json content) and where the files are."""

    asof: str
    data: dict[str, Any]
    html_path: Path | None
    markdown_path: Path | None
    json_path: Path | None

    @property
    def summary(self) -> str:
        return self.data["summary"]


Progress = Callable[[str], None]
# A section: its block (a frozen dataclass) and the frames its charts draw.
SectionBuilder = Callable[[Readable, ReportWindow], tuple[object, dict[str, pd.DataFrame]]]


def _quiet(step: str) -> None:
    """Default progress callback: say nothing."""


def compute_weekly(
    store: Readable,
    asof: str | date | datetime | pd.Timestamp,
    *,
    progress: Progress = _quiet,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Compute the report's facts and chart frames as of ``asof``'s close (no files written).

    ``progress`` is called with the name of each step as it starts.
    """
    window = parse_asof(asof)
    store = store if isinstance(store, CachedReads) else CachedReads(store)
    progress("prices")
    frames: dict[str, pd.DataFrame] = {}
    assets: dict[str, AssetLevels | AssetUnavailable | Unavailable] = {}
    for asset, symbol in ASSET_SERIES.items():
        daily = daily_closes(store, window.cutoff, symbol=symbol, exchange="binance", market="spot")
        if daily.empty:
            assets[asset] = Unavailable(reason=f"no binance spot {symbol} 1d candles")
            continue
        assets[asset] = asset_levels(daily, window, series=f"binance spot {symbol} 1d")
        frames[f"price_{asset}"] = daily
    if not any(block.available for block in assets.values()):
        raise NoDataError(
            f"the store {store!r} has no Binance spot daily candles for "
            f"{' or '.join(ASSET_SERIES.values())} covering {window.week_start:%Y-%m-%d} .. "
            f"{window.asof:%Y-%m-%d}; load the bundled sample (liqcascade data sample) or "
            "import daily klines (liqcascade data import auto <files>)"
        )
    report: dict[str, Any] = {
        "asof": f"{window.asof:%Y-%m-%d}",
        "window": {
            "week_start": window.week_start.isoformat(),
            "cutoff": window.cutoff.isoformat(),
            "rule": window.describe(),
            "price_source": PRICE_SOURCE,
        },
        "assets": assets,
    }
    sections: dict[str, SectionBuilder] = {
        "market": _market.market_section,
        "liquidations": _derivatives.liquidations_section,
        "open_interest": _derivatives.open_interest_section,
        "funding": _derivatives.funding_section,
        "options": _derivatives.options_section,
        "etf_flows": _flows.etf_section,
        "treasury": _flows.treasury_section,
        "macro": _macro.macro_section,
        "treasury_stocks": _macro.treasury_stocks_section,
        "pipe_terms": _pipe.pipe_section,
        "sentiment": _market.sentiment_section,
    }
    for key, section in sections.items():
        progress(key.replace("_", " "))
        report[key], more = section(store, window)
        frames.update(more)
    progress("long/short")
    report["long_short"] = _derivatives.long_short_section(store, window)
    progress("open interest by exchange, ETF funds")
    report["open_interest_by_exchange"], more = _staples.open_interest_by_exchange(store, window)
    frames.update(more)
    report["etf_flows_by_fund"], more = _staples.etf_by_fund(store, window)
    frames.update(more)
    frames.update(_staples.funding_history(store, window))
    frames.update(_staples.long_short_history(store, window))
    _add_engines(report, frames, store, window, progress)
    facts: dict[str, Any] = jsonable(report)
    facts["summary"] = summary_paragraph(facts)
    facts["missing"] = jsonable(missing_sections(facts))
    return facts, frames


def _add_engines(
    report: dict[str, Any],
    frames: dict[str, pd.DataFrame],
    store: Readable,
    window: ReportWindow,
    progress: Progress,
) -> None:
    progress("estimated liquidations")
    estimated, daily = _engines.estimated_liquidations(store, window)
    p50s: tuple[float | None, float | None] = (None, None)
    if isinstance(estimated, _engines.EstimatedLiquidations):
        p50s = (estimated.long_usd.p50, estimated.short_usd.p50)
    report["liquidations"] = replace(
        report["liquidations"],
        estimated=estimated,
        estimated_long_usd=p50s[0],
        estimated_short_usd=p50s[1],
    )
    if daily is not None:
        frames["liquidations_estimated"] = daily
    maps, books = {}, {}
    for asset, symbol in _engines.STRESS_SYMBOLS.items():
        progress(f"liquidation map {asset}")
        maps[asset], book = _engines.liquidation_map(store, window, symbol)
        books[asset] = book
        if book is not None:
            frames[f"liqmap_{asset}"] = book.curve
            frames[f"liqgrid_{asset}"] = book.grid
    report["liquidation_map"] = maps
    progress("stress tests")
    report["stress"] = _engines.stress(store, window, books)


def weekly_report(
    store: Readable,
    asof: str | date | datetime | pd.Timestamp,
    *,
    out_dir: str | Path,
    progress: Progress = _quiet,
) -> WeeklyReport:
    """Write the weekly leverage & liquidation report as of ``asof``'s close.

    Parameters
    ----------
    store
        A :class:`liqcascade.data.Store` (anything with its ``read`` method).
    asof
        The as-of DAY; the report uses only data known by that day's close
        (``asof + 1 day`` 00:00 UTC). The week starts on that week's Monday 00:00 UTC.
    out_dir
        Folder for ``report.html`` (self-contained, opens offline), ``report.md`` and
        ``report.json``; created if missing.
    progress
        Called with the name of each step as it starts (the CLI draws a progress bar).

    Returns
    -------
    WeeklyReport
        The facts (``.data``, the content of report.json) and the three paths.

    Raises
    ------
    InputError
        If ``asof`` is not a day.
    NoDataError
        If the store has no BTC or ETH daily prices for that week (every other missing series
        only makes its section say "not available").

    Notes
    -----
    Every rule (week span, "steepest since", round levels, treasury attribution, correlation
    window...) is written into report.json beside its number and in ``docs/report.md``.

    Examples
    --------
    >>> from liqcascade.data import Store, load_sample  # doctest: +SKIP
    >>> store = Store("/tmp/lc"); _ = load_sample(store)  # doctest: +SKIP
    >>> report = weekly_report(store, "2025-09-25", out_dir="/tmp/lc-report")  # doctest: +SKIP
    >>> round(report.data["assets"]["ETH"]["week_change_pct"], 3)  # doctest: +SKIP
    -0.128
    """
    from liqcascade.report._html import render_html
    from liqcascade.report._markdown import render_markdown

    data, frames = compute_weekly(store, asof, progress=progress)
    progress("writing html, markdown and json")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "report.json"
    json_path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    markdown_path = out / "report.md"
    markdown_path.write_text(render_markdown(data), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(render_html(data, frames), encoding="utf-8")
    return WeeklyReport(
        asof=data["asof"],
        data=data,
        html_path=html_path,
        markdown_path=markdown_path,
        json_path=json_path,
    )
