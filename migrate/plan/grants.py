"""Grants: the third step of the planner.  For each planned unit, the narrowest role per facet of
its target (read, write or both, from the consuming code), granted to every principal of the app's
identity, as the statement of the service's authorization system (ARM RBAC, Cosmos DB SQL RBAC,
contained database users, Redis access policies).
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.plan import catalog as cat
from migrate.plan.catalog import AuthorizationSystem, Facet, Role, ServiceEntry
from migrate.plan.code_access import SourceReader, code_access
from migrate.plan.records import Access, Basis, Grant, IdentityDecision, Principal
from migrate.plan.units import CODE_ROLES, Unit, slug
from scanners.records import ConnectionStringAuditItem, ServiceType

S = ServiceType


def _scope(entry: ServiceEntry, resource: str) -> str:
    if entry.resource_type:
        return (
            f"/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/"
            f"{entry.resource_type}/{resource}"
        )
    return f"<resource id of {entry.display_name} {resource}>"


def _entity_scope(unit: Unit, facet: Facet, scope: str) -> tuple[str, str | None]:
    """(scope, narrower text): the entity's own resource id when the scan names the entity (the key
    or the code is bound to it) and the target has an ARM resource id; else the resource's scope and,
    when an entity is named but cannot be a scope, the text a reviewer narrows it to."""
    entity = cat.entity_name(unit.endpoint.get("entity"), unit.service, facet)
    if not entity or not scope.startswith("/subscriptions/"):
        return scope, None
    if unit.service is S.SERVICE_BUS:
        topic = any(
            cat.TOPIC_HINT_RE.search(i.redacted_preview) for i in unit.items if i.evidence_role in CODE_ROLES
        )
        if topic and unit.reads:
            # a topic receiver needs scope over the subscription, which the scan does not name
            return scope, f"subscription of topic {entity} (receive) and topic {entity} (send)"
        kind = "topic" if topic else "queue"
        return scope + cat.SERVICE_BUS_SCOPES[kind].format(entity=entity), f"{kind} {entity}"
    known = cat.ENTITY_SCOPES.get((unit.service, facet))
    if known is None:
        return scope, None
    what, path = known
    return scope + path.format(entity=entity), f"{what} {entity}"


_Row = tuple[Facet, Role, Access, Basis, str]


def _binding_rows(unit: Unit) -> tuple[list[_Row], bool]:
    """Roles of the Functions bindings among the unit's consumers (each from its binding's Learn
    page), and whether other consumers (SDK clients, bindings of unknown kind) remain."""
    rows: list[_Row] = []
    others = False
    for i in unit.items:
        if i.evidence_role not in CODE_ROLES:
            continue
        b = cat.binding_roles(i.redacted_preview)
        if b is None:
            others = True
            continue
        for facet, role in b.roles:
            reason = f"{b.kind.value} binding {i.redacted_preview}: the role its page names ({b.source})"
            if b.note:
                reason += f"; {b.note}"
            rows.append((facet, role, Access.WRITE if b.writes else Access.READ, Basis.INFERRED, reason))
    return rows, others or not rows


def _reads_only(unit: Unit) -> str | None:
    """The evidence that the unit only reads: a read-only consumption form the catalog knows."""
    form = cat.READ_ONLY_FORMS.get(unit.service)
    if form is None:
        return None
    seen = sorted(i.redacted_preview for i in unit.items if form.search(i.redacted_preview))
    return f"read-only form {seen[0]}" if seen else None


def _roles(unit: Unit, entry: ServiceEntry, sources: SourceReader | None = None) -> list[_Row]:
    out, others = _binding_rows(unit)
    if others:
        out += _client_rows(unit, entry, sources)
    seen: set[tuple[Facet, str]] = set()
    unique: list[_Row] = []
    for row in out:
        if (row[0], row[1].name) not in seen:
            seen.add((row[0], row[1].name))
            unique.append(row)
    return unique


def _client_rows(unit: Unit, entry: ServiceEntry, sources: SourceReader | None = None) -> list[_Row]:
    """Roles for SDK clients and configuration: read, write or both from what the code shows (the
    scan's previews, a read-only form, or the calls in the consuming files when they can be read)."""
    reads, writes, basis = unit.reads, unit.writes, unit.basis
    evidence = None
    if basis is Basis.ASSUMED:
        evidence = _reads_only(unit)
        if evidence:
            reads, writes, basis = True, False, Basis.INFERRED
        elif sources is not None and (found := code_access(unit, sources)) is not None:
            reads, writes, basis, evidence = found.reads, found.writes, Basis.INFERRED, found.evidence
    out: list[_Row] = []
    for facet in unit.facets:
        dr = entry.roles_for(facet)
        if dr is None:
            continue
        if facet is Facet.FUNCTIONS_HOST:
            out += [
                (
                    facet,
                    r,
                    Access.WRITE,
                    Basis.INFERRED,
                    "Functions host storage (AzureWebJobsStorage)" + (f"; {dr.note}" if dr.note else ""),
                )
                for r in dr.write
            ]
            continue
        superset = unit.service not in (S.SERVICE_BUS, S.EVENT_HUBS) and facet is not Facet.QUEUE
        chosen: list[tuple[Role, Access]] = []
        if writes:
            chosen += [(r, Access.WRITE) for r in dr.write]
        if reads and not (writes and superset):
            chosen += [(r, Access.READ) for r in dr.read]
        if not chosen:
            chosen = [(r, Access.WRITE) for r in dr.write] or [(r, Access.READ) for r in dr.read]
        for r, a in chosen:
            if basis is Basis.INFERRED:
                reason = f"{a.value} access inferred from the consuming code" + (
                    f" ({evidence})" if evidence else ""
                )
            else:
                reason = (
                    f"{a.value} access assumed: the scan saw no call that shows what the code does "
                    "(review: a reader role is enough if it only reads)"
                )
            if dr.note:
                reason += f"; {dr.note}"
            out.append((facet, r, a, basis, reason))
    return out


def _statement(
    entry: ServiceEntry, unit: Unit, role: Role, principal: Principal, scope: str, kv_rbac: bool | None
) -> str:
    resource = unit.resource or "<resource>"
    system = entry.authorization
    if system is AuthorizationSystem.COSMOS_SQL_RBAC:
        return cat.COSMOS_GRANT.format(resource=resource, principal=principal.object_id, guid=role.guid)
    if system is AuthorizationSystem.SQL_CONTAINED_USER:
        return (
            cat.SQL_CREATE_USER.format(name=principal.name)
            + " "
            + cat.SQL_ADD_ROLE.format(role=role.name, name=principal.name)
        )
    if system is AuthorizationSystem.POSTGRES_ENTRA_ROLE:
        return (
            cat.PG_CREATE_PRINCIPAL.format(name=principal.name) + f' then {role.name} to "{principal.name}"'
        )
    if system is AuthorizationSystem.MYSQL_AAD_USER:
        return cat.MYSQL_CREATE_USER.format(name=principal.name) + f" then {role.name} to '{principal.name}'"
    if system is AuthorizationSystem.REDIS_ACCESS_POLICY:
        alias = slug(principal.name)
        return cat.REDIS_GRANT.format(
            resource=resource,
            role=role.name,
            assignment=f"{alias}-{slug(role.name)}",
            principal=principal.object_id,
            alias=alias,
        )
    if system is AuthorizationSystem.KEY_VAULT_RBAC and kv_rbac is False:
        return (
            f"move vault {resource} to Azure RBAC first (az keyvault update --enable-rbac-authorization true), "
            "then: " + cat.ARM_GRANT.format(principal=principal.object_id, guid=role.guid, scope=scope)
        )
    return cat.ARM_GRANT.format(principal=principal.object_id, guid=role.guid or role.name, scope=scope)


def _kv_rbac(items: Iterable[ConnectionStringAuditItem]) -> bool | None:
    for i in items:
        for n in i.notes:
            if "uses Azure RBAC" in n:
                return True
            if "uses access policies" in n:
                return False
    return None


def unit_grants(
    unit: Unit, entry: ServiceEntry, identity: IdentityDecision, sources: SourceReader | None = None
) -> list[Grant]:
    """The unit's grants.  `sources` (optional) reads the scanned repository's files, so that access
    comes from the calls the consuming code makes (`migrate.plan.code_access`)."""
    out: list[Grant] = []
    resource = unit.resource or "<resource>"
    kv_rbac = _kv_rbac(unit.items)
    created: set[str] = set()
    for facet, role, access, basis, reason in _roles(unit, entry, sources):
        for p in identity.principals:
            system = entry.authorization
            narrower: str | None = None
            if system is AuthorizationSystem.SQL_CONTAINED_USER:
                scope = f"database {unit.endpoint.get('database', '<database>')} on server {resource}"
            elif system in (AuthorizationSystem.POSTGRES_ENTRA_ROLE, AuthorizationSystem.MYSQL_AAD_USER):
                scope = f"server {resource}" + (
                    f", database {unit.endpoint['database']}" if unit.endpoint.get("database") else ""
                )
            elif system is AuthorizationSystem.COSMOS_SQL_RBAC:
                scope = f'Cosmos DB account {resource}, scope "/"'
            elif system is AuthorizationSystem.REDIS_ACCESS_POLICY:
                scope = f"cache {resource}"
            else:
                scope, narrower = _entity_scope(unit, facet, _scope(entry, resource))
            statement = _statement(entry, unit, role, p, scope, kv_rbac)
            if system is AuthorizationSystem.SQL_CONTAINED_USER and p.name in created:
                statement = cat.SQL_ADD_ROLE.format(role=role.name, name=p.name)
            created.add(p.name)
            if unit.service is S.APPLICATION_INSIGHTS:
                basis, reason = Basis.INFERRED, "telemetry ingestion with Microsoft Entra ID"
            unverified = role.unverified
            if system is AuthorizationSystem.KEY_VAULT_RBAC and kv_rbac is None:
                unverified = "whether the vault uses the RBAC permission model"
            out.append(
                Grant(
                    unit=unit.key,
                    principal=p.name,
                    slot=p.slot,
                    authorization=str(system),
                    role=role.name,
                    role_guid=role.guid,
                    scope=scope,
                    narrower_scope=narrower,
                    access=access,
                    basis=basis,
                    reason=reason,
                    statement=statement,
                    unverified=f"{cat.UNVERIFIED}: {unverified}" if unverified else None,
                )
            )
    return out
