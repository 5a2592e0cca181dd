"""The plan report's view model: a plan (read by `migrate.plan.reader.read_plan`) arranged for the
people who approve it.

Templates get the plan's own records plus what a reviewer needs beside them: the summary counts,
what is blocked and why, the gate each removal waits for, what would resolve each needs-review
item, and every field the templates do not name (`record_fields.extras`).  Nothing here holds a
secret: the plan has none (setting values are templates with placeholders).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from migrate.plan.reader import read_plan
from migrate.plan.records import (
    AppPlan,
    Grant,
    LocalAuthChange,
    Plan,
    Removal,
    ReviewItem,
    SettingAction,
    Stage,
)
from migrate.reports.model import ROOT_APPLICATION, Count

# ARM role assignments are control-plane grants; every other authorization system is a step inside
# the service itself (database users, Cosmos DB data roles, Redis access policies).
CONTROL_PLANE = "arm-rbac"

# What a reviewer does to settle each needs-review reason; a reason not listed here (a newer plan)
# falls back to the item's own detail.
RESOLUTIONS: Mapping[str, str] = {
    "cosmos-mongo-api": "keep the secret in Key Vault (read with the app's identity) and rotate it, "
    "or move the data to the NoSQL API, which accepts Microsoft Entra ID",
    "generic-or-third-party": "name the service: if it accepts Microsoft Entra ID, rescan with its "
    "endpoint; otherwise keep the secret in Key Vault and rotate it",
    "no-safe-built-in-role": "define a custom role with only the data actions the code uses, or keep "
    "the key in Key Vault (the generic role can list keys)",
    "no-endpoint": "put the endpoint (account, namespace, server) beside the setting or in its value "
    "and scan again, so the plan can name the resource to grant",
    "placeholder-only": "nothing to migrate: confirm the real value lives elsewhere and scan that",
    "dev-emulator-only": "nothing to migrate: a local endpoint, never an Azure resource",
    "cannot-migrate": "follow the detail: this consumer cannot use an App Service identity",
    "platform-exception": "nothing to change: the platform needs this secret; keep the setting and "
    "its keys (the plan leaves local auth on)",
    "infrastructure-as-code": "change the template together with the app it deploys: identity and "
    "role assignment in the template, the endpoint instead of the key, no key outputs",
    "kubernetes": "use Microsoft Entra Workload ID (a federated identity for the pod's service "
    "account) and put the endpoint, not a key, in the manifest",
}


@dataclass(frozen=True, slots=True)
class RemovalView:
    removal: Removal
    gate: str  # what must hold before the removal runs: the gate of the stage before it


@dataclass(frozen=True, slots=True)
class ReviewView:
    item: ReviewItem
    resolution: str


@dataclass(frozen=True, slots=True)
class Blocked:
    app: str
    what: str
    why: str
    consumers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AppView:
    plan: AppPlan
    services: tuple[str, ...]
    control_plane: tuple[Grant, ...]
    data_plane: tuple[Grant, ...]
    new_settings: tuple[Any, ...]  # SettingChange records that add or replace a setting
    other_settings: tuple[Any, ...]  # keep / remove
    removals: tuple[RemovalView, ...]
    stages: tuple[Stage, ...]

    @property
    def name(self) -> str:
        return self.plan.app

    def evidence(self, unit: str) -> tuple[str, ...]:
        """What in the code or binding shows the access a unit needs (empty: assumed)."""
        return next((u.access_evidence for u in self.plan.units if u.unit == unit), ())


@dataclass(frozen=True, slots=True)
class PlanReport:
    plan: Plan
    apps: tuple[AppView, ...]
    needs_review: tuple[ReviewView, ...]
    counts: tuple[Count, ...]
    by_service: tuple[Count, ...]
    blocked: tuple[Blocked, ...]

    @property
    def action_needed(self) -> int:
        return sum(1 for r in self.needs_review if r.item.action_needed)


def _gate_before(stages: tuple[Stage, ...], removal: Removal) -> str:
    earlier = [s for s in stages if s.order < next((x.order for x in stages if x.name == removal.stage), 0)]
    if not earlier:
        return ""
    last = earlier[-1]
    return f"after {last.name}: {last.gate}"


def _local_auth_blocked(app: str, la: LocalAuthChange) -> Blocked | None:
    if la.command is not None:
        return None
    return Blocked(
        app,
        f"local auth off and key rotation: {la.service} {la.resource}",
        la.blocked_reason or "the plan gives no command",
        la.remaining_consumers,
    )


def _app_view(app: AppPlan) -> AppView:
    stages = tuple(sorted(app.stages, key=lambda s: s.order))
    new = (SettingAction.ADD, SettingAction.REPLACE)
    return AppView(
        plan=app,
        services=tuple(sorted({u.service for u in app.units})),
        control_plane=tuple(g for g in app.grants if g.authorization == CONTROL_PLANE),
        data_plane=tuple(g for g in app.grants if g.authorization != CONTROL_PLANE),
        new_settings=tuple(s for s in app.settings if s.action in new),
        other_settings=tuple(s for s in app.settings if s.action not in new),
        removals=tuple(RemovalView(r, _gate_before(stages, r)) for r in app.removals),
        stages=stages,
    )


def resolution(item: ReviewItem) -> str:
    """What would settle `item`: its own `resolution` when a newer plan carries one, else the
    reviewer's step for its reason, else its detail."""
    own = getattr(item, "resolution", None)
    if isinstance(own, str) and own:
        return own
    return RESOLUTIONS.get(str(item.reason), item.detail)


def build_plan_report(plan: Plan) -> PlanReport:
    apps = tuple(_app_view(a) for a in plan.apps)
    summary = plan.summary()
    services = Counter(u.service for a in plan.apps for u in a.units)
    blocked = [b for a in plan.apps for la in a.local_auth if (b := _local_auth_blocked(a.app, la))]
    n_kept_on = len(blocked)
    open_items: dict[str, list[ReviewItem]] = {}
    for r in plan.needs_review:
        if r.action_needed:
            open_items.setdefault(str(r.reason), []).append(r)
    blocked += [
        Blocked(
            ", ".join(sorted({ROOT_APPLICATION if r.app == "." else r.app for r in items})),
            f"{len(items)} needs-review item(s): {reason}",
            RESOLUTIONS.get(reason, "see Needs review"),
        )
        for reason, items in sorted(open_items.items())
    ]
    counts = (
        Count("apps", summary.get("apps", len(apps))),
        Count("services", len(services)),
        *(Count(k.replace("_", " "), v) for k, v in summary.items() if k != "apps"),
        Count("local auth kept on", n_kept_on),
        Count("needs review, action needed", sum(len(v) for v in open_items.values())),
    )
    return PlanReport(
        plan=plan,
        apps=apps,
        needs_review=tuple(ReviewView(r, resolution(r)) for r in plan.needs_review),
        counts=counts,
        by_service=tuple(Count(k, services[k]) for k in sorted(services, key=lambda k: (-services[k], k))),
        blocked=tuple(blocked),
    )


def load_plan_report(document: Any) -> PlanReport:
    """The view model of a parsed plan document; `PlanInputError` when it is not one."""
    return build_plan_report(read_plan(document))
