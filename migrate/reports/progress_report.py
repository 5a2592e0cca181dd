"""The progress report in Markdown, self-contained HTML and JSON."""

from __future__ import annotations

import json
from typing import Any, Protocol

from migrate import __version__
from migrate.reports.progress import Progress


class ProgressRenderer(Protocol):
    def render(self, progress: Progress) -> str: ...


def _template(name: str, progress: Progress) -> str:
    from migrate.reports.templating import environment  # jinja2 only when rendering

    return environment().get_template(name).render(progress=progress, version=__version__)


class ProgressMarkdownRenderer:
    def render(self, progress: Progress) -> str:
        return _template("progress.md.j2", progress)


class ProgressHtmlRenderer:
    def render(self, progress: Progress) -> str:
        return _template("progress.html.j2", progress)


class ProgressJsonRenderer:
    def render(self, progress: Progress) -> str:
        doc: dict[str, Any] = {
            "schema_version": 1,
            "tool": "secretless",
            "kind": "progress-report",
            "version": __version__,
            "plan_given": progress.plan_given,
            "apps": [
                {
                    "app": a.app,
                    "state_file": a.state_file,
                    "overall": a.overall,
                    "note": a.note,
                    "stages": [
                        {
                            "name": s.name,
                            "status": str(s.status),
                            "steps": [
                                {
                                    "id": step.id,
                                    "status": step.status,
                                    "at": step.at,
                                    "title": step.title,
                                    "in_plan": step.in_plan,
                                }
                                for step in s.steps
                            ],
                        }
                        for s in a.stages
                    ],
                }
                for a in progress.apps
            ],
            "skipped": [{"path": s.path, "reason": s.reason} for s in progress.skipped],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


PROGRESS_RENDERERS: dict[str, ProgressRenderer] = {
    "md": ProgressMarkdownRenderer(),
    "html": ProgressHtmlRenderer(),
    "json": ProgressJsonRenderer(),
}
