"""Audit items for one App Service / Functions site or slot: every setting and connection string
through the shared classifier, plus identity-design findings that block a clean migration."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from scanners.classifier import classify
from scanners.estate_records import SiteSnapshot, VaultInfo
from scanners.fingerprint import Fingerprinter
from scanners.items import item_from_classification
from scanners.placeholders import key_vault_reference
from scanners.records import (
    AppServiceLocation,
    Confidence,
    ConnectionStringAuditItem,
    CredentialKind,
    Endpoint,
    EvidenceRole,
    ManagedIdentitySupport,
    ServiceType,
    ValueClass,
)
from scanners.setting_names import identity_suffix
from scanners.siblings import with_setting_siblings


def _setting_kind(item: ConnectionStringAuditItem) -> str:
    """Every estate item sits at an App Service location; its id includes the setting kind."""
    location = item.location
    return location.setting_kind if isinstance(location, AppServiceLocation) else "app-setting"


# App Service connection-string types → the service they name.
CONNECTION_TYPE_HINTS: dict[str, ServiceType | None] = {
    "sqlazure": ServiceType.SQL,
    "sqlserver": ServiceType.SQL,
    "mysql": ServiceType.MYSQL,
    "postgresql": ServiceType.POSTGRESQL,
    "rediscache": ServiceType.REDIS,
    "docdb": ServiceType.COSMOS_DB,
    "servicebus": ServiceType.SERVICE_BUS,
    "eventhub": ServiceType.EVENT_HUBS,
    "custom": None,
    "notificationhub": None,
    "apihub": None,
}

SP_CREDENTIAL_SETTINGS = (
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
)
DETECTOR = "app-service"


def _vault_note(vault_name: str, vaults: dict[str, VaultInfo], kv_identity: str | None) -> tuple[str, ...]:
    notes: list[str] = []
    vault = vaults.get(vault_name.lower()) if vault_name else None
    if vault is None:
        notes.append(f"vault {vault_name or '(unknown)'} not found in the scanned subscriptions")
    elif vault.rbac:
        notes.append(f"vault {vault.name} uses Azure RBAC: grant Key Vault Secrets User")
    elif vault.rbac is False:
        notes.append(f"vault {vault.name} uses access policies: move it to Azure RBAC first")
    if kv_identity:
        notes.append(
            f"Key Vault references resolve as {kv_identity if kv_identity == 'SystemAssigned' else 'the user-assigned identity ' + kv_identity.rsplit('/', 1)[-1]}"
        )
    return tuple(notes)


def _advisory(
    snapshot: SiteSnapshot,
    setting: str,
    code: str,
    text: str,
    fp: Fingerprinter,
    service: ServiceType = ServiceType.ENTRA_ID,
) -> ConnectionStringAuditItem:
    location = AppServiceLocation(
        snapshot.subscription, snapshot.resource_group, snapshot.site, snapshot.slot, setting, "identity"
    )
    return ConnectionStringAuditItem(
        location=location,
        service_type=service,
        can_use_managed_identity=ManagedIdentitySupport.YES,
        recommended_replacement=text,
        credential_kind=CredentialKind.IDENTITY,
        value_class=ValueClass.ADVISORY,
        evidence_role=EvidenceRole.IDENTITY_DESIGN,
        endpoint=Endpoint(),
        redacted_preview=code,
        detector=f"{DETECTOR}:{code}",
        confidence=Confidence.HIGH,
        fingerprint=fp.fingerprint(f"{snapshot.target}\x1f{code}\x1f{setting}"),
        setting_name=setting or None,
    )


def items_for_site(
    snapshot: SiteSnapshot, vaults: dict[str, VaultInfo], fp: Fingerprinter
) -> list[ConnectionStringAuditItem]:
    items: list[ConnectionStringAuditItem] = []
    entries: list[tuple[str, str, str, ServiceType | None, bool]] = [
        (name, value, "app-setting", None, name in snapshot.sticky_app_settings)
        for name, value in snapshot.app_settings
    ]
    entries += [
        (
            name,
            value,
            "connection-string",
            CONNECTION_TYPE_HINTS.get(ctype.lower()),
            name in snapshot.sticky_connection_strings,
        )
        for name, value, ctype in snapshot.connection_strings
    ]
    for name, value, kind, hint, sticky in entries:
        c = classify(value, name, hint)
        if c is None:
            continue
        location = AppServiceLocation(
            snapshot.subscription, snapshot.resource_group, snapshot.site, snapshot.slot, name, kind, sticky
        )
        notes: tuple[str, ...] = ()
        vault = key_vault_reference(value)
        if vault is not None:
            notes = _vault_note(vault, vaults, snapshot.key_vault_reference_identity)
        item = item_from_classification(
            c, location, EvidenceRole.LIVE_SETTING, f"{DETECTOR}:{c.method}", fp, name, notes
        )
        unit = f"{snapshot.subscription}/{snapshot.resource_group}/{snapshot.site}::{_unit_name(name, kind)}"
        items.append(replace(item, unit=unit))
    items = with_setting_siblings(list(snapshot.app_settings), items)
    items.extend(_identity_design(snapshot, fp, items))
    return [
        replace(
            i,
            item_id=fp.item_id(
                snapshot.target,
                _setting_kind(i),
                i.setting_name or "",
                i.detector.split(":")[0],
                i.fingerprint,
            ),
        )
        for i in items
    ]


def _unit_name(name: str, kind: str) -> str:
    from scanners.linking import unit_name

    return unit_name(f"ConnectionStrings:{name}" if kind == "connection-string" else name)


def _identity_design(
    snapshot: SiteSnapshot, fp: Fingerprinter, items: Iterable[ConnectionStringAuditItem]
) -> list[ConnectionStringAuditItem]:
    out: list[ConnectionStringAuditItem] = []
    names = {n for n, _ in snapshot.app_settings}
    lower = {n.lower(): n for n in names}
    secrets = [i for i in items if i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE)]
    if secrets and not snapshot.identity.has_any:
        out.append(
            _advisory(
                snapshot,
                "",
                "no-managed-identity",
                "The app holds secrets but has no managed identity: assign one (system-assigned for one app, "
                "user-assigned to share across apps or slots) before migrating its connections.",
                fp,
            )
        )
    for setting in SP_CREDENTIAL_SETTINGS:
        if setting.lower() in lower:
            out.append(
                _advisory(
                    snapshot,
                    lower[setting.lower()],
                    "service-principal-credential-in-settings",
                    f"{setting} makes DefaultAzureCredential authenticate as a service principal (EnvironmentCredential "
                    "comes first in the chain) instead of the managed identity: remove it once the identity is granted.",
                    fp,
                )
            )
    if len(snapshot.identity.user_assigned) > 1:
        selected = "azure_client_id" in lower or any(n.lower().endswith("__clientid") for n in names)
        if not selected:
            out.append(
                _advisory(
                    snapshot,
                    "",
                    "ambiguous-user-assigned-identity",
                    "Several user-assigned identities and no AZURE_CLIENT_ID / <NAME>__clientId setting: "
                    "select the identity explicitly (client id) or token requests are ambiguous.",
                    fp,
                )
            )
    if snapshot.is_function_app:
        plain = {n.lower() for n in names}
        mixed = sorted(
            {split[0] for n in names if (split := identity_suffix(n)) and split[0].lower() in plain}
        )
        for prefix in mixed:
            out.append(
                _advisory(
                    snapshot,
                    lower[prefix.lower()],
                    "mixed-connection-forms",
                    f"Both {prefix} and {prefix}__* identity settings are set: the plain setting (an exact match) "
                    "wins, so the identity-based form has no effect until the plain one is deleted.",
                    fp,
                    service=ServiceType.GENERIC,
                )
            )
    return out
