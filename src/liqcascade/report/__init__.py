"""Analytics and HTML reports (weekly market report, episode replays).

Owns the weekly leverage & liquidation report: facts computed as of a day's close from a
store (no look-ahead), written as self-contained ``report.html``, ``report.md`` and
``report.json``. May import every lower layer (``margin``, ``data``, ``leverage``, ``sim``);
plotly is imported only when a report is written.

Public API::

    from liqcascade.report import weekly_report, WeeklyReport, episode_report, EpisodeReport
"""

from __future__ import annotations

from liqcascade.report._episode import EpisodeReport, episode_report
from liqcascade.report._weekly import WeeklyReport, compute_weekly, weekly_report

__all__ = ["EpisodeReport", "WeeklyReport", "compute_weekly", "episode_report", "weekly_report"]
