"""Stage 3, 5 and 6 scripts: identity-based settings beside the old ones, the swap, and the removal of
the old secrets (after verification)."""

from __future__ import annotations

import re
import shlex
from collections import defaultdict

from migrate.emit.model import Note
from migrate.emit.script_base import ScriptBase
from migrate.emit.script_model import HEALTH_URL, Step
from migrate.emit.shell import Variable
from migrate.plan import catalog as cat
from migrate.plan.records import AppKind, SettingAction, SettingChange, StageName


class SettingSteps(ScriptBase):
    def settings(self, stage: StageName = StageName.CHANGE_IN_STAGING) -> list[Step]:
        """The live settings `stage` writes, then the ones it deletes, per slot (a slot's deletions follow
        its writes: a service principal's id gives way to the identity's client id in the same stage);
        for the change stage also the configuration files (config.patch)."""
        groups: dict[tuple[str, str | None, bool, str], list[SettingChange]] = defaultdict(list)
        deletes: dict[tuple[str, str | None], list[str]] = defaultdict(list)
        steps: list[Step] = []
        changes = [s for s in self.ctx.app.settings if s.stage is stage]
        file_settings = sorted(
            {s.where for s in changes if s.where not in ("app-setting", "connection-string")}
        )
        for s in changes:
            if s.where in ("app-setting", "connection-string") and s.action is SettingAction.REMOVE:
                deletes[(s.where, s.slot)].append(s.setting)
                continue
            if s.where not in ("app-setting", "connection-string") or s.action not in (
                SettingAction.ADD,
                SettingAction.REPLACE,
            ):
                continue
            if s.value_template is None or not cat.is_literal(s.value_template):
                self.notes.append(
                    Note(
                        self.ctx.app.app,
                        f"set {s.setting} ({s.where}) by hand: {s.value_template or 'no value template'}",
                    )
                )
                steps.append(Step(f"set {s.setting} by hand", notes=(s.value_template or "",)))
                continue
            ctype = ""
            if s.where == "connection-string":
                unit = self.ctx.unit(s.unit)
                ctype = cat.CONNECTION_STRING_TYPES.get(unit.service if unit else "", "Custom")
            groups[(s.where, s.slot, s.sticky, ctype)].append(s)
        for (where, slot, sticky, ctype), items in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2], kv[0][3])
        ):
            flag = "--slot-settings" if sticky else "--settings"
            pairs = " ".join(shlex.quote(f"{s.setting}={s.value_template}") for s in items)
            names = ", ".join(s.setting for s in items)
            kind = "slot setting" if sticky else "setting"
            if where == "connection-string":
                text = (
                    f"az webapp config connection-string set -g <resource-group> -n <app>{self.slot_flag(slot)} "
                    f"-t {ctype} {flag} {pairs}"
                )
                title = f"set connection string(s) {names} ({ctype}, {kind})"
            else:
                text = self.app_cmd(
                    f"az webapp config appsettings set -g <resource-group> -n <app>"
                    f"{self.slot_flag(slot)} {flag} {pairs}"
                )
                title = f"set app {kind}(s) {names}"
            steps.append(Step(title, self.cmd(text)))
        for (kind, slot), deleted in sorted(deletes.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            step = self.delete_step(
                kind, slot, deleted, "in the slot under test" if slot else "in production"
            )
            if (kind, slot) in {(w, s) for w, s, _sticky, _ctype in groups}:
                step = Step(
                    step.title,
                    step.command,
                    step.check,
                    (
                        "one change with the settings set above: the app restarts after each command, so token "
                        "requests can fail in between (`secretless migrate` makes both in one write)",
                    ),
                )
            steps.append(step)
        if self.ctx.app.kind is AppKind.KUBERNETES_WORKLOAD:
            return [*steps, *self.manifest_steps(changes)]
        for path in file_settings:
            steps.append(Step(f"configuration file {path}: apply config.patch (git apply)"))
        return steps

    def manifest_steps(self, changes: list[SettingChange]) -> list[Step]:
        """A Kubernetes workload's manifest changes: by hand (the plan says what), then applied to the
        cluster with kubectl (needs the cluster): listed, never run by the script."""
        by_where: dict[str, list[SettingChange]] = defaultdict(list)
        for c in changes:
            if c.where not in ("app-setting", "connection-string"):
                by_where[c.where].append(c)
        steps: list[Step] = []
        for where, items in sorted(by_where.items()):
            lines = tuple(
                f"{c.action.value} {c.setting}" + (f" = {c.value_template}" if c.value_template else "")
                for c in sorted(items, key=lambda c: (c.setting, c.action.value))
            )
            text = f"by hand: change {where}: " + "; ".join(lines)
            self.notes.append(Note(self.ctx.app.app, text))
            steps.append(Step(f"by hand: change {where}", notes=lines))
        apply = next(
            (
                x
                for st in self.ctx.app.stages
                if st.name is StageName.CHANGE_IN_STAGING
                for x in st.steps
                if x.startswith("by hand (needs the cluster)")
            ),
            None,
        )
        if apply and by_where:
            self.notes.append(Note(self.ctx.app.app, apply))
            steps.append(Step(apply))
        return steps

    def swap(self) -> list[Step]:
        if self.ctx.app.kind is AppKind.KUBERNETES_WORKLOAD:
            planned = next((st.steps for st in self.ctx.app.stages if st.name is StageName.SWAP), ())
            return [Step(x) for x in planned]
        if not self.ctx.app.slots:
            return [Step("no deployment slot: the production change of stage 3 is the cut-over")]
        steps = []
        for slot in self.ctx.app.slots:
            q = shlex.quote(slot)
            steps.append(
                Step(
                    f"swap with preview: {slot} gets production's slot settings",
                    self.cmd(self.app_cmd(cat.SWAP_PREVIEW.format(slot=q)) + " --target-slot production"),
                )
            )
            steps.append(
                Step(
                    f"complete the swap {slot} -> production",
                    self.cmd(self.app_cmd(cat.SWAP.format(slot=q)) + " --target-slot production"),
                    notes=("identities never swap: production now runs the new code as its own identity",),
                )
            )
        steps.append(
            Step(
                "restart production (field reports: identity changes can need a restart)",
                self.cmd(f"az {self.ctx.cli} restart -g <resource-group> -n <app>"),
            )
        )
        return steps

    def removals(self) -> list[Step]:
        """Stage 6: the old secrets leave production and every slot (a swap moves settings between them),
        after the settings this stage writes (a user-assigned identity's client id in place of a service
        principal's); then the app is verified again, with how to go back."""
        self.found.setdefault(HEALTH_URL, Variable(HEALTH_URL, HEALTH_URL))
        by_slot: dict[tuple[str, str | None], list[str]] = defaultdict(list)
        steps = [
            Step(
                f"deploy the new build to slot {slot} again first: after the swap it runs the previous "
                "production build, which still reads the old secrets"
            )
            for slot in self.ctx.app.slots[:1]
        ]
        steps += self.settings(StageName.REMOVE_SECRETS)
        for r in self.ctx.app.removals:
            if r.stage is not StageName.REMOVE_SECRETS:
                continue
            m = re.match(r"^(?P<app>.*?):(?P<kind>app-setting|connection-string):(?P<name>.+)$", r.where)
            if not m:
                how = (
                    "by hand, after verification (then kubectl apply)"
                    if self.ctx.app.kind is AppKind.KUBERNETES_WORKLOAD
                    else "config.patch removes it"
                )
                if self.ctx.app.kind is AppKind.KUBERNETES_WORKLOAD:
                    self.notes.append(
                        Note(self.ctx.app.app, f"after verification, by hand: remove {r.what} ({r.where})")
                    )
                steps.append(Step(f"remove {r.what}", notes=(f"{r.where}: {how}", r.why)))
                continue
            slot = m.group("app").split("/slots/")[1] if "/slots/" in m.group("app") else None
            by_slot[(m.group("kind"), slot)].append(
                m.group("name") if r.what.startswith("the old secret value") else r.what
            )
        for (kind, slot), names in sorted(by_slot.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            steps.append(
                self.delete_step(kind, slot, names, f"from slot {slot}" if slot else "from production")
            )
        if steps:
            steps.append(
                Step(
                    "verify again: the old secrets are gone, the identity serves every request (health gate; "
                    "check every slot too)",
                    notes=(
                        "to go back: restore a setting from the resource's current keys (until 07 rotates them), or "
                        f"issue a new client secret ({cat.ENTRA_CREDENTIAL_RESET}) until 07 deletes the app "
                        "credential",
                    ),
                    health_url=HEALTH_URL,
                )
            )
        return steps
