"""The planner: a pure, deterministic function from a scan document to a migration plan.

Items are grouped into migration units (`Unit`: a config value, the code that consumes it and the
live setting in each slot) and units into applications (estate: `subscription/resource_group/site`;
repository: the project directory of the unit).  For each application the planner decides the
identity by explicit rules, grants the narrowest role per target, rewrites settings to their
identity-based form, lists the code sites to change and what to remove, and orders everything into
gated stages.  What no rule covers goes to `needs_review` with a reason; nothing is dropped.

All service facts come from `migrate.catalog`.  Input order never matters: items and sites are
sorted first, and every output list is sorted.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from migrate import catalog as cat
from migrate.audit_reader import Audit, read_audit
from migrate.catalog import AuthorizationSystem, Facet, Role, ServiceEntry
from migrate.plan_records import (
    STAGE_ORDER,
    Access,
    AppPlan,
    Basis,
    CodeChange,
    DoneItem,
    Grant,
    IdentityDecision,
    IdentityKind,
    LocalAuthChange,
    Plan,
    Principal,
    Removal,
    ReviewItem,
    ReviewReason,
    Risk,
    SettingAction,
    SettingChange,
    Stage,
    StageName,
    UnitPlan,
)
from scanners.estate_records import SiteInventory
from scanners.records import (
    AppServiceLocation,
    ConnectionStringAuditItem,
    EvidenceRole,
    FileLocation,
    ServiceType,
    ValueClass,
)
from scanners.setting_names import leaf

S = ServiceType
APP_UNIT = "(app)"

_READ_RE = re.compile(r"download|\bread|receive|consumer|processor|trigger|\bget_|\bquery|\blist_|\bpeek|"
                      r"FileAccess\.Read\b", re.I)
_WRITE_RE = re.compile(r"upload|\bsend|sender|producer|output|\bcreate|\bdelete|upsert|\bset_|\bwrite|\bput_|"
                       r"insert|\bupdate|\breplace|publish|FileAccess\.(Write|ReadWrite)", re.I)
_CONFIG_ROLES = (EvidenceRole.CONFIG_VALUE, EvidenceRole.LIVE_SETTING)
_CODE_ROLES = (EvidenceRole.CODE_CONSUMER, EvidenceRole.CODE_LITERAL)
_IAC_ROLES = (EvidenceRole.IAC_ASSIGNMENT, EvidenceRole.IAC_OUTPUT)


def plan(document: dict[str, Any]) -> Plan:
    """Plan the migration for a parsed scan document (schema_version 1)."""
    return plan_audit(read_audit(document))


# ---------------------------------------------------------------------------------------------
# Grouping


def _item_key(i: ConnectionStringAuditItem) -> tuple[str, ...]:
    return (*i.location.sort_key(), i.detector, i.fingerprint, i.item_id, str(i.evidence_role),
            str(i.value_class), str(i.service_type), i.setting_name or "", i.unit or "", i.redacted_preview)


def _app_key(i: ConnectionStringAuditItem) -> str:
    loc = i.location
    if isinstance(loc, AppServiceLocation):
        return f"{loc.subscription}/{loc.resource_group}/{loc.site}"
    if i.unit and "::" in i.unit:
        return i.unit.split("::", 1)[0]
    return posixpath.dirname(loc.path) or "."


def _unit_key(i: ConnectionStringAuditItem) -> str:
    if i.unit:
        return i.unit
    loc = i.location
    if isinstance(loc, FileLocation):
        return f"{_app_key(i)}::{loc.path}:{loc.line}"
    return f"{_app_key(i)}::{loc.setting or str(i.service_type)}"


def _where(i: ConnectionStringAuditItem) -> str:
    loc = i.location
    if isinstance(loc, FileLocation):
        return f"{loc.path}:{loc.line}"
    base = f"{loc.subscription}/{loc.resource_group}/{loc.site}"
    if loc.slot:
        base += f"/slots/{loc.slot}"
    return f"{base}:{loc.setting_kind}:{loc.setting}" if loc.setting else f"{base}:{loc.setting_kind}"


def _is_kv_ref(i: ConnectionStringAuditItem) -> bool:
    return i.value_class is ValueClass.REFERENCE and i.redacted_preview.lstrip().startswith("@Microsoft.KeyVault")


def _label(app: str) -> str:
    last = app.rstrip("/").rsplit("/", 1)[-1]
    return "root" if last in ("", ".") else last


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "app"


@dataclass
class _App:
    key: str
    estate: bool
    sites: list[SiteInventory] = field(default_factory=list)
    units: dict[str, list[ConnectionStringAuditItem]] = field(default_factory=dict)
    advisories: list[ConnectionStringAuditItem] = field(default_factory=list)

    @property
    def production(self) -> SiteInventory | None:
        return next((s for s in self.sites if s.slot is None), None)

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(sorted(s.slot for s in self.sites if s.slot))

    @property
    def site_name(self) -> str:
        return self.key.rsplit("/", 1)[-1] if self.estate else f"<app name of {self.key}>"

    @property
    def is_function(self) -> bool:
        if self.sites:
            return any("functionapp" in s.kind.lower() for s in self.sites)
        for items in self.units.values():
            for i in items:
                if isinstance(i.location, FileLocation) and i.location.path.endswith("local.settings.json"):
                    return True
                if i.detector.startswith("csharp:binding"):
                    return True
        return False

    @property
    def setting_names(self) -> set[str]:
        return {n for s in self.sites for n in s.app_setting_names}


# ---------------------------------------------------------------------------------------------
# Units: status, service, resource, facets, access


@dataclass(frozen=True)
class _Unit:
    app: str
    key: str
    items: tuple[ConnectionStringAuditItem, ...]
    service: ServiceType
    resource: str | None
    endpoint: dict[str, str]
    facets: tuple[Facet, ...]
    reads: bool
    writes: bool
    basis: Basis
    evidence: tuple[str, ...]


def _service(items: Sequence[ConnectionStringAuditItem]) -> ServiceType:
    pool = [i for i in items if i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE, ValueClass.LOCATOR)] or list(items)
    counts: dict[ServiceType, int] = defaultdict(int)
    for i in pool:
        counts[i.service_type] += 1
    best = sorted(counts.items(), key=lambda kv: (kv[0] is S.GENERIC, -kv[1], str(kv[0])))
    return best[0][0]


def _resource(entry: ServiceEntry, items: Sequence[ConnectionStringAuditItem]) -> tuple[str | None, dict[str, str]]:
    for i in items:
        if _is_kv_ref(i) or i.service_type is not entry.service or i.endpoint.is_empty() \
                or i.value_class in (ValueClass.DEV_EMULATOR, ValueClass.PLACEHOLDER):
            continue
        ep = i.endpoint
        name = getattr(ep, entry.name_field, None) or ep.account or ep.namespace or ep.server
        if not name and ep.host:
            name = ep.host.split(".", 1)[0]
        if name and "${" not in name and "<" not in name:
            return name, ep.to_json()
    return None, {}


def _storage_facets(items: Sequence[ConnectionStringAuditItem]) -> tuple[Facet, ...]:
    names = {leaf(i.setting_name) for i in items if i.setting_name}
    if "azurewebjobsstorage" in names:
        return (Facet.FUNCTIONS_HOST,)
    facets: set[Facet] = set()
    for i in items:
        p = i.redacted_preview
        if "BlobTrigger" in p:
            facets.update((Facet.BLOB, Facet.QUEUE))
        elif "QueueTrigger" in p or re.search(r"Queue(Service)?Client", p):
            facets.add(Facet.QUEUE)
        elif re.search(r"Table(Service)?Client", p):
            facets.add(Facet.TABLE)
        elif re.search(r"Blob|Container(Client)?", p):
            facets.add(Facet.BLOB)
        host = i.endpoint.host or ""
        for f in (Facet.BLOB, Facet.QUEUE, Facet.TABLE):
            if f".{f.value}." in host:
                facets.add(f)
    return tuple(sorted(facets)) or (Facet.BLOB,)


def _blob_trigger(items: Sequence[ConnectionStringAuditItem]) -> bool:
    return any("BlobTrigger" in i.redacted_preview for i in items)


def _access(items: Sequence[ConnectionStringAuditItem]) -> tuple[bool, bool, Basis, tuple[str, ...]]:
    consumers = [i for i in items if i.evidence_role in _CODE_ROLES]
    # A call site that names a write (get_queue_sender) counts as a write even if it also reads.
    writes = [i for i in consumers if _WRITE_RE.search(i.redacted_preview)]
    reads = [i for i in consumers if _READ_RE.search(i.redacted_preview) and i not in writes]
    if writes:
        ev = tuple(sorted({f"{_where(i)}: {i.redacted_preview}" for i in (*writes, *reads)}))
        return bool(reads), True, Basis.INFERRED, ev
    if reads:
        return True, False, Basis.INFERRED, tuple(sorted({f"{_where(i)}: {i.redacted_preview}" for i in reads}))
    return True, True, Basis.ASSUMED, ()


# ---------------------------------------------------------------------------------------------
# Identity


def _principals(app: _App, kind: IdentityKind, uami: str, uami_pid: str | None) -> tuple[Principal, ...]:
    if kind is IdentityKind.USER_ASSIGNED:
        return (Principal(uami, None, uami_pid or f"<principalId of {uami}>"),)
    out = []
    prod = app.production
    name = app.site_name
    out.append(Principal(name, None, (prod.identity.principal_id if prod else None) or f"<principalId of {name}>"))
    for s in sorted((s for s in app.sites if s.slot), key=lambda s: s.slot or ""):
        sname = f"{name}/slots/{s.slot}"
        out.append(Principal(sname, s.slot, s.identity.principal_id or f"<principalId of {sname}>"))
    return tuple(out)


def _client_id_selection(uami: str) -> tuple[str, ...]:
    return (
        f"{cat.AZURE_CLIENT_ID}=<client-id of {uami}> for DefaultAzureCredential (managed_identity_client_id / "
        "ManagedIdentityClientId in code)",
        f"Functions connections: <PREFIX>{cat.SUFFIX_CREDENTIAL}={cat.CREDENTIAL_MANAGED_IDENTITY} and "
        f"<PREFIX>{cat.SUFFIX_CLIENT_ID}=<client-id of {uami}>",
        f"{cat.AI_AUTH_SETTING}={cat.AI_AUTH_USER.replace('<uami-client-id>', f'<client-id of {uami}>')}",
        f"Azure SQL: User Id=<client-id of {uami}> in the connection string",
    )


def _decide_identity(app: _App, shared_with: tuple[str, ...], group_name: str | None) -> IdentityDecision:
    prod = app.production
    assumptions: list[str] = []
    if not app.estate:
        assumptions.append("a repository scan cannot see deployment slots, the hosting plan or existing identities")
    if prod and len(prod.identity.user_assigned) == 1:
        ua = prod.identity.user_assigned[0]
        rule = ("the app already has exactly one user-assigned identity: reuse it; code and settings must select "
                "it by client id")
        if app.slots:
            rule += f"; assign it to every slot ({', '.join(app.slots)}) so it serves them through a swap"
        return IdentityDecision(IdentityKind.USER_ASSIGNED, ua.name, True, rule, tuple(assumptions), True,
                                _client_id_selection(ua.name), _principals(app, IdentityKind.USER_ASSIGNED, ua.name,
                                                                           ua.principal_id))
    if shared_with:
        name = group_name or f"id-{_slug(_label(app.key))}"
        rule = (f"target resources are shared with other apps (directly or through a chain of shared targets: "
                f"{', '.join(shared_with)}): one user-assigned identity for the group, granted once; code and "
                "settings must select it by client id")
        return IdentityDecision(IdentityKind.USER_ASSIGNED, name, False, rule, tuple(assumptions), True,
                                _client_id_selection(name), _principals(app, IdentityKind.USER_ASSIGNED, name, None))
    if app.slots:
        all_system = all(s.identity.system_assigned for s in app.sites)
        if all_system:
            rule = (f"every slot ({', '.join(app.slots)}) and production already has its own system-assigned "
                    "identity: keep them and grant each one (identities are not swapped)")
            return IdentityDecision(IdentityKind.SYSTEM_ASSIGNED, f"{app.site_name} (system-assigned, per slot)", True,
                                    rule, tuple(assumptions), False, (),
                                    _principals(app, IdentityKind.SYSTEM_ASSIGNED, "", None))
        name = f"id-{_slug(app.site_name)}"
        rule = (f"the app has deployment slots ({', '.join(app.slots)}): system identities are per slot and are "
                "not swapped, so one user-assigned identity assigned to every slot serves them through a swap; "
                "code and settings must select it by client id")
        return IdentityDecision(IdentityKind.USER_ASSIGNED, name, False, rule, tuple(assumptions), True,
                                _client_id_selection(name), _principals(app, IdentityKind.USER_ASSIGNED, name, None))
    existing = bool(prod and prod.identity.system_assigned)
    if app.is_function:
        assumptions.append("whether the identity must survive redeployment (the app deleted and recreated) is not "
                           "knowable from the scan: assumed not; if it must, use a user-assigned identity instead")
    rule = "one app, one identity: system-assigned (its lifecycle follows the app; nothing to select by client id)"
    return IdentityDecision(IdentityKind.SYSTEM_ASSIGNED, f"{app.site_name} (system-assigned)", existing, rule,
                            tuple(assumptions), False, (), _principals(app, IdentityKind.SYSTEM_ASSIGNED, "", None))


# ---------------------------------------------------------------------------------------------
# Grants


def _scope(entry: ServiceEntry, resource: str) -> str:
    if entry.resource_type:
        return (f"/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/"
                f"{entry.resource_type}/{resource}")
    return f"<resource id of {entry.display_name} {resource}>"


def _narrower(unit: _Unit, facet: Facet) -> str | None:
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


def _roles(unit: _Unit, entry: ServiceEntry) -> list[tuple[Facet, Role, Access, str]]:
    out: list[tuple[Facet, Role, Access, str]] = []
    if unit.service is S.STORAGE and _blob_trigger(unit.items):
        for role in cat.BLOB_TRIGGER_ROLES:
            out.append((Facet.BLOB if "Blob" in role.name else Facet.QUEUE, role, Access.WRITE,
                        "blob trigger: blob data role plus queue data role (the trigger uses queues)"))
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


def _statement(entry: ServiceEntry, unit: _Unit, role: Role, principal: Principal, scope: str,
               kv_rbac: bool | None) -> str:
    resource = unit.resource or "<resource>"
    system = entry.authorization
    if system is AuthorizationSystem.COSMOS_SQL_RBAC:
        return cat.COSMOS_GRANT.format(resource=resource, principal=principal.object_id, guid=role.guid)
    if system is AuthorizationSystem.SQL_CONTAINED_USER:
        return (cat.SQL_CREATE_USER.format(name=principal.name) + " "
                + cat.SQL_ADD_ROLE.format(role=role.name, name=principal.name))
    if system is AuthorizationSystem.POSTGRES_ENTRA_ROLE:
        return cat.PG_CREATE_PRINCIPAL.format(name=principal.name) + f" then {role.name} to \"{principal.name}\""
    if system is AuthorizationSystem.MYSQL_AAD_USER:
        return cat.MYSQL_CREATE_USER.format(name=principal.name) + f" then {role.name} to '{principal.name}'"
    if system is AuthorizationSystem.REDIS_ACCESS_POLICY:
        alias = _slug(principal.name)
        return cat.REDIS_GRANT.format(resource=resource, role=role.name, assignment=f"{alias}-{_slug(role.name)}",
                                      principal=principal.object_id, alias=alias)
    if system is AuthorizationSystem.KEY_VAULT_RBAC and kv_rbac is False:
        return (f"move vault {resource} to Azure RBAC first (az keyvault update --enable-rbac-authorization true), "
                "then: " + cat.ARM_GRANT.format(principal=principal.object_id, guid=role.guid, scope=scope))
    return cat.ARM_GRANT.format(principal=principal.object_id, guid=role.guid or role.name, scope=scope)


def _kv_rbac(items: Iterable[ConnectionStringAuditItem]) -> bool | None:
    for i in items:
        for n in i.notes:
            if "uses Azure RBAC" in n:
                return True
            if "uses access policies" in n:
                return False
    return None


def _grants(unit: _Unit, entry: ServiceEntry, identity: IdentityDecision) -> list[Grant]:
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
                scope = f"server {resource}" + (f", database {unit.endpoint['database']}"
                                                 if unit.endpoint.get("database") else "")
            elif system is AuthorizationSystem.COSMOS_SQL_RBAC:
                scope = f"Cosmos DB account {resource}, scope \"/\""
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
            out.append(Grant(
                unit=unit.key, principal=p.name, slot=p.slot, authorization=str(system), role=role.name,
                role_guid=role.guid, scope=scope, narrower_scope=_narrower(unit, facet), access=access,
                basis=basis, reason=reason, statement=statement,
                unverified=f"{cat.UNVERIFIED}: {unverified}" if unverified else None,
            ))
    return out


# ---------------------------------------------------------------------------------------------
# Settings, code, removals


def _fill(template: str, unit: _Unit) -> str:
    out = template
    ep = unit.endpoint
    for key in ("account", "namespace", "server", "database", "host"):
        value = ep.get(key) or (unit.resource if key == _name_field(unit) else None)
        if value:
            out = out.replace(f"<{key}>", value)
    return out


def _name_field(unit: _Unit) -> str:
    return cat.CATALOG[unit.service].name_field


def _setting_where(i: ConnectionStringAuditItem) -> tuple[str, str | None, bool]:
    loc = i.location
    if isinstance(loc, AppServiceLocation):
        return loc.setting_kind, loc.slot, loc.slot_setting
    return loc.path, None, False


def _functions_settings(unit: _Unit, prefix: str, identity: IdentityDecision) -> list[tuple[str, str]]:
    if Facet.FUNCTIONS_HOST in unit.facets:
        pairs = [(cat.HOST_STORAGE_ACCOUNT_NAME, unit.resource or "<account>")]
    elif unit.service is S.STORAGE and _blob_trigger(unit.items):
        pairs = [(prefix + cat.SUFFIX_BLOB_SERVICE_URI, _fill("https://<account>.blob.core.windows.net", unit)),
                 (prefix + cat.SUFFIX_QUEUE_SERVICE_URI, _fill("https://<account>.queue.core.windows.net", unit))]
    else:
        dr = cat.CATALOG[unit.service].roles_for(unit.facets[0]) if unit.facets else None
        if dr is None or not dr.functions_suffixes or not dr.endpoint:
            return []
        pairs = [(prefix + dr.functions_suffixes[0], _fill(dr.endpoint, unit))]
    if identity.kind is IdentityKind.USER_ASSIGNED:
        base = prefix if Facet.FUNCTIONS_HOST not in unit.facets else cat.HOST_STORAGE
        pairs += [(base + cat.SUFFIX_CREDENTIAL, cat.CREDENTIAL_MANAGED_IDENTITY),
                  (base + cat.SUFFIX_CLIENT_ID, f"<client-id of {identity.name}>")]
    return pairs


def _new_value(unit: _Unit, entry: ServiceEntry, identity: IdentityDecision) -> str | None:
    uami = identity.kind is IdentityKind.USER_ASSIGNED
    if unit.service is S.SQL:
        v = _fill(cat.SQL_CONNECTION_USER if uami else cat.SQL_CONNECTION_SYSTEM, unit)
        return v.replace("<uami-client-id>", f"<client-id of {identity.name}>")
    if unit.service is S.SIGNALR and entry.settings_value:
        v = _fill(entry.settings_value, unit)
        return v.replace("Version=1.0;", f"ClientId=<client-id of {identity.name}>;Version=1.0;") if uami else v
    if unit.service in (S.POSTGRESQL, S.MYSQL):
        return "the same connection string without the password; user = the identity's database user name"
    if unit.service is S.REDIS:
        return "<host>:6380,ssl=True,abortConnect=False (no password: Entra token from the code)"
    if unit.service is S.STORAGE and unit.facets:
        dr = entry.roles_for(unit.facets[0])
        if dr and dr.endpoint:
            return _fill(dr.endpoint, unit)
    if entry.settings_value:
        return _fill(entry.settings_value, unit)
    return None


def _settings_and_removals(app: _App, unit: _Unit, entry: ServiceEntry, identity: IdentityDecision,
                           ) -> tuple[list[SettingChange], list[Removal], list[Risk]]:
    settings: list[SettingChange] = []
    removals: list[Removal] = []
    risks: list[Risk] = []
    configs = [i for i in unit.items if i.evidence_role in _CONFIG_ROLES and i.setting_name
               and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE, ValueClass.LOCATOR)]
    for i in configs:
        setting = i.setting_name or ""
        where, slot, sticky = _setting_where(i)
        staging = StageName.CHANGE_IN_STAGING
        if unit.service is S.ENTRA_ID:
            pass  # removal only, below
        elif unit.service is S.APPLICATION_INSIGHTS:
            value = cat.AI_AUTH_USER.replace("<uami-client-id>", f"<client-id of {identity.name}>") \
                if identity.kind is IdentityKind.USER_ASSIGNED else cat.AI_AUTH_SYSTEM
            settings.append(SettingChange(unit.key, where, slot, cat.AI_AUTH_SETTING, SettingAction.ADD, value, sticky,
                                          staging, "Application Insights ingestion with Microsoft Entra ID"))
            if leaf(setting) == "appinsights_instrumentationkey":
                settings.append(SettingChange(unit.key, where, slot, "APPLICATIONINSIGHTS_CONNECTION_STRING",
                                              SettingAction.ADD, "InstrumentationKey=<key>;IngestionEndpoint=<endpoint>",
                                              sticky, staging, "the connection string replaces the instrumentation "
                                              "key setting (a locator, not a credential once local auth is off)"))
            else:
                settings.append(SettingChange(unit.key, where, slot, setting, SettingAction.KEEP, None, sticky, staging,
                                              "the connection string stays as the destination locator"))
                continue
        elif unit.service is S.CONTAINER_REGISTRY:
            pass
        elif app.is_function and i.evidence_role is not None and where != "connection-string" \
                and _functions_settings(unit, setting, identity):
            reason = "identity-based Functions connection (no secret)"
            if where.endswith("local.settings.json"):
                reason += ("; local.settings.json is local-only: set these on the deployed app (locally "
                           "DefaultAzureCredential uses the developer's sign-in)")
            for name, value in _functions_settings(unit, setting, identity):
                settings.append(SettingChange(unit.key, where, slot, name, SettingAction.ADD, value, sticky, staging,
                                              reason))
            if slot:
                settings.append(SettingChange(unit.key, where, slot, setting, SettingAction.REMOVE, None, sticky,
                                              staging, "an exact setting name wins over the __ form: delete the plain "
                                              "setting in the slot being validated"))
                continue
        else:
            new_value = _new_value(unit, entry, identity)
            if new_value is not None:
                settings.append(SettingChange(unit.key, where, slot, setting, SettingAction.REPLACE, new_value, True
                                              if slot else sticky, staging,
                                              "endpoint-only value (no secret); in a slot, set it as a slot setting"))
                if _is_kv_ref(i) or i.value_class is ValueClass.SECRET:
                    removals.append(Removal(unit.key, f"the old secret value of {setting}", _where(i),
                                            StageName.REMOVE_SECRETS,
                                            "replaced by the endpoint-only value: the old key/password must not "
                                            "come back" + ("; delete the Key Vault secret it referenced"
                                                           if _is_kv_ref(i) else "; it stays in history: rotate it")))
                continue
        command = None
        if isinstance(i.location, AppServiceLocation) and i.location.setting_kind == "app-setting":
            command = cat.SETTINGS_DELETE.format(names=setting, slot=f" --slot {slot}" if slot else "")
        why = "the identity-based replacement is verified"
        if setting.upper() in cat.SP_CREDENTIAL_SETTINGS:
            why = (f"{setting} makes DefaultAzureCredential use the service principal (EnvironmentCredential comes "
                   "first) instead of the managed identity")
        removals.append(Removal(unit.key, setting, _where(i), StageName.REMOVE_SECRETS, why, command))
    for i in unit.items:
        if i.evidence_role in _IAC_ROLES and i.value_class is ValueClass.SECRET:
            removals.append(Removal(unit.key, f"key/secret written by IaC ({i.redacted_preview})", _where(i),
                                    StageName.REMOVE_SECRETS,
                                    "the template must write the endpoint-only setting instead of a key"))
    return settings, removals, risks


def _code_changes(unit: _Unit, entry: ServiceEntry) -> list[CodeChange]:
    out = []
    for i in unit.items:
        if i.evidence_role in _CODE_ROLES and i.value_class is not ValueClass.PASSWORDLESS:
            if i.detector.startswith("csharp:binding"):
                change = "none in code: the binding reads the identity-based <PREFIX>__* settings"
            elif i.evidence_role is EvidenceRole.CODE_LITERAL:
                change = f"remove the literal secret; {entry.code_change}"
            else:
                change = entry.code_change or "use the managed identity"
            out.append(CodeChange(unit.key, _where(i), i.detector, change, i.redacted_preview))
        elif i.evidence_role in _IAC_ROLES and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE):
            out.append(CodeChange(unit.key, _where(i), i.detector,
                                  "IaC: write the endpoint-only setting and a role assignment instead of a key",
                                  i.redacted_preview))
    return out


# ---------------------------------------------------------------------------------------------
# Classification into plan / review / done


@dataclass
class _Classified:
    planned: dict[str, list[_Unit]] = field(default_factory=lambda: defaultdict(list))
    review: list[ReviewItem] = field(default_factory=list)
    done: list[DoneItem] = field(default_factory=list)


def _review(app: str, key: str, items: Sequence[ConnectionStringAuditItem], service: ServiceType,
            reason: ReviewReason, detail: str, action: bool) -> ReviewItem:
    vault_notes = sorted({n for i in items if _is_kv_ref(i) for n in i.notes if n.startswith("vault ")})
    if vault_notes and reason is not ReviewReason.NO_ENDPOINT:
        detail += ("; the Key Vault reference stays: the app's identity needs Key Vault Secrets User ("
                   + "; ".join(vault_notes) + ")")
    return ReviewItem(app, key, str(service), reason, detail, action,
                      tuple(sorted({i.item_id for i in items if i.item_id})),
                      tuple(sorted({_where(i) for i in items})))


def _classify(apps: dict[str, _App]) -> _Classified:
    out = _Classified()
    for app_key in sorted(apps):
        app = apps[app_key]
        for key in sorted(app.units):
            items = app.units[key]
            service = _service(items)
            passwordless = any(i.value_class is ValueClass.PASSWORDLESS for i in items)
            actionable = [i for i in items if i.value_class in (ValueClass.SECRET, ValueClass.LOCATOR)
                          or _is_kv_ref(i) or (i.value_class is ValueClass.REFERENCE and not passwordless)]
            if not actionable:
                if passwordless:
                    out.done.append(DoneItem(app_key, key, str(service),
                                             "already identity-based: confirm the identity holds the data role",
                                             tuple(sorted({i.item_id for i in items if i.item_id})),
                                             tuple(sorted({_where(i) for i in items}))))
                elif any(i.value_class is ValueClass.DEV_EMULATOR for i in items):
                    out.review.append(_review(app_key, key, items, service, ReviewReason.DEV_EMULATOR_ONLY,
                                              "local development / emulator value only: nothing to migrate", False))
                elif any(i.value_class is ValueClass.PLACEHOLDER for i in items):
                    out.review.append(_review(app_key, key, items, service, ReviewReason.PLACEHOLDER_ONLY,
                                              "placeholders only (e.g. .env.example): nothing to migrate; update the "
                                              "template when the unit moves to the endpoint form", False))
                continue
            if all(i.evidence_role is EvidenceRole.CI_SCRIPT for i in actionable):
                out.review.append(_review(app_key, key, items, service, ReviewReason.CANNOT_MIGRATE,
                                          "CI pipeline secret: a pipeline cannot use the app's managed identity; use "
                                          "workload identity federation (OpenID Connect) and delete the secret", True))
                continue
            entry = cat.CATALOG[service]
            if entry.review_reason:
                reason = {S.COSMOS_MONGO: ReviewReason.MONGO_API, S.GENERIC: ReviewReason.UNRECOGNISED,
                          S.COGNITIVE_SERVICES: ReviewReason.NO_SAFE_ROLE}.get(service, ReviewReason.CANNOT_MIGRATE)
                out.review.append(_review(app_key, key, items, service, reason, entry.review_reason, True))
                continue
            resource, endpoint = _resource(entry, items)
            if resource is None and service not in (S.ENTRA_ID, S.APPLICATION_INSIGHTS):
                detail = "the scan could not tie this value to a resource (no endpoint)"
                if any(_is_kv_ref(i) for i in items):
                    detail += "; it is a Key Vault reference: the target is in the vault, not in the scan"
                if any(i.evidence_role in _IAC_ROLES for i in items):
                    detail += "; IaC: write the endpoint and a role assignment instead of the key"
                notes = sorted({n for i in items for n in i.notes})
                if notes:
                    detail += "; notes: " + "; ".join(notes)
                out.review.append(_review(app_key, key, items, service, ReviewReason.NO_ENDPOINT, detail, True))
                continue
            if service is S.APPLICATION_INSIGHTS:
                resource = "<application-insights component>"
            if service is S.ENTRA_ID:
                resource = "<service principal>"
            facets = _storage_facets(items) if service is S.STORAGE else (Facet.DEFAULT,)
            reads, writes, basis, evidence = _access(items)
            out.planned[app_key].append(_Unit(app_key, key, tuple(items), service, resource, endpoint, facets,
                                              reads, writes, basis, evidence))
    return out


# ---------------------------------------------------------------------------------------------
# Sharing, local auth, risks, stages


def _target(u: _Unit) -> tuple[ServiceType, str] | None:
    if u.service in (S.ENTRA_ID, S.APPLICATION_INSIGHTS) or not u.resource:
        return None
    return (u.service, u.resource.lower())


def _sharing(planned: dict[str, list[_Unit]]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    users: dict[tuple[ServiceType, str], set[str]] = defaultdict(set)
    for app, units in planned.items():
        for u in units:
            t = _target(u)
            if t:
                users[t].add(app)
    parent: dict[str, str] = {a: a for a in planned}

    def find(a: str) -> str:
        while parent[a] != a:
            a = parent[a]
        return a

    for apps in users.values():
        ordered = sorted(apps)
        for other in ordered[1:]:
            ra, rb = find(ordered[0]), find(other)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = defaultdict(list)
    for a in sorted(planned):
        groups[find(a)].append(a)
    shared: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        name = f"id-{_slug(_label(members[0]))}-shared"
        for m in members:
            shared[m] = tuple(x for x in members if x != m)
            names[m] = name
    return shared, names


def _content_share_accounts(items: Iterable[ConnectionStringAuditItem]) -> set[str]:
    return {(i.endpoint.account or "").lower() for i in items
            if i.setting_name and leaf(i.setting_name) == cat.CONTENT_SHARE_SETTING.lower() and i.endpoint.account}


def _local_auth(app: _App, units: Sequence[_Unit], users: dict[tuple[ServiceType, str], set[str]],
                content_accounts: set[str]) -> tuple[list[LocalAuthChange], list[Risk]]:
    out: list[LocalAuthChange] = []
    risks: list[Risk] = []
    seen: set[tuple[ServiceType, str]] = set()
    for u in units:
        entry = cat.CATALOG[u.service]
        t = (u.service, (u.resource or "").lower())
        if entry.local_auth is None or t in seen or not u.resource:
            continue
        seen.add(t)
        la = entry.local_auth
        blocked = None
        if u.service is S.STORAGE and u.resource.lower() in content_accounts:
            blocked = (f"{cat.CONTENT_SHARE_SETTING} uses storage account {u.resource} (Consumption / Elastic Premium "
                       "content share on Azure Files, which cannot use a managed identity): keep shared keys")
        elif u.service is S.STORAGE and cat.CONTENT_SHARE_SETTING in app.setting_names:
            risks.append(Risk("content-share-account-unknown",
                              f"the app has {cat.CONTENT_SHARE_SETTING}: before disabling shared keys on "
                              f"{u.resource}, check that it is not the content share account", u.key))
        shared = tuple(sorted(a for a in users.get(t, set()) if a != app.key))
        command = None if blocked else la.command.format(resource=u.resource)
        out.append(LocalAuthChange(str(u.service), u.resource, la.property, command, blocked, la.exceptions,
                                   entry.rotation, shared,
                                   f"{cat.UNVERIFIED}: {la.unverified}" if la.unverified else None))
        if shared and not blocked:
            risks.append(Risk("shared-target", f"{entry.display_name} {u.resource} is also used by "
                              f"{', '.join(shared)}: disable local auth only after every consumer is migrated", u.key))
    return out, risks


_ADVISORY_CODES = ("no-managed-identity", "service-principal-credential-in-settings",
                   "ambiguous-user-assigned-identity", "mixed-connection-forms")


def _advisories(app: _App, identity: IdentityDecision) -> tuple[list[SettingChange], list[Removal], list[Risk]]:
    settings: list[SettingChange] = []
    removals: list[Removal] = []
    risks: list[Risk] = []
    for i in app.advisories:
        code = i.detector.split(":", 1)[-1]
        loc = i.location
        slot = loc.slot if isinstance(loc, AppServiceLocation) else None
        where = _where(i)
        if code == "no-managed-identity":
            risks.append(Risk(code, f"{where}: the app has no managed identity yet; the enable-identity stage adds one"))
        elif code == "service-principal-credential-in-settings":
            setting = i.setting_name or "AZURE_CLIENT_SECRET"
            risks.append(Risk(code, i.recommended_replacement))
            if _setting_in_units(app, setting, slot):
                continue  # the unit's own removal covers it
            removals.append(Removal(APP_UNIT, setting, where, StageName.REMOVE_SECRETS,
                                    f"{setting} makes DefaultAzureCredential authenticate as the service principal "
                                    "(EnvironmentCredential comes first in the chain), not the managed identity",
                                    cat.SETTINGS_DELETE.format(names=setting, slot=f" --slot {slot}" if slot else "")))
        elif code == "ambiguous-user-assigned-identity":
            settings.append(SettingChange(APP_UNIT, "app-setting", slot, cat.AZURE_CLIENT_ID, SettingAction.ADD,
                                          f"<client-id of {identity.name}>", False, StageName.CHANGE_IN_STAGING,
                                          "several user-assigned identities: select one by client id"))
            risks.append(Risk(code, i.recommended_replacement))
        elif code == "mixed-connection-forms":
            setting = i.setting_name or "<plain setting>"
            removals.append(Removal(APP_UNIT, setting, where, StageName.CHANGE_IN_STAGING,
                                    f"the plain {setting} (an exact match) shadows the {setting}__* identity form",
                                    cat.SETTINGS_DELETE.format(names=setting, slot=f" --slot {slot}" if slot else "")))
            risks.append(Risk(code, i.recommended_replacement))
        else:
            risks.append(Risk(code, i.recommended_replacement))
    return settings, removals, risks


def _setting_in_units(app: _App, setting: str, slot: str | None) -> bool:
    for items in app.units.values():
        for i in items:
            loc = i.location
            if isinstance(loc, AppServiceLocation) and loc.setting == setting and loc.slot == slot \
                    and i.value_class is ValueClass.SECRET:
                return True
    return False


def _app_risks(app: _App, units: Sequence[_Unit], identity: IdentityDecision) -> list[Risk]:
    risks: list[Risk] = []
    if app.slots:
        risks.append(Risk("identities-do-not-swap",
                          "managed identities are never swapped: after a swap the code runs as the production slot's "
                          "identity, so the staging slot's identity needs the same grants for pre-swap testing; "
                          "field reports show identity confusion after swaps: restart and re-verify after the swap"))
    if app.is_function:
        risks.append(Risk("durable-functions",
                          "identity-based connections are not supported with Durable Functions (may be outdated for "
                          "newer Durable storage providers): check before migrating a Durable app's storage",
                          unverified=True))
    risks.append(Risk("token-cache",
                      "managed identity tokens are cached (about 24 hours): a removed role can keep working and an "
                      "added role may need a new token; role assignments may take minutes to propagate"))
    services = {u.service for u in units}
    unverified: set[str] = set()
    for s in services:
        entry = cat.CATALOG[s]
        unverified.update(entry.unverified)
    for u in units:
        if u.service is S.ENTRA_ID:
            risks.append(Risk("service-principal-roles",
                              "the service principal's role assignments are not in the scan: grant the identity the "
                              "data roles the code needs (never Contributor, Owner or Storage Account Contributor)",
                              u.key))
        if u.service is S.OPENAI:
            risks.append(Risk("openai-studio", "Azure OpenAI Studio requires key access and will not function if key "
                              "access is disabled", u.key))
        if u.service is S.EVENT_HUBS:
            risks.append(Risk("checkpoint-store", "event processors also need blob data roles on the checkpoint "
                              "storage account (not in this unit)", u.key))
        entry = cat.CATALOG[u.service]
        if entry.precondition:
            risks.append(Risk("precondition", f"{entry.display_name}: {entry.precondition}", u.key))
        for i in u.items:
            for n in i.notes:
                if n.startswith("vault ") or n.startswith("Key Vault references resolve"):
                    risks.append(Risk("key-vault", n, u.key))
    for fact in sorted(unverified):
        risks.append(Risk("unverified", f"{cat.UNVERIFIED}: {fact}", unverified=True))
    if identity.kind is IdentityKind.USER_ASSIGNED and not identity.existing and "other apps" in identity.rule:
        risks.append(Risk("shared-identity", f"{identity.name} carries the grants of every app that shares it: "
                          "split it per app if their other needs differ (least privilege)"))
    if identity.client_id_required:
        risks.append(Risk("client-id", f"user-assigned identity {identity.name}: code and settings must pick it by "
                          "client id, or tokens come from another identity (or none)"))
    return risks


def _fill_app(app: _App, text: str) -> str:
    """Estate apps: put the app's own resource group and name into `-g <resource-group> -n <app>`."""
    if not app.estate:
        return text
    _sub, rg, site = app.key.split("/", 2)
    return text.replace("<resource-group>", rg).replace("-n <app>", f"-n {site}")


def _stages(app: _App, identity: IdentityDecision, units: Sequence[_Unit], grants: Sequence[Grant],
            settings: Sequence[SettingChange], codes: Sequence[CodeChange], removals: Sequence[Removal],
            local: Sequence[LocalAuthChange]) -> tuple[Stage, ...]:
    cli = "functionapp" if app.is_function else "webapp"
    slot_targets = [None, *app.slots]
    steps: dict[StageName, list[str]] = {s: [] for s in STAGE_ORDER}
    steps[StageName.INVENTORY] = [f"confirm unit {u.key} ({u.service}, {u.resource}) and its consumers" for u in units]
    if not app.estate:
        steps[StageName.INVENTORY].append("scan the deployed app (secretless scan --subscription) to see its slots, "
                                          "identities and live settings")
    if identity.kind is IdentityKind.USER_ASSIGNED:
        if not identity.existing:
            steps[StageName.ENABLE_IDENTITY].append(cat.IDENTITY_CREATE_USER.format(name=identity.name))
        for s in slot_targets:
            steps[StageName.ENABLE_IDENTITY].append(cat.IDENTITY_ASSIGN_USER.format(
                cli=cli, slot=f" --slot {s}" if s else "", name=identity.name))
    else:
        for s in slot_targets:
            steps[StageName.ENABLE_IDENTITY].append(cat.IDENTITY_ASSIGN_SYSTEM.format(cli=cli, slot=f" --slot {s}" if s else ""))
    steps[StageName.ENABLE_IDENTITY].append("never pass --scope to identity assign (it would grant Contributor)")
    steps[StageName.GRANT_ROLES] = [g.statement for g in grants]
    staging = app.slots[0] if app.slots else None
    for c in settings:
        if c.stage is StageName.CHANGE_IN_STAGING:
            target = c.where + (f" (slot {c.slot})" if c.slot else "")
            steps[StageName.CHANGE_IN_STAGING].append(f"{c.action.value} {c.setting}"
                                                       + (f" = {c.value_template}" if c.value_template else "")
                                                       + f" in {target}")
    for r in removals:
        if r.stage is StageName.CHANGE_IN_STAGING:
            steps[StageName.CHANGE_IN_STAGING].append(f"remove {r.what} in {r.where}")
    steps[StageName.CHANGE_IN_STAGING] += [f"{c.location}: {c.change}" for c in codes]
    if staging:
        steps[StageName.CHANGE_IN_STAGING].append(f"deploy to slot {staging}; set new settings there with --slot-settings")
    else:
        steps[StageName.CHANGE_IN_STAGING].append("no deployment slot known: create a staging slot, or change "
                                                  "production in a maintenance window")
    steps[StageName.VERIFY] = [f"exercise {u.key} against {u.resource} and check for authentication failures"
                               for u in units]
    steps[StageName.VERIFY].append("confirm every principal that will run the code holds its grants")
    if staging:
        steps[StageName.SWAP] = [cat.SWAP_PREVIEW.format(slot=staging), cat.SWAP.format(slot=staging),
                                 "restart the app and re-verify (identities are not swapped)"]
    else:
        steps[StageName.SWAP] = ["no slot to swap: the production change of the previous stages is the cut-over"]
    steps[StageName.REMOVE_SECRETS] = [r.command or f"remove {r.what} ({r.where})" for r in removals
                                       if r.stage is StageName.REMOVE_SECRETS]
    for la in local:
        if la.command:
            steps[StageName.DISABLE_LOCAL_AUTH].append(la.command)
        else:
            steps[StageName.DISABLE_LOCAL_AUTH].append(f"keep local auth on {la.resource}: {la.blocked_reason}")
        if la.rotation:
            steps[StageName.DISABLE_LOCAL_AUTH].append(f"{la.resource}: {la.rotation}")
    gates = {
        StageName.INVENTORY: "every unit has an owner and a target resource; other consumers of each target are known",
        StageName.ENABLE_IDENTITY: "the principal id of every identity (and slot) is recorded",
        StageName.GRANT_ROLES: "every grant exists; grants are additive, the secrets still work",
        StageName.CHANGE_IN_STAGING: "the staging deployment reads only identity-based settings",
        StageName.VERIFY: "every unit works on the managed identity in staging; nothing was removed yet",
        StageName.SWAP: "production runs the new code and passes the same checks after a restart",
        StageName.REMOVE_SECRETS: "no secret settings left (AZURE_CLIENT_SECRET included); the app still works",
        StageName.DISABLE_LOCAL_AUTH: "no other consumer uses keys (audit first); old keys are rotated",
    }
    return tuple(Stage(s, n + 1, tuple(_fill_app(app, x) for x in steps[s]), gates[s])
                 for n, s in enumerate(STAGE_ORDER))


# ---------------------------------------------------------------------------------------------


def _build_apps(audit: Audit) -> dict[str, _App]:
    apps: dict[str, _App] = {}
    for i in sorted(audit.items, key=_item_key):
        key = _app_key(i)
        app = apps.setdefault(key, _App(key, isinstance(i.location, AppServiceLocation)))
        if i.value_class is ValueClass.ADVISORY and i.unit is None:
            app.advisories.append(i)
        else:
            app.units.setdefault(_unit_key(i), []).append(i)
    for s in sorted(audit.sites, key=lambda s: s.sort_key()):
        key = f"{s.subscription}/{s.resource_group}/{s.site}"
        app = apps.setdefault(key, _App(key, True))
        app.sites.append(s)
    return apps


def _sort_all(app: AppPlan) -> AppPlan:
    order = {s: n for n, s in enumerate(STAGE_ORDER)}
    return AppPlan(
        app=app.app, kind=app.kind, slots=app.slots, identity=app.identity,
        units=tuple(sorted(app.units, key=lambda u: u.unit)),
        grants=tuple(sorted(set(app.grants), key=lambda g: (g.unit, g.principal, g.role, g.scope))),
        settings=tuple(sorted(set(app.settings), key=lambda c: (order[c.stage], c.unit, c.where, c.slot or "",
                                                                c.setting, c.action.value))),
        code_changes=tuple(sorted(set(app.code_changes), key=lambda c: (c.unit, c.location, c.detector))),
        removals=tuple(sorted(set(app.removals), key=lambda r: (order[r.stage], r.unit or "", r.where, r.what))),
        local_auth=tuple(sorted(set(app.local_auth), key=lambda la: (la.service, la.resource))),
        risks=tuple(sorted(set(app.risks), key=lambda r: (r.code, r.unit or "", r.text))),
        stages=app.stages,
    )


def plan_audit(audit: Audit) -> Plan:
    apps = _build_apps(audit)
    classified = _classify(apps)
    shared, group_names = _sharing(classified.planned)
    users: dict[tuple[ServiceType, str], set[str]] = defaultdict(set)
    for app_key, units in classified.planned.items():
        for u in units:
            t = _target(u)
            if t:
                users[t].add(app_key)
    content_accounts = _content_share_accounts(audit.items)
    plans: list[AppPlan] = []
    for app_key in sorted(apps):
        app = apps[app_key]
        units = classified.planned.get(app_key, [])
        actionable_advisories = [i for i in app.advisories if not i.detector.endswith("no-managed-identity")]
        if not units and not actionable_advisories:
            continue
        identity = _decide_identity(app, shared.get(app_key, ()), group_names.get(app_key))
        grants: list[Grant] = []
        settings: list[SettingChange] = []
        removals: list[Removal] = []
        codes: list[CodeChange] = []
        risks: list[Risk] = []
        unit_plans: list[UnitPlan] = []
        for u in units:
            entry = cat.CATALOG[u.service]
            grants += _grants(u, entry, identity)
            s, r, k = _settings_and_removals(app, u, entry, identity)
            settings += s
            removals += r
            risks += k
            codes += _code_changes(u, entry)
            if u.service is S.ENTRA_ID:
                removals.append(Removal(u.key, "the Entra app credential (client secret) of the service principal",
                                        "Microsoft Entra ID", StageName.DISABLE_LOCAL_AUTH,
                                        "the secret must stop working, not only disappear from settings",
                                        f"{cat.ENTRA_CREDENTIAL_DELETE} ({cat.UNVERIFIED})"))
            notes = sorted({n for i in u.items for n in i.notes}
                           | {f"{_where(i)}: {i.value_class.value} value, nothing to migrate (local development or "
                              "template); DefaultAzureCredential uses the developer's sign-in locally"
                              for i in u.items if i.value_class in (ValueClass.DEV_EMULATOR, ValueClass.PLACEHOLDER)})
            unit_plans.append(UnitPlan(
                unit=u.key, service=str(u.service), resource=u.resource or "", endpoint=u.endpoint,
                facets=tuple(f.value for f in u.facets), access=Access.WRITE if u.writes else Access.READ,
                basis=u.basis, access_evidence=u.evidence,
                item_ids=tuple(sorted({i.item_id for i in u.items if i.item_id})),
                locations=tuple(sorted({_where(i) for i in u.items})), notes=tuple(notes),
            ))
        if identity.kind is IdentityKind.USER_ASSIGNED and app.estate:
            for slot in (None, *app.slots):
                settings.append(SettingChange(APP_UNIT, "app-setting", slot, cat.AZURE_CLIENT_ID, SettingAction.ADD,
                                              f"<client-id of {identity.name}>", False, StageName.CHANGE_IN_STAGING,
                                              "DefaultAzureCredential selects the user-assigned identity by client id"))
        a_settings, a_removals, a_risks = _advisories(app, identity)
        settings += a_settings
        removals += a_removals
        risks += a_risks
        removals = [replace(r, command=_fill_app(app, r.command)) if r.command else r for r in removals]
        local, l_risks = _local_auth(app, units, users, content_accounts)
        risks += l_risks + _app_risks(app, units, identity)
        kind = "repository-project" if not app.estate else ("function-app" if app.is_function else "app-service")
        draft = AppPlan(app_key, kind, app.slots, identity, tuple(unit_plans), tuple(grants), tuple(settings),
                        tuple(codes), tuple(removals), tuple(local), tuple(risks), ())
        draft = _sort_all(draft)
        stages = _stages(app, identity, units, draft.grants, draft.settings, draft.code_changes, draft.removals,
                         draft.local_auth)
        plans.append(AppPlan(draft.app, draft.kind, draft.slots, draft.identity, draft.units, draft.grants,
                             draft.settings, draft.code_changes, draft.removals, draft.local_auth, draft.risks, stages))
    review = tuple(sorted(classified.review, key=lambda r: (r.app, r.unit)))
    done = tuple(sorted(classified.done, key=lambda d: (d.app, d.unit)))
    return Plan(apps=tuple(plans), needs_review=review, already_passwordless=done)
