"""The facts the public record reports for the week of 2025-09-22, on the bundled real sample."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.golden]


def test_eth_fell_about_12_percent_and_below_4000(sample_report) -> None:
    eth = sample_report.data["assets"]["ETH"]
    # Binance spot: Monday 2025-09-22 open 4,444.98 -> Thursday close 3,874.36 = -12.8 %
    assert -0.14 < eth["week_change_pct"] < -0.11
    assert eth["close"] < 4000
    assert 4000.0 in eth["supports_broken"]


def test_btc_fell_about_5_percent_and_below_its_100_day_average(sample_report) -> None:
    btc = sample_report.data["assets"]["BTC"]
    # 115,232.29 -> 108,994.49 = -5.4 %
    assert -0.065 < btc["week_change_pct"] < -0.04
    assert btc["below_ma100"] is True
    assert btc["close"] < btc["ma100"]


def test_total_market_cap_lost_about_300_billion_and_is_below_4_trillion(sample_report) -> None:
    market = sample_report.data["market"]
    # TradingView CRYPTOCAP:TOTAL: 3.963 T (Monday open) -> 3.678 T (Thursday close)
    assert -350e9 < market["total_mcap_change_usd"] < -250e9
    assert market["total_mcap_usd"] < 4e12


def test_etf_outflow_on_2025_09_25_exceeds_500_million(sample_report) -> None:
    days = {d["date"]: d for d in sample_report.data["etf_flows"]["by_day"]}
    # Farside: BTC -253.4 M, ETH -251.2 M
    assert days["2025-09-25"]["total_usd"] < -500e6


def test_treasury_purchases_in_august_far_below_july(sample_report) -> None:
    months = {m["month"]: m for m in sample_report.data["treasury"]["by_month"]}
    assert months["2025-08"]["btc"] < 0.5 * months["2025-07"]["btc"]


def test_report_json_keeps_the_issue_keys(sample_report) -> None:
    data = json.loads(sample_report.json_path.read_text(encoding="utf-8"))
    for key in (
        "asof",
        "assets",
        "market",
        "liquidations",
        "etf_flows",
        "treasury",
        "open_interest",
        "funding",
        "options",
        "macro",
        "sentiment",
        "stress",
        "summary",
    ):
        assert key in data, key
    for asset in ("BTC", "ETH"):
        for key in (
            "week_open",
            "close",
            "week_change_pct",
            "steepest_since",
            "ma100",
            "below_ma100",
            "supports_broken",
            "range_30d",
        ):
            assert key in data["assets"][asset], (asset, key)
    for key in ("total_mcap_usd", "total_mcap_change_usd", "levels_crossed"):
        assert key in data["market"]
    for key in (
        "reported_long_usd",
        "reported_short_usd",
        "estimated_long_usd",
        "estimated_short_usd",
        "by_day",
    ):
        assert key in data["liquidations"]
    assert set(data["etf_flows"]["by_day"][0]) >= {"date", "btc_usd", "eth_usd", "total_usd"}
    assert "week_total_usd" in data["etf_flows"]
    assert set(data["treasury"]["by_month"][0]) >= {"month", "btc"}


def test_summary_states_the_numbers(sample_report) -> None:
    summary = sample_report.summary
    assert "ETH moved -12.8 %" in summary
    assert "4,000" in summary


def test_markdown_says_how_the_week_is_defined(sample_report) -> None:
    text = sample_report.markdown_path.read_text(encoding="utf-8")
    assert "Mon 2025-09-22 00:00 UTC (open) to Thu 2025-09-25 close" in text


def test_engines_ran_on_the_sample(sample_report) -> None:
    data = sample_report.data
    assert data["liquidations"]["estimated"]["available"] is True
    for asset in ("BTC", "ETH"):
        assert data["liquidation_map"][asset]["available"] is True
    shocks = [s for s in data["stress"]["shocks"] if s["available"]]
    assert {(s["asset"], s["shock"]) for s in shocks} == {
        ("BTC", -0.05),
        ("BTC", -0.10),
        ("ETH", -0.05),
        ("ETH", -0.10),
    }
    for s in shocks:  # a drop liquidates longs and takes the price at least as far as the shock
        assert s["liquidated_long_usd"] >= 0
        assert s["move_pct"] <= s["shock"] + 1e-9


def test_sentiment_lowest_since_judges_the_week_low(sample_report) -> None:
    # fear_greed.csv: week of 2025-09-22 reads 45, 43, 44, 44; the last value <= 43 before the
    # week is 39 on 2025-08-30 (the as-of-day rule would have said "since 2025-09-24")
    sentiment = sample_report.data["sentiment"]
    assert sentiment["week_low"] == 43
    assert sentiment["week_low_date"] == "2025-09-23"
    assert sentiment["lowest_since"] == "2025-08-30"
    assert "lowest since 2025-08-30" in sample_report.summary


@pytest.mark.golden
def test_etf_flows_per_fund_from_farside(sample_report) -> None:
    # farside_etf_flows_ciyberpunk/bitcoin_etf_flows_wide_daily.csv rows 443-446 (22-25 Sep):
    # FBTC -276.7 - 75.6 + 29.7 - 114.8 = -437.4 M; IBIT 0 + 2.5 + 128.9 + 79.7 = +211.1 M
    funds = {f["fund"]: f["week_usd"] for f in sample_report.data["etf_flows_by_fund"]["funds"]}
    assert funds["FBTC"] == pytest.approx(-437.4e6)
    assert funds["IBIT"] == pytest.approx(211.1e6)
    assert "TOTAL" not in funds


def test_open_interest_by_exchange(sample_report) -> None:
    block = sample_report.data["open_interest_by_exchange"]
    assert block["available"]
    assert len(block["venues"]) == 8
    shares = [v["share"] for v in block["venues"]]
    assert shares == sorted(shares, reverse=True)
    assert 0.5 < sum(shares) <= 1.0


def test_report_html_has_the_staple_charts(sample_report) -> None:
    page = sample_report.html_path.read_text(encoding="utf-8")
    for title in (
        "BTC liquidation heatmap",
        "BTC open interest by exchange",
        "BTC funding per venue over time",
        "short ratios, Binance perps",  # "/" is escaped in the page JSON
        "US spot ETF net flows per fund",
    ):
        assert title in page, title
    assert "plotly_dark" not in page
