"""The guided migration of one app: show each step, run it through Azure (with `--execute`), read
it back (the gate), record it in the state file, stop at the first gate that fails.

Order of safety: steps run in stage order; a secret is removed only once the verify stage passed
(and, with slots, after the swap was confirmed); destructive steps need a confirmation that names
what they remove (or `--yes`).  Every action is logged as one structured line (action, step, target,
result, duration); setting values are never logged, shown or stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from migrate import migration_state as st
from migrate.errors import MigrateError
from migrate.migration_steps import PRODUCTION, RunStep, SettingWrite, assignment_name, unfilled
from migrate.plan_records import StageName

log = logging.getLogger(__name__)


class Ui(Protocol):
    def show(self, text: str) -> None: ...

    def confirm(self, text: str) -> bool: ...


class Azure(Protocol):
    async def identity(self, slot: str | None) -> Any: ...

    async def set_identity_type(self, slot: str | None, system: bool) -> Any: ...

    def user_identity_id(self, name: str) -> str: ...

    async def ensure_user_identity(self, name: str) -> Any: ...

    async def set_user_identity(self, slot: str | None, resource_id: str, assigned: bool) -> Any: ...

    async def role_assignment(self, scope: str, name: str) -> Any: ...

    async def create_role_assignment(self, scope: str, name: str, role_guid: str, principal_id: str) -> bool: ...

    async def delete_role_assignment(self, scope: str, name: str) -> None: ...

    async def read_settings(self, slot: str | None, kind: str) -> dict[str, Any]: ...

    async def write_settings(self, slot: str | None, kind: str, props: dict[str, Any]) -> None: ...

    async def sticky_names(self, kind: str) -> set[str]: ...

    async def make_sticky(self, kind: str, names: set[str]) -> None: ...

    async def swap(self, slot: str, target: str = "production") -> None: ...

    async def api_version_for(self, resource_id: str) -> str: ...

    async def resource_property(self, resource_id: str, api_version: str, name: str) -> Any: ...

    async def set_resource_property(self, resource_id: str, api_version: str, name: str, value: Any) -> None: ...


class GateFailed(MigrateError):
    """A step's read-back from Azure did not show the planned state."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    execute: bool = False
    yes: bool = False
    continue_manual: bool = False
    confirmed: tuple[str, ...] = ()  # manual step ids the user says are done (--done STEP)
    health_url: str | None = None  # --health-url: the verify stage's gate also GETs it and needs a 2xx


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: str  # dry-run | completed | stopped | failed
    message: str
    step: str | None = None


def describe(step: RunStep, number: int, total: int, status: str | None) -> list[str]:
    """The lines that show one step (dry run and guided run alike)."""
    flag = "  [DESTRUCTIVE]" if step.destructive else ""
    mode = "by hand" if step.action == "manual" else step.action
    lines = [f"[{number}/{total}] {step.stage}: {step.title}{flag}",
             f"    id: {step.id}  ({mode}; check: {step.check}; undo: {step.undo}"
             + (f"; state: {status}" if status else "") + ")",
             f"    why: {step.why}"]
    lines += [f"    $ {c}" for c in step.commands]
    return lines


class Runner:
    def __init__(self, steps: list[RunStep], state: st.RunState, state_path: Path, ui: Ui, options: RunOptions,
                 app_name: str) -> None:
        self.steps = steps
        self.state = state
        self.state_path = state_path
        self.ui = ui
        self.options = options
        self.app_name = app_name
        self._swapped: set[str] = set()  # swap steps performed by this run (for a gate with nothing to read)

    # ---- helpers -------------------------------------------------------------------------------

    def _principal_name(self, slot: str | None) -> str:
        return f"{self.app_name}/slots/{slot}" if slot else self.app_name

    def _save(self) -> None:
        st.save(self.state, self.state_path)

    async def _timed(self, action: str, step: RunStep, fn: Callable[[], Awaitable[Any]]) -> Any:
        start = time.monotonic()
        result = "error"
        try:
            value = await fn()
            result = "ok"
            return value
        except GateFailed:
            result = "gate-failed"
            raise
        finally:
            log.info("action=%s step=%s target=%s result=%s duration_ms=%d", action, step.id, step.target, result,
                     int((time.monotonic() - start) * 1000))

    def _require_filled(self, step: RunStep) -> None:
        missing = unfilled(step.scope) + [p for w in step.settings for p in unfilled(w.value)]
        if missing:
            raise GateFailed(f"{step.id}: the plan leaves <{missing[0]}> open: pass --set {missing[0]}=VALUE")

    async def _principal_id(self, azure: Azure, step: RunStep) -> str:
        name = step.principal or self._principal_name(step.slot)
        if name in self.state.principals:
            return self.state.principals[name]
        if name != self.app_name and not name.startswith(f"{self.app_name}/slots/"):
            # a user-assigned identity: its principal id comes from the plan or from --set
            if step.principal_id and not unfilled(step.principal_id):
                return step.principal_id
            raise GateFailed(f"{step.id}: the principal id of {name} is unknown: pass "
                             f"--set 'principalId of {name}=<object id>'")
        slot = name.split("/slots/")[1] if "/slots/" in name else None
        ident = await azure.identity(slot)
        if not ident.principal_id:
            raise GateFailed(f"{step.id}: {name} has no system-assigned identity yet (run the identity step)")
        self.state.principals[name] = str(ident.principal_id)
        return str(ident.principal_id)

    # ---- checks (gates) ------------------------------------------------------------------------

    async def check(self, azure: Azure, step: RunStep) -> bool:
        if step.check == "identity-exists":
            ident = await azure.identity(step.slot)
            if "SystemAssigned" in ident.type and ident.principal_id:
                self.state.principals[self._principal_name(step.slot)] = str(ident.principal_id)
                return True
            return False
        if step.check == "user-identity-assigned":
            assert step.principal is not None  # noqa: S101 - built so by migration_steps
            rid = azure.user_identity_id(step.principal).lower()
            ident = await azure.identity(step.slot)
            for uid, pid, cid in ident.user_assigned_ids:
                if uid.lower() == rid and pid and cid:
                    self.state.principals[step.principal] = str(pid)
                    return True
            return False
        if step.check == "role-assignment-exists":
            assert step.scope is not None and step.role_guid is not None  # noqa: S101 - built so by migration_steps
            pid = await self._principal_id(azure, step)
            ra = await azure.role_assignment(step.scope, assignment_name(step.scope, pid, step.role_guid))
            return bool(ra is not None and ra.principal_id == pid
                        and str(ra.role_definition_id).lower().endswith(step.role_guid.lower())
                        and str(ra.scope).lower() == step.scope.lower())
        if step.check in ("settings-present", "settings-absent"):
            kind = step.settings[0].kind
            current = await azure.read_settings(step.slot, kind)
            for w in step.settings:
                if w.value is None:
                    if w.name in current:
                        return False
                elif kind == "connection-string":
                    if current.get(w.name) != {"value": w.value, "type": w.conn_type}:
                        return False
                elif current.get(w.name) != w.value:
                    return False
            sticky = {w.name for w in step.settings if w.sticky and w.value is not None}
            return not sticky or sticky <= await azure.sticky_names(kind)
        if step.check == "swap-done":
            return await self._swap_done(azure, step)
        if step.check == "local-auth-disabled":
            rid, name, off = self._local_auth_target(step)
            value = await azure.resource_property(rid, await azure.api_version_for(rid), name)
            return value is off
        if step.check == "recheck":
            for earlier in self.steps:
                if earlier is step:
                    return True
                if earlier.action in ("manual", "recheck") or earlier.check == "confirmed":
                    continue
                if not await self.check(azure, earlier):
                    raise GateFailed(f"verify: {earlier.id} no longer holds in Azure ({earlier.check})")
            return True
        return self.state.status(step.id) in st.FINISHED

    def _planned_for_slot(self, slot: str | None) -> list[SettingWrite]:
        """The identity-based settings this run's settings steps write into `slot`."""
        return [w for s in self.steps if s.action == "set-settings" and s.slot == slot
                for w in s.settings if w.value is not None]

    async def _swap_done(self, azure: Azure, step: RunStep) -> bool:
        """The swap of `step.slot` into production shows in Azure: the slot's planned settings that are
        not slot-sticky are now in production, the sticky ones stayed in the slot.  When the plan sets
        nothing in the slot, Azure cannot tell: only a swap done by this run (or recorded) counts."""
        moving: list[SettingWrite] = []
        staying: list[SettingWrite] = []
        sticky_by_kind: dict[str, set[str]] = {}
        for w in self._planned_for_slot(step.slot):
            if w.kind not in sticky_by_kind:
                sticky_by_kind[w.kind] = await azure.sticky_names(w.kind)
            (staying if w.sticky or w.name in sticky_by_kind[w.kind] else moving).append(w)
        if not moving:
            return step.id in self._swapped or self.state.status(step.id) in st.FINISHED

        def holds(current: dict[str, Any], w: SettingWrite) -> bool:
            if w.kind == "connection-string":
                return current.get(w.name) == {"value": w.value, "type": w.conn_type}
            return current.get(w.name) == w.value

        for where, writes in ((None, moving), (step.slot, staying)):
            for kind in sorted({w.kind for w in writes}):
                current = await azure.read_settings(where, kind)
                if not all(holds(current, w) for w in writes if w.kind == kind):
                    return False
        return True

    @staticmethod
    def _local_auth_target(step: RunStep) -> tuple[str, str, bool]:
        if step.resource_id is None or step.property_name is None or step.property_value is None:
            raise MigrateError(f"{step.id}: a local-auth step without a resource id and property")
        return step.resource_id, step.property_name, step.property_value

    # ---- actions -------------------------------------------------------------------------------

    async def _settings(self, azure: Azure, step: RunStep) -> list[str]:
        """Read-modify-write of the planned keys only; returns the names that did not exist before."""
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
            raise GateFailed(f"{step.id}: settings {', '.join(lost)} disappeared during the write; "
                             "someone else changed the app at the same time: check and rerun")
        return added

    async def act(self, azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
        if step.action == "enable-identity":
            ident = await azure.set_identity_type(step.slot, True)
            return {"principal_id": str(ident.principal_id or "")}
        if step.action == "create-user-identity":
            assert step.principal is not None  # noqa: S101 - built so by migration_steps
            uai = await azure.ensure_user_identity(step.principal)
            await azure.set_user_identity(step.slot, uai.id, True)
            return {"identity_id": uai.id, "principal_id": str(uai.principal_id or ""),
                    "client_id": str(uai.client_id or ""), "created": "yes" if uai.created else "existed"}
        if step.action == "grant-role":
            assert step.scope is not None and step.role_guid is not None  # noqa: S101 - built so by migration_steps
            pid = await self._principal_id(azure, step)
            name = assignment_name(step.scope, pid, step.role_guid)
            created = await azure.create_role_assignment(step.scope, name, step.role_guid, pid)
            return {"assignment": name, "principal_id": pid, "created": "yes" if created else "existed"}
        if step.action in ("set-settings", "remove-settings"):
            return {"added": await self._settings(azure, step)}
        if step.action == "swap-slots":
            assert step.slot is not None  # noqa: S101 - swap steps are built per slot
            await azure.swap(step.slot, PRODUCTION)
            self._swapped.add(step.id)
            return {"swapped": f"{step.slot} -> {PRODUCTION}"}
        if step.action == "disable-local-auth":
            rid, name, off = self._local_auth_target(step)
            api = await azure.api_version_for(rid)
            await azure.set_resource_property(rid, api, name, off)
            return {"resource_id": rid, "api_version": api, "property": f"{name}={str(off).lower()}"}
        raise MigrateError(f"{step.id}: no implementation for action {step.action!r}")

    # ---- the run -------------------------------------------------------------------------------

    def dry_run(self) -> RunOutcome:
        for i, step in enumerate(self.steps, start=1):
            for line in describe(step, i, len(self.steps), self.state.status(step.id)):
                self.ui.show(line)
        self.ui.show("dry run: nothing was changed; rerun with --execute to perform the steps")
        return RunOutcome("dry-run", f"{len(self.steps)} steps shown")

    def _verify_passed(self) -> str | None:
        if not any(s.stage is StageName.VERIFY and s.action != "manual" for s in self.steps):
            return "the verify stage is not part of this run"
        for s in self.steps:
            if s.stage is StageName.VERIFY and s.action != "manual" and self.state.status(s.id) not in st.FINISHED:
                return f"{s.id} has not passed"
            if s.stage is StageName.VERIFY and s.action == "manual" \
                    and self.state.status(s.id) not in st.FINISHED and not self.options.continue_manual:
                return f"{s.id} is not confirmed"
        return None

    def _removal_allowed(self, step: RunStep | None) -> str | None:
        why_not = self._verify_passed()
        if why_not:
            return why_not
        for s in self.steps:
            if s.stage is StageName.SWAP and s.action == "manual" \
                    and self.state.status(s.id) not in st.FINISHED and not self.options.continue_manual:
                return f"{s.id} is not confirmed"
            if s.stage is StageName.SWAP and self.state.status(s.id) not in st.FINISHED:
                return f"{s.id} (the swap) has not been done"
        return None

    def _local_auth_allowed(self) -> str | None:
        """Local auth goes off only after every secret of the app was removed (and all before that)."""
        for s in self.steps:
            if s.stage is not StageName.REMOVE_SECRETS:
                continue
            status = self.state.status(s.id)
            if status in st.FINISHED:
                continue
            if s.action == "manual" and status == st.PENDING_MANUAL and self.options.continue_manual:
                continue
            return f"{s.id} (secrets removal) has not been done"
        return self._removal_allowed(None)

    def _manual(self, step: RunStep) -> RunOutcome | None:
        if step.id in self.options.confirmed:
            self.state.record(step.id, st.DONE)
            self._save()
            log.info("action=manual step=%s target=%s result=confirmed duration_ms=0", step.id, step.target)
            self.ui.show("    -> confirmed done (--done)")
            return None
        if self.options.yes:
            self.state.record(step.id, st.PENDING_MANUAL)
            self._save()
            log.info("action=manual step=%s target=%s result=pending duration_ms=0", step.id, step.target)
            if self.options.continue_manual:
                self.ui.show("    -> recorded as pending (by hand); continuing (--continue-manual)")
                return None
            return RunOutcome("stopped", f"{step.id} must be done by hand: do it, then rerun with "
                                         f"--done {step.id} (or pass --continue-manual)", step.id)
        if self.ui.confirm(f"Done by hand: {step.title}?"):
            self.state.record(step.id, st.DONE)
            self._save()
            log.info("action=manual step=%s target=%s result=confirmed duration_ms=0", step.id, step.target)
            return None
        self.state.record(step.id, st.PENDING_MANUAL)
        self._save()
        return RunOutcome("stopped", f"{step.id} is not done yet; rerun when it is", step.id)

    async def execute(self, azure: Azure) -> RunOutcome:
        total = len(self.steps)
        for i, step in enumerate(self.steps, start=1):
            status = self.state.status(step.id)
            for line in describe(step, i, total, status):
                self.ui.show(line)
            if status in st.FINISHED:
                self.ui.show("    -> done in an earlier run: skipped")
                log.info("action=skip step=%s target=%s result=done-earlier duration_ms=0", step.id, step.target)
                continue
            if step.action == "manual":
                outcome = self._manual(step)
                if outcome is not None:
                    return outcome
                continue
            try:
                outcome2 = await self._automated(azure, step)
            except GateFailed as exc:
                self.state.record(step.id, st.FAILED)
                self._save()
                return RunOutcome("failed", f"gate failed: {exc}; nothing after it ran", step.id)
            except Exception as exc:  # noqa: BLE001 - any Azure error stops the run with a message, no values
                self.state.record(step.id, st.FAILED)
                self._save()
                return RunOutcome("failed", f"{step.id} failed: {_describe_error(exc)}; nothing after it ran; "
                                            "rerun to resume", step.id)
            if outcome2 is not None:
                return outcome2
        return RunOutcome("completed", f"all {total} steps done or recorded")

    async def _automated(self, azure: Azure, step: RunStep) -> RunOutcome | None:
        if step.action == "recheck":
            await self._timed("recheck", step, lambda: self.check(azure, step))
            self.ui.show("    -> every earlier change reads back from Azure as planned")
            if self.options.health_url:
                await self._health(step, self.options.health_url)
            self.state.record(step.id, st.DONE)
            self._save()
            return None
        self._require_filled(step)
        if await self._timed("check", step, lambda: self.check(azure, step)):
            self.state.record(step.id, st.ALREADY_DONE)
            self._save()
            self.ui.show("    -> already done in Azure: skipped")
            return None
        if step.action == "disable-local-auth":
            why_not = self._local_auth_allowed()
            if why_not:
                raise GateFailed(f"{step.id} turns off local auth but {why_not}")
            rid, name, off = self._local_auth_target(step)
            text = (f"Turn off key / local auth on {rid} ({name}={str(off).lower()})? Every client that still "
                    "uses a key, SAS or connection string with a key loses access.")
            if not self.options.yes and not self.ui.confirm(text):
                return RunOutcome("stopped", f"{step.id}: not confirmed; local auth left on", step.id)
        elif step.destructive:
            why_not = self._removal_allowed(step)
            if why_not:
                raise GateFailed(f"{step.id} removes secrets but {why_not}")
            names = ", ".join(w.name for w in step.settings)
            text = f"Remove {names} from {step.target} of {self.app_name}? The old values are not kept anywhere."
            if not self.options.yes and not self.ui.confirm(text):
                return RunOutcome("stopped", f"{step.id}: not confirmed; nothing removed", step.id)
        elif step.action == "swap-slots":
            why_not = self._verify_passed()
            if why_not:
                raise GateFailed(f"{step.id} changes production but {why_not}")
            text = (f"{step.title} of {self.app_name}? Production gets the app settings and connection strings of "
                    f"slot {step.slot} (slot settings and identities stay where they are).")
            if not self.options.yes and not self.ui.confirm(text):
                return RunOutcome("stopped", f"{step.id}: not confirmed; nothing swapped", step.id)
        elif not self.options.yes and not self.ui.confirm(f"Run: {step.title}?"):
            return RunOutcome("stopped", f"{step.id}: not confirmed", step.id)
        extra = await self._timed(step.action, step, lambda: self.act(azure, step))
        if not await self._timed("gate", step, lambda: self.check(azure, step)):
            raise GateFailed(f"{step.id}: {step.check} does not hold after the change (read back from Azure)")
        self.state.record(step.id, st.DONE, **extra)
        self._save()
        self.ui.show("    -> done and verified")
        return None

    async def _health(self, step: RunStep, url: str) -> None:
        from migrate.health import health_check, shown

        start = time.monotonic()
        result = await health_check(url)
        log.info("action=health-check step=%s target=%s result=%s duration_ms=%d", step.id, shown(url),
                 "ok" if result.ok else "gate-failed", int((time.monotonic() - start) * 1000))
        if not result.ok:
            raise GateFailed(f"{step.id}: health check GET {shown(url)} answered {result.detail} (needs 2xx); "
                             "nothing is removed or swapped")
        self.ui.show(f"    -> health check GET {shown(url)}: {result.detail}")

    # ---- undo ----------------------------------------------------------------------------------

    async def undo(self, azure: Azure, step_id: str) -> RunOutcome:
        step = next((s for s in self.steps if s.id == step_id), None)
        if step is None:
            raise MigrateError(f"no step {step_id!r} in this app's plan (see the dry run for ids)")
        entry = self.state.steps.get(step_id, {})
        status = entry.get("status")
        if step.undo in ("manual", "none"):
            return RunOutcome("stopped", f"{step_id}: undo by hand ({step.title})", step_id)
        if step.undo == "reenter-by-hand":
            names = ", ".join(w.name for w in step.settings)
            return RunOutcome("stopped", f"{step_id}: cannot be undone by the tool: the old values of {names} were "
                                         "never stored; re-enter them by hand", step_id)
        if status != st.DONE:
            return RunOutcome("stopped", f"{step_id}: not done by this tool (state: {status or 'not run'}); "
                                         "nothing undone", step_id)
        if not self.options.yes and not self.ui.confirm(f"Undo {step.title}?"):
            return RunOutcome("stopped", f"{step_id}: undo not confirmed", step_id)
        note = ""
        if step.undo == "disable-identity":
            await self._timed("undo-identity", step, lambda: azure.set_identity_type(step.slot, False))
        elif step.undo == "unassign-user-identity":
            rid = str(entry.get("identity_id") or "") or azure.user_identity_id(step.principal or "")
            await self._timed("undo-user-identity", step, lambda: azure.set_user_identity(step.slot, rid, False))
            note = f"; the identity {step.principal} itself is kept (delete it by hand if nothing else uses it)"
        elif step.undo == "delete-role-assignment":
            assert step.scope is not None  # noqa: S101 - grant steps have a scope
            name = str(entry.get("assignment", ""))
            await self._timed("undo-grant", step, lambda: azure.delete_role_assignment(step.scope or "", name))
        elif step.undo == "swap-back":
            assert step.slot is not None  # noqa: S101 - swap steps are built per slot
            # a swap is an exchange: the same call again puts the old production back
            await self._timed("undo-swap", step, lambda: azure.swap(step.slot or "", PRODUCTION))
            note = f"; production runs what it ran before the swap, slot {step.slot} has the migrated settings again"
        elif step.undo == "enable-local-auth":
            rid, name, off = self._local_auth_target(step)
            api = str(entry.get("api_version") or "") or await azure.api_version_for(rid)

            async def turn_back_on() -> Any:
                await azure.set_resource_property(rid, api, name, not off)
                return await azure.resource_property(rid, api, name)

            if await self._timed("undo-local-auth", step, turn_back_on) is not (not off):
                return RunOutcome("failed", f"{step_id}: {name} does not read back as {str(not off).lower()} "
                                            "after the undo", step_id)
            note = f"; {name}={str(not off).lower()} again: keys work again (rotated keys stay rotated)"
        elif step.undo == "remove-added-settings":
            added = set(entry.get("added") or [])
            kind = step.settings[0].kind
            replaced = sorted(w.name for w in step.settings if w.name not in added)

            async def remove_added() -> None:
                current = await azure.read_settings(step.slot, kind)
                await azure.write_settings(step.slot, kind, {k: v for k, v in current.items() if k not in added})

            await self._timed("undo-settings", step, remove_added)
            if replaced:
                note = f"; {', '.join(replaced)} had old values that were never stored: re-enter them by hand"
        self.state.record(step_id, st.UNDONE)
        self._save()
        return RunOutcome("completed", f"{step_id}: undone{note}", step_id)


def _describe_error(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    code = getattr(getattr(exc, "error", None), "code", None)
    if status:
        return f"HTTP {status}{' ' + str(code) if code else ''} ({type(exc).__name__})"
    return type(exc).__name__
