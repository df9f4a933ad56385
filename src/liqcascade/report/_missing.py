"""The report's ``missing`` list: each section the store could not fill, and the command that would.

Built after every section has run, from their ``available``/``reason`` fields; the engines'
partial inputs (a liquidation map built from a venue sum, a depth proxy) are listed too, with
``partial: true``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Section key -> the command (or import) that fills it. Formats: `liqcascade data formats`.
FILL = {
    "assets": "liqcascade data backfill --exchange binance --symbol BTC/USDT --what ohlcv "
    "--interval 1d --start <date>",
    "market": "liqcascade data import tradingview-mcap cryptocap_total_d1.csv",
    "liquidations": "liqcascade collect --exchange binance --exchange bybit --exchange okx "
    "(or liqcascade data import binance-liquidations|coinglass <files>)",
    "liquidations.estimated": "liqcascade collect --exchange binance ... for the Binance feed, "
    "and liqcascade data import coinglass <liq_by_exchange_24h_snapshots.csv> to fit the "
    "all-exchange multipliers",
    "open_interest": "liqcascade data import coinglass <oi_allexch_ohlc_4h.csv> (all venues), "
    "or liqcascade data backfill --exchange <venue> --symbol BTC/USDT:USDT --what oi",
    "funding": "liqcascade data backfill --exchange <venue> --symbol BTC/USDT:USDT --what funding",
    "options": "liqcascade data import coinglass-options <files> and "
    "liqcascade data import deribit-dvol bitcoin_dvol_hourly.csv.gz",
    "etf_flows": "liqcascade data import farside bitcoin_etf_flows_long_daily.csv "
    "(download: https://farside.co.uk/btc/)",
    "treasury": "liqcascade data import dattracker <purchases.csv>",
    "macro": "liqcascade data import yahoo-macro spx.csv ndx.csv vix.csv dxy.csv gold.csv",
    "treasury_stocks": "liqcascade data import dattracker <share prices.csv>",
    "sentiment": "liqcascade data import btc-factors fear_greed.csv",
    "long_short": "liqcascade data import binance-metrics <BTCUSDT-metrics-*.csv>",
    "liquidation_map": "liqcascade data backfill --exchange <venue> --symbol BTC/USDT:USDT "
    "--what ohlcv,oi --start <date>",
    "stress": "liqcascade data backfill --exchange <venue> --symbol BTC/USDT:USDT "
    "--what ohlcv,oi --start <date>, and liqcascade data import binance-bookdepth <files>",
}


@dataclass(frozen=True)
class MissingSection:
    """A section the store could not fill, why, and the command that would fill it."""

    section: str
    reason: str
    fill: str


@dataclass(frozen=True)
class PartialInput(MissingSection):
    """An input an engine block ran without (the block itself is available)."""

    partial: bool = field(default=True, init=False)


def _entry(section: str, block: dict[str, Any]) -> MissingSection:
    return MissingSection(
        section=section,
        reason=str(block.get("reason") or "not available"),
        fill=FILL.get(section, FILL.get(section.split(".", 1)[0], "")),
    )


def missing_sections(report: dict[str, Any]) -> list[MissingSection]:
    """List every unavailable section (``section``, ``reason``, ``fill``) of ``report``.

    ``report`` is the report's JSON form. A section is a dict with ``available: false``, or a
    dict of per-asset blocks some of which are; ``liquidations.estimated`` is checked on its
    own. Engine blocks that ran on partial inputs add their ``missing`` notes as
    :class:`PartialInput` (``partial: true``).
    """
    out: list[MissingSection] = []
    for key in FILL:
        head, _, sub = key.partition(".")
        block = report.get(head)
        if sub and isinstance(block, dict):
            block = block.get(sub)
        if not isinstance(block, dict):
            continue
        if block.get("available") is False:
            out.append(_entry(key, block))
            continue
        if sub:
            continue
        for name, inner in block.items():
            if not isinstance(inner, dict):
                continue
            if inner.get("available") is False:
                out.append(_entry(f"{key}.{name}", inner))
            out += [
                PartialInput(section=f"{key}.{name}", reason=note, fill="")
                for note in inner.get("missing") or ()
            ]
    unique: dict[tuple[str, str], MissingSection] = {}
    for m in out:  # a block may be reached twice (as a section and as a sub-block)
        unique.setdefault((m.section, m.reason), m)
    return list(unique.values())


def missing_facts(missing: list[dict[str, Any]]) -> list[str]:
    """One line per missing section (report.json's ``missing`` list) for the html/markdown."""
    return [
        f"{m['section']}: {m['reason']}" + (f" - fill: `{m['fill']}`" if m.get("fill") else "")
        for m in missing
    ]
