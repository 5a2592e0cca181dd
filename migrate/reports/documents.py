"""Which report a document gets: a scan document, a plan document or the state of a guided run.

`render_document` is what `secretless report` calls: it tells the kind of the parsed document,
checks the format against that kind's registry and renders.  A folder holds state files: its
progress report comes from `render_progress`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from migrate.plan.reader import PlanInputError, read_plan
from migrate.plan.records import Plan
from migrate.reports.model import ReportError, load_report


class DocumentKind(enum.StrEnum):
    SCAN = "scan"
    PLAN = "plan"
    STATE = "state"


class UnsupportedFormatError(ReportError):
    """The format exists, but not for this kind of document (SARIF of a plan)."""


def kind_of(document: Any) -> DocumentKind:
    """The kind of a parsed secretless document; anything unrecognised is treated as a scan (whose
    reader then says what is wrong with it)."""
    if isinstance(document, Mapping):
        if "apps" in document and "needs_review" in document:
            return DocumentKind.PLAN
        if "steps" in document and "app" in document and "items" not in document:
            return DocumentKind.STATE
    return DocumentKind.SCAN


def formats_for(kind: DocumentKind) -> tuple[str, ...]:
    from migrate.reports import RENDERERS
    from migrate.reports.plan_report import PLAN_RENDERERS
    from migrate.reports.progress_report import PROGRESS_RENDERERS

    return {
        DocumentKind.SCAN: tuple(RENDERERS),
        DocumentKind.PLAN: tuple(PLAN_RENDERERS),
        DocumentKind.STATE: tuple(PROGRESS_RENDERERS),
    }[kind]


def all_formats() -> tuple[str, ...]:
    """Every format of any kind of report, in registry order: the CLI's choices."""
    out: list[str] = []
    for kind in DocumentKind:
        out += [f for f in formats_for(kind) if f not in out]
    return tuple(out)


def _check_format(kind: DocumentKind, fmt: str) -> None:
    allowed = formats_for(kind)
    if fmt not in allowed:
        what = "progress" if kind is DocumentKind.STATE else str(kind)
        raise UnsupportedFormatError(f"a {what} report comes as {', '.join(allowed)}, not {fmt}")


def as_plan(document: Any) -> Plan:
    """The plan of a parsed plan document (`migrate.plan.reader.read_plan`), as a `ReportError`."""
    try:
        return read_plan(document)
    except PlanInputError as exc:
        raise ReportError(str(exc)) from None


def render_progress(path: Path, fmt: str, plan: Plan | None = None) -> str:
    """The progress report of a state file or a folder of them."""
    from migrate.reports.progress import load_progress
    from migrate.reports.progress_report import PROGRESS_RENDERERS

    _check_format(DocumentKind.STATE, fmt)
    return PROGRESS_RENDERERS[fmt].render(load_progress(path, plan))


def render_document(document: Any, fmt: str, source: Path, plan: Plan | None = None) -> str:
    """The report of the parsed document read from `source`, in `fmt`."""
    kind = kind_of(document)
    if kind is DocumentKind.STATE:
        return render_progress(source, fmt, plan)
    _check_format(kind, fmt)
    if kind is DocumentKind.PLAN:
        from migrate.reports.plan_model import build_plan_report
        from migrate.reports.plan_report import PLAN_RENDERERS

        return PLAN_RENDERERS[fmt].render(build_plan_report(as_plan(document)))
    from migrate.reports import RENDERERS

    return RENDERERS[fmt].render(load_report(document))
