"""Small plan records with dull defaults, for emitter tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from migrate.plan import catalog as cat
from migrate.plan.catalog import AuthorizationSystem
from migrate.plan.records import (
    Access,
    AppKind,
    AppPlan,
    Basis,
    Grant,
    IdentityDecision,
    IdentityKind,
    LocalAuthChange,
    Plan,
    Principal,
    SettingAction,
    SettingChange,
    StageName,
    UnitPlan,
)
from scanners.records import ServiceType

APP = "00000000-0000-0000-0000-000000000001/rg-app/app-one"


def identity(kind: IdentityKind = IdentityKind.SYSTEM_ASSIGNED) -> IdentityDecision:
    name = "app-one" if kind is IdentityKind.SYSTEM_ASSIGNED else "id-shared"
    return IdentityDecision(
        kind,
        name,
        False,
        "rule",
        (),
        kind is IdentityKind.USER_ASSIGNED,
        (),
        (Principal(name, None, f"<principalId of {name}>"),),
    )


def app(**changes: Any) -> AppPlan:
    base = AppPlan(APP, AppKind.APP_SERVICE, ("staging",), identity(), (), (), (), (), (), (), (), ())
    return replace(base, **changes)


def plan(*apps: AppPlan) -> Plan:
    return Plan(tuple(apps), (), ())


def service_app(service: ServiceType, kind: IdentityKind = IdentityKind.SYSTEM_ASSIGNED) -> AppPlan:
    """An app with one unit of `service`: the catalog's write role, its setting and its local-auth change."""
    entry = cat.entry(service)
    ident = identity(kind)
    principal = ident.principals[0].name
    unit = f"{APP}::{service.value}"
    resource = "acct1"
    roles = entry.roles[0].write if entry.roles else ()
    grants = []
    for role in roles:
        if entry.authorization in (AuthorizationSystem.ARM_RBAC, AuthorizationSystem.KEY_VAULT_RBAC):
            scope = (
                (
                    f"/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/"
                    f"{entry.resource_type}/{resource}"
                )
                if entry.resource_type
                else f"<resource id of {resource}>"
            )
        else:
            scope = f"{service.value} {resource}"
        grants.append(
            Grant(
                unit,
                principal,
                None,
                entry.authorization,
                role.name,
                role.guid,
                scope,
                None,
                Access.WRITE,
                Basis.ASSUMED,
                "reason",
                "statement",
                role.unverified,
            )
        )
    settings = []
    if entry.settings_value:
        settings.append(
            SettingChange(
                unit,
                "app-setting",
                None,
                "Setting1",
                SettingAction.REPLACE,
                entry.settings_value.replace("<account>", resource)
                .replace("<server>", resource)
                .replace("<database>", "db1"),
                True,
                StageName.CHANGE_IN_STAGING,
                "reason",
            )
        )
    local = []
    if entry.local_auth:
        local.append(
            LocalAuthChange(
                service.value,
                resource,
                entry.local_auth.property,
                entry.local_auth.command.format(resource=resource),
                None,
                entry.local_auth.exceptions,
                entry.rotation,
                (),
            )
        )
    units = (
        UnitPlan(
            unit,
            service.value,
            resource,
            {"account": resource},
            ("default",),
            Access.WRITE,
            Basis.ASSUMED,
            (),
            ("id1",),
            (f"{APP}:app-setting:Setting1",),
            (),
        ),
    )
    return app(
        identity=ident, units=units, grants=tuple(grants), settings=tuple(settings), local_auth=tuple(local)
    )


def planned_services() -> list[ServiceType]:
    return [s for s, e in cat.CATALOG.items() if e.review_reason is None]
