"""What emitters produce and what they read: one application of the plan, with its context."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from migrate.plan.records import AppPlan, Plan, UnitPlan

_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class Artifact:
    """One emitted file, relative to the app's output folder (or to OUTDIR for plan-wide files)."""

    path: str
    text: str
    executable: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    """Something the emitter could not do by itself: the README lists it for a person to do."""

    app: str
    text: str


@dataclass(frozen=True, slots=True)
class AppContext:
    plan: Plan
    app: AppPlan
    slug: str
    repo: Path | None
    resource_group: str | None  # known for estate apps
    app_name: str | None
    cli: str  # `webapp` or `functionapp`

    def unit(self, unit_id: str) -> UnitPlan | None:
        for u in self.app.units:
            if u.unit == unit_id:
                return u
        return None


@dataclass(frozen=True, slots=True)
class EmitOutput:
    artifacts: tuple[Artifact, ...]
    notes: tuple[Note, ...] = ()


class Emitter(Protocol):
    def emit(self, ctx: AppContext) -> EmitOutput: ...


def slug(app: str) -> str:
    parts = [p for p in app.split("/") if p and not _GUID_RE.match(p)]
    text = "-".join(parts) or "app"
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "app"


def _is_function_app(app: AppPlan) -> bool:
    if app.kind == "function-app":
        return True
    if app.kind != "repository-project":
        return False
    return any(
        s.where.endswith("local.settings.json") or s.setting.startswith("AzureWebJobsStorage")
        for s in app.settings
    )


def context(plan: Plan, app: AppPlan, repo: Path | None) -> AppContext:
    rg = name = None
    if app.kind in ("app-service", "function-app"):
        parts = app.app.split("/")
        if len(parts) >= 3:
            rg, name = parts[1], parts[2]
    return AppContext(
        plan, app, slug(app.app), repo, rg, name, "functionapp" if _is_function_app(app) else "webapp"
    )
