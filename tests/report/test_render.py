"""report.html renders in a real headless Chromium: every chart drawn, no console errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
# Screenshots go to a temp folder; set LIQCASCADE_UPDATE_SCREENSHOTS=1 to refresh docs/img.
UPDATE_DOCS = os.environ.get("LIQCASCADE_UPDATE_SCREENSHOTS") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = os.environ.get("LIQCASCADE_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.skip(
            "chromium not found (install Debian's `chromium` package, e.g. via ./run tests, "
            "or set LIQCASCADE_CHROMIUM to its path)"
        )
    return path


CHARTS_JS = "els => els.map(e => ({id: e.id, svg: e.querySelector('svg.main-svg') !== null}))"


@pytest.fixture(scope="module")
def episode(sample_store, tmp_path_factory: pytest.TempPathFactory):
    from liqcascade.report import episode_report

    return episode_report(
        sample_store,
        "2025-09-25",
        "2025-09-26",
        symbols=("BTC/USDT:USDT",),
        out_dir=tmp_path_factory.mktemp("episode"),
    )


@pytest.fixture(scope="module")
def rendered(sample_report, episode, tmp_path_factory: pytest.TempPathFactory):
    """Open report.html and episode.html offline; collect console errors and chart status."""
    shots = REPO / "docs" / "img" if UPDATE_DOCS else tmp_path_factory.mktemp("screenshots")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = _chromium()
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        # Offline: any request other than the file itself is refused, so a chart that needs
        # the network (a CDN plotly.js) fails the test.
        page.route("http*://**", lambda route: route.abort())
        page.goto(sample_report.html_path.as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        charts = page.eval_on_selector_all("div.plotly-graph-div", CHARTS_JS)
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "report-top.png"))
        page.locator("#liquidations").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "report-liquidations.png"))
        page.goto(episode.html_path.as_uri(), wait_until="load")
        page.wait_for_timeout(300)
        episode_charts = page.eval_on_selector_all("div.plotly-graph-div", CHARTS_JS)
        page.screenshot(path=str(shots / "report-episode.png"))
        browser.close()
    return {"errors": errors, "charts": charts, "episode_charts": episode_charts}


def test_every_chart_has_an_svg(rendered) -> None:
    charts = rendered["charts"]
    assert len(charts) >= 8  # prices x2, market cap, liquidations, OI, funding, ETF, ...
    assert [c["id"] for c in charts if not c["svg"]] == []


def test_episode_chart_rendered(rendered, episode) -> None:
    assert [c["svg"] for c in rendered["episode_charts"]] == [True]
    # 2025-09-25 has six 4h bars
    assert episode.data["symbols"][0]["bars"] == 6


def test_console_has_no_errors(rendered) -> None:
    assert rendered["errors"] == []


def test_html_is_self_contained(sample_report) -> None:
    text = sample_report.html_path.read_text(encoding="utf-8")
    assert text.count("<script type='text/javascript'>") == 1  # plotly.js inlined once
    assert "<script src=" not in text and "<link " not in text  # nothing fetched
