"""Units: the first step of the planner.  Items are grouped into applications (estate:
`subscription/resource_group/site`; repository: the project directory of the unit) and into
migration units (a config value, the code that consumes it and the live setting in each slot), with
what a unit's items say about it: service, target resource, storage facets, read or write access.
`migrate.plan.classify` then decides, per unit, planned, needs review or already passwordless.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from migrate.plan import catalog as cat
from migrate.plan.catalog import Facet, ServiceEntry
from migrate.plan.records import (
    Access,
    Basis,
    SharedAccessRule,
    UnitPlan,
)
from migrate.plan.resolve.projects import deployed_names, estate_apps
from scanners.estate_records import SiteInventory
from scanners.key_wiring import is_key_wiring
from scanners.records import (
    AppServiceLocation,
    ConnectionStringAuditItem,
    EvidenceRole,
    FileLocation,
    ServiceType,
    ValueClass,
    app_of,
)
from scanners.serialization import Audit
from scanners.setting_names import leaf

S = ServiceType
Target = tuple[ServiceType, str]  # a target resource: (service, lower-case name)

_READ_RE = re.compile(
    r"download|\bread|receive|consumer|processor|trigger|\bget_|\bquery|\blist_|\bpeek|"
    r"FileAccess\.Read\b",
    re.I,
)
_WRITE_RE = re.compile(
    r"upload|\bsend|sender|producer|output|\bcreate|\bdelete|upsert|\bset_|\bwrite|\bput_|"
    r"insert|\bupdate|\breplace|publish|FileAccess\.(Write|ReadWrite)",
    re.I,
)
CONFIG_ROLES = (EvidenceRole.CONFIG_VALUE, EvidenceRole.LIVE_SETTING)
CODE_ROLES = (EvidenceRole.CODE_CONSUMER, EvidenceRole.CODE_LITERAL)
IAC_ROLES = (EvidenceRole.IAC_ASSIGNMENT, EvidenceRole.IAC_OUTPUT)


def _item_key(i: ConnectionStringAuditItem) -> tuple[str, ...]:
    return (
        *i.location.sort_key(),
        i.detector,
        i.fingerprint,
        i.item_id,
        str(i.evidence_role),
        str(i.value_class),
        str(i.service_type),
        i.setting_name or "",
        i.unit or "",
        i.redacted_preview,
    )


_app_key = app_of  # one grouping for the plan and the reports


def _unit_key(i: ConnectionStringAuditItem) -> str:
    if i.unit:
        return i.unit
    loc = i.location
    if isinstance(loc, FileLocation):
        return f"{_app_key(i)}::{loc.path}:{loc.line}"
    return f"{_app_key(i)}::{loc.setting or str(i.service_type)}"


def where_text(i: ConnectionStringAuditItem) -> str:
    loc = i.location
    if isinstance(loc, FileLocation):
        return f"{loc.path}:{loc.line}"
    base = f"{loc.subscription}/{loc.resource_group}/{loc.site}"
    if loc.slot:
        base += f"/slots/{loc.slot}"
    return f"{base}:{loc.setting_kind}:{loc.setting}" if loc.setting else f"{base}:{loc.setting_kind}"


def is_kv_ref(i: ConnectionStringAuditItem) -> bool:
    return i.value_class is ValueClass.REFERENCE and i.redacted_preview.lstrip().startswith(
        "@Microsoft.KeyVault"
    )


def is_key_based(i: ConnectionStringAuditItem) -> bool:
    """A connection made with a key: a secret value, a Key Vault reference (the vault holds the key)
    or key wiring (IaC or a script copies the resource's key at deploy or run time)."""
    return i.value_class is ValueClass.SECRET or is_kv_ref(i) or is_key_wiring(i)


def label(app: str) -> str:
    last = app.rstrip("/").rsplit("/", 1)[-1]
    return "root" if last in ("", ".") else last


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "app"


@dataclass
class App:
    key: str
    estate: bool
    sites: list[SiteInventory] = field(default_factory=list)
    units: dict[str, list[ConnectionStringAuditItem]] = field(default_factory=dict)
    advisories: list[ConnectionStringAuditItem] = field(default_factory=list)
    deployed: str | None = None  # a repository project: the app it is deployed to, when the scan knows it

    @property
    def production(self) -> SiteInventory | None:
        return next((s for s in self.sites if s.slot is None), None)

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(sorted(s.slot for s in self.sites if s.slot))

    @property
    def site_name(self) -> str:
        if self.estate:
            return self.key.rsplit("/", 1)[-1]
        return self.deployed or f"<app name of {self.key}>"

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


@dataclass(frozen=True, slots=True)
class Unit:
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

    @property
    def target(self) -> Target | None:
        """The target resource (service, lower-case name) apps can share; None when there is none."""
        if self.service in (S.ENTRA_ID, S.APPLICATION_INSIGHTS) or not self.resource:
            return None
        return (self.service, self.resource.lower())


def service_of(items: Sequence[ConnectionStringAuditItem]) -> ServiceType:
    pool = [
        i for i in items if i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE, ValueClass.LOCATOR)
    ] or list(items)
    counts: dict[ServiceType, int] = defaultdict(int)
    for i in pool:
        counts[i.service_type] += 1
    best = sorted(counts.items(), key=lambda kv: (kv[0] is S.GENERIC, -kv[1], str(kv[0])))
    return best[0][0]


def resource_of(
    entry: ServiceEntry, items: Sequence[ConnectionStringAuditItem]
) -> tuple[str | None, dict[str, str]]:
    for i in items:
        if (
            is_kv_ref(i)
            or i.service_type is not entry.service
            or i.endpoint.is_empty()
            or i.value_class in (ValueClass.DEV_EMULATOR, ValueClass.PLACEHOLDER)
            or cat.is_local_endpoint(i.endpoint)
        ):
            continue
        ep = i.endpoint
        name = getattr(ep, entry.name_field, None) or ep.account or ep.namespace or ep.server
        if not name and ep.host:
            name = ep.host.split(".", 1)[0]
        if name and "${" not in name and "<" not in name:
            return name, ep.to_json()
    return None, {}


def storage_facets(items: Sequence[ConnectionStringAuditItem]) -> tuple[Facet, ...]:
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


def blob_trigger(items: Sequence[ConnectionStringAuditItem]) -> bool:
    return any("BlobTrigger" in i.redacted_preview for i in items)


def access_of(items: Sequence[ConnectionStringAuditItem]) -> tuple[bool, bool, Basis, tuple[str, ...]]:
    consumers = [i for i in items if i.evidence_role in CODE_ROLES]
    # A call site that names a write (get_queue_sender) counts as a write even if it also reads.
    writes = [i for i in consumers if _WRITE_RE.search(i.redacted_preview)]
    reads = [i for i in consumers if _READ_RE.search(i.redacted_preview) and i not in writes]
    if writes:
        ev = tuple(sorted({f"{where_text(i)}: {i.redacted_preview}" for i in (*writes, *reads)}))
        return bool(reads), True, Basis.INFERRED, ev
    if reads:
        return (
            True,
            False,
            Basis.INFERRED,
            tuple(sorted({f"{where_text(i)}: {i.redacted_preview}" for i in reads})),
        )
    return True, True, Basis.ASSUMED, ()


def build_apps(audit: Audit) -> dict[str, App]:
    """Applications and their units.  A repository project the scan tied to an estate site of the
    same document joins that site's application (`migrate.plan.resolve.projects`)."""
    apps: dict[str, App] = {}
    on_estate = estate_apps(audit)
    names = deployed_names(audit)
    for i in sorted(audit.items, key=_item_key):
        key = _app_key(i)
        unit = _unit_key(i)
        if key in on_estate and not isinstance(i.location, AppServiceLocation):
            unit = f"{on_estate[key]}::{unit.split('::', 1)[1]}" if "::" in unit else unit
            key = on_estate[key]
        app = apps.setdefault(
            key, App(key, isinstance(i.location, AppServiceLocation) or key in on_estate.values())
        )
        if not app.estate and key in names:
            app.deployed = names[key]
        if i.value_class is ValueClass.ADVISORY and i.unit is None:
            app.advisories.append(i)
        else:
            app.units.setdefault(unit, []).append(i)
    for s in sorted(audit.sites, key=lambda s: s.sort_key()):
        key = f"{s.subscription}/{s.resource_group}/{s.site}"
        app = apps.setdefault(key, App(key, True))
        app.sites.append(s)
    return apps


def access_rules(u: Unit) -> tuple[SharedAccessRule, ...]:
    """The shared access rules (Service Bus, Event Hubs) whose keys the unit's connection strings
    hold, each at the level where it lives: its keys are renewed there."""
    if u.service not in (S.SERVICE_BUS, S.EVENT_HUBS) or not u.resource:
        return ()
    topic = any(
        cat.TOPIC_HINT_RE.search(i.redacted_preview) for i in u.items if i.evidence_role in CODE_ROLES
    )
    rules: set[SharedAccessRule] = set()
    for i in u.items:
        m = cat.RULE_NAME_RE.search(i.redacted_preview)
        ns = i.endpoint.namespace or ""
        if (
            m is None
            or i.service_type is not u.service
            or ns.lower() != u.resource.lower()
            or i.value_class is not ValueClass.SECRET
            or cat.is_local_endpoint(i.endpoint)
        ):
            continue
        level = cat.rule_level(u.service, m.group(1), i.endpoint.entity, topic)
        entity = i.endpoint.entity if level is not cat.RuleLevel.NAMESPACE else None
        rules.add(SharedAccessRule(m.group(1), level.value, entity, assumed=entity is not None))
    return tuple(sorted(rules, key=lambda r: (r.level, r.entity or "", r.name)))


def unit_plan(u: Unit) -> UnitPlan:
    """The plan record of a planned unit (what it is, where it is seen, what is left to do by hand)."""
    notes = sorted(
        {n for i in u.items for n in i.notes}
        | {
            f"{where_text(i)}: {i.value_class.value} value, nothing to migrate (local development or "
            "template); DefaultAzureCredential uses the developer's sign-in locally"
            for i in u.items
            if i.value_class in (ValueClass.DEV_EMULATOR, ValueClass.PLACEHOLDER)
        }
        | {
            f"{where_text(i)}: local development endpoint, not an Azure resource: nothing to migrate"
            for i in u.items
            if i.value_class is not ValueClass.DEV_EMULATOR and cat.is_local_endpoint(i.endpoint)
        }
    )
    return UnitPlan(
        unit=u.key,
        service=str(u.service),
        resource=u.resource or "",
        endpoint=u.endpoint,
        facets=tuple(f.value for f in u.facets),
        access=Access.WRITE if u.writes else Access.READ,
        basis=u.basis,
        access_evidence=u.evidence,
        item_ids=tuple(sorted({i.item_id for i in u.items if i.item_id})),
        locations=tuple(sorted({where_text(i) for i in u.items})),
        notes=tuple(notes),
        access_rules=access_rules(u),
    )
