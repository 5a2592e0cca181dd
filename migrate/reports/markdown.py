"""Markdown report: the HTML report's content for pull requests and wikis."""

from __future__ import annotations

from migrate import __version__
from migrate.reports.model import Report


class MarkdownRenderer:
    def render(self, report: Report) -> str:
        from migrate.reports.templating import environment  # jinja2 only when rendering

        return environment().get_template("report.md.j2").render(report=report, version=__version__)
