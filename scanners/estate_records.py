"""What the estate scan reads from App Service / Functions, as plain records.

`SiteSnapshot` holds setting values (secrets among them) only long enough to classify them: it
never reaches any output, and its repr hides the values.  `SiteInventory` is the secret-free part
that goes into the scan document for the planner (identities, slots, sticky setting names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class UserAssignedIdentity:
    resource_id: str
    principal_id: str | None
    client_id: str | None

    @property
    def name(self) -> str:
        return self.resource_id.rstrip("/").rsplit("/", 1)[-1]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    """`type` is as ARM says: None, SystemAssigned, UserAssigned, or 'SystemAssigned, UserAssigned'."""

    type: str = "None"
    principal_id: str | None = None
    tenant_id: str | None = None
    user_assigned: tuple[UserAssignedIdentity, ...] = ()

    @classmethod
    def from_arm(cls, raw: Any) -> SiteIdentity:
        """From ARM's `identity` block (REST shape, as the SDK's `as_dict()` and `az` print it)."""
        if not isinstance(raw, dict) or not raw:
            return cls()
        uais = raw.get("userAssignedIdentities") or {}
        if isinstance(uais, list):  # a hand-edited or odd export: resource ids without their details
            uais = {rid: None for rid in uais if isinstance(rid, str)}
        if not isinstance(uais, dict):
            uais = {}
        return cls(
            type=str(raw.get("type") or "None"),
            principal_id=_text(raw.get("principalId")),
            tenant_id=_text(raw.get("tenantId")),
            user_assigned=tuple(
                UserAssignedIdentity(str(rid), _text(_field(v, "principalId")), _text(_field(v, "clientId")))
                for rid, v in sorted(uais.items(), key=lambda kv: str(kv[0]))
            ),
        )

    @property
    def system_assigned(self) -> bool:
        return "systemassigned" in self.type.replace(" ", "").lower()

    @property
    def has_any(self) -> bool:
        return self.system_assigned or bool(self.user_assigned)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "principal_id": self.principal_id,
            "tenant_id": self.tenant_id,
            "user_assigned": [
                {"resource_id": u.resource_id, "principal_id": u.principal_id, "client_id": u.client_id}
                for u in self.user_assigned
            ],
        }


@dataclass(frozen=True, slots=True)
class SiteSnapshot:
    subscription: str
    resource_group: str
    site: str
    slot: str | None
    kind: str
    identity: SiteIdentity
    key_vault_reference_identity: str | None
    app_settings: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    connection_strings: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)
    sticky_app_settings: frozenset[str] = frozenset()
    sticky_connection_strings: frozenset[str] = frozenset()

    @property
    def is_function_app(self) -> bool:
        return "functionapp" in self.kind.lower()

    @property
    def target(self) -> str:
        base = f"{self.subscription}/{self.resource_group}/{self.site}"
        return f"{base}/slots/{self.slot}" if self.slot else base

    def inventory(self) -> SiteInventory:
        return SiteInventory(
            subscription=self.subscription,
            resource_group=self.resource_group,
            site=self.site,
            slot=self.slot,
            kind=self.kind,
            identity=self.identity,
            key_vault_reference_identity=self.key_vault_reference_identity,
            app_setting_names=tuple(sorted(n for n, _ in self.app_settings)),
            connection_string_names=tuple(sorted(n for n, _, _ in self.connection_strings)),
            sticky_app_settings=tuple(sorted(self.sticky_app_settings)),
            sticky_connection_strings=tuple(sorted(self.sticky_connection_strings)),
        )


@dataclass(frozen=True, slots=True)
class SiteInventory:
    """The secret-free facts about one site or slot."""

    subscription: str
    resource_group: str
    site: str
    slot: str | None
    kind: str
    identity: SiteIdentity
    key_vault_reference_identity: str | None
    app_setting_names: tuple[str, ...]
    connection_string_names: tuple[str, ...]
    sticky_app_settings: tuple[str, ...]
    sticky_connection_strings: tuple[str, ...]

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.subscription, self.resource_group.lower(), self.site.lower(), self.slot or "")

    def to_json(self) -> dict[str, Any]:
        return {
            "subscription": self.subscription,
            "resource_group": self.resource_group,
            "site": self.site,
            "slot": self.slot,
            "kind": self.kind,
            "identity": self.identity.to_json(),
            "key_vault_reference_identity": self.key_vault_reference_identity,
            "app_setting_names": list(self.app_setting_names),
            "connection_string_names": list(self.connection_string_names),
            "sticky_app_settings": list(self.sticky_app_settings),
            "sticky_connection_strings": list(self.sticky_connection_strings),
        }


@dataclass(frozen=True, slots=True)
class VaultInfo:
    subscription: str
    resource_group: str
    name: str
    rbac: bool | None
    uri: str | None = None
