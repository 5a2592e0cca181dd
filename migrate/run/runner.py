"""The guided migration of one app: show each step, run it through Azure (with `--execute`), read
it back (the gate), record it in the state file, stop at the first gate that fails.

Order of safety: steps run in stage order; a secret is removed only once the verify stage passed
(and, with slots, after the swap was confirmed); destructive steps need a confirmation that names
what they remove (or `--yes`).  Every action is logged as one structured line (action, step, target,
result, duration); setting values are never logged, shown or stored.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from migrate.errors import MigrateError
from migrate.plan.catalog.optional import OPTIONAL_SKIP_NOTE
from migrate.plan.records import StageName
from migrate.run import state as st
from migrate.run.actions import BY_HAND_UNDOS, UNDO_HANDLERS, act
from migrate.run.after_error import read_back
from migrate.run.checks import check
from migrate.run.context import Azure, GateFailed, RunContext, local_auth_target
from migrate.run.leftovers import resolve_leftovers, set_hints, without_skipped_units
from migrate.run.playbooks import Action
from migrate.run.steps import RunStep, fill, unfilled

log = logging.getLogger(__name__)


class Ui(Protocol):
    def show(self, text: str) -> None: ...

    def confirm(self, text: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class RunOptions:
    execute: bool = False
    yes: bool = False
    continue_manual: bool = False
    confirmed: tuple[str, ...] = ()  # manual step ids the user says are done (--done STEP)
    health_url: str | None = None  # --health-url: the verify stage's gate also GETs it and needs a 2xx


class RunStatus(enum.StrEnum):
    DRY_RUN = "dry-run"
    COMPLETED = "completed"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: RunStatus
    message: str
    step: str | None = None


def describe(step: RunStep, number: int, total: int, status: str | None) -> list[str]:
    """The lines that show one step (dry run and guided run alike)."""
    flag = "  [DESTRUCTIVE]" if step.destructive else ""
    mode = "by hand" if step.action is Action.MANUAL else step.action
    lines = [
        f"[{number}/{total}] {step.stage}: {step.title}{flag}",
        f"    id: {step.id}  ({mode}; check: {step.check}; undo: {step.undo}"
        + (f"; state: {status}" if status else "")
        + ")",
        f"    why: {step.why}",
    ]
    lines += [f"    $ {c}" for c in step.commands]
    return lines


class Runner:
    def __init__(
        self,
        steps: list[RunStep],
        state: st.RunState,
        state_path: Path,
        ui: Ui,
        options: RunOptions,
        app_name: str,
    ) -> None:
        self.steps = steps
        self.state = state
        self.state_path = state_path
        self.ui = ui
        self.options = options
        self.app_name = app_name
        self.context = RunContext(steps, state, app_name)

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
            log.info(
                "action=%s step=%s target=%s result=%s duration_ms=%d",
                action,
                step.id,
                step.target,
                result,
                int((time.monotonic() - start) * 1000),
            )

    async def _fill_client_ids(self, azure: Azure) -> None:
        """`<client-id of NAME>` in a planned setting is the client id of the user-assigned identity NAME
        that an earlier step created and assigned (e.g. AZURE_CLIENT_ID in place of a service principal's):
        read from the site or slot it is assigned to, never guessed; steps whose identity is not there
        yet keep the placeholder (and refuse to run)."""
        wanted = {
            (i, s.slot)
            for i, s in enumerate(self.steps)
            if any(p.startswith("client-id of ") for w in s.settings for p in unfilled(w.value))
        }
        if not wanted:
            return
        client_ids: dict[str | None, dict[str, str]] = {}
        for slot in sorted({slot for _i, slot in wanted}, key=lambda s: s or ""):
            ident = await azure.identity(slot)
            client_ids[slot] = {uid.lower(): str(cid) for uid, _pid, cid in ident.user_assigned_ids if cid}
        for i, slot in sorted(wanted, key=lambda x: x[0]):
            step = self.steps[i]
            known = {
                p: client_ids[slot][rid]
                for w in step.settings
                for p in unfilled(w.value)
                if p.startswith("client-id of ")
                and (rid := azure.user_identity_id(p.removeprefix("client-id of ")).lower())
                in client_ids[slot]
            }
            if known:  # the same list as the context's: later gates and the verify stage see the value too
                self.steps[i] = replace(
                    step,
                    settings=tuple(
                        replace(w, value=fill(w.value, known)) if w.value else w for w in step.settings
                    ),
                )

    def _require_filled(self, step: RunStep) -> None:
        missing = unfilled(step.scope) + [p for w in step.settings for p in unfilled(w.value)]
        if missing:
            raise GateFailed(f"{step.id}: the plan leaves <{missing[0]}> open: pass --set {missing[0]}=VALUE")

    # ---- the run -------------------------------------------------------------------------------

    def dry_run(self) -> RunOutcome:
        for i, step in enumerate(self.steps, start=1):
            for line in describe(step, i, len(self.steps), self.state.status(step.id)):
                self.ui.show(line)
        self.ui.show("dry run: nothing was changed; rerun with --execute to perform the steps")
        return RunOutcome(RunStatus.DRY_RUN, f"{len(self.steps)} steps shown")

    def _verify_passed(self) -> str | None:
        """None when the verify stage passed in the slot that runs the new code: every read-back passed,
        and the app check was confirmed by a person (--done) or by the health check (--health-url).
        --continue-manual never skips verification."""
        verify = [s for s in self.steps if s.stage is StageName.VERIFY]
        if not any(s.action is not Action.MANUAL for s in verify):
            return "the verify stage is not part of this run"
        for s in verify:
            if s.action is not Action.MANUAL and self.state.status(s.id) not in st.FINISHED:
                return f"{s.id} has not passed"
        healthy = any(self.state.steps.get(s.id, {}).get("health") == "ok" for s in verify)
        for s in verify:
            if s.action is Action.MANUAL and self.state.status(s.id) not in st.FINISHED and not healthy:
                return (
                    f"{s.id} is not confirmed: check the app, then rerun with --done {s.id}, or pass "
                    "--health-url so a health check of the slot proves it"
                )
        return None

    def _removal_allowed(self, step: RunStep | None) -> str | None:
        why_not = self._verify_passed()
        if why_not:
            return why_not
        for s in self.steps:
            if (
                s.stage is StageName.SWAP
                and s.action is Action.MANUAL
                and self.state.status(s.id) not in st.FINISHED
                and not self.options.continue_manual
            ):
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
            if s.action is Action.MANUAL and status == st.PENDING_MANUAL and self.options.continue_manual:
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
            return RunOutcome(
                RunStatus.STOPPED,
                f"{step.id} must be done by hand: do it, then rerun with "
                f"--done {step.id} (or pass --continue-manual)",
                step.id,
            )
        if self.ui.confirm(f"Done by hand: {step.title}?"):
            self.state.record(step.id, st.DONE)
            self._save()
            log.info("action=manual step=%s target=%s result=confirmed duration_ms=0", step.id, step.target)
            return None
        self.state.record(step.id, st.PENDING_MANUAL)
        self._save()
        return RunOutcome(RunStatus.STOPPED, f"{step.id} is not done yet; rerun when it is", step.id)

    async def execute(self, azure: Azure) -> RunOutcome:
        needed = await resolve_leftovers(self.steps, azure)  # what ARM can answer, before step 1
        if needed:
            self.ui.show("still unknown, pass them to include what needs them: " + " ".join(needed))
        self.steps[:] = without_skipped_units(self.steps)  # in place: the context holds this list
        total = len(self.steps)
        for i, step in enumerate(self.steps, start=1):
            status = self.state.status(step.id)
            for line in describe(step, i, total, status):
                self.ui.show(line)
            if status in st.FINISHED:
                self.ui.show("    -> done in an earlier run: skipped")
                log.info(
                    "action=skip step=%s target=%s result=done-earlier duration_ms=0", step.id, step.target
                )
                continue
            if step.action is Action.MANUAL:
                outcome = self._manual(step)
                if outcome is not None:
                    return outcome
                continue
            try:
                outcome2 = await self._automated(azure, i - 1)
            except GateFailed as exc:
                self.state.record(step.id, st.FAILED)
                self._save()
                return RunOutcome(RunStatus.FAILED, f"gate failed: {exc}; nothing after it ran", step.id)
            except Exception as exc:
                self.state.record(step.id, st.FAILED)
                self._save()
                # the call may have failed after Azure applied it (a PUT written but answered 500)
                state_now = await read_back(self.context, azure, self.steps[i - 1])
                return RunOutcome(
                    RunStatus.FAILED,
                    f"{step.id} failed: {_describe_error(exc)}; {state_now}; no later step ran; rerun to "
                    "resume",
                    step.id,
                )
            if outcome2 is not None:
                return outcome2
        return RunOutcome(RunStatus.COMPLETED, f"all {total} steps done or recorded")

    async def _automated(self, azure: Azure, index: int) -> RunOutcome | None:
        await self._fill_client_ids(azure)
        step = self.steps[index]
        if step.action is Action.RECHECK:
            await self._timed("recheck", step, lambda: check(self.context, azure, step))
            self.ui.show("    -> every earlier change reads back from Azure as planned")
            if self.options.health_url:
                await self._health(step, self.options.health_url)
                self.state.record(step.id, st.DONE, health="ok")
            else:
                self.state.record(step.id, st.DONE)
            self._save()
            return None
        if step.optional and unfilled(step.scope):  # telemetry never blocks the app
            self.ui.show("    -> " + OPTIONAL_SKIP_NOTE.format(set_hint=set_hints(step)))
            log.info(
                "action=skip step=%s target=%s result=optional-unknown duration_ms=0", step.id, step.target
            )
            return None
        self._require_filled(step)
        if await self._timed("check", step, lambda: check(self.context, azure, step)):
            self.state.record(step.id, st.ALREADY_DONE)
            self._save()
            self.ui.show("    -> already done in Azure: skipped")
            return None
        if step.action is Action.DISABLE_LOCAL_AUTH:
            why_not = self._local_auth_allowed()
            if why_not:
                raise GateFailed(f"{step.id} turns off local auth but {why_not}")
            rid, name, off = local_auth_target(step)
            text = (
                f"Turn off key / local auth on {rid} ({name}={str(off).lower()})? Every client that still "
                "uses a key, SAS or connection string with a key loses access."
            )
            if not self.options.yes and not self.ui.confirm(text):
                return RunOutcome(RunStatus.STOPPED, f"{step.id}: not confirmed; local auth left on", step.id)
        elif step.destructive:
            # Replacing a value is a removal too.  The one exception to the verify gate: the slot under
            # test loses a service principal's secret before verification (so that it proves the
            # identity); production still holds it, so it can be copied back.
            slot_under_test = step.stage is StageName.CHANGE_IN_STAGING and step.slot is not None
            why_not = None if slot_under_test else self._removal_allowed(step)
            if why_not:
                raise GateFailed(f"{step.id} removes or replaces secrets but {why_not}")
            names = ", ".join(w.name for w in step.settings if w.value is None)
            replaced = ", ".join(w.name for w in step.settings if w.value is not None and w.replaces)
            sets = ", ".join(w.name for w in step.settings if w.value is not None and not w.replaces)
            gone = " and ".join(
                x
                for x in (f"Remove {names}" if names else "", f"replace {replaced}" if replaced else "")
                if x
            )
            text = (
                f"{gone[0].upper()}{gone[1:]} {'in' if replaced else 'from'} {step.target} of {self.app_name}"
                + (f" (and set {sets} in the same write)" if sets else "")
                + "? The old values are not kept anywhere."
            )
            if not self.options.yes and not self.ui.confirm(text):
                return RunOutcome(RunStatus.STOPPED, f"{step.id}: not confirmed; nothing removed", step.id)
        elif step.action is Action.SWAP_SLOTS:
            why_not = self._verify_passed()
            if why_not:
                raise GateFailed(f"{step.id} changes production but {why_not}")
            text = (
                f"{step.title} of {self.app_name}? Production gets the app settings and connection strings of "
                f"slot {step.slot} (slot settings and identities stay where they are)."
            )
            if not self.options.yes and not self.ui.confirm(text):
                return RunOutcome(RunStatus.STOPPED, f"{step.id}: not confirmed; nothing swapped", step.id)
        elif not self.options.yes and not self.ui.confirm(f"Run: {step.title}?"):
            return RunOutcome(RunStatus.STOPPED, f"{step.id}: not confirmed", step.id)
        extra = await self._timed(step.action, step, lambda: act(self.context, azure, step))
        if not await self._timed("gate", step, lambda: check(self.context, azure, step)):
            raise GateFailed(f"{step.id}: {step.check} does not hold after the change (read back from Azure)")
        self.state.record(step.id, st.DONE, **extra)
        self._save()
        self.ui.show("    -> done and verified")
        return None

    async def _health(self, step: RunStep, url: str) -> None:
        from migrate.run.health import health_until, shown

        start = time.monotonic()
        result = await health_until(
            url, lambda detail: self.ui.show(f"    -> health check: {detail}, waiting")
        )
        log.info(
            "action=health-check step=%s target=%s result=%s duration_ms=%d",
            step.id,
            shown(url),
            "ok" if result.ok else "gate-failed",
            int((time.monotonic() - start) * 1000),
        )
        if not result.ok:
            raise GateFailed(
                f"{step.id}: health check GET {shown(url)} answered {result.detail} (needs 2xx); "
                "nothing is removed or swapped"
            )
        self.ui.show(f"    -> health check GET {shown(url)}: {result.detail}")

    # ---- undo ----------------------------------------------------------------------------------

    async def undo(self, azure: Azure, step_id: str) -> RunOutcome:
        step = next((s for s in self.steps if s.id == step_id), None)
        if step is None:
            raise MigrateError(f"no step {step_id!r} in this app's plan (see the dry run for ids)")
        entry = self.state.steps.get(step_id, {})
        status = entry.get("status")
        by_hand = BY_HAND_UNDOS.get(step.undo)
        if by_hand is not None:
            return RunOutcome(RunStatus.STOPPED, f"{step_id}: {by_hand(step)}", step_id)
        if status != st.DONE:
            return RunOutcome(
                RunStatus.STOPPED,
                f"{step_id}: not done by this tool (state: {status or 'not run'}); nothing undone",
                step_id,
            )
        if not self.options.yes and not self.ui.confirm(f"Undo {step.title}?"):
            return RunOutcome(RunStatus.STOPPED, f"{step_id}: undo not confirmed", step_id)
        log_name, handler = UNDO_HANDLERS[step.undo]
        try:
            note = await self._timed(log_name, step, lambda: handler(self.context, azure, step, entry))
        except GateFailed as exc:
            return RunOutcome(RunStatus.FAILED, str(exc), step_id)
        self.state.record(step_id, st.UNDONE)
        self._save()
        return RunOutcome(RunStatus.COMPLETED, f"{step_id}: undone{note}", step_id)


def _describe_error(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    code = getattr(getattr(exc, "error", None), "code", None)
    if status:
        return f"HTTP {status}{' ' + str(code) if code else ''} ({type(exc).__name__})"
    return type(exc).__name__
