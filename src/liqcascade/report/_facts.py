"""The report's sections as titled lists of plain-text facts (shared by report.md and .html)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from liqcascade.report._missing import missing_facts
from liqcascade.report._summary import pct, price, usd

NOTABLE_TREASURY_TICKERS = ("MSTR", "BMNR", "SBET", "MTPLF", "3350.T")  # largest BTC/ETH holders
STOCKS_SHOWN = 5  # plus the notable ones: the week's worst performers


@dataclass(frozen=True)
class Section:
    key: str  # report.json key whose charts go with this section
    title: str
    facts: list[str]


def _missing(block: dict) -> list[str]:
    return [f"Not available: {block.get('reason', 'no data')}."]


def _or_missing(facts_of: Callable[[dict], list[str]]) -> Callable[[dict], list[str]]:
    """Wrap a block's fact builder: a block marked unavailable gives its reason instead."""

    @functools.wraps(facts_of)
    def facts(block: dict) -> list[str]:
        return facts_of(block) if block.get("available") else _missing(block)

    return facts


def _asset_facts(name: str, block: dict) -> list[str]:
    if not block.get("available"):
        return [f"{name}: " + _missing(block)[0]]
    since = block["steepest_since"]
    if since.get("date"):
        rank = (
            f"steepest drop over the same span since the week of {since['date']} "
            f"(that week: {pct(since['change'])})"
        )
    else:
        rank = since.get("note") or "n/a"
    levels = ", ".join(price(x) for x in block["supports_broken"]) or "none"
    facts = [
        f"{name} week-to-date: {pct(block['week_change_pct'])} "
        f"({price(block['week_open'])} -> {price(block['close'])}; "
        f"week low {price(block['week_low'])}).",
        f"{name} rank: {rank}. Rule: {since['rule']}.",
        f"{name} round-number supports broken this week "
        f"(step {price(block['round_step'])}): {levels}.",
    ]
    if block.get("ma100") is not None:
        side = "below" if block["below_ma100"] else "above"
        facts.append(f"{name} closed {side} its 100-day average ({price(block['ma100'])}).")
    rng = block.get("range_30d")
    if rng:
        facts.append(
            f"{name} 30-day range {price(rng['low'])}-{price(rng['high'])}; the close sits at "
            f"{rng['position']:.0%} of it (0 % = at the low)."
        )
    return facts


@_or_missing
def _market_facts(market: dict) -> list[str]:
    crossed = ", ".join(usd(x) for x in market["levels_crossed"]) or "none this week"
    facts = [
        f"Total crypto market cap {usd(market['total_mcap_usd'])}, "
        f"{usd(market['total_mcap_change_usd'])} ({pct(market['total_mcap_change_pct'])}) "
        "since Monday's open.",
        f"Round levels (step {usd(market['round_step_usd'])}) crossed during the week: {crossed}.",
    ]
    above = market.get("round_level_above")
    if above:
        since = above.get("below_since") or "the start of the data"
        facts.append(f"Below {usd(above['level'])}; every daily close since {since} was below it.")
    return facts


def _liquidation_facts(liq: dict) -> list[str]:
    if not liq.get("available"):
        facts = _missing(liq)
    else:
        facts = [
            f"Reported BTC+ETH liquidations ({liq['reported_source']}): longs "
            f"{usd(liq['reported_long_usd'])}, shorts {usd(liq['reported_short_usd'])}.",
        ]
        facts += [
            f"Source {s['source']}: longs {usd(s['long_usd'])}, shorts {usd(s['short_usd'])}."
            for s in liq["by_source"]
        ]
        facts += [
            f"{d['date']}: longs {usd(d['long_usd'])}, shorts {usd(d['short_usd'])}."
            for d in liq["by_day"]
        ]
        big = liq["biggest_bar"]
        facts.append(
            f"Biggest bar: {big['time']} UTC, {big['symbol']} {big['side']}s {usd(big['usd'])} "
            f"({big['source']})."
        )
        facts.append(f"Caveat: {liq['note']}.")
    est = liq.get("estimated") or {}
    if est.get("available"):
        for side in ("long", "short"):
            q = est[f"{side}_usd"]
            facts.append(
                f"Estimated true {side}s: {usd(q['p50'])} "
                f"(p10 {usd(q['p10'])}, p90 {usd(q['p90'])})."
            )
        facts += _estimate_warnings(liq, est)
    else:
        facts.append(f"Estimated true liquidations not available: {est.get('reason')}.")
    return facts


def _estimate_warnings(liq: dict, est: dict) -> list[str]:
    """Say so when an estimated TRUE total is below what one source alone reported."""
    below = [
        f"{side}s vs {source['source']} ({usd(source[f'{side}_usd'])})"
        for source in liq.get("by_source", [])
        for side in ("long", "short")
        if est[f"{side}_usd"]["p50"] < source[f"{side}_usd"]
    ]
    if not below:
        return []
    return [
        "Check: the estimated true total (p50) is below what one source alone reported - "
        + "; ".join(below)
        + ". A reported figure is a floor; the estimate is a model."
    ]


def _leverage_facts(data: dict) -> list[str]:
    facts = []
    for asset, block in data["open_interest"].items():
        if block.get("available"):
            facts.append(
                f"{asset} open interest (all venues) {usd(block['close_usd'])}: "
                f"{usd(block['change_usd'])} ({pct(block['change_pct'])}) since Monday's open."
            )
        else:
            facts.append(f"{asset} open interest: {block.get('reason')}.")
    funding = data["funding"]
    if funding.get("available"):
        for row in funding["venues"]:
            facts.append(
                f"Funding {row['asset']} {row['exchange']}: "
                f"mean {row['mean_rate'] * 100:.4f} % per "
                f"{row['interval_hours']:.0f}h ({pct(row['mean_annualised'])} a year), last "
                f"{row['last_rate'] * 100:.4f} %."
            )
    else:
        facts += _missing(funding)
    ls = data["long_short"]
    if ls.get("available"):
        for row in ls["ratios"]:
            facts.append(
                f"Long/short {row['exchange']} {row['symbol']} {row['kind']}: "
                f"{row['week_open_ratio']:.2f} at the week open -> {row['last_ratio']:.2f}."
            )
    else:
        facts.append(f"Long/short ratios: {ls.get('reason')}.")
    return facts


def _stress_fact(s: dict) -> str:
    if s.get("move_p50") is None:
        return (
            f"Stress {s['asset']} {pct(s['shock'], 0)}: longs liquidated "
            f"{usd(s['liquidated_long_usd'])}, trough {price(s['trough_price'])} "
            f"({pct(s['move_pct'])}), insurance fund {usd(s['insurance_fund_used_usd'])}, "
            f"ADL {usd(s['adl_usd'])}."
        )
    text = (
        f"Stress {s['asset']} {pct(s['shock'], 0)} (Monte Carlo p10 / p50 / p90): move "
        f"{pct(s['move_p10'])} / {pct(s['move_p50'])} / {pct(s['move_p90'])}, longs liquidated "
        f"{usd(s['liquidated_long_p10'])} / {usd(s['liquidated_long_p50'])} / "
        f"{usd(s['liquidated_long_p90'])}."
    )
    if s.get("history_days"):
        text += (
            f" Historically a day's low reached {pct(s['shock'], 0)} from its open on "
            f"{s['history_hits']} of {s['history_days']} days since {s['history_first_day']} "
            f"({pct(s['history_frequency'])})"
        )
        if s.get("history_median_move") is not None:
            text += f", median low on those days {pct(s['history_median_move'])}"
        text += "."
    return text


def _map_and_stress_facts(data: dict) -> list[str]:
    facts = []
    for asset, block in data["liquidation_map"].items():
        if block.get("available"):
            within = ", ".join(f"{k}: {usd(v)}" for k, v in block["longs_within"].items())
            facts.append(
                f"{asset} liquidation map at {price(block['price'])}: longs within {within}."
            )
        else:
            facts.append(f"{asset} liquidation map not available: {block.get('reason')}.")
    stress = data["stress"]
    if stress.get("available"):
        for s in stress["shocks"]:
            if s.get("available"):
                facts.append(_stress_fact(s))
            else:
                facts.append(f"Stress {s['asset']} {pct(s['shock'], 0)}: {s['reason']}.")
    else:
        facts.append(
            f"Stress test (further 5 % / 10 % drop) not available: {stress.get('reason')}."
        )
    return facts


def _options_facts(options: dict) -> list[str]:
    facts = []
    for asset in ("BTC", "ETH"):
        block = options.get(asset, {})
        if not block.get("available"):
            facts.append(f"{asset} options: {block.get('reason', 'no data')}.")
            continue
        text = (
            f"{asset} put/call OI ratio {block['put_call_oi_ratio']:.2f} ({block['snapshot']} UTC)"
        )
        if block.get("change") is not None:
            text += (
                f", {block['change']:+.2f} vs {block['ratio_before_week']:.2f} on "
                f"{block['snapshot_before_week']} (last snapshot before the week)"
            )
            text += (
                ": more puts per call - put buying"
                if block["change"] > 0
                else ": fewer puts per call - no sign of put buying in open interest"
            )
        facts.append(text + ".")
    dvol = options.get("dvol", {})
    if dvol.get("available"):
        change = dvol["change"]
        text = f"BTC DVOL (30-day implied volatility) {dvol['level']:.1%}"
        if change is not None:
            text += f", {change * 100:+.1f} vol points since Monday's open"
        facts.append(text + ".")
    else:
        facts.append(f"DVOL: {dvol.get('reason', 'no data')}.")
    return facts


@_or_missing
def _etf_facts(etf: dict) -> list[str]:
    facts = [
        f"{d['date']}: BTC {usd(d['btc_usd'])}, ETH {usd(d['eth_usd'])}, "
        f"total {usd(d['total_usd'])}."
        for d in etf["by_day"]
    ]
    worst = etf["biggest_outflow_day"]
    facts.append(
        f"Week total {usd(etf['week_total_usd'])} (BTC {usd(etf['week_btc_usd'])}, ETH "
        f"{usd(etf['week_eth_usd'])}); biggest outflow day {worst['date']} "
        f"({usd(worst['total_usd'])})."
    )
    return facts


@_or_missing
def _treasury_facts(treasury: dict) -> list[str]:
    facts = []
    for m in treasury["by_month"]:
        text = f"{m['month']}{' (to date)' if m.get('partial') else ''}: {m['btc']:,.0f} BTC in "
        text += f"{m['purchases']} purchases"
        if m.get("change_pct") is not None:
            text += f" ({pct(m['change_pct'], 0)} vs the month before)"
        facts.append(text + ".")
    facts.append(f"Companies: {', '.join(treasury['companies'])}. Rule: {treasury['rule']}.")
    for flag in treasury["flagged_rows"]:
        facts.append(
            f"Flagged source row {flag['ticker']} filed {flag['filed']} ({flag['reference']}): "
            f"{flag['problem']} - {flag['action']}."
        )
    return facts


@_or_missing
def _macro_facts(macro: dict) -> list[str]:
    facts = [
        f"{p['asset']} vs {p['macro_name']}: 30-day correlation {p['corr_30d']:+.2f} "
        f"({p['change']:+.2f} vs {p['corr_then']:+.2f} on {p['then_date']})."
        for p in macro["pairs"]
    ]
    facts.append(f"Window: {macro['window']}; compared with {macro['compare']}.")
    return facts


@_or_missing
def _stock_facts(stocks: dict) -> list[str]:
    companies = stocks["companies"]  # sorted by week change, worst first
    changes = sorted(c["week_change_pct"] for c in companies)
    fell = sum(1 for c in changes if c < 0)
    facts = [
        f"{len(companies)} listed crypto-treasury companies: {fell} fell this week; median "
        f"{pct(changes[len(changes) // 2])}. Rule: {stocks['rule']}; all of them in report.json."
    ]
    shown = [c for c in companies if c["ticker"] in NOTABLE_TREASURY_TICKERS]
    shown += [c for c in companies[:STOCKS_SHOWN] if c not in shown]
    facts += [
        f"{c['ticker']}: {pct(c['week_change_pct'])} this week, {pct(c['from_ytd_high_pct'])} "
        f"from its {stocks['high_label']} ({c['high_ytd']:,.2f} {c['currency']})."
        for c in shown
    ]
    return facts


def _pipe_facts(block: dict | None) -> list[str]:
    """Shares vs reported PIPE issue prices; every number named "reported" with its page."""
    if not block or not block.get("companies"):
        return []
    facts = []
    if block.get("compared"):
        facts.append(
            f"PIPE issue prices (reported, secondary source): {block['below']} of "
            f"{block['compared']} companies with share prices close below theirs. "
            f"Rule: {block['rule']}."
        )
    for c in block["companies"]:
        name = c["ticker"] or c["company"]
        reported = (
            f"PIPE issue price {c['pipe_price']:,.2f} ({c['unit']}; period {c['period']}; "
            f"reported, source {c['source']}, citing {c['attributed_primary_source']})"
        )
        if not c["available"]:
            facts.append(f"{name}: {reported}; not compared: {c['reason']}.")
            continue
        side = "below" if c["vs_pipe_pct"] < 0 else "above"
        facts.append(
            f"{name} closed {c['close']:,.2f} {c['currency']} on {c['close_date']}, "
            f"{abs(c['vs_pipe_pct']):.1%} {side} the {reported}."
        )
    return facts


@_or_missing
def _sentiment_facts(sentiment: dict) -> list[str]:
    text = f"Fear & Greed {sentiment['value']:.0f} on {sentiment['date']}"
    if sentiment.get("value_before_week") is not None:
        text += f" (Sunday before the week: {sentiment['value_before_week']:.0f})"
    if sentiment.get("week_low") is not None:
        since = sentiment.get("lowest_since")
        text += f"; week low {sentiment['week_low']:.0f} on {sentiment['week_low_date']}, "
        text += f"the lowest since {since}" if since else "the lowest in the data"
    return [text + f" ({sentiment['rule']})."]


def _oi_exchange_facts(block: dict | None) -> list[str]:
    if not block or not block.get("available"):
        return []
    top = ", ".join(
        f"{v['exchange']} {v['oi_usd'] / 1e9:,.1f} B$ ({v['share']:.0%})"
        for v in block["venues"][:5]
    )
    return [
        f"{block['asset']} open interest by exchange at {block['time']}: {top} "
        f"of {block['total_usd'] / 1e9:,.1f} B$."
    ]


def _etf_fund_facts(block: dict | None) -> list[str]:
    if not block or not block.get("available"):
        return []
    funds = block["funds"]
    out = ", ".join(f"{f['fund']} {f['week_usd'] / 1e6:+,.0f} M$" for f in funds[:4])
    inflows = [f for f in funds if f["week_usd"] > 0][-3:]
    text = f"Largest fund outflows this week: {out}"
    if inflows:
        text += "; inflows: " + ", ".join(
            f"{f['fund']} {f['week_usd'] / 1e6:+,.0f} M$" for f in reversed(inflows)
        )
    return [text + " (Farside per-fund rows; BTC/ETH = Grayscale mini trusts)."]


def sections(data: dict) -> list[Section]:
    """The report's body, in reading order."""
    return [
        Section(
            "assets",
            "Prices and key levels",
            _asset_facts("ETH", data["assets"]["ETH"]) + _asset_facts("BTC", data["assets"]["BTC"]),
        ),
        Section("market", "Total crypto market cap", _market_facts(data["market"])),
        Section("liquidations", "Liquidations", _liquidation_facts(data["liquidations"])),
        Section(
            "open_interest",
            "Leverage: open interest, funding, long/short",
            _leverage_facts(data) + _oi_exchange_facts(data.get("open_interest_by_exchange")),
        ),
        Section("funding", "Funding across venues", []),
        Section("liquidation_map", "Liquidation map and stress test", _map_and_stress_facts(data)),
        Section(
            "options", "Hedging: options and implied volatility", _options_facts(data["options"])
        ),
        Section(
            "etf_flows",
            "US spot ETF flows",
            _etf_facts(data["etf_flows"]) + _etf_fund_facts(data.get("etf_flows_by_fund")),
        ),
        Section("treasury", "Corporate treasury purchases", _treasury_facts(data["treasury"])),
        Section(
            "treasury_stocks",
            "Crypto-treasury company shares",
            _stock_facts(data["treasury_stocks"]) + _pipe_facts(data.get("pipe_terms")),
        ),
        Section("macro", "Macro correlation", _macro_facts(data["macro"])),
        Section("sentiment", "Sentiment", _sentiment_facts(data["sentiment"])),
        Section(
            "missing", "Missing data and how to fill it", missing_facts(data.get("missing", []))
        ),
    ]
