"""Azure lookups: the resource ids and resource groups of the plan's targets, found by type and name
with one Azure Resource Graph query for all subscriptions (`resource_graph.py`) or, when Resource
Graph does not answer, ARM list calls per subscription; and Application Insights components found by
their instrumentation key.

A scope the planner wrote with placeholders
(`/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/T/N...`)
becomes the real id when exactly one resource of type T is named N in the subscriptions looked at;
`<application-insights component>` becomes the component whose instrumentation key is the app's.
Keys are compared as keyed hashes under a key made for the run, never printed or stored.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any, Protocol, runtime_checkable

INSIGHTS_PLACEHOLDER = "application-insights component"
INSIGHTS_TYPE = "microsoft.insights/components"
# Microsoft.Insights/components, GA API version (learn.microsoft.com/azure/templates/microsoft.insights/components).
INSIGHTS_API_VERSION = "2020-02-02"
SCOPE_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/(?P<ns>[^/]+)/(?P<type>[^/]+)/"
    r"(?P<name>[^/]+)(?P<rest>(?:/.*)?)$",
    re.IGNORECASE,
)
log = logging.getLogger(__name__)
_IKEY_RE = re.compile(r"InstrumentationKey=([0-9a-fA-F-]{36})")
_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class FoundResource:
    id: str
    type: str  # `Microsoft.Storage/storageAccounts`
    name: str

    @property
    def subscription(self) -> str:
        return self.id.split("/")[2]

    @property
    def resource_group(self) -> str:
        return self.id.split("/")[4]


class ResourceLister(Protocol):
    """What the lookups need from ARM: the resources of a subscription, and one resource's properties."""

    async def list_resources(self, subscription: str) -> list[FoundResource]: ...

    async def properties(self, resource_id: str, api_version: str) -> dict[str, Any]: ...


@runtime_checkable
class IndexReader(Protocol):
    """A lister that reads everything in one go: the resources of `subscriptions`, and (component id,
    instrumentation key hashed by `hasher`) for each Application Insights component."""

    async def read(
        self, subscriptions: Iterable[str], hasher: Callable[[str], str]
    ) -> tuple[list[FoundResource], list[tuple[str, str]]]: ...


ARM_LIST_CALLS = "ARM list calls"
RESOURCE_GRAPH = "Azure Resource Graph"


@dataclass(frozen=True, slots=True)
class ResourceIndex:
    """The resources of the subscriptions looked at, and each Application Insights component's
    instrumentation key as a keyed hash (`ikey_hashes`: component id -> hash under `key`).
    `lookup` says how they were read (and, after a fallback, why Resource Graph was not used)."""

    resources: tuple[FoundResource, ...]
    ikey_hashes: tuple[tuple[str, str], ...] = ()
    hasher: Callable[[str], str] = field(default=lambda v: v, repr=False)
    lookup: str = ARM_LIST_CALLS

    def find(self, rtype: str, name: str) -> list[FoundResource]:
        t, n = rtype.lower(), name.lower()
        return [r for r in self.resources if r.type.lower() == t and r.name.lower() == n]

    def component_for_key(self, ikey_hash: str) -> FoundResource | None:
        ids = [cid for cid, h in self.ikey_hashes if hmac.compare_digest(h, ikey_hash)]
        found = [r for r in self.resources if r.id in ids]
        return found[0] if len(found) == 1 else None

    def hash_key(self, value: str) -> str:
        return self.hasher(value)


def instrumentation_key(value: str) -> str | None:
    """The instrumentation key in an App Insights setting value (a bare key or a connection string)."""
    v = value.strip()
    if _GUID_RE.match(v):
        return v
    m = _IKEY_RE.search(v)
    return m.group(1) if m else None


def run_hasher() -> Callable[[str], str]:
    """A keyed hash under a key made for this run (instrumentation keys compared, never kept)."""
    key = os.urandom(32)
    return lambda value: hmac.new(key, value.strip().lower().encode(), sha256).hexdigest()


def wanted_types(scopes: Iterable[str]) -> tuple[str, ...]:
    """The resource types (`Microsoft.Storage/storageAccounts`) of the placeholder scopes in `scopes`:
    what a lookup has to find."""
    found = {
        f"{m.group('ns')}/{m.group('type')}".lower()
        for s in scopes
        if "<" in s and (m := SCOPE_RE.match(s)) and "<" not in m.group("ns") + m.group("type")
    }
    return tuple(sorted(found))


async def read_index(
    lister: ResourceLister | IndexReader,
    subscriptions: Iterable[str],
    hasher: Callable[[str], str] | None = None,
    lookup: str = ARM_LIST_CALLS,
) -> ResourceIndex:
    """Every resource of `subscriptions`, and each component's instrumentation key hashed by `hasher`
    (the scan's fingerprint, to match a scan document; else `run_hasher()`).  An `IndexReader` reads
    both in one go; a `ResourceLister` lists per subscription and reads each component."""
    hasher = hasher or run_hasher()
    if isinstance(lister, IndexReader):
        found, hashed = await lister.read(sorted(set(subscriptions)), hasher)
        return ResourceIndex(tuple(sorted(found, key=lambda r: r.id.lower())), tuple(hashed), hasher, lookup)
    resources: list[FoundResource] = []
    for sub in sorted(set(subscriptions)):
        resources += await lister.list_resources(sub)
    hashes: list[tuple[str, str]] = []
    for r in resources:
        if r.type.lower() == INSIGHTS_TYPE:
            props = await lister.properties(r.id, INSIGHTS_API_VERSION)
            ikey = props.get("InstrumentationKey") or props.get("instrumentationKey")
            if isinstance(ikey, str) and ikey:
                hashes.append((r.id, hasher(ikey)))
    return ResourceIndex(tuple(sorted(resources, key=lambda r: r.id.lower())), tuple(hashes), hasher, lookup)


def resolve_scope(scope: str, index: ResourceIndex, component: FoundResource | None = None) -> str | None:
    """The real id for a placeholder scope (its narrower part kept), or None when it is not found
    exactly once (or has no placeholder)."""
    m = SCOPE_RE.match(scope)
    if m is None or "<" not in scope:
        return None
    name = m.group("name")
    if name.strip("<>") == INSIGHTS_PLACEHOLDER:
        return component.id + m.group("rest") if component is not None else None
    if "<" in name or "<" in m.group("ns") or "<" in m.group("type"):
        return None
    found = index.find(f"{m.group('ns')}/{m.group('type')}", name)
    if len(found) != 1:
        return None
    if "<" not in m.group("sub") and m.group("sub").lower() != found[0].subscription.lower():
        return None
    return found[0].id + m.group("rest")


class ArmResourceLister:
    """`ResourceLister` over azure-mgmt-resource's async `ResourceManagementClient` (one per
    subscription, from `client_for`)."""

    def __init__(self, client_for: Any) -> None:
        self.client_for = client_for

    async def list_resources(self, subscription: str) -> list[FoundResource]:
        client = self.client_for(subscription)
        out: list[FoundResource] = []
        async for r in client.resources.list():
            if r.id and r.type and r.name:
                out.append(FoundResource(str(r.id), str(r.type), str(r.name)))
        return out

    async def properties(self, resource_id: str, api_version: str) -> dict[str, Any]:
        client = self.client_for(resource_id.split("/")[2])
        got = await client.resources.get_by_id(resource_id, api_version)
        props = getattr(got, "properties", None)
        return dict(props) if isinstance(props, dict) else {}


async def index_from_arm(
    credential: Any,
    target: Any,
    subscriptions: Iterable[str],
    *,
    hasher: Callable[[str], str] | None = None,
    policies: tuple[Any, ...] = (),
    types: Iterable[str] | None = None,
) -> ResourceIndex:
    """`read_index` over ARM (`target`: a `scanners.sign_in.ArmTarget`), with the same HTTP session,
    limits and retries as the estate scan: first one Azure Resource Graph query for all
    `subscriptions` (only `types` when given); when Resource Graph fails (forbidden, not found, bad
    request, throttled, unreachable), ARM list calls per subscription, and the index's `lookup`
    says why."""
    from azure.mgmt.resource.resources.aio import ResourceManagementClient
    from azure.mgmt.resourcegraph.aio import ResourceGraphClient

    from migrate.plan.resolve.resource_graph import ResourceGraphLister, ResourceGraphUnavailable
    from scanners.azure_arm import client_kwargs, open_http_session

    session = open_http_session(4)
    subs = sorted(set(subscriptions))
    hasher = hasher or run_hasher()
    clients: dict[str, Any] = {}

    def client_for(subscription: str) -> Any:
        if subscription not in clients:
            clients[subscription] = ResourceManagementClient(
                credential, subscription, **client_kwargs(target, session, retry_total=3, policies=policies)
            )
        return clients[subscription]

    try:
        graph = ResourceGraphClient(
            credential, **client_kwargs(target, session, retry_total=3, policies=policies)
        )
        try:
            return await read_index(ResourceGraphLister(graph, types), subs, hasher, RESOURCE_GRAPH)
        except ResourceGraphUnavailable as exc:
            why = exc.reason
        finally:
            await graph.close()
        log.info("action=lookup via=arm-list reason=%s", why)
        return await read_index(ArmResourceLister(client_for), subs, hasher, f"{ARM_LIST_CALLS} ({why})")
    finally:
        for c in clients.values():
            await c.close()
        await session.close()
