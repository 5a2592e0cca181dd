"""Code changes: the call sites of each planned unit and what to change in them (a catalog blocker,
a kept client secret, a Functions binding that needs no change, or the service's code change)."""

from __future__ import annotations

from migrate.plan import catalog as cat
from migrate.plan.catalog import ServiceEntry
from migrate.plan.credentials import NO_CODE_CHANGE, secret_use
from migrate.plan.records import CodeChange
from migrate.plan.units import CODE_ROLES, CONFIG_ROLES, IAC_ROLES, App, Unit, where_text
from scanners.records import EvidenceRole, FileLocation, ServiceType, ValueClass

S = ServiceType


def code_changes(unit: Unit, entry: ServiceEntry, app: App | None = None) -> list[CodeChange]:
    out = []
    kept = unit.service is S.ENTRA_ID and secret_use(app, unit) is not cat.SecretUse.SERVICE_PRINCIPAL
    for i in unit.items:
        if i.evidence_role in CODE_ROLES and i.value_class is not ValueClass.PASSWORDLESS:
            blockers = cat.blockers_of(i.redacted_preview, cat.BlockerScope.LINE)
            if kept:
                change = (
                    f"{NO_CODE_CHANGE}: the client secret of a sign-in or another app registration stays "
                    "(see the risks: federated identity credential or review)"
                )
            elif blockers:
                change = f"review: {blockers[0].reason}"
            elif i.detector.startswith("csharp:binding"):
                change = "none in code: the binding reads the identity-based <PREFIX>__* settings"
            elif i.evidence_role is EvidenceRole.CODE_LITERAL:
                change = f"remove the literal secret; {entry.code_change}"
            else:
                change = entry.code_change or "use the managed identity"
            out.append(CodeChange(unit.key, where_text(i), i.detector, change, i.redacted_preview))
        elif i.evidence_role in IAC_ROLES and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE):
            out.append(
                CodeChange(
                    unit.key,
                    where_text(i),
                    i.detector,
                    "IaC: write the endpoint-only setting and a role assignment instead of a key",
                    i.redacted_preview,
                )
            )
    if unit.service is S.APPLICATION_INSIGHTS and not out and entry.code_change:
        # No call site found (the SDK reads its configuration itself): the code change still applies,
        # e.g. the classic SDK's SetAzureTokenCredential; say it where the connection string is configured.
        for i in unit.items:
            if i.evidence_role in CONFIG_ROLES and isinstance(i.location, FileLocation):
                out.append(
                    CodeChange(unit.key, where_text(i), i.detector, entry.code_change, i.redacted_preview)
                )
    return out
