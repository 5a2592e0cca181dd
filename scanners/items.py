"""Turn evidence into audit items: classify, fingerprint, attach the recommended replacement."""

from __future__ import annotations

from dataclasses import replace

from scanners.classifier import Classification, classify, classify_local_password
from scanners.evidence import Evidence
from scanners.fingerprint import Fingerprinter
from scanners.records import (
    Confidence,
    ConnectionStringAuditItem,
    CredentialKind,
    Endpoint,
    EvidenceRole,
    FileLocation,
    Location,
    ServiceType,
    ValueClass,
)
from scanners.service_catalog import facts, service_for_host


def is_compose_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1].lower()
    return name.startswith(("docker-compose", "compose.")) and name.endswith((".yml", ".yaml"))


def item_from_classification(
    c: Classification,
    location: Location,
    role: EvidenceRole,
    detector: str,
    fp: Fingerprinter,
    setting_name: str | None,
    extra_notes: tuple[str, ...] = (),
) -> ConnectionStringAuditItem:
    f = facts(c.service_type)
    mi = f.can_use_managed_identity
    replacement = f.replacement
    if c.value_class is ValueClass.PASSWORDLESS:
        replacement = (
            "Already uses an identity: nothing to migrate; keep the role assignment least-privilege."
        )
    fingerprint = fp.fingerprint(c.material)
    return ConnectionStringAuditItem(
        location=location,
        service_type=c.service_type,
        can_use_managed_identity=mi,
        recommended_replacement=replacement,
        credential_kind=c.credential_kind,
        value_class=c.value_class,
        evidence_role=role,
        endpoint=c.endpoint,
        redacted_preview=c.redacted_preview,
        detector=detector,
        confidence=c.confidence,
        fingerprint=fingerprint,
        setting_name=setting_name,
        notes=c.notes + extra_notes,
    )


def item_from_evidence(
    ev: Evidence, path: str, handler: str, fp: Fingerprinter
) -> ConnectionStringAuditItem | None:
    location = FileLocation(path=path, line=ev.line)
    notes = tuple(n for n in (ev.note, ev.endpoint_note) if n)
    if ev.value is not None:
        c = classify(ev.value, ev.name, ev.service, ev.kind)
        if c is None and is_compose_file(path):
            c = classify_local_password(ev.value, ev.name)
        if c is None:
            return None
        if ev.kind is not None and c.credential_kind in (
            CredentialKind.CONNECTION_STRING,
            CredentialKind.NONE,
        ):
            c = replace(c, credential_kind=ev.kind)
        if (
            c.value_class is ValueClass.SECRET
            and is_compose_file(path)
            and c.credential_kind in (CredentialKind.PASSWORD, CredentialKind.ACCESS_KEY)
            and service_for_host(c.endpoint.host) is None
        ):
            c = replace(
                c,
                value_class=ValueClass.DEV_EMULATOR,
                notes=(*c.notes, "docker-compose: a local container's password, not a production secret"),
            )
        method = ev.method if ev.method and ev.method != handler else c.method
        detector = f"{handler}:{method}" if method != c.method else f"{handler}:{c.method}"
        if ev.endpoint is not None and c.endpoint.is_empty():
            c = replace(c, endpoint=ev.endpoint)
        return item_from_classification(c, location, ev.role, detector, fp, ev.name, notes)
    # A consumer or IaC use: no value of its own.
    service = ev.service or ServiceType.GENERIC
    f = facts(service)
    value_class = ev.value_class or ValueClass.REFERENCE
    replacement = f.replacement
    if value_class is ValueClass.PASSWORDLESS:
        replacement = (
            "Already uses an identity: nothing to migrate; keep the role assignment least-privilege."
        )
    material = "\x1f".join((str(service), ev.name or "", ev.method, ev.preview or ""))
    return ConnectionStringAuditItem(
        location=location,
        service_type=service,
        can_use_managed_identity=f.can_use_managed_identity,
        recommended_replacement=replacement,
        credential_kind=ev.kind or CredentialKind.CONNECTION_STRING,
        value_class=value_class,
        evidence_role=ev.role,
        endpoint=ev.endpoint or Endpoint(),
        redacted_preview=ev.preview or "",
        detector=f"{handler}:{ev.method}" if ev.method else handler,
        confidence=ev.confidence or Confidence.MEDIUM,
        fingerprint=fp.fingerprint(material),
        setting_name=ev.name,
        notes=notes,
    )
