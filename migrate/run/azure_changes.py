"""The Azure writes of a guided migration, through the official async SDK clients (azure-mgmt-web,
azure-mgmt-authorization): one app's identity, role assignments, app settings and connection
strings, and its slot swap.  A thin adapter: SDK objects never leave this module, only plain values do.

Setting values read here can be secrets: they stay in memory, are written back unchanged, and are
never logged or returned to callers except as the dicts `set_settings` needs to merge.  The SDK's
`logging_enable` is never turned on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from scanners.azure_arm import client_kwargs, model_dict, open_http_session
from scanners.sign_in import ArmTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IdentityState:
    type: str  # None | SystemAssigned | UserAssigned | "SystemAssigned, UserAssigned"
    principal_id: str | None
    user_assigned: tuple[str, ...]
    # (resource id, principal id, client id) of each user-assigned identity on the site or slot
    user_assigned_ids: tuple[tuple[str, str | None, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class UserIdentity:
    id: str
    principal_id: str | None
    client_id: str | None
    created: bool


@dataclass(frozen=True, slots=True)
class RoleAssignmentState:
    scope: str
    role_definition_id: str
    principal_id: str


class AppServiceChanges:
    """Reads and writes of one App Service / Functions app (and its slots) and of role assignments."""

    def __init__(
        self,
        credential: Any,
        target: ArmTarget,
        subscription: str,
        resource_group: str,
        site: str,
        *,
        retry_total: int = 3,
        extra_policies: tuple[Any, ...] = (),
        polling_interval: float = 5.0,
    ) -> None:
        self.credential = credential
        self.target = target
        self.subscription = subscription
        self.resource_group = resource_group
        self.site = site
        self.retry_total = retry_total
        self.extra_policies = extra_policies
        self.polling_interval = polling_interval  # LRO polls when ARM sends no Retry-After
        self._http: Any = None
        self._web: Any = None
        self._auth: Any = None
        self._msi: Any = None
        self._resources: dict[str, Any] = {}  # subscription -> ResourceManagementClient
        self._api_versions: dict[str, str] = {}  # "namespace/type" (lower) -> api-version

    async def __aenter__(self) -> AppServiceChanges:
        self._http = open_http_session(4)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in (self._web, self._auth, self._msi, *self._resources.values()):
            if client is not None:
                await client.close()
        if self._http is not None:
            await self._http.close()

    def _kwargs(self) -> dict[str, Any]:
        return client_kwargs(
            self.target, self._http, retry_total=self.retry_total, policies=self.extra_policies
        )

    @property
    def web(self) -> Any:
        if self._web is None:
            from azure.mgmt.web.aio import WebSiteManagementClient

            self._web = WebSiteManagementClient(self.credential, self.subscription, **self._kwargs())
        return self._web.web_apps

    @property
    def auth(self) -> Any:
        if self._auth is None:
            from azure.mgmt.authorization.aio import AuthorizationManagementClient

            # base_url by keyword: the third positional parameter is api_version
            self._auth = AuthorizationManagementClient(self.credential, self.subscription, **self._kwargs())
        return self._auth.role_assignments

    @property
    def msi(self) -> Any:
        if self._msi is None:
            from azure.mgmt.msi.aio import ManagedServiceIdentityClient

            # base_url by keyword: the third positional parameter is api_version
            self._msi = ManagedServiceIdentityClient(self.credential, self.subscription, **self._kwargs())
        return self._msi.user_assigned_identities

    def resource_client(self, subscription: str) -> Any:
        if subscription not in self._resources:
            from azure.mgmt.resource.resources.aio import ResourceManagementClient

            self._resources[subscription] = ResourceManagementClient(
                self.credential, subscription, **self._kwargs()
            )
        return self._resources[subscription]

    # ---- generic resources (local auth) --------------------------------------------------------

    async def api_version_for(self, resource_id: str) -> str:
        """The newest non-preview api-version the resource provider offers for the type of
        `resource_id` (read from ARM, never guessed)."""
        subscription, namespace, rtype = _parse_resource_id(resource_id)
        key = f"{namespace}/{rtype}".lower()
        if key not in self._api_versions:
            provider = await self.resource_client(subscription).providers.get(namespace)
            versions: list[str] = []
            for t in provider.resource_types or ():
                if str(t.resource_type or "").lower() == rtype.lower():
                    versions = [str(v) for v in t.api_versions or ()]
            ga = sorted((v for v in versions if "preview" not in v.lower()), reverse=True)
            if not ga:
                raise LookupError(
                    f"{namespace}/{rtype}: the resource provider lists no non-preview api-version"
                )
            self._api_versions[key] = ga[0]
        return self._api_versions[key]

    async def resource_property(self, resource_id: str, api_version: str, name: str) -> Any:
        """One value under `properties` of the resource (None when absent)."""
        subscription = _parse_resource_id(resource_id)[0]
        res = await self.resource_client(subscription).resources.get_by_id(resource_id, api_version)
        return (res.properties or {}).get(name) if isinstance(res.properties, dict) else None

    async def set_resource_property(self, resource_id: str, api_version: str, name: str, value: Any) -> None:
        """PATCH only `properties.<name>` (ARM merges a PATCH: every other property is kept)."""
        from azure.mgmt.resource.resources.models import GenericResource

        subscription = _parse_resource_id(resource_id)[0]
        poller = await self.resource_client(subscription).resources.begin_update_by_id(
            resource_id,
            api_version,
            GenericResource(properties={name: value}),
            polling_interval=self.polling_interval,
        )
        await poller.result()

    # ---- identity ------------------------------------------------------------------------------

    async def identity(self, slot: str | None) -> IdentityState:
        rg, name = self.resource_group, self.site
        site = await (self.web.get_slot(rg, name, slot) if slot else self.web.get(rg, name))
        ident = model_dict(site).get("identity") or {}
        uais = ident.get("userAssignedIdentities") or {}
        return IdentityState(
            str(ident.get("type") or "None"),
            ident.get("principalId"),
            tuple(sorted(uais)),
            tuple(
                (str(rid), (v or {}).get("principalId"), (v or {}).get("clientId"))
                for rid, v in sorted(uais.items())
            ),
        )

    async def site_location(self) -> str:
        return str((await self.web.get(self.resource_group, self.site)).location)

    def user_identity_id(self, name: str) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        )

    async def ensure_user_identity(self, name: str) -> UserIdentity:
        """The user-assigned identity `name` in the app's resource group, created (in the app's
        location) when it does not exist yet."""
        from azure.core.exceptions import ResourceNotFoundError
        from azure.mgmt.msi.models import Identity

        created = False
        try:
            uai = await self.msi.get(self.resource_group, name)
        except ResourceNotFoundError:
            uai = await self.msi.create_or_update(
                self.resource_group, name, Identity(location=await self.site_location())
            )
            created = True
        return UserIdentity(
            str(uai.id or self.user_identity_id(name)),
            uai.principal_id and str(uai.principal_id),
            uai.client_id and str(uai.client_id),
            created,
        )

    async def set_user_identity(self, slot: str | None, resource_id: str, assigned: bool) -> IdentityState:
        """Assign (or unassign) one user-assigned identity, keeping the system-assigned identity and
        every other user-assigned one."""
        from azure.mgmt.web.models import ManagedServiceIdentity, SitePatchResource

        current = await self.identity(slot)
        others = [rid for rid in current.user_assigned if rid.lower() != resource_id.lower()]
        uais = others + ([resource_id] if assigned else [])
        system = "SystemAssigned" in current.type
        typ = ", ".join((["SystemAssigned"] if system else []) + (["UserAssigned"] if uais else [])) or "None"
        kwargs: dict[str, Any] = {"type": typ}
        if uais:
            # ARM merges userAssignedIdentities on PATCH: an identity is removed by sending it as null
            removed = {rid: None for rid in current.user_assigned if rid.lower() == resource_id.lower()}
            kwargs["user_assigned_identities"] = {**{rid: {} for rid in uais}, **removed}
        patch = SitePatchResource(identity=ManagedServiceIdentity(**kwargs))
        rg, name = self.resource_group, self.site
        await (self.web.update_slot(rg, name, slot, patch) if slot else self.web.update(rg, name, patch))
        return await self.identity(slot)

    async def set_identity_type(self, slot: str | None, system: bool) -> IdentityState:
        """Turn the system-assigned identity on or off, keeping every user-assigned identity."""
        from azure.mgmt.web.models import ManagedServiceIdentity, SitePatchResource

        current = await self.identity(slot)
        parts = (["SystemAssigned"] if system else []) + (["UserAssigned"] if current.user_assigned else [])
        typ = ", ".join(parts) or "None"
        kwargs: dict[str, Any] = {"type": typ}
        if current.user_assigned:
            kwargs["user_assigned_identities"] = {rid: {} for rid in current.user_assigned}
        patch = SitePatchResource(identity=ManagedServiceIdentity(**kwargs))
        rg, name = self.resource_group, self.site
        await (self.web.update_slot(rg, name, slot, patch) if slot else self.web.update(rg, name, patch))
        return await self.identity(slot)

    # ---- role assignments ----------------------------------------------------------------------

    def role_definition_id(self, role_guid: str) -> str:
        return f"/subscriptions/{self.subscription}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"

    async def role_assignment(self, scope: str, name: str) -> RoleAssignmentState | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            ra = await self.auth.get(scope, name)
        except ResourceNotFoundError:
            return None
        return RoleAssignmentState(str(ra.scope or scope), str(ra.role_definition_id), str(ra.principal_id))

    async def create_role_assignment(self, scope: str, name: str, role_guid: str, principal_id: str) -> bool:
        """True when created, False when it already existed (409 RoleAssignmentExists)."""
        from azure.core.exceptions import ResourceExistsError
        from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

        params = RoleAssignmentCreateParameters(
            role_definition_id=self.role_definition_id(role_guid),
            principal_id=principal_id,
            principal_type="ServicePrincipal",
        )
        try:
            await self.auth.create(scope, name, params)
        except ResourceExistsError:
            return False
        return True

    async def delete_role_assignment(self, scope: str, name: str) -> None:
        await self.auth.delete(scope, name)

    # ---- settings ------------------------------------------------------------------------------

    async def read_settings(self, slot: str | None, kind: str) -> dict[str, Any]:
        """Current app settings ({name: value}) or connection strings ({name: {value, type}})."""
        rg, name, web = self.resource_group, self.site, self.web
        if kind == "connection-string":
            raw = await (
                web.list_connection_strings_slot(rg, name, slot)
                if slot
                else web.list_connection_strings(rg, name)
            )
            props = model_dict(raw).get("properties") or {}
            return {
                str(k): {
                    "value": str((v or {}).get("value") or ""),
                    "type": str((v or {}).get("type") or "Custom"),
                }
                for k, v in props.items()
            }
        raw = await (
            web.list_application_settings_slot(rg, name, slot)
            if slot
            else web.list_application_settings(rg, name)
        )
        return {
            str(k): "" if v is None else str(v) for k, v in (model_dict(raw).get("properties") or {}).items()
        }

    async def write_settings(self, slot: str | None, kind: str, props: dict[str, Any]) -> None:
        """Replace the whole set (ARM's PUT semantics): callers pass read-modify-write results only."""
        from azure.mgmt.web.models import ConnectionStringDictionary, StringDictionary

        rg, name, web = self.resource_group, self.site, self.web
        if kind == "connection-string":
            body = ConnectionStringDictionary(properties=props)
            await (
                web.update_connection_strings_slot(rg, name, slot, body)
                if slot
                else web.update_connection_strings(rg, name, body)
            )
            return
        body2 = StringDictionary(properties=props)
        await (
            web.update_application_settings_slot(rg, name, slot, body2)
            if slot
            else web.update_application_settings(rg, name, body2)
        )

    async def sticky_names(self, kind: str) -> set[str]:
        """The slot-sticky ("deployment slot setting") names of this kind (site-wide)."""
        raw = model_dict(await self.web.list_slot_configuration_names(self.resource_group, self.site))
        props = raw.get("properties") or raw
        key = "connectionStringNames" if kind == "connection-string" else "appSettingNames"
        return {str(n) for n in props.get(key) or ()}

    async def make_sticky(self, kind: str, names: set[str]) -> None:
        """Read-modify-write of slotConfigNames: add `names`, keep every other entry."""
        from azure.mgmt.web.models import SlotConfigNamesResource

        raw = model_dict(await self.web.list_slot_configuration_names(self.resource_group, self.site))
        props = dict(raw.get("properties") or raw)
        key = "connectionStringNames" if kind == "connection-string" else "appSettingNames"
        current = [str(n) for n in props.get(key) or ()]
        if set(names) <= set(current):
            return
        props[key] = sorted(set(current) | set(names))
        body = {
            k: v
            for k, v in props.items()
            if k in ("appSettingNames", "connectionStringNames", "azureStorageConfigNames")
        }
        await self.web.update_slot_configuration_names(
            self.resource_group, self.site, SlotConfigNamesResource({"properties": body})
        )

    # ---- slot swap -----------------------------------------------------------------------------

    async def swap(self, slot: str, target: str = "production") -> None:
        """Swap `slot` into `target` (an ARM long-running operation; waits for it to finish).  App
        settings and connection strings move except slot-sticky ones; identities never swap."""
        from azure.mgmt.web.models import CsmSlotEntity

        poller = await self.web.begin_swap_slot(
            self.resource_group,
            self.site,
            slot,
            CsmSlotEntity(target_slot=target, preserve_vnet=True),
            polling_interval=self.polling_interval,
        )
        await poller.result()


def _parse_resource_id(resource_id: str) -> tuple[str, str, str]:
    """(subscription, provider namespace, resource type) of a top-level ARM resource id."""
    parts = resource_id.strip("/").split("/")
    if len(parts) != 8 or parts[0].lower() != "subscriptions" or parts[4].lower() != "providers":
        raise ValueError("not the id of a top-level ARM resource")
    return parts[1], parts[5], parts[6]
