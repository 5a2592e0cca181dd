"""Evidence for what the code handlers find in an argument: a literal or a setting lookup.

Shared by the Python, JavaScript/TypeScript, Java and properties handlers, so that one literal
gets one class whichever language it is written in.
"""

from __future__ import annotations

from scanners import setting_names
from scanners.classifier import classify
from scanners.evidence import Evidence
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole


def literal_evidence(
    line: int,
    value: str,
    name: str | None,
    service: ServiceType,
    kind: CredentialKind,
    preview: str,
    method: str,
    role: EvidenceRole = R.CODE_LITERAL,
    note: str | None = None,
) -> Evidence | None:
    """Evidence for a literal found in code where the service is known from the call around it.

    The classifier decides when it can (connection strings, URIs, named settings, Entra secret
    shapes).  A bare key passed straight to a constructor has no setting name for the classifier
    to go on, so it is reported as a consumer whose class says whether it is a placeholder.
    A connection string or URL the classifier does not recognise holds no credential: None."""
    if classify(value, name, service) is not None:
        return Evidence(
            line=line, role=role, name=name, value=value, service=service, kind=kind, method=method, note=note
        )
    v = value.strip()
    if is_placeholder(v):
        vc = V.PLACEHOLDER
    elif is_reference(v):
        vc = V.REFERENCE
    elif kind is K.CONNECTION_STRING or "://" in v or len(v) < 6:
        return None
    else:
        vc = V.SECRET
    conf = Confidence.MEDIUM if vc is V.SECRET and len(v) >= 16 else Confidence.LOW
    return Evidence(
        line=line,
        role=role,
        name=name,
        service=service,
        kind=kind,
        value_class=vc,
        preview=preview,
        method=method,
        note=note,
        confidence=conf,
    )


_NAME_FACTS: dict[str, tuple[ServiceType, CredentialKind]] = {}


def _name_facts(name: str) -> tuple[ServiceType, CredentialKind]:
    facts = _NAME_FACTS.get(name)
    if facts is None:
        rule = setting_names.rule_for(name)
        service = rule.service if rule else (setting_names.service_hint(name) or S.GENERIC)
        facts = (service, rule.kind if rule else K.CONNECTION_STRING)
        if len(_NAME_FACTS) < 10000:
            _NAME_FACTS[name] = facts
    return facts


def lookup_evidence(line: int, name: str, preview: str) -> Evidence:
    """A setting / environment lookup in code (method "lookup": linking keeps only relevant ones)."""
    service, kind = _name_facts(name)
    return Evidence(
        line=line,
        role=R.CODE_CONSUMER,
        name=name,
        service=service,
        kind=kind,
        value_class=V.REFERENCE,
        preview=preview,
        method="lookup",
    )
