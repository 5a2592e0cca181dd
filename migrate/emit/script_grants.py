"""Stage 1 and 2 scripts: the identity, the prerequisites of each target (Entra admins, Entra auth,
Key Vault access) and the grants, with the SQL files for database users."""

from __future__ import annotations

import re
import shlex
import uuid

from migrate.emit.script_base import ScriptBase
from migrate.emit.script_model import Step
from migrate.emit.shell import var_name
from migrate.plan import catalog as cat
from migrate.plan.catalog import AuthorizationSystem
from migrate.plan.catalog import workload_identity as wi
from migrate.plan.records import AppKind, Grant, IdentityKind

SQL_AUTHORIZATIONS = (
    AuthorizationSystem.SQL_CONTAINED_USER,
    AuthorizationSystem.POSTGRES_ENTRA_ROLE,
    AuthorizationSystem.MYSQL_AAD_USER,
)
_NAMESPACE = uuid.UUID("6c1b1f0e-5d0c-4a57-9f3e-2f4b8a3e5a10")


class GrantSteps(ScriptBase):
    def grants(self) -> list[Step]:
        """Stage 2: the prerequisites of every target first, then the grants (principal ids read first)."""
        self.principals_read.clear()
        before = self.prerequisites()
        steps = [s for g in self.ctx.app.grants for s in self.grant(g)]
        return [*self.principal_reads(), *before, *steps]

    def prerequisites(self) -> list[Step]:
        """Entra admins and Entra auth of the databases and caches, read access to the vaults the app's
        Key Vault references name, then (user-assigned identity) keyVaultReferenceIdentity once that
        access is in effect: all before any grant."""
        ident = self.ctx.app.identity
        steps: list[Step] = []
        captured: set[str] = set()
        vault_waits: list[Step] = []
        reference_steps: list[Step] = []
        for p in self.ctx.app.prerequisites:
            notes = (p.why, f"source: {p.source}")
            if p.kind == wi.CREDENTIAL_KIND:
                continue  # made with the identity, in stage 1 (`workload_identity`)
            if p.command is None:
                steps.append(Step(f"{p.title}: by hand", notes=notes))
                continue
            text, check = p.command, p.check
            if p.principal is not None:
                planned = next(
                    (x.object_id for x in ident.principals if x.name == p.principal and x.slot == p.slot),
                    None,
                )
                if planned:
                    word = self.principal_id(p.principal, p.slot)
                    text = text.replace(planned, word)
                    check = check.replace(planned, word) if check else None
            reads = self.prerequisite_reads(p.kind, p.target, p.slot, captured)
            step = Step(p.title, self.cmd(text), self.cmd(check) if check else None, notes)
            if p.kind == cat.PrerequisiteKind.KEY_VAULT_REFERENCE_IDENTITY:
                reference_steps += [*reads, step]
                continue
            steps += [*reads, step]
            if p.kind == cat.PrerequisiteKind.KEY_VAULT_SECRETS_USER and check:
                vault_waits.append(
                    Step(
                        f"wait until {p.principal} holds Key Vault Secrets User on {p.target}",
                        self.cmd(check),
                        wait=True,
                    )
                )
        if reference_steps:
            steps += vault_waits
        return [*steps, *reference_steps]

    def prerequisite_reads(self, kind: str, target: str, slot: str | None, captured: set[str]) -> list[Step]:
        """Steps that read the resource ids a prerequisite command names (vault, app, identity)."""
        ident = self.ctx.app.identity
        wanted: list[tuple[str, str, str]] = []
        if kind == cat.PrerequisiteKind.KEY_VAULT_SECRETS_USER:
            wanted.append(
                (
                    f"vault-id of {target}",
                    f"az keyvault show -n {shlex.quote(target)} --query id -o tsv",
                    target,
                )
            )
        if kind == cat.PrerequisiteKind.KEY_VAULT_REFERENCE_IDENTITY:
            wanted.append(
                (
                    f"app-id of {target}",
                    f"az {self.ctx.cli} show -g <resource-group> -n <app>{self.slot_flag(slot)} --query id -o tsv",
                    target,
                )
            )
            name = shlex.quote(ident.name)
            wanted.append(
                (
                    f"{ident.name} resource id",
                    f"az identity show -g <resource-group> -n {name} --query id -o tsv",
                    ident.name,
                )
            )
        out: list[Step] = []
        for placeholder, text, what in wanted:
            if placeholder in captured:
                continue
            captured.add(placeholder)
            out.append(Step(f"read the resource id of {what}", self.cmd(text), capture=var_name(placeholder)))
        return out

    def identity(self) -> list[Step]:
        if self.ctx.app.kind is AppKind.KUBERNETES_WORKLOAD:
            return self.workload_identity()
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

    def workload_identity(self) -> list[Step]:
        """Stage 1 of a Kubernetes workload: the user-assigned identity and its federated credential for
        the pod's service account (issuer read from the cluster); no App Service identity assign."""
        ident = self.ctx.app.identity
        name = shlex.quote(ident.name)
        show = f"az identity show -g <resource-group> -n {name}"
        steps = [
            Step(
                "the AKS cluster has the OIDC issuer and workload identity turned on: by hand, once per cluster",
                notes=(wi.CLUSTER_ENABLE, f"source: {wi.SOURCE}"),
            )
        ]
        if not ident.existing:
            steps.append(
                Step(
                    f"create the user-assigned identity {ident.name}",
                    self.cmd(cat.IDENTITY_CREATE_USER.format(name=name)),
                    self.cmd(f"{show} --query id -o tsv"),
                )
            )
        for p in self.ctx.app.prerequisites:
            if p.kind != wi.CREDENTIAL_KIND or p.command is None:
                continue
            if wi.ISSUER_PLACEHOLDER in p.command:
                steps.append(
                    Step(
                        "read the OIDC issuer URL of the AKS cluster",
                        self.cmd(wi.OIDC_ISSUER_SHOW),
                        capture=var_name(wi.ISSUER_PLACEHOLDER[1:-1]),
                    )
                )
            steps.append(
                Step(
                    p.title,
                    self.cmd(p.command),
                    self.cmd(p.check) if p.check else None,
                    (p.why, f"source: {p.source}"),
                )
            )
        steps.append(
            Step(
                f"record the principal id of {ident.name} for the grants",
                self.cmd(f"{show} --query principalId -o tsv"),
            )
        )
        steps.append(
            Step(
                f"record the client id of {ident.name} for the service account annotation and AZURE_CLIENT_ID",
                self.cmd(f"{show} --query clientId -o tsv"),
                notes=(
                    "no App Service identity assign: the pod gets the identity through its service account",
                ),
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
            run = f"run sql/{key}.sql as the Microsoft Entra admin"
            if auth == AuthorizationSystem.POSTGRES_ENTRA_ROLE:
                # the Entra principal is created in the `postgres` database, the GRANTs in the app's
                first = f"{key}-{cat.POSTGRES_ADMIN_DATABASE}-database"
                if first not in self.sql:
                    self.sql_titles[first] = (
                        f"Microsoft Entra principals (run in the {cat.POSTGRES_ADMIN_DATABASE} database)",
                        f"the {cat.POSTGRES_ADMIN_DATABASE} database of server {resource}",
                    )
                create = cat.PG_CREATE_PRINCIPAL.format(name=g.principal)
                if create not in self.sql[first]:
                    self.sql[first].append(create)
                run = (
                    f"run sql/{first}.sql connected to the {cat.POSTGRES_ADMIN_DATABASE} database, then "
                    f"sql/{key}.sql in the app's database, as the Microsoft Entra admin"
                )
            return [
                Step(
                    f"{title}: {run}",
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
            return [f'-- TODO: GRANT the privileges the app needs ({g.access}) ON ... TO "{name}";']
        return [
            cat.MYSQL_CREATE_USER.format(name=name),
            f"-- TODO: GRANT the privileges the app needs ({g.access}) ON ... TO '{name}';",
        ]
