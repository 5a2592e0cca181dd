"""The versioned JSON form of a scan (`schema_version` 1): its writer, its summary and its reader.

One module owns the document: `dumps` writes it, `read_audit` reads it back into records (the
planner and the reports work on records, never on raw dicts).  Bad input raises
`ScanDocumentError` with a message that names the field, never a value.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from scanners.errors import ScanDocumentError
from scanners.estate_records import SiteIdentity, SiteInventory, UserAssignedIdentity
from scanners.records import (
    AppLink,
    AppServiceLocation,
    Confidence,
    ConnectionStringAuditItem,
    CredentialKind,
    Endpoint,
    EvidenceRole,
    FileLocation,
    Location,
    ManagedIdentitySupport,
    ScanResult,
    ServiceType,
    SkippedItem,
    SkipReason,
    ValueClass,
)

SCHEMA_VERSION = 1


def summary(result: ScanResult) -> dict[str, Any]:
    items = result.items
    return {
        "files_scanned": result.files_scanned,
        "bytes_scanned": result.bytes_scanned,
        "items": len(items),
        "secrets": sum(1 for i in items if i.value_class is ValueClass.SECRET),
        "skipped": len(result.skipped),
        "by_value_class": dict(sorted(Counter(str(i.value_class) for i in items).items())),
        "by_service": dict(sorted(Counter(str(i.service_type) for i in items).items())),
        "by_evidence_role": dict(sorted(Counter(str(i.evidence_role) for i in items).items())),
        "units": len({i.unit for i in items if i.unit}),
        "sites": len(result.sites),
    }


def to_document(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "secretless",
        "items": [i.to_json() for i in result.items],
        "skipped": [s.to_json() for s in result.skipped],
        "sites": [s.to_json() for s in result.sites],
        "credential": result.credential,
        **({"app_links": [a.to_json() for a in result.app_links]} if result.app_links else {}),
        "summary": summary(result),
    }


def dumps(result: ScanResult) -> str:
    return json.dumps(to_document(result), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class Audit:
    items: tuple[ConnectionStringAuditItem, ...]
    sites: tuple[SiteInventory, ...]
    skipped: tuple[SkippedItem, ...] = ()
    files_scanned: int = 0
    app_links: tuple[AppLink, ...] = ()


def _req(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise ScanDocumentError(f"{where}: missing field {key!r}")
    return obj[key]


def _str(obj: dict[str, Any], key: str, where: str, optional: bool = False) -> str | None:
    v = obj.get(key) if optional else _req(obj, key, where)
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise ScanDocumentError(f"{where}: field {key!r} must be a string")
    return v


def _enum(cls: Any, obj: dict[str, Any], key: str, where: str) -> Any:
    raw = _req(obj, key, where)
    try:
        return cls(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise ScanDocumentError(f"{where}: field {key!r} is not one of: {allowed}") from None


def _location(raw: Any, where: str) -> Location:
    if not isinstance(raw, dict):
        raise ScanDocumentError(f"{where}: 'Location' must be an object")
    kind = raw.get("kind")
    if kind == "file":
        line = raw.get("line")
        if not isinstance(line, int):
            raise ScanDocumentError(f"{where}: file location needs an integer 'line'")
        column = raw.get("column")
        return FileLocation(str(_str(raw, "path", where)), line, column if isinstance(column, int) else None)
    if kind == "app-service":
        return AppServiceLocation(
            subscription=str(_str(raw, "subscription", where)),
            resource_group=str(_str(raw, "resource_group", where)),
            site=str(_str(raw, "site", where)),
            slot=_str(raw, "slot", where, optional=True),
            setting=str(_str(raw, "setting", where)),
            setting_kind=str(raw.get("setting_kind") or "app-setting"),
            slot_setting=bool(raw.get("slot_setting", False)),
        )
    raise ScanDocumentError(f"{where}: unknown location kind {kind!r} (expected 'file' or 'app-service')")


def _endpoint(raw: Any, where: str) -> Endpoint:
    if raw is None:
        return Endpoint()
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ScanDocumentError(f"{where}: 'Endpoint' must be an object of strings")
    return Endpoint(
        host=raw.get("host"),
        account=raw.get("account"),
        namespace=raw.get("namespace"),
        server=raw.get("server"),
        database=raw.get("database"),
        entity=raw.get("entity"),
    )


def _item(raw: Any, index: int) -> ConnectionStringAuditItem:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        raise ScanDocumentError(f"{where}: must be an object")
    notes = raw.get("Notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise ScanDocumentError(f"{where}: 'Notes' must be a list of strings")
    return ConnectionStringAuditItem(
        location=_location(_req(raw, "Location", where), where),
        service_type=_enum(ServiceType, raw, "ServiceType", where),
        can_use_managed_identity=_enum(ManagedIdentitySupport, raw, "CanUseManagedIdentity", where),
        recommended_replacement=str(_str(raw, "RecommendedReplacement", where)),
        credential_kind=_enum(CredentialKind, raw, "CredentialKind", where),
        value_class=_enum(ValueClass, raw, "ValueClass", where),
        evidence_role=_enum(EvidenceRole, raw, "EvidenceRole", where),
        endpoint=_endpoint(raw.get("Endpoint"), where),
        redacted_preview=str(_str(raw, "RedactedPreview", where)),
        detector=str(_str(raw, "Detector", where)),
        confidence=_enum(Confidence, raw, "Confidence", where),
        fingerprint=str(_str(raw, "Fingerprint", where)),
        setting_name=_str(raw, "SettingName", where, optional=True),
        notes=tuple(notes),
        unit=_str(raw, "Unit", where, optional=True),
        item_id=str(raw.get("Id") or ""),
    )


def _skipped(raw: Any, index: int) -> SkippedItem:
    where = f"skipped[{index}]"
    if not isinstance(raw, dict):
        raise ScanDocumentError(f"{where}: must be an object")
    return SkippedItem(
        target=str(_str(raw, "target", where)),
        reason=_enum(SkipReason, raw, "reason", where),
        detail=str(raw.get("detail") or ""),
        partial=bool(raw.get("partial", False)),
    )


def _identity(raw: Any, where: str) -> SiteIdentity:
    if raw is None:
        return SiteIdentity()
    if not isinstance(raw, dict):
        raise ScanDocumentError(f"{where}: 'identity' must be an object")
    uais = raw.get("user_assigned") or []
    if not isinstance(uais, list):
        raise ScanDocumentError(f"{where}: 'identity.user_assigned' must be a list")
    return SiteIdentity(
        type=str(raw.get("type") or "None"),
        principal_id=raw.get("principal_id"),
        tenant_id=raw.get("tenant_id"),
        user_assigned=tuple(
            UserAssignedIdentity(str(u.get("resource_id")), u.get("principal_id"), u.get("client_id"))
            for u in uais
            if isinstance(u, dict) and u.get("resource_id")
        ),
    )


def _names(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = raw.get(key) or []
    if not isinstance(v, list) or not all(isinstance(n, str) for n in v):
        raise ScanDocumentError(f"{where}: {key!r} must be a list of strings")
    return tuple(v)


def _site(raw: Any, index: int) -> SiteInventory:
    where = f"sites[{index}]"
    if not isinstance(raw, dict):
        raise ScanDocumentError(f"{where}: must be an object")
    return SiteInventory(
        subscription=str(_str(raw, "subscription", where)),
        resource_group=str(_str(raw, "resource_group", where)),
        site=str(_str(raw, "site", where)),
        slot=_str(raw, "slot", where, optional=True),
        kind=str(raw.get("kind") or "app"),
        identity=_identity(raw.get("identity"), where),
        key_vault_reference_identity=_str(raw, "key_vault_reference_identity", where, optional=True),
        app_setting_names=_names(raw, "app_setting_names", where),
        connection_string_names=_names(raw, "connection_string_names", where),
        sticky_app_settings=_names(raw, "sticky_app_settings", where),
        sticky_connection_strings=_names(raw, "sticky_connection_strings", where),
    )


def _app_link(raw: Any, index: int) -> AppLink:
    where = f"app_links[{index}]"
    if not isinstance(raw, dict):
        raise ScanDocumentError(f"scan document: {where} must be an object")
    return AppLink(
        project=str(_str(raw, "project", where)),
        site=str(_str(raw, "site", where)),
        source=str(_str(raw, "source", where)),
        resource_group=_str(raw, "resource_group", where, optional=True),
        subscription=_str(raw, "subscription", where, optional=True),
    )


def read_audit(document: Any) -> Audit:
    """Validate a parsed scan document and turn it into records."""
    if not isinstance(document, dict):
        raise ScanDocumentError("not a secretless scan document: expected a JSON object")
    version = document.get("schema_version")
    if version is None:
        raise ScanDocumentError(
            "not a secretless scan document: no 'schema_version' "
            "(create one with: secretless scan PATH -f json -o audit.json)"
        )
    if version != SCHEMA_VERSION:
        raise ScanDocumentError(
            f"scan document schema_version {version!r} is not supported "
            f"(this version reads {SCHEMA_VERSION}); re-run secretless scan"
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise ScanDocumentError("scan document: 'items' must be a list")
    sites = document.get("sites") or []
    if not isinstance(sites, list):
        raise ScanDocumentError("scan document: 'sites' must be a list")
    skipped = document.get("skipped") or []
    if not isinstance(skipped, list):
        raise ScanDocumentError("scan document: 'skipped' must be a list")
    links = document.get("app_links") or []
    if not isinstance(links, list):
        raise ScanDocumentError("scan document: 'app_links' must be a list")
    summary = document.get("summary")
    files = summary.get("files_scanned") if isinstance(summary, dict) else 0
    return Audit(
        items=tuple(_item(raw, i) for i, raw in enumerate(items)),
        sites=tuple(_site(raw, i) for i, raw in enumerate(sites)),
        skipped=tuple(_skipped(raw, i) for i, raw in enumerate(skipped)),
        files_scanned=files if isinstance(files, int) else 0,
        app_links=tuple(_app_link(raw, i) for i, raw in enumerate(links)),
    )
