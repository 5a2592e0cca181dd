"""The planner: a pure, deterministic function from a scan document to a migration plan.

It runs the steps of `migrate.plan` in data-flow order, each taking the records of the one before:
`units` (items grouped into applications and migration units, classified), `identity` (who shares
targets, which identity each app migrates to), `grants` (the narrowest role per target),
`settings` (identity-based settings, code sites, removals), `consumers` (who still uses each target
with a key) and `stages` (local auth, risks and the gated stages).  What no rule covers goes to
`needs_review` with a reason; nothing is dropped.

All service facts come from `migrate.plan.catalog`.  Input order never matters: items and sites are
sorted first, and every output list is sorted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from migrate.errors import AuditInputError
from migrate.plan import catalog as cat
from migrate.plan.classify import classify
from migrate.plan.code_access import SourceReader
from migrate.plan.consumers import key_consumers
from migrate.plan.grants import unit_grants
from migrate.plan.identity import decide_identity, sharing
from migrate.plan.prerequisites import plan_prerequisites
from migrate.plan.records import (
    STAGE_ORDER,
    AppKind,
    AppPlan,
    CodeChange,
    Grant,
    Plan,
    Removal,
    Risk,
    SettingChange,
)
from migrate.plan.settings import (
    after_swap_settings,
    app_advisories,
    client_id_settings,
    code_changes,
    service_principal_settings,
    unit_settings,
)
from migrate.plan.stages import app_risks, build_stages, fill_app, local_auth_changes
from migrate.plan.units import build_apps, unit_plan
from migrate.plan.workload_plan import (
    federated_credential,
    pod_values,
    workload_consumers,
    workload_identity,
    workload_removals,
    workload_settings,
    workload_stages,
)
from migrate.plan.workloads import split_workloads
from scanners.errors import ScanDocumentError
from scanners.serialization import Audit, read_audit


def plan(document: dict[str, Any], share_identity: bool = False, sources: SourceReader | None = None) -> Plan:
    """Plan the migration for a parsed scan document (schema_version 1).  `share_identity`: apps that
    share target resources get one user-assigned identity (only when the user asks for it).
    `sources` reads the scanned repository's files (`plan --repo`): grants then take read or write
    access from the calls the consuming code makes."""
    try:
        audit = read_audit(document)
    except ScanDocumentError as exc:
        raise AuditInputError(str(exc)) from None
    return plan_audit(audit, share_identity, sources)


def _sort_all(app: AppPlan) -> AppPlan:
    order = {s: n for n, s in enumerate(STAGE_ORDER)}
    return AppPlan(
        app=app.app,
        kind=app.kind,
        slots=app.slots,
        identity=app.identity,
        units=tuple(sorted(app.units, key=lambda u: u.unit)),
        grants=tuple(sorted(set(app.grants), key=lambda g: (g.unit, g.principal, g.role, g.scope))),
        settings=tuple(
            sorted(
                set(app.settings),
                key=lambda c: (order[c.stage], c.unit, c.where, c.slot or "", c.setting, c.action.value),
            )
        ),
        code_changes=tuple(sorted(set(app.code_changes), key=lambda c: (c.unit, c.location, c.detector))),
        removals=tuple(
            sorted(set(app.removals), key=lambda r: (order[r.stage], r.unit or "", r.where, r.what))
        ),
        local_auth=tuple(sorted(set(app.local_auth), key=lambda la: (la.service, la.resource))),
        risks=tuple(sorted(set(app.risks), key=lambda r: (r.code, r.unit or "", r.text))),
        stages=app.stages,
    )


def plan_audit(audit: Audit, share_identity: bool = False, sources: SourceReader | None = None) -> Plan:
    # Kubernetes manifest items go to the application of their workload (`migrate.plan.workloads`)
    apps, workloads = split_workloads(build_apps(audit), sources)
    classified = classify(apps, frozenset(workloads))
    # a workload never joins a shared App Service identity; it still counts among a target's users
    hosted = {k: v for k, v in classified.planned.items() if k not in workloads}
    shared = replace(sharing(hosted, share_identity), users=sharing(classified.planned).users)
    # a workload moves by hand: until then its keys are consumers that keep local auth on
    consumers = workload_consumers(key_consumers(audit.items, hosted, classified.review), apps, workloads)
    plans: list[AppPlan] = []
    for app_key in sorted(apps):
        app = apps[app_key]
        units = classified.planned.get(app_key, [])
        actionable_advisories = [i for i in app.advisories if not i.detector.endswith("no-managed-identity")]
        if not units and not actionable_advisories:
            continue
        workload = workloads.get(app_key)
        identity = workload_identity(workload) if workload else decide_identity(app, shared)
        grants: list[Grant] = []
        settings: list[SettingChange] = []
        removals: list[Removal] = []
        codes: list[CodeChange] = []
        risks: list[Risk] = []
        for u in units:
            entry = cat.CATALOG[u.service]
            optional = u.service in cat.OPTIONAL_SERVICES
            grants += [
                replace(g, optional=True) if optional else g for g in unit_grants(u, entry, identity, sources)
            ]
            s, r, k = unit_settings(app, u, entry, identity)
            settings += s
            removals += r
            risks += k
            codes += code_changes(u, entry)
        settings += client_id_settings(app, identity)
        sp_settings, sp_removals = service_principal_settings(app, identity)
        settings += sp_settings
        removals += sp_removals
        a_settings, a_removals, a_risks = app_advisories(app, identity)
        settings += a_settings
        settings += after_swap_settings(app, settings)
        removals += a_removals
        risks += a_risks
        removals = [replace(r, command=fill_app(app, r.command)) if r.command else r for r in removals]
        if workload:
            settings = pod_values(settings) + workload_settings(workload, identity)
            removals = workload_removals(workload, removals)
        local, l_risks = local_auth_changes(app, units, shared, consumers)
        risks += l_risks + app_risks(app, units, identity)
        kind = (
            AppKind.KUBERNETES_WORKLOAD
            if workload
            else AppKind.REPOSITORY_PROJECT
            if not app.estate
            else (AppKind.FUNCTION_APP if app.is_function else AppKind.APP_SERVICE)
        )
        draft = _sort_all(
            AppPlan(
                app_key,
                kind,
                app.slots,
                identity,
                tuple(unit_plan(u) for u in units),
                tuple(grants),
                tuple(settings),
                tuple(codes),
                tuple(removals),
                tuple(local),
                tuple(risks),
                (),
            )
        )
        prerequisites = tuple(plan_prerequisites(app, units, identity))
        if workload:  # the federated credential first: a grant is of no use to the pod without it
            prerequisites = (federated_credential(workload, identity), *prerequisites)
        stages = build_stages(
            app,
            identity,
            units,
            draft.grants,
            draft.settings,
            draft.code_changes,
            draft.removals,
            draft.local_auth,
            prerequisites,
        )
        if workload:
            stages = workload_stages(workload, identity, stages)
        plans.append(replace(draft, stages=stages, prerequisites=prerequisites))
    review = tuple(sorted(classified.review, key=lambda r: (r.app, r.unit)))
    done = tuple(sorted(classified.done, key=lambda d: (d.app, d.unit)))
    return Plan(apps=tuple(plans), needs_review=review, already_passwordless=done)
