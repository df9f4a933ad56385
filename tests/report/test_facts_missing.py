"""The report's fact lines for blocks the store could not fill: each says its reason."""

from __future__ import annotations

from liqcascade.report._facts import sections

GONE = {"available": False, "reason": "gone"}


def _report() -> dict:
    """A report.json in which every section, and every per-asset block, is unavailable."""
    return {
        "assets": {"ETH": GONE, "BTC": GONE},
        "market": GONE,
        "liquidations": {**GONE, "estimated": {"available": False, "reason": "no feed"}},
        "open_interest": {"BTC": GONE, "ETH": GONE},
        "funding": GONE,
        "long_short": GONE,
        "liquidation_map": {"BTC": GONE},
        "stress": {
            "available": True,
            "shocks": [{"available": False, "asset": "BTC", "shock": -0.05, "reason": "no book"}],
        },
        "options": {"BTC": GONE},  # no ETH block, no dvol block: their reason is "no data"
        "etf_flows": GONE,
        "treasury": GONE,
        "treasury_stocks": GONE,
        "macro": GONE,
        "sentiment": GONE,
    }


def _facts(key: str) -> list[str]:
    (section,) = [s for s in sections(_report()) if s.key == key]
    return section.facts


def test_a_section_that_is_unavailable_gives_its_reason() -> None:
    for key in ("market", "etf_flows", "treasury", "treasury_stocks", "macro", "sentiment"):
        assert _facts(key) == ["Not available: gone."], key


def test_per_asset_blocks_name_the_asset_and_the_reason() -> None:
    assert _facts("assets") == ["ETH: Not available: gone.", "BTC: Not available: gone."]
    assert _facts("open_interest") == [
        "BTC open interest: gone.",
        "ETH open interest: gone.",
        "Not available: gone.",  # funding
        "Long/short ratios: gone.",
    ]
    assert _facts("liquidation_map") == [
        "BTC liquidation map not available: gone.",
        "Stress BTC -5 %: no book.",
    ]


def test_a_block_without_a_reason_says_no_data() -> None:
    assert _facts("options") == ["BTC options: gone.", "ETH options: no data.", "DVOL: no data."]


def test_the_estimate_is_reported_apart_from_the_reported_liquidations() -> None:
    assert _facts("liquidations") == [
        "Not available: gone.",
        "Estimated true liquidations not available: no feed.",
    ]
