"""The gates: each `Check` reads a step's result back from Azure.  `CHECK_HANDLERS` maps every
member to its handler; `check` dispatches through it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from migrate.run import state as st
from migrate.run.context import Azure, GateFailed, RunContext, local_auth_target
from migrate.run.playbooks import Action, Check
from migrate.run.steps import RunStep, SettingWrite, assignment_name, unfilled

CheckHandler = Callable[[RunContext, Azure, RunStep], Awaitable[bool]]


async def check(ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    """Whether `step`'s planned state holds (read back from Azure, or recorded for manual steps)."""
    return await CHECK_HANDLERS[step.check](ctx, azure, step)


async def _identity_exists(ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    ident = await azure.identity(step.slot)
    if "SystemAssigned" in ident.type and ident.principal_id:
        ctx.state.principals[ctx.principal_name(step.slot)] = str(ident.principal_id)
        return True
    return False


async def _user_identity_assigned(ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    assert step.principal is not None  # noqa: S101 - built so by migrate.run.steps
    rid = azure.user_identity_id(step.principal).lower()
    ident = await azure.identity(step.slot)
    for uid, pid, cid in ident.user_assigned_ids:
        if uid.lower() == rid and pid and cid:
            ctx.state.principals[step.principal] = str(pid)
            return True
    return False


async def _role_assignment_exists(ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    assert step.scope is not None and step.role_guid is not None  # noqa: S101 - built so by migrate.run.steps
    pid = await ctx.principal_id(azure, step)
    ra = await azure.role_assignment(step.scope, assignment_name(step.scope, pid, step.role_guid))
    return bool(
        ra is not None
        and ra.principal_id == pid
        and str(ra.role_definition_id).lower().endswith(step.role_guid.lower())
        and str(ra.scope).lower() == step.scope.lower()
    )


def holds(current: dict[str, Any], w: SettingWrite) -> bool:
    if w.kind == "connection-string":
        return current.get(w.name) == {"value": w.value, "type": w.conn_type}
    return current.get(w.name) == w.value


async def _settings_as_planned(_ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    kind = step.settings[0].kind
    current = await azure.read_settings(step.slot, kind)
    for w in step.settings:
        if w.value is None:
            if w.name in current:
                return False
        elif not holds(current, w):
            return False
    sticky = {w.name for w in step.settings if w.sticky and w.value is not None}
    return not sticky or sticky <= await azure.sticky_names(kind)


async def _swap_done(ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    """The swap of `step.slot` into production shows in Azure: the slot's planned settings that are
    not slot-sticky are now in production, the sticky ones stayed in the slot.  When the plan sets
    nothing in the slot, Azure cannot tell: only a swap done by this run (or recorded) counts."""
    moving: list[SettingWrite] = []
    staying: list[SettingWrite] = []
    sticky_by_kind: dict[str, set[str]] = {}
    for w in ctx.planned_for_slot(step.slot):
        if w.kind not in sticky_by_kind:
            sticky_by_kind[w.kind] = await azure.sticky_names(w.kind)
        (staying if w.sticky or w.name in sticky_by_kind[w.kind] else moving).append(w)
    if not moving:
        return step.id in ctx.swapped or ctx.state.status(step.id) in st.FINISHED
    for where, writes in ((None, moving), (step.slot, staying)):
        for kind in sorted({w.kind for w in writes}):
            current = await azure.read_settings(where, kind)
            if not all(holds(current, w) for w in writes if w.kind == kind):
                return False
    return True


async def _local_auth_disabled(_ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    rid, name, off = local_auth_target(step)
    value = await azure.resource_property(rid, await azure.api_version_for(rid), name)
    return value is off


async def _recheck(ctx: RunContext, azure: Azure, step: RunStep) -> bool:
    for earlier in ctx.steps:
        if earlier is step:
            return True
        if earlier.action in (Action.MANUAL, Action.RECHECK) or earlier.check is Check.CONFIRMED:
            continue
        if earlier.optional and unfilled(earlier.scope):  # skipped with a note: its target is unknown
            continue
        if not await check(ctx, azure, earlier):
            raise GateFailed(f"verify: {earlier.id} no longer holds in Azure ({earlier.check})")
    return True


async def _confirmed(ctx: RunContext, _azure: Azure, step: RunStep) -> bool:
    return ctx.state.status(step.id) in st.FINISHED


CHECK_HANDLERS: dict[Check, CheckHandler] = {
    Check.IDENTITY_EXISTS: _identity_exists,
    Check.USER_IDENTITY_ASSIGNED: _user_identity_assigned,
    Check.ROLE_ASSIGNMENT_EXISTS: _role_assignment_exists,
    Check.SETTINGS_PRESENT: _settings_as_planned,
    Check.SETTINGS_ABSENT: _settings_as_planned,
    Check.RECHECK: _recheck,
    Check.SWAP_DONE: _swap_done,
    Check.LOCAL_AUTH_DISABLED: _local_auth_disabled,
    Check.CONFIRMED: _confirmed,
}
