"""The steps of one application's guided migration: the plan's records expanded through the
playbooks, in stage order.  Pure: plan + playbooks + user values in, records out.

Placeholders the user fills (`--set target-resource-group=rg-data`) are replaced here; placeholders
that remain make an automated step refuse to run (the runner says which value is missing).  Step
ids are stable across runs so the state file can refer to them.  The records are
`migrate.run.step_records`; the builders `step_builder` (up to the swap) and `cleanup_steps` (removal
and local auth).
"""

from __future__ import annotations

from migrate.plan.records import STAGE_ORDER, AppPlan, StageName
from migrate.run.cleanup_steps import CleanupSteps
from migrate.run.playbooks import Playbook
from migrate.run.step_records import (
    MIGRATABLE_KINDS,
    PRODUCTION,
    AppTarget,
    RunStep,
    SettingWrite,
    StepsError,
    app_target,
    assignment_name,
    fill,
    find_app,
    unfilled,
)


def build_steps(plan_app: AppPlan, books: dict[str, Playbook], values: dict[str, str]) -> list[RunStep]:
    """Every step of `plan_app`, in stage order (inventory has none)."""
    b = CleanupSteps(plan_app, app_target(plan_app), books, values)
    by_stage = {
        StageName.ENABLE_IDENTITY: b.identity,
        StageName.GRANT_ROLES: lambda: [*b.prerequisites(), *(b.grant(g) for g in plan_app.grants)],
        StageName.CHANGE_IN_STAGING: b.settings,
        StageName.VERIFY: b.verify,
        StageName.SWAP: b.swap,
        StageName.REMOVE_SECRETS: b.removals,
        StageName.DISABLE_LOCAL_AUTH: b.local_auth,
    }
    out: list[RunStep] = []
    for stage in STAGE_ORDER:
        if stage in by_stage:
            out.extend(by_stage[stage]())
    ids = [s.id for s in out]
    if len(ids) != len(set(ids)):
        raise StepsError("two steps of the plan got the same id")
    return out


__all__ = [
    "MIGRATABLE_KINDS",
    "PRODUCTION",
    "AppTarget",
    "RunStep",
    "SettingWrite",
    "StepsError",
    "app_target",
    "assignment_name",
    "build_steps",
    "fill",
    "find_app",
    "unfilled",
]
