"""Grants: the third step of the planner.  For each planned unit, the narrowest role per facet of
its target (read, write or both, from the consuming code), granted to every principal of the app's
identity, as the statement of the service's authorization system (ARM RBAC, Cosmos DB SQL RBAC,
contained database users, Redis access policies).
"""

from __future__ import annotations

from collections.abc import Iterable

from migrate.plan import catalog as cat
from migrate.plan.catalog import AuthorizationSystem, Facet, Role, ServiceEntry
from migrate.plan.records import Access, Basis, Grant, IdentityDecision, Principal
from migrate.plan.units import Unit, blob_trigger, slug
from scanners.records import ConnectionStringAuditItem, ServiceType

S = ServiceType


def _scope(entry: ServiceEntry, resource: str) -> str:
    if entry.resource_type:
        return (
            f"/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/"
            f"{entry.resource_type}/{resource}"
        )
    return f"<resource id of {entry.display_name} {resource}>"


def _narrower(unit: Unit, facet: Facet) -> str | None:
    entity = unit.endpoint.get("entity")
    if not entity:
        return None
    if unit.service is S.STORAGE and facet is Facet.BLOB:
        return f"container {entity.split('/', 1)[0]}"
    if unit.service is S.STORAGE and facet is Facet.QUEUE:
        return f"queue {entity.split('/', 1)[0]}"
    if unit.service is S.SERVICE_BUS:
        return f"queue or topic {entity}"
    if unit.service is S.EVENT_HUBS:
        return f"event hub {entity}"
    return None


def _roles(unit: Unit, entry: ServiceEntry) -> list[tuple[Facet, Role, Access, str]]:
    out: list[tuple[Facet, Role, Access, str]] = []
    if unit.service is S.STORAGE and blob_trigger(unit.items):
        for role in cat.BLOB_TRIGGER_ROLES:
            out.append(
                (
                    Facet.BLOB if "Blob" in role.name else Facet.QUEUE,
                    role,
                    Access.WRITE,
                    "blob trigger: blob data role plus queue data role (the trigger uses queues)",
                )
            )
        return out
    for facet in unit.facets:
        dr = entry.roles_for(facet)
        if dr is None:
            continue
        if facet is Facet.FUNCTIONS_HOST:
            out += [(facet, r, Access.WRITE, dr.note or "") for r in dr.write]
            continue
        superset = unit.service not in (S.SERVICE_BUS, S.EVENT_HUBS) and facet is not Facet.QUEUE
        chosen: list[tuple[Role, Access]] = []
        if unit.writes:
            chosen += [(r, Access.WRITE) for r in dr.write]
        if unit.reads and not (unit.writes and superset):
            chosen += [(r, Access.READ) for r in dr.read]
        if not chosen:
            chosen = [(r, Access.WRITE) for r in dr.write] or [(r, Access.READ) for r in dr.read]
        seen: set[str] = set()
        for r, a in chosen:
            if r.name not in seen:
                seen.add(r.name)
                out.append((facet, r, a, dr.note or ""))
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


def unit_grants(unit: Unit, entry: ServiceEntry, identity: IdentityDecision) -> list[Grant]:
    out: list[Grant] = []
    resource = unit.resource or "<resource>"
    kv_rbac = _kv_rbac(unit.items)
    created: set[str] = set()
    for facet, role, access, note in _roles(unit, entry):
        for p in identity.principals:
            system = entry.authorization
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
                scope = _scope(entry, resource)
            statement = _statement(entry, unit, role, p, scope, kv_rbac)
            if system is AuthorizationSystem.SQL_CONTAINED_USER and p.name in created:
                statement = cat.SQL_ADD_ROLE.format(role=role.name, name=p.name)
            created.add(p.name)
            basis = unit.basis
            if unit.service is S.APPLICATION_INSIGHTS:
                basis = Basis.INFERRED
                reason = "telemetry ingestion with Microsoft Entra ID"
            elif facet is Facet.FUNCTIONS_HOST:
                basis = Basis.INFERRED
                reason = "Functions host storage (AzureWebJobsStorage)"
            elif unit.basis is Basis.INFERRED:
                reason = f"{access.value} access inferred from the consuming code"
            else:
                reason = f"{access.value} access assumed: the scan saw no call that shows what the code does"
            if note:
                reason += f"; {note}"
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
                    narrower_scope=_narrower(unit, facet),
                    access=access,
                    basis=basis,
                    reason=reason,
                    statement=statement,
                    unverified=f"{cat.UNVERIFIED}: {unverified}" if unverified else None,
                )
            )
    return out
