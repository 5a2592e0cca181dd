"""Stage 4 script: verification that proves something before anything is removed.

It waits (bounded: role assignments can take minutes to take effect) until every prerequisite and
grant reads back from Azure and every new setting is in place in the slot under test, then polls
the slot's health URL until it answers 2xx: the code there reads the new settings and gets its
tokens from the managed identity.  The template writes the verified marker only after all of it
passed; the swap, removal and local-auth scripts refuse to run without that marker.
"""

from __future__ import annotations

import shlex

from migrate.emit.script_grants import GrantSteps
from migrate.emit.script_model import HEALTH_URL, Step
from migrate.emit.shell import Variable
from migrate.plan.catalog import AuthorizationSystem
from migrate.plan.records import AppKind, SettingAction, StageName

_CHECKED_GRANTS = (
    AuthorizationSystem.ARM_RBAC,
    AuthorizationSystem.KEY_VAULT_RBAC,
    AuthorizationSystem.COSMOS_SQL_RBAC,
    AuthorizationSystem.REDIS_ACCESS_POLICY,
)


class VerifySteps(GrantSteps):
    def verify(self) -> list[Step]:
        self.principals_read.clear()
        waits: list[Step] = []
        seen: set[str] = set()

        def add(title: str, step: Step) -> None:
            if step.check is None or step.check.plain() in seen:
                return
            seen.add(step.check.plain())
            waits.append(Step(f"wait until {title}", step.check, wait=True))

        for p in self.ctx.app.prerequisites:
            if p.check and p.principal is None:
                add(f"{p.title} (read back)", Step(p.title, check=self.cmd(p.check)))
        for g in self.ctx.app.grants:
            if g.authorization in _CHECKED_GRANTS:
                for step in self.grant(g):
                    add(f"{step.title} is in effect", step)
        waits += self.setting_waits()
        self.found.setdefault(HEALTH_URL, Variable(HEALTH_URL, HEALTH_URL))
        target = f"slot {self.ctx.app.slots[0]}" if self.ctx.app.slots else "production"
        if self.ctx.app.kind is AppKind.KUBERNETES_WORKLOAD:
            target = "workload's (after kubectl apply and the rollout)"
        planned = next((st.steps for st in self.ctx.app.stages if st.name is StageName.VERIFY), ())
        health = Step(
            f"health gate: GET the {target} health URL until it answers 2xx (tokens come from the identity)",
            notes=planned,
            health_url=HEALTH_URL,
        )
        return [*self.principal_reads(), *waits, health]

    def setting_waits(self) -> list[Step]:
        """The new settings of stage 3 read back from the slot they were written to."""
        out: list[Step] = []
        seen: set[tuple[str, str | None, str]] = set()
        for s in self.ctx.app.settings:
            if (
                s.stage is not StageName.CHANGE_IN_STAGING
                or s.action not in (SettingAction.ADD, SettingAction.REPLACE)
                or s.where not in ("app-setting", "connection-string")
                or (s.where, s.slot, s.setting) in seen
            ):
                continue
            seen.add((s.where, s.slot, s.setting))
            query = shlex.quote(f'[?name==`"{s.setting}"`].name | [0]')  # a JSON literal: no quotes for PS
            if s.where == "app-setting":
                text = self.app_cmd(
                    f"az webapp config appsettings list -g <resource-group> -n <app>{self.slot_flag(s.slot)} "
                    f"--query {query} -o tsv"
                )
            else:  # `az functionapp` has no connection-string group
                text = (
                    f"az webapp config connection-string list -g <resource-group> -n <app>"
                    f"{self.slot_flag(s.slot)} --query {query} -o tsv"
                )
            where = f"slot {s.slot}" if s.slot else "production"
            out.append(Step(f"wait until {s.setting} is set in {where}", self.cmd(text), wait=True))
        return out
