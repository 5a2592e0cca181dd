"""The plan report in Markdown (pull requests), self-contained HTML (people, printing) and JSON."""

from __future__ import annotations

import json
from typing import Any, Protocol

from migrate import __version__
from migrate.reports.model import Count
from migrate.reports.plan_model import PlanReport


class PlanRenderer(Protocol):
    def render(self, report: PlanReport) -> str: ...


def _template(name: str, report: PlanReport) -> str:
    from migrate.reports.templating import environment  # jinja2 only when rendering

    return environment().get_template(name).render(report=report, version=__version__)


class PlanMarkdownRenderer:
    def render(self, report: PlanReport) -> str:
        return _template("plan.md.j2", report)


class PlanHtmlRenderer:
    def render(self, report: PlanReport) -> str:
        return _template("plan.html.j2", report)


def _counts(counts: tuple[Count, ...]) -> dict[str, int]:
    return {c.label: c.count for c in counts}


class PlanJsonRenderer:
    """The plan itself plus what the report adds: counts, what is blocked and why, the gate of each
    removal and what would resolve each needs-review item."""

    def render(self, report: PlanReport) -> str:
        doc: dict[str, Any] = {
            "schema_version": 1,
            "tool": "secretless",
            "kind": "plan-report",
            "version": __version__,
            "summary": _counts(report.counts),
            "by_service": _counts(report.by_service),
            "blocked": [
                {"app": b.app, "what": b.what, "why": b.why, "consumers": list(b.consumers)}
                for b in report.blocked
            ],
            "removal_gates": {
                app.name: [
                    {"what": r.removal.what, "where": r.removal.where, "gate": r.gate} for r in app.removals
                ]
                for app in report.apps
            },
            "needs_review": [{**r.item.to_json(), "resolution": r.resolution} for r in report.needs_review],
            "plan": report.plan.to_json(),
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


PLAN_RENDERERS: dict[str, PlanRenderer] = {
    "md": PlanMarkdownRenderer(),
    "html": PlanHtmlRenderer(),
    "json": PlanJsonRenderer(),
}
