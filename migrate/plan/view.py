"""The readable view of a plan for the terminal: per app the identity choice and why, each grant
(principal, role name + GUID, scope), each setting change, each code change site, each removal,
each risk; then the needs-review list and what is already passwordless.

Only plan records are rendered, and plan records hold no secret values.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from migrate.plan.records import AppKind, AppPlan, Plan

# How each kind of app is carried out: only estate apps run with `secretless migrate --execute`.
_RUN_BY = {
    AppKind.APP_SERVICE: "secretless migrate --execute, or the emitted scripts",
    AppKind.FUNCTION_APP: "secretless migrate --execute, or the emitted scripts",
    AppKind.REPOSITORY_PROJECT: "by hand / via the emitted scripts (secretless emit); scan the estate to migrate it",
    AppKind.KUBERNETES_WORKLOAD: "by hand / via the emitted scripts (secretless emit): az for the identity, its "
    "federated credential and the grants; the manifest changes and kubectl apply by hand",
}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    return table


def _plain(text: str, style: str = "") -> Text:
    return Text(text, style=style)


def _render_app(app: AppPlan, console: Console) -> None:
    console.rule(Text(f"{app.app} ({app.kind})", style="bold"))
    ident = app.identity
    console.print(
        _plain(
            f"Identity: {ident.kind.value} {ident.name}"
            + (" (exists)" if ident.existing else " (to create/enable)"),
            "bold",
        )
    )
    console.print(_plain(f"  why: {ident.rule}"))
    for a in ident.assumptions:
        console.print(_plain(f"  assumption: {a}", "yellow"))
    if ident.client_id_required:
        for how in ident.client_id_selection:
            console.print(_plain(f"  select by client id: {how}"))
    if app.slots:
        console.print(_plain(f"  slots: {', '.join(app.slots)} (identities are not swapped)"))
    console.print(_plain(f"  run: {_RUN_BY.get(app.kind, 'by hand / via the emitted scripts')}"))
    if app.prerequisites:
        prerequisites = _table("Prerequisites (before the grants)", "Target", "What", "Command")
        for p in app.prerequisites:
            prerequisites.add_row(p.target, p.title, p.command or f"by hand: {p.why}")
        console.print(prerequisites)

    units = _table("Units", "Unit", "Service", "Resource", "Access", "Basis")
    for u in app.units:
        units.add_row(u.unit, u.service, u.resource, u.access.value, u.basis.value)
    console.print(units)

    grants = _table("Grants", "Principal", "System", "Role", "GUID", "Scope", "Access", "Note")
    for g in app.grants:
        note = g.reason + (f"; narrow to {g.narrower_scope}" if g.narrower_scope else "")
        if g.unverified:
            note += f"; {g.unverified}"
        grants.add_row(
            g.principal,
            g.authorization,
            g.role,
            g.role_guid or "-",
            g.scope,
            f"{g.access.value} ({g.basis.value})",
            note,
        )
    console.print(grants)

    if app.settings:
        settings = _table("Setting changes", "Stage", "Where", "Slot", "Setting", "Action", "New value")
        for c in app.settings:
            settings.add_row(
                c.stage.value,
                c.where,
                c.slot or ("-" if app.kind is AppKind.KUBERNETES_WORKLOAD else "production"),
                c.setting,
                c.action.value,
                c.value_template or "",
            )
        console.print(settings)
    if app.code_changes:
        code = _table("Code changes", "Location", "Change", "Evidence")
        for cc in app.code_changes:
            code.add_row(cc.location, cc.change, cc.evidence)
        console.print(code)
    if app.removals:
        removals = _table("Removals", "Stage", "What", "Where", "Why")
        for r in app.removals:
            removals.add_row(r.stage.value, r.what, r.where, r.why)
        console.print(removals)
    if app.local_auth:
        local = _table("Disable local auth", "Resource", "Property", "Do", "Rotate")
        for la in app.local_auth:
            do = la.command or f"NO: {la.blocked_reason}"
            if la.shared_with:
                do += f" (after {', '.join(la.shared_with)})"
            if la.unverified:
                do += f"; {la.unverified}"
            local.add_row(f"{la.service} {la.resource}", la.property, do, la.rotation or "")
        console.print(local)
    if app.risks:
        risks = _table("Risks", "Risk", "Detail")
        for k in app.risks:
            risks.add_row(k.code, k.text)
        console.print(risks)
    stages = _table("Stages", "#", "Stage", "Steps", "Gate")
    for st in app.stages:
        stages.add_row(str(st.order), st.name.value, str(len(st.steps)), st.gate)
    console.print(stages)


def render(plan: Plan, console: Console) -> None:
    for app in plan.apps:
        _render_app(app, console)
    if plan.needs_review:
        console.rule(Text("Needs review", style="bold"))
        review = _table("", "App", "Unit", "Service", "Reason", "Action", "Detail", "Resolve with")
        for r in plan.needs_review:
            review.add_row(
                r.app,
                r.unit,
                r.service,
                r.reason.value,
                "yes" if r.action_needed else "no",
                r.detail,
                r.resolution,
            )
        console.print(review)
    if plan.already_passwordless:
        console.rule(Text("Already passwordless", style="bold"))
        done = _table("", "App", "Unit", "Service", "Note")
        for d in plan.already_passwordless:
            done.add_row(d.app, d.unit, d.service, d.detail)
        console.print(done)
