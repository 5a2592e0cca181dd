"""What the classifier says about one value, and the pieces every classifying rule shares: the
record, how a secret's own text decides its class, and the published development keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, Endpoint, ServiceType, ValueClass
from scanners.value_filters import looks_like_name

S = ServiceType
K = CredentialKind
V = ValueClass

# Published development keys (documented by Microsoft; not secrets).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
COSMOS_EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)

PASSWORDLESS_AUTH_RE = re.compile(
    r"^\s*(active\s*directory\s*(default|managed\s*identity|msi|integrated|interactive|"
    r"workload\s*identity|device\s*code\s*flow)|managed\s*identity|managedidentity|"
    r"activedirectory(default|msi|managedidentity|integrated|interactive))\s*$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Classification:
    service_type: ServiceType
    credential_kind: CredentialKind
    value_class: ValueClass
    endpoint: Endpoint
    redacted_preview: str
    confidence: Confidence
    method: str
    notes: tuple[str, ...] = ()
    # What the fingerprint is computed from: the secret itself, or the whole value when nothing
    # in it is secret.  Never serialised, never shown by repr().
    material: str = field(default="", repr=False)


def secret_state(secret: str, local: bool = False) -> tuple[ValueClass, tuple[str, ...]]:
    if is_reference(secret):
        return V.REFERENCE, ()
    if is_placeholder(secret) or looks_like_name(secret):
        return V.PLACEHOLDER, ()
    if local:
        return V.DEV_EMULATOR, ("local development endpoint: not a production secret",)
    return V.SECRET, ()


def classified(
    service: ServiceType,
    kind: CredentialKind,
    value_class: ValueClass,
    endpoint: Endpoint,
    preview: str,
    method: str,
    material: str,
    confidence: Confidence = Confidence.HIGH,
    notes: tuple[str, ...] = (),
) -> Classification:
    return Classification(
        service_type=service,
        credential_kind=kind,
        value_class=value_class,
        endpoint=endpoint,
        redacted_preview=preview,
        confidence=confidence,
        method=method,
        notes=notes,
        material=material,
    )
