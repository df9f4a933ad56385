"""The summary paragraph: report facts in plain words, from a fixed template (no language model)."""

from __future__ import annotations

from typing import Any

from liqcascade._format import pct, usd


def price(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _asset_sentence(name: str, block: dict[str, Any]) -> str:
    if not block.get("available"):
        return f"{name}: no price data ({block.get('reason')})."
    text = (
        f"{name} moved {pct(block['week_change_pct'])} week-to-date, "
        f"from {price(block['week_open'])} to {price(block['close'])}"
    )
    since = block["steepest_since"]
    if since.get("date"):
        text += f", its steepest drop over the same span since the week of {since['date']}"
    elif since.get("note") and block["week_change_pct"] < 0:
        text += f" ({since['note']})"
    if block["supports_broken"]:
        levels = ", ".join(price(x) for x in block["supports_broken"])
        text += f"; it broke below {levels}"
    if block.get("ma100") is not None:
        side = "below" if block["below_ma100"] else "above"
        text += f" and closed {side} its 100-day average ({price(block['ma100'])})"
    return text + "."


def summary_paragraph(report: dict[str, Any]) -> str:
    """One paragraph stating the week's main facts with numbers."""
    parts = [f"Week to {report['asof']} (Monday open to the as-of close)."]
    for name in ("ETH", "BTC"):
        parts.append(_asset_sentence(name, report["assets"][name]))
    market = report["market"]
    if market.get("available"):
        text = (
            f"Total crypto market cap changed by {usd(market['total_mcap_change_usd'])} "
            f"({pct(market['total_mcap_change_pct'])}) to {usd(market['total_mcap_usd'])}"
        )
        above = market.get("round_level_above")
        if above:
            text += f", below {usd(above['level'])}"
            if above.get("below_since"):
                text += f" (every close since {above['below_since']})"
        parts.append(text + ".")
    liq = report["liquidations"]
    if liq.get("available"):
        text = (
            f"Reported BTC+ETH liquidations ({liq['reported_source']}): "
            f"{usd(liq['reported_long_usd'])} of longs and "
            f"{usd(liq['reported_short_usd'])} of shorts"
        )
        est = liq.get("estimated") or {}
        if est.get("available"):
            text += (
                f"; estimated true longs {usd(est['long_usd']['p50'])} "
                f"(p10-p90 {usd(est['long_usd']['p10'])}-{usd(est['long_usd']['p90'])})"
            )
        parts.append(text + ".")
    parts += _leverage_sentences(report)
    etf = report["etf_flows"]
    if etf.get("available"):
        worst = etf["biggest_outflow_day"]
        parts.append(
            f"US spot BTC+ETH ETFs saw net flows of {usd(etf['week_total_usd'])} this week; "
            f"the biggest outflow day was {worst['date']} ({usd(worst['total_usd'])})."
        )
    treasury = report["treasury"]
    if treasury.get("available") and len(treasury["by_month"]) >= 2:
        months = "; ".join(
            f"{m['month']}: {m['btc']:,.0f} BTC" + (" (to date)" if m.get("partial") else "")
            for m in treasury["by_month"]
        )
        parts.append(f"Corporate treasury BTC purchases by month - {months}.")
    parts += _hedging_and_macro_sentences(report)
    sentiment = report["sentiment"]
    if sentiment.get("available"):
        text = f"Fear & Greed stood at {sentiment['value']:.0f}"
        if sentiment.get("week_low") is not None and sentiment.get("lowest_since"):
            text += (
                f"; its low of the week, {sentiment['week_low']:.0f} on "
                f"{sentiment['week_low_date']}, was the lowest since {sentiment['lowest_since']}"
            )
        parts.append(text + ".")
    return " ".join(parts)


def _leverage_sentences(report: dict[str, Any]) -> list[str]:
    out = []
    oi = report["open_interest"]
    moves = [
        f"{a} {usd(oi[a]['change_usd'])} ({pct(oi[a]['change_pct'])})"
        for a in ("BTC", "ETH")
        if oi.get(a, {}).get("available")
    ]
    if moves:
        out.append("Open interest across venues changed by " + " and ".join(moves) + ".")
    stress = report["stress"]
    if stress.get("available"):
        hits = [
            f"{s['asset']} {pct(s['shock'], 0)}: {usd(s['liquidated_long_usd'])}"
            if s.get("move_p50") is None
            else f"{s['asset']} {pct(s['shock'], 0)}: {usd(s['liquidated_long_p50'])} "
            f"(p10-p90 {usd(s['liquidated_long_p10'])}-{usd(s['liquidated_long_p90'])}), "
            f"move {pct(s['move_p50'])}"
            for s in stress["shocks"]
            if s.get("available")
        ]
        out.append(
            "Simulated longs liquidated by a further drop (Monte Carlo median) - "
            + "; ".join(hits)
            + "."
        )
    return out


def _hedging_and_macro_sentences(report: dict[str, Any]) -> list[str]:
    out = []
    options = report["options"]
    ratios = [
        f"{a} {options[a]['put_call_oi_ratio']:.2f}"
        + (f" ({options[a]['change']:+.2f})" if options[a].get("change") is not None else "")
        for a in ("BTC", "ETH")
        if options.get(a, {}).get("available")
    ]
    if ratios:
        out.append("Put/call open-interest ratios: " + ", ".join(ratios) + ".")
    dvol = options.get("dvol", {})
    if dvol.get("available") and dvol.get("change") is not None:
        out.append(
            f"BTC implied volatility (DVOL) {dvol['level']:.1%}, "
            f"{dvol['change'] * 100:+.1f} points on the week."
        )
    macro = report["macro"]
    if macro.get("available"):
        spx = [p for p in macro["pairs"] if p["macro"] == "SPX"]
        if spx:
            text = ", ".join(
                f"{p['asset']} {p['corr_30d']:+.2f} ({'up' if p['change'] > 0 else 'down'} "
                f"from {p['corr_then']:+.2f} on {p['then_date']})"
                for p in spx
            )
            out.append(f"30-day correlation with the S&P 500: {text}.")
    return out
