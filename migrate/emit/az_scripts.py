"""`az` scripts per stage (bash and PowerShell twins) and the SQL grant files, from the plan.

Command shapes come from `migrate.plan.catalog` (the service facts table); this module only chooses
which command a plan record needs and which values fill it.  Placeholders become checked
variables (`migrate.emit.shell`); secret values never reach a script: settings carry the plan's
endpoint-only value templates.
"""

from __future__ import annotations

import re
import shlex
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from migrate.emit.model import AppContext, Artifact, EmitOutput, Note
from migrate.emit.shell import Command, Variable, var_name
from migrate.emit.templating import render
from migrate.plan import catalog as cat
from migrate.plan.catalog import AuthorizationSystem
from migrate.plan.records import Grant, IdentityKind, SettingAction, SettingChange, StageName
from scanners.records import ServiceType

# App Service connection-string types (`az webapp config connection-string set -t`) per service.
SQL_AUTHORIZATIONS = (AuthorizationSystem.SQL_CONTAINED_USER, AuthorizationSystem.POSTGRES_ENTRA_ROLE,
                      AuthorizationSystem.MYSQL_AAD_USER)
_NAMESPACE = uuid.UUID("6c1b1f0e-5d0c-4a57-9f3e-2f4b8a3e5a10")


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    command: Command | None = None
    check: Command | None = None  # prints something when the step is already done
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class Script:
    stage: StageName
    number: int
    filename: str
    title: str
    gate: str
    steps: list[Step] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    confirm: str | None = None


# Stage → script file name (without extension); inventory has no commands.
SCRIPT_NAMES: dict[StageName, str] = {
    StageName.ENABLE_IDENTITY: "01-identity",
    StageName.GRANT_ROLES: "02-grant-roles",
    StageName.CHANGE_IN_STAGING: "03-settings",
    StageName.VERIFY: "04-verify",
    StageName.SWAP: "05-swap",
    StageName.REMOVE_SECRETS: "06-remove-secrets",
    StageName.DISABLE_LOCAL_AUTH: "07-disable-local-auth",
}


class _Builder:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.found: dict[str, Variable] = {}
        self.notes: list[Note] = []
        self.sql: dict[str, list[str]] = defaultdict(list)
        self.sql_titles: dict[str, tuple[str, str]] = {}

    # -- helpers --------------------------------------------------------------------------
    def cmd(self, text: str) -> Command:
        return Command.parse(text, self.found)

    def slot_flag(self, slot: str | None) -> str:
        return f" --slot {shlex.quote(slot)}" if slot else ""

    def app_cmd(self, text: str) -> str:
        """A catalog `az webapp ...` command for this app's kind (function apps: `az functionapp`)."""
        return re.sub(r"^az webapp ", f"az {self.ctx.cli} ", text)

    def principal_id(self, name: str, slot: str | None = None) -> str:
        for p in self.ctx.app.identity.principals:
            if p.name == name and p.slot == slot:
                return p.object_id
        for p in self.ctx.app.identity.principals:
            if p.name == name:
                return p.object_id
        return f"<principalId of {name}>"

    def hint(self, v: Variable) -> str:
        text = v.hint
        ident = self.ctx.app.identity
        if text.startswith("principalId of "):
            who = text.removeprefix("principalId of ")
            if ident.kind is IdentityKind.USER_ASSIGNED and who == ident.name:
                return f"az identity show -g <resource-group> -n {who} --query principalId -o tsv"
            slot = who.split("/slots/")[1] if "/slots/" in who else None
            return (f"az {self.ctx.cli} identity show -g <resource-group> -n <app>{self.slot_flag(slot)} "
                    "--query principalId -o tsv")
        if text.startswith("client-id of "):
            return f"az identity show -g <resource-group> -n {text.removeprefix('client-id of ')} --query clientId -o tsv"
        if text.endswith(" resource id") and ident.kind is IdentityKind.USER_ASSIGNED:
            return f"az identity show -g <resource-group> -n {ident.name} --query id -o tsv"
        if v.name == "RESOURCE_GROUP":
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
        defaults = {"RESOURCE_GROUP": self.ctx.resource_group, "APP_NAME": self.ctx.app_name}
        out = []
        for name in sorted(used, key=lambda n: (n not in defaults, n)):
            base = self.found.get(name, Variable(name, name.lower()))
            out.append(Variable(name, self.hint(base), defaults.get(name)))
        return out

    # -- stages ---------------------------------------------------------------------------
    def identity(self) -> list[Step]:
        ident = self.ctx.app.identity
        slots: list[str | None] = [None, *self.ctx.app.slots]
        steps: list[Step] = []
        cli = self.ctx.cli
        if ident.kind is IdentityKind.SYSTEM_ASSIGNED:
            for slot in slots:
                where = f" (slot {slot})" if slot else ""
                steps.append(Step(
                    f"assign the system-assigned identity{where} (no --scope: it would grant Contributor)",
                    self.cmd(cat.IDENTITY_ASSIGN_SYSTEM.format(cli=cli, slot=self.slot_flag(slot))),
                    self.cmd(f"az {cli} identity show -g <resource-group> -n <app>{self.slot_flag(slot)} "
                             "--query principalId -o tsv")))
                steps.append(Step(
                    f"record the principal id{where} for the next stages",
                    self.cmd(f"az {cli} identity show -g <resource-group> -n <app>{self.slot_flag(slot)} "
                             "--query principalId -o tsv")))
            return steps
        name = shlex.quote(ident.name)
        if not ident.existing:
            steps.append(Step(
                f"create the user-assigned identity {ident.name}",
                self.cmd(cat.IDENTITY_CREATE_USER.format(name=name)),
                self.cmd(f"az identity show -g <resource-group> -n {name} --query id -o tsv")))
        for slot in slots:
            where = f" (slot {slot})" if slot else ""
            steps.append(Step(
                f"assign {ident.name} to the app{where} (no --scope: it would grant Contributor)",
                self.cmd(cat.IDENTITY_ASSIGN_USER.format(cli=cli, slot=self.slot_flag(slot), name=ident.name))))
        steps.append(Step(f"record the principal id of {ident.name} for the grants",
                          self.cmd(f"az identity show -g <resource-group> -n {name} --query principalId -o tsv")))
        steps.append(Step(f"record the client id of {ident.name} for the settings",
                          self.cmd(f"az identity show -g <resource-group> -n {name} --query clientId -o tsv")))
        return steps

    def grant(self, g: Grant) -> list[Step]:
        unit = self.ctx.unit(g.unit)
        resource = unit.resource if unit else g.scope
        principal = self.principal_id(g.principal, g.slot)
        auth = g.authorization
        notes = tuple(x for x in (g.unverified,) if x)
        title = f"grant {g.role} to {g.principal} on {resource}"
        if auth in (AuthorizationSystem.ARM_RBAC, AuthorizationSystem.KEY_VAULT_RBAC):
            role = g.role_guid or g.role
            return [Step(
                title,
                self.cmd(cat.ARM_GRANT.format(principal=principal, guid=shlex.quote(role),
                                              scope=shlex.quote(g.scope))),
                self.cmd(f"az role assignment list --assignee-object-id {principal} --role {shlex.quote(role)} "
                         f"--scope {shlex.quote(g.scope)} --query [0].id -o tsv"),
                notes)]
        if auth == AuthorizationSystem.COSMOS_SQL_RBAC:
            assignment = str(uuid.uuid5(_NAMESPACE, f"{resource}|{principal}|{g.role_guid}"))
            base = cat.COSMOS_GRANT.format(resource=shlex.quote(resource), principal=principal, guid=g.role_guid)
            return [Step(
                title,
                self.cmd(f"{base} --role-assignment-id {assignment}"),
                self.cmd(f"az cosmosdb sql role assignment show --account-name {shlex.quote(resource)} "
                         f"-g <target-resource-group> --role-assignment-id {assignment} --query id -o tsv"),
                notes)]
        if auth == AuthorizationSystem.REDIS_ACCESS_POLICY:
            assignment = re.sub(r"[^a-z0-9]+", "-", f"{g.principal}-{g.role}".lower()).strip("-")
            return [Step(
                title,
                self.cmd(cat.REDIS_GRANT.format(resource=shlex.quote(resource), role=g.role, assignment=assignment,
                                                principal=principal, alias=shlex.quote(g.principal))),
                self.cmd(f"az redis access-policy-assignment show -g <target-resource-group> -n "
                         f"{shlex.quote(resource)} --policy-assignment-name {assignment} --query id -o tsv"),
                notes)]
        if auth in SQL_AUTHORIZATIONS:
            key = re.sub(r"[^a-z0-9]+", "-", f"{auth}-{g.scope}".lower()).strip("-")
            if key not in self.sql:
                self.sql_titles[key] = (f"database grants for {g.principal}", g.scope)
            self.sql[key].extend(self.sql_lines(g, self.sql[key]))
            return [Step(f"{title}: run sql/{key}.sql as the Microsoft Entra admin",
                         notes=(f"target: {g.scope}", "az has no core command for database users", *notes))]
        return [Step(title, notes=(f"not automated: {g.statement}", *notes))]

    def sql_lines(self, g: Grant, so_far: list[str]) -> list[str]:
        name = g.principal
        if g.authorization == AuthorizationSystem.SQL_CONTAINED_USER:
            create = cat.SQL_CREATE_USER.format(name=name)
            lines = [] if create in so_far else [create]
            return [*lines, cat.SQL_ADD_ROLE.format(role=g.role, name=name)]
        if g.authorization == AuthorizationSystem.POSTGRES_ENTRA_ROLE:
            return [cat.PG_CREATE_PRINCIPAL.format(name=name),
                    f'-- TODO: GRANT the privileges the app needs ({g.access}) ON ... TO "{name}";']
        return [cat.MYSQL_CREATE_USER.format(name=name),
                f"-- TODO: GRANT the privileges the app needs ({g.access}) ON ... TO '{name}';"]

    def settings(self) -> list[Step]:
        groups: dict[tuple[str, str | None, bool, str], list[SettingChange]] = defaultdict(list)
        steps: list[Step] = []
        file_settings = sorted({s.where for s in self.ctx.app.settings
                                if s.where not in ("app-setting", "connection-string")})
        for s in self.ctx.app.settings:
            if s.where not in ("app-setting", "connection-string") or s.action not in (
                    SettingAction.ADD, SettingAction.REPLACE):
                continue
            if s.value_template is None or not cat.is_literal(s.value_template):
                self.notes.append(Note(self.ctx.app.app, f"set {s.setting} ({s.where}) by hand: "
                                                         f"{s.value_template or 'no value template'}"))
                steps.append(Step(f"set {s.setting} by hand", notes=(s.value_template or "",)))
                continue
            ctype = ""
            if s.where == "connection-string":
                unit = self.ctx.unit(s.unit)
                ctype = cat.CONNECTION_STRING_TYPES.get(unit.service if unit else "", "Custom")
            groups[(s.where, s.slot, s.sticky, ctype)].append(s)
        for (where, slot, sticky, ctype), items in sorted(groups.items(), key=lambda kv: (
                kv[0][0], kv[0][1] or "", kv[0][2], kv[0][3])):
            flag = "--slot-settings" if sticky else "--settings"
            pairs = " ".join(shlex.quote(f"{s.setting}={s.value_template}") for s in items)
            names = ", ".join(s.setting for s in items)
            kind = "slot setting" if sticky else "setting"
            if where == "connection-string":
                text = (f"az webapp config connection-string set -g <resource-group> -n <app>{self.slot_flag(slot)} "
                        f"-t {ctype} {flag} {pairs}")
                title = f"set connection string(s) {names} ({ctype}, {kind})"
            else:
                text = self.app_cmd(f"az webapp config appsettings set -g <resource-group> -n <app>"
                                    f"{self.slot_flag(slot)} {flag} {pairs}")
                title = f"set app {kind}(s) {names}"
            steps.append(Step(title, self.cmd(text)))
        for path in file_settings:
            steps.append(Step(f"configuration file {path}: apply config.patch (git apply)"))
        return steps

    def swap(self) -> list[Step]:
        if not self.ctx.app.slots:
            return [Step("no deployment slot: the production change of stage 3 is the cut-over")]
        steps = []
        for slot in self.ctx.app.slots:
            q = shlex.quote(slot)
            steps.append(Step(f"swap with preview: {slot} gets production's slot settings",
                              self.cmd(self.app_cmd(cat.SWAP_PREVIEW.format(slot=q)) + " --target-slot production")))
            steps.append(Step(f"complete the swap {slot} -> production",
                              self.cmd(self.app_cmd(cat.SWAP.format(slot=q)) + " --target-slot production"),
                              notes=("identities never swap: production now runs the new code as its own identity",)))
        steps.append(Step("restart production (field reports: identity changes can need a restart)",
                          self.cmd(f"az {self.ctx.cli} restart -g <resource-group> -n <app>")))
        return steps

    def removals(self) -> list[Step]:
        by_slot: dict[tuple[str, str | None], list[str]] = defaultdict(list)
        steps: list[Step] = []
        for r in self.ctx.app.removals:
            if r.stage is not StageName.REMOVE_SECRETS:
                continue
            m = re.match(r"^(?P<app>.*?):(?P<kind>app-setting|connection-string):(?P<name>.+)$", r.where)
            if not m:
                steps.append(Step(f"remove {r.what}", notes=(f"{r.where}: config.patch removes it", r.why)))
                continue
            if r.what.startswith("the old secret value"):
                steps.append(Step(f"{r.what}: overwritten in stage 3", notes=(r.why,)))
                continue
            slot = m.group("app").split("/slots/")[1] if "/slots/" in m.group("app") else None
            by_slot[(m.group("kind"), slot)].append(m.group("name"))
        for (kind, slot), names in sorted(by_slot.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            quoted = " ".join(shlex.quote(n) for n in sorted(names))
            if kind == "app-setting":
                text = self.app_cmd(cat.SETTINGS_DELETE.format(names=quoted, slot=self.slot_flag(slot)))
            else:
                text = (f"az webapp config connection-string delete -g <resource-group> -n <app> "
                        f"--setting-names {quoted}{self.slot_flag(slot)}")
            steps.append(Step(f"delete {kind} {', '.join(sorted(names))}", self.cmd(text)))
        return steps

    def local_auth(self) -> list[Step]:
        steps: list[Step] = []
        for la in self.ctx.app.local_auth:
            notes = tuple(x for x in (*la.exceptions, la.unverified,
                                      f"also used by: {', '.join(la.shared_with)}" if la.shared_with else None) if x)
            title = f"{la.service} {la.resource}: {la.property}"
            if la.command is None or la.blocked_reason:
                steps.append(Step(f"{title}: NOT done", notes=(la.blocked_reason or "no command", *notes)))
            elif not la.command.startswith("az "):
                steps.append(Step(f"{title}: by hand", notes=(la.command, *notes)))
            else:
                steps.append(Step(title, self.cmd(la.command), notes=notes))
            service = _service(la.service)
            rotations = cat.ROTATION_COMMANDS.get(service, ()) if service else ()
            if la.command is not None and not la.blocked_reason and rotations and "<" not in la.resource:
                for text in rotations:
                    steps.append(Step(f"{la.resource}: rotate the keys that were in use",
                                      self.cmd(text.format(resource=shlex.quote(la.resource)))))
            elif la.rotation:
                steps.append(Step(f"{la.resource}: rotate", notes=(la.rotation,)))
        for r in self.ctx.app.removals:
            if r.stage is StageName.DISABLE_LOCAL_AUTH and r.command and cat.ENTRA_CREDENTIAL_DELETE in r.command:
                steps.append(Step(
                    f"delete {r.what}",
                    self.cmd(f"{cat.ENTRA_CREDENTIAL_DELETE} --id <application id of the service principal> "
                             "--key-id <key id of the client secret>"),
                    notes=(r.why, "list the key ids with: az ad app credential list --id <application id>")))
        return steps

    def verify(self) -> list[Step]:
        for st in self.ctx.app.stages:
            if st.name is StageName.VERIFY:
                return [Step(s) for s in st.steps]
        return []


def _service(value: str) -> ServiceType | None:
    try:
        return ServiceType(value)
    except ValueError:
        return None


def scripts(ctx: AppContext) -> tuple[list[Script], _Builder]:
    b = _Builder(ctx)
    gates = {s.name: s.gate for s in ctx.app.stages}
    build = {
        StageName.ENABLE_IDENTITY: b.identity,
        StageName.GRANT_ROLES: lambda: [s for g in ctx.app.grants for s in b.grant(g)],
        StageName.CHANGE_IN_STAGING: b.settings,
        StageName.VERIFY: b.verify,
        StageName.SWAP: b.swap,
        StageName.REMOVE_SECRETS: b.removals,
        StageName.DISABLE_LOCAL_AUTH: b.local_auth,
    }
    out: list[Script] = []
    for number, (stage, name) in enumerate(SCRIPT_NAMES.items(), start=1):
        steps = build[stage]()
        script = Script(stage, number, name, f"{ctx.app.app}: {stage}", gates.get(stage, "-"), steps)
        script.variables = b.variables_for(steps)
        if stage is StageName.DISABLE_LOCAL_AUTH:
            script.confirm = ("this stage turns key/local auth off: confirm that no other consumer still uses "
                              "keys (audit first) and that stages 1-6 are done")
        out.append(script)
    return out, b


class AzScriptEmitter:
    """`az/NN-stage.sh` and `.ps1` per stage, plus `sql/*.sql` for database grants."""

    def emit(self, ctx: AppContext) -> EmitOutput:
        built, b = scripts(ctx)
        artifacts: list[Artifact] = []
        for s in built:
            artifacts.append(Artifact(f"az/{s.filename}.sh", render("az/script.sh.j2", script=s), executable=True))
            artifacts.append(Artifact(f"az/{s.filename}.ps1", render("az/script.ps1.j2", script=s)))
        for key in sorted(b.sql):
            title, target = b.sql_titles[key]
            artifacts.append(Artifact(f"sql/{key}.sql", render("az/grants.sql.j2", title=title, target=target,
                                                                 lines=b.sql[key])))
        return EmitOutput(tuple(artifacts), tuple(b.notes))


__all__ = ["AzScriptEmitter", "SCRIPT_NAMES", "Script", "Step", "scripts", "var_name"]
