"""`liqcascade report week` and `liqcascade demo` on the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liqcascade.cli import app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """Run the demo into a temporary folder."""
    root = tmp_path_factory.mktemp("demo")
    args = ["demo", "--store", str(root / "store"), "--out", str(root / "report")]
    return root, CliRunner().invoke(app, args)


def test_demo_writes_the_report_and_says_where(demo_run) -> None:
    root, result = demo_run
    assert result.exit_code == 0, result.output
    html = root / "report" / "report.html"
    assert html.is_file()
    assert html.resolve().as_uri() in result.output.replace("\n", "")


def test_demo_prints_the_stress_quantiles(demo_run) -> None:
    # issue 10 item 4: the demo shows the Monte Carlo p10/p50/p90 of the move and of longs
    # liquidated (the report's own numbers, report.json), not one central path
    from liqcascade._format import pct, usd

    root, result = demo_run
    data = json.loads((root / "report" / "report.json").read_text(encoding="utf-8"))
    shocks = [s for s in data["stress"]["shocks"] if s.get("available")]
    assert shocks
    for s in shocks:
        assert s["move_p10"] <= s["move_p50"] <= s["move_p90"] or (
            s["move_p90"] <= s["move_p50"] <= s["move_p10"]
        )
        move = f"{pct(s['move_p50'])} ({pct(s['move_p10'])} to {pct(s['move_p90'])})"
        longs = f"{usd(s['liquidated_long_p50'])} ({usd(s['liquidated_long_p10'])} to"
        assert move in result.output
        assert longs in result.output
    assert "Monte Carlo p50 (p10 to p90)" in result.output


def test_demo_store_is_idempotent(demo_run) -> None:
    # what a second `liqcascade demo` does to the store: load the sample again
    from liqcascade.data import Store, load_sample

    root, _ = demo_run
    again = load_sample(Store(root / "store"))
    assert sum(s.added + s.replaced for s in again.values()) == 0


def test_report_week_cli(demo_run, tmp_path: Path, no_engines: None) -> None:
    root, _ = demo_run
    out = tmp_path / "week"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "week",
            "--asof",
            "2025-09-25",
            "--store",
            str(root / "store"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["asof"] == "2025-09-25"


def test_report_week_rejects_a_time_of_day(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "report",
            "week",
            "--asof",
            "2025-09-25T12:00",
            "--store",
            str(tmp_path / "s"),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code != 0
    assert "time of day" in str(result.exception) + result.output


def test_report_replay_cli(demo_run, tmp_path: Path) -> None:
    root, _ = demo_run
    out = tmp_path / "episode"
    result = CliRunner().invoke(
        app,
        [
            "report", "replay", "--start", "2025-09-25", "--end", "2025-09-25T08:00",
            "--symbol", "BTC/USDT:USDT", "--store", str(root / "store"), "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads((out / "episode.json").read_text(encoding="utf-8"))
    assert [s["bars"] for s in data["symbols"]] == [2]  # 00:00 and 04:00


def test_report_replay_rejects_an_empty_span(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["report", "replay", "--start", "2025-09-26", "--end", "2025-09-25",
         "--store", str(tmp_path / "s"), "--out", str(tmp_path / "o")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "--start 2025-09-26 is after --end 2025-09-25" in str(result.exception)
