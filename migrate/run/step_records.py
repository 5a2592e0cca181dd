"""The records of the guided migration's steps (what a step does, where, with which settings), the
app a plan names, and the small helpers every step builder shares (placeholders, stable ids)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from migrate.errors import MigrateError, UnknownAppError
from migrate.plan.records import AppKind, AppPlan, Plan, StageName
from migrate.run.playbooks import Action, Check, Undo

_PLACEHOLDER_RE = re.compile(r"<([^<>]+)>")
_NAMESPACE = uuid.UUID("2d8f9f3a-3b0e-4c1e-9a55-7f2a1c6e0b11")
PRODUCTION = "production"


class StepsError(MigrateError):
    """The plan cannot be turned into steps (unknown app, malformed app id)."""


@dataclass(frozen=True, slots=True)
class SettingWrite:
    kind: str  # app-setting | connection-string
    name: str
    value: str | None  # None: remove; values are endpoint templates from the plan, never secrets
    conn_type: str = "Custom"
    replaces: bool = False
    sticky: bool = False  # a deployment slot setting (stays with its slot on swap)
    unit: str | None = None  # the plan unit the setting belongs to


@dataclass(frozen=True, slots=True)
class RunStep:
    id: str
    stage: StageName
    playbook: str
    title: str
    why: str
    commands: tuple[str, ...]
    action: Action
    check: Check
    undo: Undo
    destructive: bool
    slot: str | None = None
    principal: str | None = None  # who a grant is for (the plan's principal name)
    principal_id: str | None = None  # the plan's object id for it (may still be a <placeholder>)
    scope: str | None = None
    role_guid: str | None = None
    settings: tuple[SettingWrite, ...] = ()
    resource_id: str | None = None  # disable-local-auth: the full ARM id of the target resource
    property_name: str | None = None  # ... the ARM property (under `properties`) that turns local auth off
    property_value: bool | None = None  # ... and its value when local auth is off
    optional: bool = False  # telemetry: skipped with a note when its target is unknown, never blocks
    unit: str | None = None  # a grant's plan unit (its settings are skipped with it)

    @property
    def target(self) -> str:
        if self.resource_id:
            return self.resource_id
        if self.scope:
            return self.scope
        return f"slot {self.slot}" if self.slot else PRODUCTION


@dataclass(frozen=True, slots=True)
class AppTarget:
    subscription: str
    resource_group: str
    name: str
    cli: str


MIGRATABLE_KINDS = (AppKind.APP_SERVICE, AppKind.FUNCTION_APP)

# What the apps `secretless migrate` does not run are carried out with (the emitted scripts).
BY_HAND = {
    AppKind.REPOSITORY_PROJECT: "a repository project: by hand / via the emitted scripts (`secretless emit`); "
    "scan the estate to migrate the app it is deployed to",
    AppKind.KUBERNETES_WORKLOAD: "a Kubernetes workload: by hand / via the emitted scripts (`secretless emit`: "
    "az/01-identity makes the identity and its federated credential, az/02 the grants; the manifest "
    "changes, kubectl apply and the rollout are listed in its README)",
}


def by_hand(plan: Plan) -> list[str]:
    """`app: how` for every app of the plan that `secretless migrate` does not run."""
    return [f"{a.app}: {BY_HAND[a.kind]}" for a in plan.apps if a.kind in BY_HAND]


def find_app(plan: Plan, app: str) -> AppPlan:
    """The estate app `app` names (its name or full id); `UnknownAppError` (a usage error) otherwise,
    which names the apps of the plan that are done by hand (repository projects, Kubernetes workloads)."""
    estate = [a for a in plan.apps if a.kind in MIGRATABLE_KINDS]
    manual = "; ".join(by_hand(plan))
    if not estate:
        raise UnknownAppError(
            "the plan has no App Service or Functions app to migrate (a plan of a repository "
            "scan has none): scan the estate with `secretless scan --subscription ID` or "
            "`--az-export DIR`, plan that scan and migrate its apps; for repository projects "
            "use `secretless emit`" + (f" (by hand: {manual})" if manual else "")
        )
    other = next((a for a in plan.apps if a.kind in BY_HAND and app in (a.app, a.app.split("/")[-1])), None)
    if other is not None and not any(app in (a.app, a.app.split("/")[-1]) for a in estate):
        raise UnknownAppError(
            f"{other.app} is {BY_HAND[other.kind]}; `secretless migrate` runs estate apps only"
        )
    matches = [a for a in estate if a.app == app or a.app.split("/")[-1] == app]
    if not matches:
        known = ", ".join(sorted(a.app.split("/")[-1] for a in estate))
        raise UnknownAppError(
            f"the plan has no app {app!r} (apps: {known})" + (f"; by hand: {manual}" if manual else "")
        )
    if len(matches) > 1:
        raise UnknownAppError(
            f"{app!r} names {len(matches)} apps of the plan "
            f"({', '.join(a.app for a in matches)}): give the full id"
        )
    return matches[0]


def app_target(app: AppPlan) -> AppTarget:
    parts = app.app.split("/")
    if app.kind not in MIGRATABLE_KINDS or len(parts) != 3:
        raise StepsError(
            f"{app.app}: only App Service and Functions apps of an estate scan can be migrated "
            + (
                f"({app.app} is {BY_HAND[app.kind]})"
                if app.kind in BY_HAND
                else "(repository projects: use `secretless emit`)"
            )
        )
    return AppTarget(
        parts[0], parts[1], parts[2], "functionapp" if app.kind is AppKind.FUNCTION_APP else "webapp"
    )


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each `<placeholder>` the user gave a value for replaced by it."""
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def unfilled(text: str | None) -> list[str]:
    return sorted(set(_PLACEHOLDER_RE.findall(text or "")))


def short_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))[:8]


def assignment_name(scope: str, principal_id: str, role_guid: str) -> str:
    """The deterministic role assignment name (a GUID) of one grant: reruns find it again."""
    return str(uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{principal_id.lower()}|{role_guid.lower()}"))
