"""Classification, the second half of the units step: each migration unit is planned (with its
service, target resource, facets and access), sent to needs review (with a reason and the input that
would resolve it), or recorded as already passwordless.  Local development endpoints, infrastructure
as code and Kubernetes manifests are never planned as an App Service app (`catalog.hosting`): they
are reviewed as what they are, unless the scan tied an IaC writer to the app it deploys
(`scanners.app_links`): then it is one more place the unit's setting is written.  The items of a
Kubernetes manifest are planned in the application of their workload (`migrate.plan.workloads`),
which gets Microsoft Entra Workload ID instead of an App Service identity.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from migrate.plan import catalog as cat
from migrate.plan.catalog import Facet
from migrate.plan.records import DoneItem, ReviewItem, ReviewReason
from migrate.plan.resolve.inputs import resolution_for
from migrate.plan.units import (
    IAC_ROLES,
    App,
    Unit,
    access_of,
    is_kv_ref,
    resource_of,
    service_of,
    storage_facets,
    where_text,
)
from scanners.app_links import writes_for_app
from scanners.iac_symbols import expression_of
from scanners.key_wiring import is_key_wiring
from scanners.records import ConnectionStringAuditItem, EvidenceRole, FileLocation, ServiceType, ValueClass

S = ServiceType


@dataclass
class Classified:
    planned: dict[str, list[Unit]] = field(default_factory=lambda: defaultdict(list))
    review: list[ReviewItem] = field(default_factory=list)
    done: list[DoneItem] = field(default_factory=list)


def _review(
    app: str,
    key: str,
    items: Sequence[ConnectionStringAuditItem],
    service: ServiceType,
    reason: ReviewReason,
    detail: str,
    action: bool,
) -> ReviewItem:
    vault_notes = sorted({n for i in items if is_kv_ref(i) for n in i.notes if n.startswith("vault ")})
    if vault_notes and reason is not ReviewReason.NO_ENDPOINT:
        detail += (
            "; the Key Vault reference stays: the app's identity needs Key Vault Secrets User ("
            + "; ".join(vault_notes)
            + ")"
        )
    return ReviewItem(
        app,
        key,
        str(service),
        reason,
        detail,
        action,
        tuple(sorted({i.item_id for i in items if i.item_id})),
        tuple(sorted({where_text(i) for i in items})),
        resolution_for(reason),
    )


_HOSTING_REASONS = {
    cat.Hosting.INFRASTRUCTURE_AS_CODE: ReviewReason.INFRASTRUCTURE_AS_CODE,
    cat.Hosting.KUBERNETES: ReviewReason.KUBERNETES,
}


def _hosted_elsewhere(
    items: Sequence[ConnectionStringAuditItem], workload: bool = False
) -> dict[cat.Hosting, list[ConnectionStringAuditItem]]:
    """The repository items that are not App Service configuration (IaC, Kubernetes manifests), by
    what they are: they are reviewed as what they are, never planned as an App Service app.  In the
    application of a Kubernetes workload, its manifest items are what is planned."""
    out: dict[cat.Hosting, list[ConnectionStringAuditItem]] = defaultdict(list)
    for i in items:
        if isinstance(i.location, FileLocation) and not writes_for_app(i):
            hosting = cat.hosting_of(i.location.path, i.detector, i.notes)
            if hosting is not cat.Hosting.APP and not (workload and hosting is cat.Hosting.KUBERNETES):
                out[hosting].append(i)
    return dict(out)


_RESOLVED_NOTES = ("IaC writes this setting", "endpoint from the", "IaC resource ")


def _resolved(items: Sequence[ConnectionStringAuditItem]) -> str:
    """What the scan resolved about reviewed items (the app IaC writes for, the endpoint's source)."""
    notes = sorted({n for i in items for n in i.notes if n.startswith(_RESOLVED_NOTES)})
    return "; " + "; ".join(notes) if notes else ""


def classify(apps: dict[str, App], workloads: Collection[str] = ()) -> Classified:
    """`workloads`: the keys of the applications that are Kubernetes workloads."""
    out = Classified()
    for app_key in sorted(apps):
        app = apps[app_key]
        for key in sorted(app.units):
            items = app.units[key]
            service = service_of(items)
            local = [i for i in items if cat.is_local_endpoint(i.endpoint)]  # never an Azure resource
            passwordless = any(i.value_class is ValueClass.PASSWORDLESS and i not in local for i in items)
            actionable = [
                i
                for i in items
                if i not in local
                and (
                    i.value_class in (ValueClass.SECRET, ValueClass.LOCATOR)
                    or is_kv_ref(i)
                    or is_key_wiring(i)
                    or (i.value_class is ValueClass.REFERENCE and not passwordless)
                )
            ]
            hosted = _hosted_elsewhere(actionable, app_key in workloads)
            for hosting, h_items in sorted(hosted.items()):
                out.review.append(
                    _review(
                        app_key,
                        key,
                        h_items,
                        service,
                        _HOSTING_REASONS[hosting],
                        cat.HOSTING_REVIEW[hosting] + _resolved(h_items),
                        True,
                    )
                )
            if hosted:  # the rest of the unit (app config, code) is planned without them
                elsewhere = [i for h in hosted.values() for i in h]
                actionable = [i for i in actionable if i not in elsewhere]
                items = [i for i in items if i not in elsewhere]
                if not actionable:
                    continue
            if not actionable:
                if local and not passwordless:
                    where = ", ".join(sorted({where_text(i) for i in local}))
                    out.review.append(
                        _review(
                            app_key,
                            key,
                            items,
                            service,
                            ReviewReason.DEV_EMULATOR_ONLY,
                            cat.LOCAL_ENDPOINT_REVIEW.format(where=where),
                            False,
                        )
                    )
                elif passwordless:
                    out.done.append(
                        DoneItem(
                            app_key,
                            key,
                            str(service),
                            "already identity-based: confirm the identity holds the data role",
                            tuple(sorted({i.item_id for i in items if i.item_id})),
                            tuple(sorted({where_text(i) for i in items})),
                        )
                    )
                elif any(i.value_class is ValueClass.DEV_EMULATOR for i in items):
                    out.review.append(
                        _review(
                            app_key,
                            key,
                            items,
                            service,
                            ReviewReason.DEV_EMULATOR_ONLY,
                            "local development / emulator value only: nothing to migrate",
                            False,
                        )
                    )
                elif any(i.value_class is ValueClass.PLACEHOLDER for i in items):
                    out.review.append(
                        _review(
                            app_key,
                            key,
                            items,
                            service,
                            ReviewReason.PLACEHOLDER_ONLY,
                            "placeholders only (e.g. .env.example): nothing to migrate; update the "
                            "template when the unit moves to the endpoint form",
                            False,
                        )
                    )
                continue
            platform = next((e for i in actionable if (e := cat.platform_exception(i.setting_name))), None)
            if platform is not None:  # a setting the platform reads, with no identity form: it stays
                out.review.append(
                    _review(
                        app_key,
                        key,
                        items,
                        service,
                        ReviewReason.PLATFORM_EXCEPTION,
                        f"keep it: {platform.reason}",
                        False,
                    )
                )
                continue
            if all(i.evidence_role is EvidenceRole.CI_SCRIPT for i in actionable):
                out.review.append(
                    _review(
                        app_key,
                        key,
                        items,
                        service,
                        ReviewReason.CANNOT_MIGRATE,
                        cat.CI_PIPELINE_REVIEW,
                        True,
                    )
                )
                continue
            entry = cat.CATALOG[service]
            if entry.review_reason:
                reason = {
                    S.COSMOS_MONGO: ReviewReason.MONGO_API,
                    S.GENERIC: ReviewReason.UNRECOGNISED,
                    S.THIRD_PARTY: ReviewReason.UNRECOGNISED,  # generic-or-third-party
                    S.COGNITIVE_SERVICES: ReviewReason.NO_SAFE_ROLE,
                }.get(service, ReviewReason.CANNOT_MIGRATE)
                out.review.append(_review(app_key, key, items, service, reason, entry.review_reason, True))
                continue
            resource, endpoint = resource_of(entry, items)
            expression = next((x for i in items if (x := expression_of(i.notes))), None)
            if resource is None and expression is not None:
                # IaC names it by an expression: the role and the scope pattern are known, the name
                # is a placeholder (`secretless migrate --set`)
                resource = "<name of " + re.sub(r"[<>'\"]", "", f"{expression[0]} {expression[1]}") + ">"
            if resource is None and service not in (S.ENTRA_ID, S.APPLICATION_INSIGHTS):
                detail = "the scan could not tie this value to a resource (no endpoint)"
                if any(is_kv_ref(i) for i in items):
                    detail += "; it is a Key Vault reference: the target is in the vault, not in the scan"
                if any(i.evidence_role in IAC_ROLES for i in items):
                    detail += "; IaC: write the endpoint and a role assignment instead of the key"
                notes = sorted({n for i in items for n in i.notes})
                if notes:
                    detail += "; notes: " + "; ".join(notes)
                out.review.append(
                    _review(app_key, key, items, service, ReviewReason.NO_ENDPOINT, detail, True)
                )
                continue
            if service is S.APPLICATION_INSIGHTS:
                resource = "<application-insights component>"
            if service is S.ENTRA_ID:
                resource = "<service principal>"
            facets = storage_facets(items) if service is S.STORAGE else (Facet.DEFAULT,)
            reads, writes, basis, evidence = access_of(items)
            out.planned[app_key].append(
                Unit(
                    app_key,
                    key,
                    tuple(items),
                    service,
                    resource,
                    endpoint,
                    facets,
                    reads,
                    writes,
                    basis,
                    evidence,
                )
            )
    return out
