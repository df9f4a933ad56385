"""report.md prints imported names as text: raw HTML never passes through (issue 16, case 11)."""

from __future__ import annotations

import pytest

import liqcascade.report._markdown as markdown
from liqcascade.report._facts import Section


def test_an_imported_name_with_html_is_escaped_in_report_md(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hostile = "<script>alert(1)</script>"
    section = Section("treasury", "Treasury", [f"{hostile} bought 10 BTC & more"])
    monkeypatch.setattr(markdown, "sections", lambda data: [section])
    data = {
        "asof": "2025-09-25",
        "window": {"rule": "rule", "price_source": "Binance"},
        "summary": f"summary {hostile}",
    }
    out = markdown.render_markdown(data)
    assert "<script>" not in out
    assert "- &lt;script&gt;alert(1)&lt;/script&gt; bought 10 BTC &amp; more" in out
