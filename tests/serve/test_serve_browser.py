"""The dashboard in a real headless Chromium (Debian's), against the bundled sample.

Every page loads without console errors, the shock slider changes the shown trough, the heatmap
renders, a 422 is shown as a message in the page, and Live shows a row written to the store
without a reload. Screenshots go to a temp folder; LIQCASCADE_UPDATE_SCREENSHOTS=1 refreshes
docs/img/dashboard-*.png.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from _server import SYMBOL, WEEK, Server, start_server

from liqcascade.data import Store

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
UPDATE_DOCS = os.environ.get("LIQCASCADE_UPDATE_SCREENSHOTS") == "1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
PLOT_DRAWN = "id => { const e = document.getElementById(id); return !!(e && e._fullData); }"


def _chromium() -> str:
    path = os.environ.get("LIQCASCADE_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.skip(
            "chromium not found (install Debian's `chromium` package, e.g. via ./run tests, "
            "or set LIQCASCADE_CHROMIUM to its path)"
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = REPO / "docs" / "img" if UPDATE_DOCS else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def _open(browser: Any, url: str) -> tuple[Any, Console]:
    page = browser.new_page(viewport={"width": 1400, "height": 950})
    console = Console(page)
    # Offline: only the dashboard itself may be reached (plotly.js is served locally).
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    return page, console


def _wait_drawn(page: Any, chart: str, timeout: float = 120_000) -> None:
    page.wait_for_function(PLOT_DRAWN, arg=chart, timeout=timeout)


def test_overview_page(server: Server, browser: Any, shots: Path) -> None:
    page, console = _open(browser, server.url)
    page.goto(f"{server.url}/?asset=BTC&asof={urllib.parse.quote('2025-09-25T00:00')}")
    for chart in ("chart-price", "chart-oi", "chart-funding", "chart-ls", "chart-liq-venue",
                  "chart-liq-band"):  # fmt: skip
        _wait_drawn(page, chart)
    # OI by exchange: one stacked trace per venue (the sample has 20+ venues; top 8 + other)
    assert page.evaluate("document.getElementById('chart-oi').data.length") == 9
    assert page.locator(".error").is_hidden()
    page.screenshot(path=str(shots / "dashboard-overview.png"), full_page=True)
    assert console.errors == []
    page.close()


def test_map_heatmap_renders_with_hover_mix(server: Server, browser: Any, shots: Path) -> None:
    page, console = _open(browser, server.url)
    page.goto(f"{server.url}/map?symbol={urllib.parse.quote(SYMBOL)}&asof=2025-09-21T00:00")
    _wait_drawn(page, "chart-map")
    types = page.evaluate("document.getElementById('chart-map').data.map(t => t.type)")
    assert types[:2] == ["heatmap", "candlestick"]
    # the heatmap is painted (plotly draws it as an image) and carries the leverage mix
    assert page.locator("#chart-map .hm image").count() == 1
    # the price axis spans the curve's moves around the as-of price (moves are fractions)
    low, high = page.evaluate("document.getElementById('chart-map').layout.yaxis.range")
    price = 115_624.9  # BTC/USDT:USDT 4h close before 2025-09-21 00:00 (the map's as-of price)
    assert low < price < high
    assert (high - low) / price > 0.1
    hover = page.evaluate("document.getElementById('chart-map').data[0].text[60][10]")
    assert "leverage mix" in hover and "≤5x" in hover
    page.screenshot(path=str(shots / "dashboard-map.png"), full_page=True)
    assert console.errors == []
    page.close()


def test_stress_slider_changes_the_trough(server: Server, browser: Any, shots: Path) -> None:
    page, console = _open(browser, server.url)
    query = urllib.parse.urlencode({"symbol": SYMBOL, "asof": "2025-09-21T00:00", "shock": -0.03})
    page.goto(f"{server.url}/stress?{query}")
    _wait_drawn(page, "chart-path")
    page.wait_for_selector("#trough")
    first = page.locator("#trough").inner_text()
    slider = page.locator("input[name=shock_range]")
    slider.evaluate("(el) => { el.value = '-0.1'; el.dispatchEvent(new Event('input')); }")
    page.wait_for_function(f"document.getElementById('trough').innerText !== {first!r}",
                           timeout=120_000)  # fmt: skip
    second = page.locator("#trough").inner_text()
    # a 10 % shock ends lower than a 3 % one
    assert float(second.replace(",", "")) < float(first.replace(",", ""))
    page.screenshot(path=str(shots / "dashboard-stress.png"), full_page=True)
    assert console.errors == []
    page.close()


def test_stress_feedback_switches(server: Server, browser: Any) -> None:
    page, console = _open(browser, server.url)
    query = urllib.parse.urlencode(
        {"symbol": SYMBOL, "asof": "2025-09-21T00:00", "shock": -0.05, "feedback": "momentum"}
    )
    page.goto(f"{server.url}/stress?{query}")
    page.wait_for_selector("#trough", timeout=120_000)
    on = "els => els.filter(e => e.checked).map(e => e.value)"
    assert page.eval_on_selector_all("input[name=feedback]", on) == ["momentum"]
    # switching one more loop on re-runs the stress with both loops named
    wanted = "feedback=momentum%2Cdepth_withdrawal"
    with page.expect_response(lambda r: "/api/stress?" in r.url and wanted in r.url,
                              timeout=120_000) as response:  # fmt: skip
        page.locator("input[name=feedback][value=depth_withdrawal]").check()
    assert response.value.status == 200
    assert console.errors == []
    page.close()


def test_stress_422_is_shown_in_the_page(server: Server, browser: Any) -> None:
    page, _ = _open(browser, server.url)
    query = urllib.parse.urlencode({"symbol": SYMBOL, "asof": "2025-09-21T00:00"})
    page.goto(f"{server.url}/stress?{query}")
    page.wait_for_selector("#trough")
    box = page.locator("input[name=shock]")
    box.fill("5")
    box.dispatch_event("change")
    error = page.locator(".error")
    error.wait_for(state="visible", timeout=30_000)
    text = error.inner_text()
    assert "shock" in text and "FRACTION" in text
    page.close()


def test_stress_monte_carlo_shows_progress_and_quantiles(server: Server, browser: Any) -> None:
    page, console = _open(browser, server.url)
    query = urllib.parse.urlencode(
        {"symbol": SYMBOL, "asof": "2025-09-21T00:00", "shock": -0.05, "paths": 128}
    )
    page.goto(f"{server.url}/stress?{query}")
    page.wait_for_selector("#quantiles caption", timeout=120_000)
    assert "128 paths" in page.locator("#quantiles caption").inner_text()
    _wait_drawn(page, "chart-quantiles")
    assert console.errors == []
    page.close()


def test_reports_page_opens_the_weekly_report(server: Server, browser: Any, shots: Path) -> None:
    page, console = _open(browser, server.url)
    page.goto(f"{server.url}/reports?asof={WEEK}")
    frame = page.frame_locator("#week-frame")
    frame.locator("h1").first.wait_for(timeout=180_000)
    assert "model_card.html" in page.locator("#cards").inner_text()
    page.screenshot(path=str(shots / "dashboard-reports.png"))
    assert console.errors == []
    page.close()


@pytest.fixture
def live_store(tmp_path: Path) -> Path:
    store = Store(tmp_path / "live")
    store.write("liquidations", _liquidation("2025-10-06T10:00:00Z", 1_000.0), source="test")
    return store.path


def _liquidation(time: str, notional: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": pd.to_datetime([time], utc=True),
            "exchange": "binance",
            "symbol": "BTC/USDT:USDT",
            "interval": None,
            "liquidated_side": "long",
            "notional_usd": [notional],
            "qty": [notional / 100_000.0],
            "price": [100_000.0],
            "coverage": "throttled",
            "event_id": [f"e{int(notional)}"],
        }
    )


def test_live_shows_new_rows_without_reload(live_store: Path, browser: Any, shots: Path) -> None:
    running = start_server(live_store)
    try:
        page, console = _open(browser, running.url)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{running.url}/live?interval=1")
        page.wait_for_selector("#live tbody tr")
        assert page.locator("#live tbody tr").count() == 1
        # a collector writing to the same store (here: the test)
        Store(live_store).write(
            "liquidations", _liquidation("2025-10-06T10:00:05Z", 2_345_678.0), source="test"
        )
        page.wait_for_selector("#live tbody tr.new", timeout=30_000)
        assert page.locator("#live tbody tr").count() == 2
        assert "2,345,678" in page.locator("#live tbody tr.new").inner_text()
        # pushed over one server-sent-events stream, not polled
        api = [u for u in requested if "/api/live/" in u]
        assert api and all("/api/live/stream?" in u for u in api)
        page.screenshot(path=str(shots / "dashboard-live.png"))
        assert console.errors == []
        page.close()
    finally:
        running.stop()
