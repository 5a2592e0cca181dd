"""JSON report: the summary and the per-application grouping, for dashboards and scripts."""

from __future__ import annotations

import json
from typing import Any

from migrate import __version__
from migrate.reports.model import Report


class JsonRenderer:
    def render(self, report: Report) -> str:
        doc: dict[str, Any] = {
            "schema_version": 1,
            "tool": "secretless",
            "kind": "report",
            "version": __version__,
            "summary": {
                "items": len(report.findings),
                "secrets": report.secrets,
                "skipped": len(report.skipped),
                "files_scanned": report.files_scanned,
                "sites": report.sites,
                "by_service": {c.label: c.count for c in report.by_service},
                "by_value_class": {c.label: c.count for c in report.by_value_class},
                "by_application": {c.label: c.count for c in report.by_application},
            },
            "applications": [
                {"name": app.name, "items": [{**f.item.to_json(), "Where": f.where} for f in app.findings]}
                for app in report.applications
            ],
            "skipped": [s.to_json() for s in report.skipped],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
