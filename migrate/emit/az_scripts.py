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
from migrate.plan.records import (
    AppKind,
    Grant,
    IdentityKind,
    SettingAction,
    SettingChange,
    SharedAccessRule,
    StageName,
)
from scanners.records import ServiceType

# App Service connection-string types (`az webapp config connection-string set -t`) per service.
SQL_AUTHORIZATIONS = (
    AuthorizationSystem.SQL_CONTAINED_USER,
    AuthorizationSystem.POSTGRES_ENTRA_ROLE,
    AuthorizationSystem.MYSQL_AAD_USER,
)
_NAMESPACE = uuid.UUID("6c1b1f0e-5d0c-4a57-9f3e-2f4b8a3e5a10")


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    command: Command | None = None
    check: Command | None = None  # prints something when the step is already done
    notes: tuple[str, ...] = ()
    capture: str | None = None  # the variable the command's output (one value) fills; empty output stops


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

    def grants(self) -> list[Step]:
        self.principals_read.clear()
        steps = [s for g in self.ctx.app.grants for s in self.grant(g)]
        return [*self.principal_reads(), *steps]

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
        used -= {s.capture for s in steps if s.capture}  # filled by the script itself
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
                steps.append(
                    Step(
                        f"assign the system-assigned identity{where} (no --scope: it would grant Contributor)",
                        self.cmd(cat.IDENTITY_ASSIGN_SYSTEM.format(cli=cli, slot=self.slot_flag(slot))),
                        self.cmd(
                            f"az {cli} identity show -g <resource-group> -n <app>{self.slot_flag(slot)} "
                            "--query principalId -o tsv"
                        ),
                    )
                )
                steps.append(
                    Step(
                        f"record the principal id{where} for the next stages",
                        self.cmd(
                            f"az {cli} identity show -g <resource-group> -n <app>{self.slot_flag(slot)} "
                            "--query principalId -o tsv"
                        ),
                    )
                )
            return steps
        name = shlex.quote(ident.name)
        if not ident.existing:
            steps.append(
                Step(
                    f"create the user-assigned identity {ident.name}",
                    self.cmd(cat.IDENTITY_CREATE_USER.format(name=name)),
                    self.cmd(f"az identity show -g <resource-group> -n {name} --query id -o tsv"),
                )
            )
        # the resource id exists only once the identity does: read it here, never ask for it up front
        steps.append(
            Step(
                f"read the resource id of {ident.name}",
                self.cmd(f"az identity show -g <resource-group> -n {name} --query id -o tsv"),
                capture=var_name(f"{ident.name} resource id"),
            )
        )
        for slot in slots:
            where = f" (slot {slot})" if slot else ""
            steps.append(
                Step(
                    f"assign {ident.name} to the app{where} (no --scope: it would grant Contributor)",
                    self.cmd(
                        cat.IDENTITY_ASSIGN_USER.format(cli=cli, slot=self.slot_flag(slot), name=ident.name)
                    ),
                )
            )
        steps.append(
            Step(
                f"record the principal id of {ident.name} for the grants",
                self.cmd(f"az identity show -g <resource-group> -n {name} --query principalId -o tsv"),
            )
        )
        steps.append(
            Step(
                f"record the client id of {ident.name} for the settings",
                self.cmd(f"az identity show -g <resource-group> -n {name} --query clientId -o tsv"),
            )
        )
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
            return [
                Step(
                    title,
                    self.cmd(
                        cat.ARM_GRANT.format(
                            principal=principal, guid=shlex.quote(role), scope=shlex.quote(g.scope)
                        )
                    ),
                    self.cmd(
                        f"az role assignment list --assignee-object-id {principal} --role {shlex.quote(role)} "
                        f"--scope {shlex.quote(g.scope)} --query [0].id -o tsv"
                    ),
                    notes,
                )
            ]
        if auth == AuthorizationSystem.COSMOS_SQL_RBAC:
            assignment = str(uuid.uuid5(_NAMESPACE, f"{resource}|{principal}|{g.role_guid}"))
            base = cat.COSMOS_GRANT.format(
                resource=shlex.quote(resource), principal=principal, guid=g.role_guid
            )
            return [
                Step(
                    title,
                    self.cmd(f"{base} --role-assignment-id {assignment}"),
                    self.cmd(
                        f"az cosmosdb sql role assignment show --account-name {shlex.quote(resource)} "
                        f"-g <target-resource-group> --role-assignment-id {assignment} --query id -o tsv"
                    ),
                    notes,
                )
            ]
        if auth == AuthorizationSystem.REDIS_ACCESS_POLICY:
            assignment = re.sub(r"[^a-z0-9]+", "-", f"{g.principal}-{g.role}".lower()).strip("-")
            return [
                Step(
                    title,
                    self.cmd(
                        cat.REDIS_GRANT.format(
                            resource=shlex.quote(resource),
                            role=g.role,
                            assignment=assignment,
                            principal=principal,
                            alias="<app>" if "<" in g.principal else shlex.quote(g.principal),
                        )
                    ),
                    self.cmd(
                        f"az redis access-policy-assignment show -g <target-resource-group> -n "
                        f"{shlex.quote(resource)} --policy-assignment-name {assignment} --query id -o tsv"
                    ),
                    notes,
                )
            ]
        if auth in SQL_AUTHORIZATIONS:
            key = re.sub(r"[^a-z0-9]+", "-", f"{auth}-{g.scope}".lower()).strip("-")
            if key not in self.sql:
                self.sql_titles[key] = (f"database grants for {g.principal}", g.scope)
            self.sql[key].extend(self.sql_lines(g, self.sql[key]))
            return [
                Step(
                    f"{title}: run sql/{key}.sql as the Microsoft Entra admin",
                    notes=(f"target: {g.scope}", "az has no core command for database users", *notes),
                )
            ]
        return [Step(title, notes=(f"not automated: {g.statement}", *notes))]

    def sql_lines(self, g: Grant, so_far: list[str]) -> list[str]:
        name = g.principal
        if g.authorization == AuthorizationSystem.SQL_CONTAINED_USER:
            create = cat.SQL_CREATE_USER.format(name=name)
            lines = [] if create in so_far else [create]
            return [*lines, cat.SQL_ADD_ROLE.format(role=g.role, name=name)]
        if g.authorization == AuthorizationSystem.POSTGRES_ENTRA_ROLE:
            return [
                cat.PG_CREATE_PRINCIPAL.format(name=name),
                f'-- TODO: GRANT the privileges the app needs ({g.access}) ON ... TO "{name}";',
            ]
        return [
            cat.MYSQL_CREATE_USER.format(name=name),
            f"-- TODO: GRANT the privileges the app needs ({g.access}) ON ... TO '{name}';",
        ]

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
        for path in file_settings:
            steps.append(Step(f"configuration file {path}: apply config.patch (git apply)"))
        return steps

    def delete_step(self, kind: str, slot: str | None, names: list[str], where: str) -> Step:
        quoted = " ".join(shlex.quote(n) for n in sorted(set(names)))
        if kind == "app-setting":
            text = self.app_cmd(cat.SETTINGS_DELETE.format(names=quoted, slot=self.slot_flag(slot)))
        else:  # `az functionapp` has no connection-string group: `az webapp` serves both
            text = cat.CONNECTION_STRINGS_DELETE.format(names=quoted, slot=self.slot_flag(slot))
        return Step(f"delete {kind} {', '.join(sorted(set(names)))} {where}", self.cmd(text))

    def swap(self) -> list[Step]:
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
                steps.append(Step(f"remove {r.what}", notes=(f"{r.where}: config.patch removes it", r.why)))
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
                    "verify again in production and every slot: the old secrets are gone, the identity serves every "
                    "request",
                    notes=(
                        "to go back: restore a setting from the resource's current keys (until 07 rotates them), or "
                        f"issue a new client secret ({cat.ENTRA_CREDENTIAL_RESET}) until 07 deletes the app "
                        "credential",
                    ),
                )
            )
        return steps

    def local_auth(self) -> list[Step]:
        steps: list[Step] = []
        for la in self.ctx.app.local_auth:
            notes = tuple(
                x
                for x in (
                    *la.exceptions,
                    la.unverified,
                    f"also used by: {', '.join(la.shared_with)} (in this plan): run this only after "
                    "they finished 06-remove-secrets"
                    if la.shared_with
                    else None,
                )
                if x
            )
            title = f"{la.service} {la.resource}: {la.property}"
            if la.command is None or la.blocked_reason:
                remaining = tuple(f"still uses a key: {c}" for c in la.remaining_consumers)
                steps.append(
                    Step(
                        f"{title}: NOT done, and its keys are not rotated",
                        notes=(la.blocked_reason or "no command", *remaining, *notes),
                    )
                )
                continue
            if not la.command.startswith("az "):
                steps.append(Step(f"{title}: by hand", notes=(la.command, *notes)))
            else:
                steps.append(Step(title, self.cmd(la.command), notes=notes))
            service = _service(la.service)
            rotations = cat.ROTATION_COMMANDS.get(service, ()) if service else ()
            rules = self.access_rules(service, la.resource) if service else ()
            if rules and service and "<" not in la.resource:
                steps += self.rule_renewals(service, la.resource, rules)
            elif rotations and "<" not in la.resource:
                for text in rotations:
                    steps.append(
                        Step(
                            f"{la.resource}: rotate the keys that were in use",
                            self.cmd(text.format(resource=shlex.quote(la.resource))),
                        )
                    )
            elif la.rotation:
                steps.append(Step(f"{la.resource}: rotate", notes=(la.rotation,)))
        seen: set[str] = set()
        for r in self.ctx.app.removals:
            if (
                r.stage is StageName.DISABLE_LOCAL_AUTH
                and r.command
                and cat.ENTRA_CREDENTIAL_DELETE in r.command
            ):
                # one credential per unit (setting): its own application id and key id
                label = r.unit.rsplit("::", 1)[-1] if r.unit else r.what
                if label in seen:
                    continue
                seen.add(label)
                if self.ctx.app.kind is AppKind.REPOSITORY_PROJECT:
                    steps.append(
                        Step(
                            f"delete {r.what} ({label}): NOT done",
                            notes=(
                                "review: repository-only plan: the deployed app's settings are not known and may still "
                                "hold this secret; scan the estate (secretless scan --subscription) and plan again first",
                                r.why,
                            ),
                        )
                    )
                    continue
                steps.append(
                    Step(
                        f"delete {r.what} ({label})",
                        self.cmd(
                            f"{cat.ENTRA_CREDENTIAL_DELETE} --id <application id for {label}> "
                            f"--key-id <key id of {label}>"
                        ),
                        notes=(
                            r.why,
                            "list the key ids with: az ad app credential list --id <application id>",
                        ),
                    )
                )
        return steps

    def access_rules(self, service: ServiceType, resource: str) -> list[SharedAccessRule]:
        """The shared access rules of `resource` whose keys this app's units held."""
        rules = {
            r
            for u in self.ctx.app.units
            if u.service == service and u.resource.lower() == resource.lower()
            for r in u.access_rules
        }
        return sorted(rules, key=lambda r: (r.level, r.entity or "", r.name))

    def rule_renewals(self, service: ServiceType, resource: str, rules: list[SharedAccessRule]) -> list[Step]:
        """Both keys of each rule, renewed where the rule lives (namespace or entity)."""
        steps: list[Step] = []
        q = shlex.quote
        for r in rules:
            template = cat.RULE_RENEW_COMMANDS.get((service, cat.RuleLevel(r.level)))
            where = f"{r.level} {r.entity}" if r.entity else "namespace"
            if template is None:
                steps.append(Step(f"{resource}: renew the keys of rule {r.name} ({where}) by hand"))
                continue
            notes: tuple[str, ...] = ()
            namespace_level = cat.RULE_RENEW_COMMANDS.get((service, cat.RuleLevel.NAMESPACE))
            if r.assumed and namespace_level:
                notes = (
                    f"{r.name} is taken to be a rule of {where} (the connection string names EntityPath="
                    f"{r.entity}); if it is a namespace rule, renew it with: "
                    + namespace_level.format(resource=resource, rule=r.name, key="PrimaryKey|SecondaryKey"),
                )
            for n, key in enumerate(cat.RULE_KEYS):
                steps.append(
                    Step(
                        f"{resource}: renew {key} of shared access rule {r.name} ({where})",
                        self.cmd(
                            template.format(
                                resource=q(resource), entity=q(r.entity or ""), rule=q(r.name), key=key
                            )
                        ),
                        notes=notes if n == 0 else (),
                    )
                )
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
        StageName.GRANT_ROLES: b.grants,
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
            script.confirm = (
                "this stage turns key/local auth off: confirm that no other consumer still uses "
                "keys (audit first) and that stages 1-6 are done"
            )
        out.append(script)
    return out, b


class AzScriptEmitter:
    """`az/NN-stage.sh` and `.ps1` per stage, plus `sql/*.sql` for database grants."""

    def emit(self, ctx: AppContext) -> EmitOutput:
        built, b = scripts(ctx)
        artifacts: list[Artifact] = []
        for s in built:
            artifacts.append(
                Artifact(f"az/{s.filename}.sh", render("az/script.sh.j2", script=s), executable=True)
            )
            artifacts.append(Artifact(f"az/{s.filename}.ps1", render("az/script.ps1.j2", script=s)))
        for key in sorted(b.sql):
            title, target = b.sql_titles[key]
            artifacts.append(
                Artifact(
                    f"sql/{key}.sql", render("az/grants.sql.j2", title=title, target=target, lines=b.sql[key])
                )
            )
        return EmitOutput(tuple(artifacts), tuple(b.notes))


__all__ = ["AzScriptEmitter", "SCRIPT_NAMES", "Script", "Step", "scripts", "var_name"]
