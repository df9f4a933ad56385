"""The HTML model card: scores beside baselines and targets, not-available blocks, charts."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from _validate_fakes import BTC, ETH

from liqcascade.data import Store
from liqcascade.validate import validate


def _card(path: Path, out: Path) -> str:
    result = validate(Store(path), [BTC, ETH], start="2025-01-05", end="2025-01-25")
    return result.write_html(out).read_text(encoding="utf-8")


def test_card_is_self_contained_with_scores_and_targets(
    small_store_path: Path, fake_scorers, tmp_path: Path
) -> None:
    page = _card(small_store_path, tmp_path / "card.html")
    assert "<script src=" not in page and len(page) > 1_000_000  # plotly.js inlined
    assert "20 targets met, 0 missed, 0 not judged" in page
    # mae 0.010 beside its baseline 0.012 and target, met
    assert re.search(r"<td>mae</td><td>0.01</td><td>0.012</td><td>&lt;= mae_baseline</td>"
                     r"<td><span class='pass'>met", page)  # fmt: skip
    assert "HYPERLIQUID_2025_PRIOR" in page  # the dated constants section


def test_card_shows_not_available_with_the_reason(
    small_store_path: Path, fake_scorers, tmp_path: Path
) -> None:
    fake_scorers.raises["estimator"] = NotImplementedError("score_estimator is being built")
    page = _card(small_store_path, tmp_path / "card.html")
    assert page.count("not available: score_estimator is being built") == 4  # list + 2 blocks
    assert "not judged" in page


def test_charts_only_where_a_scorer_returns_detail(
    small_store_path: Path, fake_scorers, tmp_path: Path
) -> None:
    assert "chart-1" not in _card(small_store_path, tmp_path / "plain.html")
    realized = np.array([0.021, 0.035, -0.02, 0.05])
    fake_scorers.blocks["estimator"]["detail"] = {
        "time": ["2025-01-05", "2025-01-06", "2025-01-07", "2025-01-08"],
        "realized": realized,
        "predicted": realized * 0.9,
        "baseline": np.full(4, 0.03),
        "lower": realized * 0.5,
        "upper": [0.03, 0.04, None, 0.06],
    }
    page = _card(small_store_path, tmp_path / "detail.html")
    # scatter, error histogram and band chart for each of the two estimator blocks
    assert len(re.findall(r"id=\"chart-\d+\"", page)) == 6
    assert "predicted vs realized" in page and "realized against the band" in page


def test_the_scorers_own_detail_names_are_drawn(
    small_store_path: Path, fake_scorers, tmp_path
) -> None:
    # the estimator scorer returns actual_usd / p10 / p50 / p90; the map check modelled_usd
    # between reported_usd and oi_drop_usd
    fake_scorers.blocks["estimator"]["detail"] = {
        "time": ["2025-01-05", "2025-01-05"], "side": ["long", "short"],
        "actual_usd": [2e6, 5e8], "p10": [1e6, 1e8], "p50": [3e6, 3e8], "p90": [9e6, 9e8],
    }  # fmt: skip
    fake_scorers.blocks["liquidations"]["detail"] = {
        "time": ["2025-01-06"],
        "reported_usd": [1e6],
        "modelled_usd": [5e6],
        "oi_drop_usd": [9e7],
    }
    page = _card(small_store_path, tmp_path / "card.html")
    # estimator: scatter, errors, band (x2 symbols); liquidations: band only (x2)
    assert len(re.findall(r"id=\"chart-\d+\"", page)) == 8
    assert "error distribution, log10(predicted" in page and "checked against the band" in page


def test_area_titles_name_every_scored_area_in_order() -> None:
    # The CLI and the card print one table per AREA_TITLES entry: it must be the scorer's areas.
    from liqcascade.validate import AREA_TITLES
    from liqcascade.validate._targets import AREAS

    assert tuple(AREA_TITLES) == AREAS == ("stress", "estimator", "liquidations")
