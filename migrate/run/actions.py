"""What the runner does in Azure: each `Action` that changes something and each `Undo` the tool can
perform, dispatched through `ACTION_HANDLERS` and `UNDO_HANDLERS`.  The other members are the
runner's own (`Action.MANUAL`: a person does it; `Action.RECHECK`: only the gate runs) or left to a
person (`BY_HAND_UNDOS`, with the message the runner shows)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from migrate.run.context import Azure, GateFailed, RunContext, local_auth_target
from migrate.run.playbooks import Action, Undo
from migrate.run.steps import PRODUCTION, RunStep, assignment_name

ActionHandler = Callable[[RunContext, Azure, RunStep], Awaitable[dict[str, str | list[str]]]]
# (state entry of the step) -> a note appended to "undone"; raises GateFailed when the read-back fails
UndoHandler = Callable[[RunContext, Azure, RunStep, dict[str, Any]], Awaitable[str]]

RUNNER_ACTIONS = frozenset({Action.MANUAL, Action.RECHECK})


async def act(ctx: RunContext, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
    """Perform `step` in Azure; returns what the state file records about it (never a value)."""
    return await ACTION_HANDLERS[step.action](ctx, azure, step)


async def _enable_identity(_ctx: RunContext, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
    ident = await azure.set_identity_type(step.slot, True)
    return {"principal_id": str(ident.principal_id or "")}


async def _create_user_identity(_ctx: RunContext, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
    assert step.principal is not None  # noqa: S101 - built so by migrate.run.steps
    uai = await azure.ensure_user_identity(step.principal)
    await azure.set_user_identity(step.slot, uai.id, True)
    return {
        "identity_id": uai.id,
        "principal_id": str(uai.principal_id or ""),
        "client_id": str(uai.client_id or ""),
        "created": "yes" if uai.created else "existed",
    }


async def _grant_role(ctx: RunContext, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
    assert step.scope is not None and step.role_guid is not None  # noqa: S101 - built so by migrate.run.steps
    pid = await ctx.principal_id(azure, step)
    name = assignment_name(step.scope, pid, step.role_guid)
    created = await azure.create_role_assignment(step.scope, name, step.role_guid, pid)
    return {"assignment": name, "principal_id": pid, "created": "yes" if created else "existed"}


async def _write_settings(_ctx: RunContext, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
    """Read-modify-write of the planned keys only; records the names that did not exist before."""
    kind = step.settings[0].kind

    def apply(current: dict[str, Any]) -> dict[str, Any]:
        new = dict(current)
        for w in step.settings:
            if w.value is None:
                new.pop(w.name, None)
            elif kind == "connection-string":
                new[w.name] = {"value": w.value, "type": w.conn_type}
            else:
                new[w.name] = w.value
        return new

    current = await azure.read_settings(step.slot, kind)
    added = sorted(w.name for w in step.settings if w.value is not None and w.name not in current)
    for _attempt in range(3):
        fresh = await azure.read_settings(step.slot, kind)  # just before the write: narrow the race
        if fresh == current:
            break
        current = fresh
    else:
        raise GateFailed(f"{step.id}: the settings keep changing under us; try again later")
    await azure.write_settings(step.slot, kind, apply(current))
    sticky = {w.name for w in step.settings if w.sticky and w.value is not None}
    if sticky:
        await azure.make_sticky(kind, sticky)
    after = await azure.read_settings(step.slot, kind)
    planned = {w.name for w in step.settings}
    lost = sorted(k for k in current if k not in planned and k not in after)
    if lost:
        raise GateFailed(
            f"{step.id}: settings {', '.join(lost)} disappeared during the write; "
            "someone else changed the app at the same time: check and rerun"
        )
    return {"added": added}


async def _swap_slots(ctx: RunContext, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
    assert step.slot is not None  # noqa: S101 - swap steps are built per slot
    await azure.swap(step.slot, PRODUCTION)
    ctx.swapped.add(step.id)
    return {"swapped": f"{step.slot} -> {PRODUCTION}"}


async def _disable_local_auth(_ctx: RunContext, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
    rid, name, off = local_auth_target(step)
    api = await azure.api_version_for(rid)
    await azure.set_resource_property(rid, api, name, off)
    return {"resource_id": rid, "api_version": api, "property": f"{name}={str(off).lower()}"}


ACTION_HANDLERS: dict[Action, ActionHandler] = {
    Action.ENABLE_IDENTITY: _enable_identity,
    Action.CREATE_USER_IDENTITY: _create_user_identity,
    Action.GRANT_ROLE: _grant_role,
    Action.SET_SETTINGS: _write_settings,
    Action.REMOVE_SETTINGS: _write_settings,
    Action.SWAP_SLOTS: _swap_slots,
    Action.DISABLE_LOCAL_AUTH: _disable_local_auth,
}


async def _disable_identity(_ctx: RunContext, azure: Azure, step: RunStep, _entry: dict[str, Any]) -> str:
    await azure.set_identity_type(step.slot, False)
    return ""


async def _unassign_user_identity(
    _ctx: RunContext, azure: Azure, step: RunStep, entry: dict[str, Any]
) -> str:
    rid = str(entry.get("identity_id") or "") or azure.user_identity_id(step.principal or "")
    await azure.set_user_identity(step.slot, rid, False)
    return f"; the identity {step.principal} itself is kept (delete it by hand if nothing else uses it)"


async def _delete_role_assignment(
    _ctx: RunContext, azure: Azure, step: RunStep, entry: dict[str, Any]
) -> str:
    assert step.scope is not None  # noqa: S101 - grant steps have a scope
    await azure.delete_role_assignment(step.scope, str(entry.get("assignment", "")))
    return ""


async def _swap_back(_ctx: RunContext, azure: Azure, step: RunStep, _entry: dict[str, Any]) -> str:
    assert step.slot is not None  # noqa: S101 - swap steps are built per slot
    # a swap is an exchange: the same call again puts the old production back
    await azure.swap(step.slot, PRODUCTION)
    return f"; production runs what it ran before the swap, slot {step.slot} has the migrated settings again"


async def _enable_local_auth(_ctx: RunContext, azure: Azure, step: RunStep, entry: dict[str, Any]) -> str:
    rid, name, off = local_auth_target(step)
    api = str(entry.get("api_version") or "") or await azure.api_version_for(rid)
    await azure.set_resource_property(rid, api, name, not off)
    if await azure.resource_property(rid, api, name) is not (not off):
        raise GateFailed(f"{step.id}: {name} does not read back as {str(not off).lower()} after the undo")
    return f"; {name}={str(not off).lower()} again: keys work again (rotated keys stay rotated)"


async def _remove_added_settings(_ctx: RunContext, azure: Azure, step: RunStep, entry: dict[str, Any]) -> str:
    added = set(entry.get("added") or [])
    kind = step.settings[0].kind
    current = await azure.read_settings(step.slot, kind)
    await azure.write_settings(step.slot, kind, {k: v for k, v in current.items() if k not in added})
    replaced = sorted(w.name for w in step.settings if w.name not in added and w.value is not None)
    deleted = sorted(w.name for w in step.settings if w.value is None)
    notes = ""
    if replaced:
        notes += f"; {', '.join(replaced)} had old values that were never stored: re-enter them by hand"
    if deleted:
        notes += (
            f"; {', '.join(deleted)} were deleted from {step.target} and are not restored: production keeps "
            "them until the swap, copy them back from there (or from the resource's current keys)"
        )
    return notes


# member -> (the action name its log line carries, its handler)
UNDO_HANDLERS: dict[Undo, tuple[str, UndoHandler]] = {
    Undo.DISABLE_IDENTITY: ("undo-identity", _disable_identity),
    Undo.UNASSIGN_USER_IDENTITY: ("undo-user-identity", _unassign_user_identity),
    Undo.DELETE_ROLE_ASSIGNMENT: ("undo-grant", _delete_role_assignment),
    Undo.SWAP_BACK: ("undo-swap", _swap_back),
    Undo.ENABLE_LOCAL_AUTH: ("undo-local-auth", _enable_local_auth),
    Undo.REMOVE_ADDED_SETTINGS: ("undo-settings", _remove_added_settings),
}


def _by_hand(step: RunStep) -> str:
    return f"undo by hand ({step.title})"


def _reenter(step: RunStep) -> str:
    names = ", ".join(w.name for w in step.settings)
    return f"cannot be undone by the tool: the old values of {names} were never stored; re-enter them by hand"


# member -> what the runner says instead of undoing (nothing is changed)
BY_HAND_UNDOS: dict[Undo, Callable[[RunStep], str]] = {
    Undo.MANUAL: _by_hand,
    Undo.NONE: _by_hand,
    Undo.REENTER_BY_HAND: _reenter,
}
