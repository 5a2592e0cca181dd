"""Reports rendered from a scan document: one module per format, one registry.

`RENDERERS` is the only list of scan formats: a test walks every entry.  Plan reports
(`plan_report.PLAN_RENDERERS`) and progress reports (`progress_report.PROGRESS_RENDERERS`) have a
registry each; `documents` tells which a document gets and gives the CLI its choices
(`documents.all_formats`), so `--help` cannot drift from the code.
"""

from __future__ import annotations

from typing import Protocol

from migrate.reports.csv_table import CsvRenderer
from migrate.reports.html import HtmlRenderer
from migrate.reports.json_report import JsonRenderer
from migrate.reports.markdown import MarkdownRenderer
from migrate.reports.model import Report, ReportError, UnsupportedDocumentError, load_report
from migrate.reports.sarif import SarifRenderer


class Renderer(Protocol):
    def render(self, report: Report) -> str: ...


RENDERERS: dict[str, Renderer] = {
    "md": MarkdownRenderer(),
    "html": HtmlRenderer(),
    "json": JsonRenderer(),
    "sarif": SarifRenderer(),
    "csv": CsvRenderer(),
}

__all__ = ["RENDERERS", "Renderer", "Report", "ReportError", "UnsupportedDocumentError", "load_report"]
