"""In-memory model of an App Service / Functions / Key Vault estate served by the fake ARM.

All secrets produced by :func:`make_estate` contain the marker ``CANARY`` so tests can assert that
no secret value leaks into reports, logs or fingerprints.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
DEFAULT_TENANT = "72f988bf-0000-0000-0000-00000000beef"
CANARY = "CANARY"


@dataclass
class FakeIdentity:
    """A ``ManagedServiceIdentity``; ``user_assigned`` maps UAI resource id -> (principal_id, client_id)."""

    type: str = "SystemAssigned"  # SystemAssigned | UserAssigned | "SystemAssigned, UserAssigned" | None
    principal_id: str | None = None
    tenant_id: str | None = DEFAULT_TENANT
    user_assigned: dict[str, tuple[str, str]] = field(default_factory=dict)

    def to_arm(self) -> dict[str, object]:
        out: dict[str, object] = {"type": self.type}
        if "SystemAssigned" in self.type:
            out["principalId"] = self.principal_id
            out["tenantId"] = self.tenant_id
        if self.user_assigned:
            out["userAssignedIdentities"] = {
                rid: {"principalId": pid, "clientId": cid} for rid, (pid, cid) in self.user_assigned.items()
            }
        return out


@dataclass
class FakeSlot:
    app_settings: dict[str, str] = field(default_factory=dict)
    connection_strings: dict[str, tuple[str, str]] = field(default_factory=dict)
    identity: FakeIdentity | None = None


@dataclass
class FakeSite:
    subscription: str
    resource_group: str
    name: str
    kind: str = "app"  # "app" | "functionapp" | "functionapp,linux" | "app,linux"
    identity: FakeIdentity | None = None
    app_settings: dict[str, str] = field(default_factory=dict)
    connection_strings: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (value, type)
    slots: dict[str, FakeSlot] = field(default_factory=dict)
    sticky_app_settings: list[str] = field(default_factory=list)
    sticky_connection_strings: list[str] = field(default_factory=list)
    key_vault_reference_identity: str = "SystemAssigned"
    location: str = "West Europe"
    server_farm: str = "asp-default"

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Web/sites/{self.name}"
        )


@dataclass
class FakeVault:
    subscription: str
    resource_group: str
    name: str
    rbac: bool = True
    location: str = "westeurope"
    tenant_id: str = DEFAULT_TENANT

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.KeyVault/vaults/{self.name}"
        )

    @property
    def uri(self) -> str:
        return f"https://{self.name}.vault.azure.net/"


# provider namespace -> resource type -> api-versions the fake offers (a preview newer than the GA ones)
FAKE_API_VERSIONS: dict[str, dict[str, list[str]]] = {
    "Microsoft.Storage": {"storageAccounts": ["2023-01-01", "2099-01-01-preview", "2023-05-01"]},
    "Microsoft.ServiceBus": {"namespaces": ["2021-11-01", "2099-01-01-preview", "2024-01-01"]},
    "Microsoft.EventHub": {"namespaces": ["2021-11-01", "2099-01-01-preview", "2024-01-01"]},
    "Microsoft.DocumentDB": {"databaseAccounts": ["2024-05-15", "2099-01-01-preview", "2024-08-15"]},
    "Microsoft.AppConfiguration": {"configurationStores": ["2023-03-01", "2099-01-01-preview", "2024-05-01"]},
    "Microsoft.Insights": {"components": ["2020-02-02", "2099-01-01-preview"]},
    "Microsoft.CognitiveServices": {"accounts": ["2023-05-01", "2099-01-01-preview", "2024-10-01"]},
    "Microsoft.Search": {"searchServices": ["2023-11-01", "2099-01-01-preview"]},
}


@dataclass
class FakeResource:
    """A generic ARM resource (storage account, Service Bus namespace, ...): GET/PATCH by id; PATCH
    merges `properties`.  `api_versions_seen` records the api-version of every request to it."""

    subscription: str
    resource_group: str
    namespace: str  # "Microsoft.Storage"
    type: str  # "storageAccounts"
    name: str
    properties: dict[str, Any] = field(default_factory=dict)
    location: str = "westeurope"
    api_versions_seen: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/"
            f"{self.namespace}/{self.type}/{self.name}"
        )


@dataclass
class Estate:
    sites: list[FakeSite] = field(default_factory=list)
    vaults: list[FakeVault] = field(default_factory=list)
    resources: list[FakeResource] = field(default_factory=list)
    # user-assigned identities: lower-case resource id -> {"id", "name", "location", "principalId", "clientId"}
    user_identities: dict[str, dict[str, str]] = field(default_factory=dict)

    def add_resource(
        self, subscription: str, resource_group: str, resource_type: str, name: str, **properties: Any
    ) -> FakeResource:
        """Register a generic resource, e.g. `add_resource(SUB, "rg", "Microsoft.Storage/storageAccounts",
        "acct", allowSharedKeyAccess=True)`."""
        namespace, typ = resource_type.split("/", 1)
        if typ not in FAKE_API_VERSIONS.get(namespace, {}):
            raise ValueError(f"the fake ARM does not serve {resource_type}")
        res = FakeResource(subscription, resource_group, namespace, typ, name, dict(properties))
        self.resources.append(res)
        return res

    def find_resource(
        self, subscription: str, resource_group: str, namespace: str, typ: str, name: str
    ) -> FakeResource | None:
        key = (subscription.lower(), resource_group.lower(), namespace.lower(), typ.lower(), name.lower())
        for r in self.resources:
            if (
                r.subscription.lower(),
                r.resource_group.lower(),
                r.namespace.lower(),
                r.type.lower(),
                r.name.lower(),
            ) == key:
                return r
        return None

    def find_site(self, subscription: str, resource_group: str, name: str) -> FakeSite | None:
        key = (subscription.lower(), resource_group.lower(), name.lower())
        for s in self.sites:
            if (s.subscription.lower(), s.resource_group.lower(), s.name.lower()) == key:
                return s
        return None

    def site(self, name: str) -> FakeSite:
        """Convenience lookup by site name only (first match); raises KeyError."""
        for s in self.sites:
            if s.name.lower() == name.lower():
                return s
        raise KeyError(name)


# --------------------------------------------------------------------------------------------------
# Generator


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _secret(rng: random.Random, n: int = 24) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return CANARY + "".join(rng.choice(alphabet) for _ in range(n))


def _uai_id(subscription: str, rg: str, name: str) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{rg}"
        f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )


_RGS = ("rg-shop", "rg-billing", "rg-data", "rg-ops")
_KINDS = ("app", "functionapp", "functionapp,linux", "app,linux")


def _identity_for(i: int, rng: random.Random, sub: str, rg: str, name: str) -> FakeIdentity | None:
    mode = (i + i // 4) % 4  # decorrelated from kind (i % 4)
    if mode == 0:
        return None
    if mode == 1:
        return FakeIdentity("SystemAssigned", _uuid(rng))
    uai = {_uai_id(sub, rg, f"uai-{name}"): (_uuid(rng), _uuid(rng))}
    if mode == 2:
        return FakeIdentity("UserAssigned", None, DEFAULT_TENANT, uai)
    return FakeIdentity("SystemAssigned, UserAssigned", _uuid(rng), DEFAULT_TENANT, uai)


def _settings_for(
    i: int, kind: str, rng: random.Random, vaults: list[FakeVault]
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    app: dict[str, str] = {
        "WEBSITE_RUN_FROM_PACKAGE": "1",
        "APPLICATIONINSIGHTS_CONNECTION_STRING": (
            f"InstrumentationKey={_uuid(rng)};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"
        ),
    }
    cs: dict[str, tuple[str, str]] = {}
    is_func = kind.startswith("functionapp")
    if is_func:
        app["FUNCTIONS_EXTENSION_VERSION"] = "~4"
        app["FUNCTIONS_WORKER_RUNTIME"] = ("dotnet-isolated", "python", "node")[i % 3]

    # storage: key-based or passwordless
    if i % 3 == 2:
        app["AzureWebJobsStorage__accountName"] = f"st{i:03d}data"
        app["AzureWebJobsStorage__serviceUri"] = f"https://st{i:03d}data.blob.core.windows.net"
    else:
        app["AzureWebJobsStorage"] = (
            f"DefaultEndpointsProtocol=https;AccountName=st{i:03d}data;"
            f"AccountKey={_secret(rng, 40)}==;EndpointSuffix=core.windows.net"
        )

    # service bus
    if i % 2 == 0:
        if i % 4 == 0:
            app["ServiceBusConnection"] = (
                f"Endpoint=sb://sb-{i:03d}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
                f"SharedAccessKey={_secret(rng, 32)}="
            )
        else:
            app["ServiceBusConnection__fullyQualifiedNamespace"] = f"sb-{i:03d}.servicebus.windows.net"

    # SQL (connection string)
    if i % 3 != 1:
        cs["Default"] = (
            f"Server=tcp:sql-{i:03d}.database.windows.net,1433;Initial Catalog=appdb;"
            f"User ID=appuser;Password={_secret(rng, 16)};Encrypt=True;",
            "SQLAzure",
        )
    # Cosmos
    if i % 5 in (0, 3):
        cs["Cosmos"] = (
            f"AccountEndpoint=https://cosmos-{i:03d}.documents.azure.com:443/;AccountKey={_secret(rng, 40)}==;",
            "DocDb",
        )
    elif i % 5 == 1:
        app["CosmosDb__accountEndpoint"] = f"https://cosmos-{i:03d}.documents.azure.com:443/"
    # Redis
    if i % 4 == 1:
        cs["Redis"] = (
            f"redis-{i:03d}.redis.cache.windows.net:6380,password={_secret(rng, 32)}=,ssl=True,abortConnect=False",
            "RedisCache",
        )
    # Key Vault references
    if vaults and i % 2 == 1:
        v = vaults[i % len(vaults)]
        app["Payments__ApiKey"] = f"@Microsoft.KeyVault(SecretUri={v.uri}secrets/payments-api-key/)"
        if i % 4 == 3:
            app["Smtp__Password"] = f"@Microsoft.KeyVault(VaultName={v.name};SecretName=smtp-password)"
    # service principal secret
    if i % 6 == 5:
        app["AZURE_CLIENT_ID"] = _uuid(rng)
        app["AZURE_TENANT_ID"] = DEFAULT_TENANT
        app["AZURE_CLIENT_SECRET"] = _secret(rng, 34)
    return app, cs


def make_estate(
    n_sites: int,
    subscription: str = DEFAULT_SUBSCRIPTION,
    with_slots: bool = True,
    seed: int = 0,
) -> Estate:
    """A deterministic, realistic mixed estate.

    * kinds cycle app / functionapp / functionapp,linux / app,linux;
    * identity cycles none / SystemAssigned / UserAssigned / both ((i + i // 4) % 4); UserAssigned-only
      sites use their UAI as keyVaultReferenceIdentity;
    * key-based storage, Service Bus, SQL, Cosmos, Redis secrets (values contain ``CANARY``),
      passwordless ``__serviceUri`` / ``__fullyQualifiedNamespace`` / ``__accountEndpoint`` settings,
      Key Vault references into the estate's vaults, and ``AZURE_CLIENT_SECRET`` on some sites;
    * with ``with_slots``, every third site (0, 3, 6, ...) has a ``staging`` slot with its own
      secrets and sticky settings, and every ninth also a ``canary`` slot.
    """
    rng = random.Random(seed)  # noqa: S311 - test data
    n_vaults = max(2, n_sites // 10)
    vaults = [
        FakeVault(subscription, _RGS[k % len(_RGS)], f"kv-secretless-{k:02d}", rbac=(k % 2 == 0))
        for k in range(n_vaults)
    ]
    sites: list[FakeSite] = []
    for i in range(n_sites):
        kind = _KINDS[i % len(_KINDS)]
        rg = _RGS[i % len(_RGS)]
        prefix = "func" if kind.startswith("functionapp") else "web"
        name = f"{prefix}-secretless-{i:03d}"
        identity = _identity_for(i, rng, subscription, rg, name)
        kvri = "SystemAssigned"
        if identity is not None and identity.user_assigned and (identity.type == "UserAssigned" or i % 2):
            kvri = next(iter(identity.user_assigned))
        app, cs = _settings_for(i, kind, rng, vaults)
        site = FakeSite(
            subscription=subscription,
            resource_group=rg,
            name=name,
            kind=kind,
            identity=identity,
            app_settings=app,
            connection_strings=cs,
            key_vault_reference_identity=kvri,
            server_farm=f"asp-{rg.removeprefix('rg-')}",
        )
        if with_slots and i % 3 == 0:
            slot_app, slot_cs = _settings_for(i, kind, rng, vaults)
            slot_app["ASPNETCORE_ENVIRONMENT"] = "Staging"
            site.app_settings["ASPNETCORE_ENVIRONMENT"] = "Production"
            slot_identity = (
                FakeIdentity("SystemAssigned", _uuid(rng))
                if identity is not None and "System" in identity.type
                else None
            )
            site.slots["staging"] = FakeSlot(slot_app, slot_cs, slot_identity)
            if i % 9 == 0:
                c_app, c_cs = _settings_for(i + 1, kind, rng, vaults)
                site.slots["canary"] = FakeSlot(c_app, c_cs, None)
            site.sticky_app_settings = ["ASPNETCORE_ENVIRONMENT"]
            site.sticky_connection_strings = [n for n in ("Default",) if n in cs]
        sites.append(site)
    return Estate(sites=sites, vaults=vaults)
