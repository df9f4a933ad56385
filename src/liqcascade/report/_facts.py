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


def _or_reason(
    block: dict, facts_of: Callable[[dict], list[str]], missing: str = "Not available"
) -> list[str]:
    """The block's facts; a block marked unavailable gives one line, ``"<missing>: <reason>."``."""
    if block.get("available"):
        return facts_of(block)
    return [f"{missing}: {block.get('reason', 'no data')}."]


def _asset_facts(name: str, block: dict) -> list[str]:
    return _or_reason(block, functools.partial(_level_facts, name), f"{name}: Not available")


def _level_facts(name: str, block: dict) -> list[str]:
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


def _sides(long_usd: float | None, short_usd: float | None) -> str:
    return f"longs {usd(long_usd)}, shorts {usd(short_usd)}"


def _liquidation_facts(liq: dict) -> list[str]:
    estimated = functools.partial(_estimated_facts, liq)
    return _or_reason(liq, _reported_facts) + _or_reason(
        liq.get("estimated") or {}, estimated, "Estimated true liquidations not available"
    )


def _reported_facts(liq: dict) -> list[str]:
    big = liq["biggest_bar"]
    return [
        f"Reported BTC+ETH liquidations ({liq['reported_source']}): "
        f"{_sides(liq['reported_long_usd'], liq['reported_short_usd'])}.",
        *(
            f"Source {s['source']}: {_sides(s['long_usd'], s['short_usd'])}."
            for s in liq["by_source"]
        ),
        *(f"{d['date']}: {_sides(d['long_usd'], d['short_usd'])}." for d in liq["by_day"]),
        f"Biggest bar: {big['time']} UTC, {big['symbol']} {big['side']}s {usd(big['usd'])} "
        f"({big['source']}).",
        f"Caveat: {liq['note']}.",
    ]


def _estimated_facts(liq: dict, est: dict) -> list[str]:
    facts = []
    for side in ("long", "short"):
        q = est[f"{side}_usd"]
        facts.append(
            f"Estimated true {side}s: {usd(q['p50'])} (p10 {usd(q['p10'])}, p90 {usd(q['p90'])})."
        )
    return facts + _estimate_warnings(liq, est)


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
        open_interest = functools.partial(_open_interest_facts, asset)
        facts += _or_reason(block, open_interest, f"{asset} open interest")
    facts += _or_reason(data["funding"], _funding_facts)
    return facts + _or_reason(data["long_short"], _long_short_facts, "Long/short ratios")


def _open_interest_facts(asset: str, block: dict) -> list[str]:
    return [
        f"{asset} open interest (all venues) {usd(block['close_usd'])}: "
        f"{usd(block['change_usd'])} ({pct(block['change_pct'])}) since Monday's open."
    ]


def _funding_facts(funding: dict) -> list[str]:
    return [
        f"Funding {row['asset']} {row['exchange']}: "
        f"mean {row['mean_rate'] * 100:.4f} % per "
        f"{row['interval_hours']:.0f}h ({pct(row['mean_annualised'])} a year), last "
        f"{row['last_rate'] * 100:.4f} %."
        for row in funding["venues"]
    ]


def _long_short_facts(ls: dict) -> list[str]:
    return [
        f"Long/short {row['exchange']} {row['symbol']} {row['kind']}: "
        f"{row['week_open_ratio']:.2f} at the week open -> {row['last_ratio']:.2f}."
        for row in ls["ratios"]
    ]


def _shock_facts(s: dict) -> list[str]:
    if s.get("move_p50") is None:
        return [
            f"Stress {s['asset']} {pct(s['shock'], 0)}: longs liquidated "
            f"{usd(s['liquidated_long_usd'])}, trough {price(s['trough_price'])} "
            f"({pct(s['move_pct'])}), insurance fund {usd(s['insurance_fund_used_usd'])}, "
            f"ADL {usd(s['adl_usd'])}."
        ]
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
    return [text]


def _map_and_stress_facts(data: dict) -> list[str]:
    facts = []
    for asset, block in data["liquidation_map"].items():
        liquidation_map = functools.partial(_map_facts, asset)
        facts += _or_reason(block, liquidation_map, f"{asset} liquidation map not available")
    return facts + _or_reason(
        data["stress"], _stress_facts, "Stress test (further 5 % / 10 % drop) not available"
    )


def _map_facts(asset: str, block: dict) -> list[str]:
    within = ", ".join(f"{k}: {usd(v)}" for k, v in block["longs_within"].items())
    return [f"{asset} liquidation map at {price(block['price'])}: longs within {within}."]


def _stress_facts(stress: dict) -> list[str]:
    facts = []
    for s in stress["shocks"]:
        facts += _or_reason(s, _shock_facts, f"Stress {s['asset']} {pct(s['shock'], 0)}")
    return facts


def _options_facts(options: dict) -> list[str]:
    facts = []
    for asset in ("BTC", "ETH"):
        put_call = functools.partial(_put_call_facts, asset)
        facts += _or_reason(options.get(asset, {}), put_call, f"{asset} options")
    return facts + _or_reason(options.get("dvol", {}), _dvol_facts, "DVOL")


def _put_call_facts(asset: str, block: dict) -> list[str]:
    text = f"{asset} put/call OI ratio {block['put_call_oi_ratio']:.2f} ({block['snapshot']} UTC)"
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
    return [text + "."]


def _dvol_facts(dvol: dict) -> list[str]:
    text = f"BTC DVOL (30-day implied volatility) {dvol['level']:.1%}"
    if dvol["change"] is not None:
        text += f", {dvol['change'] * 100:+.1f} vol points since Monday's open"
    return [text + "."]


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


def _macro_facts(macro: dict) -> list[str]:
    facts = [
        f"{p['asset']} vs {p['macro_name']}: 30-day correlation {p['corr_30d']:+.2f} "
        f"({p['change']:+.2f} vs {p['corr_then']:+.2f} on {p['then_date']})."
        for p in macro["pairs"]
    ]
    facts.append(f"Window: {macro['window']}; compared with {macro['compare']}.")
    return facts


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
        Section("market", "Total crypto market cap", _or_reason(data["market"], _market_facts)),
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
            _or_reason(data["etf_flows"], _etf_facts)
            + _etf_fund_facts(data.get("etf_flows_by_fund")),
        ),
        Section(
            "treasury",
            "Corporate treasury purchases",
            _or_reason(data["treasury"], _treasury_facts),
        ),
        Section(
            "treasury_stocks",
            "Crypto-treasury company shares",
            _or_reason(data["treasury_stocks"], _stock_facts) + _pipe_facts(data.get("pipe_terms")),
        ),
        Section("macro", "Macro correlation", _or_reason(data["macro"], _macro_facts)),
        Section("sentiment", "Sentiment", _or_reason(data["sentiment"], _sentiment_facts)),
        Section(
            "missing", "Missing data and how to fill it", missing_facts(data.get("missing", []))
        ),
    ]
