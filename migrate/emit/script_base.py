"""What every stage's script builder shares: the app's context, the variables found so far, commands
from catalog templates, principal ids (known or read from Azure by an earlier step of the script)."""

from __future__ import annotations

import re
import shlex
from collections import defaultdict

from migrate.emit.model import AppContext, Note
from migrate.emit.script_model import Step
from migrate.emit.shell import Command, Variable, var_name
from migrate.plan import catalog as cat
from migrate.plan.records import AppKind, IdentityKind


class ScriptBase:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.found: dict[str, Variable] = {}
        self.notes: list[Note] = []
        self.sql: dict[str, list[str]] = defaultdict(list)
        self.sql_titles: dict[str, tuple[str, str]] = {}
        self.principals_read: dict[str, tuple[str, str | None]] = {}  # placeholder -> (principal, slot)

    # -- helpers --------------------------------------------------------------------------
    def cmd(self, text: str) -> Command:
        return Command.parse(text, self.found)

    def slot_flag(self, slot: str | None) -> str:
        return f" --slot {shlex.quote(slot)}" if slot else ""

    def app_cmd(self, text: str) -> str:
        """A catalog `az webapp ...` command for this app's kind (function apps: `az functionapp`)."""
        return re.sub(r"^az webapp ", f"az {self.ctx.cli} ", text)

    def principal_id(self, name: str, slot: str | None = None) -> str:
        """The principal id when the scan knows it, else a placeholder that a preceding step of the
        same script fills from Azure (`principal_reads`): one word, never a nested placeholder."""
        found = next(
            (p for p in self.ctx.app.identity.principals if p.name == name and p.slot == slot), None
        ) or next((p for p in self.ctx.app.identity.principals if p.name == name), None)
        if found is not None and not found.object_id.startswith("<"):
            return found.object_id
        slot = found.slot if found is not None else slot
        # a repository app's name is itself a placeholder (`<app name of src/Web>`): it is <app> here
        who = name if "<" not in name else "app" + (f"/slots/{slot}" if slot else "")
        placeholder = f"<principalId of {who}>"
        self.principals_read.setdefault(placeholder, (name, slot))
        return placeholder

    def principal_reads(self) -> list[Step]:
        """Steps that fill each principal id placeholder used so far from Azure (stage 1 made it)."""
        ident = self.ctx.app.identity
        steps: list[Step] = []
        for placeholder, (name, slot) in sorted(self.principals_read.items()):
            if ident.kind is IdentityKind.USER_ASSIGNED and name == ident.name:
                text = (
                    f"az identity show -g <resource-group> -n {shlex.quote(name)} --query principalId -o tsv"
                )
            else:
                text = (
                    f"az {self.ctx.cli} identity show -g <resource-group> -n <app>{self.slot_flag(slot)} "
                    "--query principalId -o tsv"
                )
            steps.append(
                Step(
                    f"read the principal id of {name} (enabled in stage 1)",
                    self.cmd(text),
                    capture=var_name(placeholder[1:-1]),
                )
            )
        return steps

    def hint(self, v: Variable) -> str:
        text = v.hint
        ident = self.ctx.app.identity
        if text.startswith("principalId of "):
            who = text.removeprefix("principalId of ")
            if ident.kind is IdentityKind.USER_ASSIGNED and who == ident.name:
                return f"az identity show -g <resource-group> -n {who} --query principalId -o tsv"
            slot = who.split("/slots/")[1] if "/slots/" in who else None
            return (
                f"az {self.ctx.cli} identity show -g <resource-group> -n <app>{self.slot_flag(slot)} "
                "--query principalId -o tsv"
            )
        if text.startswith("client-id of "):
            return f"az identity show -g <resource-group> -n {text.removeprefix('client-id of ')} --query clientId -o tsv"
        if text.endswith(" resource id") and ident.kind is IdentityKind.USER_ASSIGNED:
            return f"az identity show -g <resource-group> -n {ident.name} --query id -o tsv"
        known = {
            "ENTRA_ADMIN_NAME": "display name of the Microsoft Entra admin (a user or group) of the server",
            "ENTRA_ADMIN_OBJECT_ID": "object id of that Microsoft Entra admin",
            "MYSQL_SERVER_IDENTITY": "name or resource id of a user-assigned identity for the MySQL server",
            "HEALTH_URL": "a URL that exercises every dependency and answers 2xx: 04 the slot under test, "
            "06 production",
            "AKS_CLUSTER": "name of the AKS cluster the workload runs on",
            "AKS_RESOURCE_GROUP": "resource group of the AKS cluster",
        }
        if v.name in known:
            return known[v.name]
        if v.name == "RESOURCE_GROUP":
            if self.ctx.app.kind is AppKind.KUBERNETES_WORKLOAD:
                return "the resource group of the workload's user-assigned identity"
            return "the resource group of the app"
        if v.name == "APP_NAME":
            return "the App Service or Function app name"
        return text

    def variables_for(self, steps: list[Step]) -> list[Variable]:
        used: set[str] = set()
        for s in steps:
            for c in (s.command, s.check):
                if c is not None:
                    used.update(c.variables())
            if s.health_url:
                used.add(s.health_url)
        used -= {s.capture for s in steps if s.capture}  # filled by the script itself
        defaults = {"RESOURCE_GROUP": self.ctx.resource_group, "APP_NAME": self.ctx.app_name}
        out = []
        for name in sorted(used, key=lambda n: (n not in defaults, n)):
            base = self.found.get(name, Variable(name, name.lower()))
            out.append(Variable(name, self.hint(base), defaults.get(name)))
        return out

    # -- stages ---------------------------------------------------------------------------
    def delete_step(self, kind: str, slot: str | None, names: list[str], where: str) -> Step:
        quoted = " ".join(shlex.quote(n) for n in sorted(set(names)))
        if kind == "app-setting":
            text = self.app_cmd(cat.SETTINGS_DELETE.format(names=quoted, slot=self.slot_flag(slot)))
        else:  # `az functionapp` has no connection-string group: `az webapp` serves both
            text = cat.CONNECTION_STRINGS_DELETE.format(names=quoted, slot=self.slot_flag(slot))
        return Step(f"delete {kind} {', '.join(sorted(set(names)))} {where}", self.cmd(text))
