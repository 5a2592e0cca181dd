"""`bicep/identity-and-roles.bicep`: the identity, the role assignments (deterministic `guid()`
names, `principalType: 'ServicePrincipal'`) and the new app settings, for teams that manage the
estate as code.  Only what Bicep can say exactly is emitted; the rest is a comment that points to
the az scripts (database users, grants whose target type or name the scan did not see).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate.emit.model import AppContext, Artifact, EmitOutput
from migrate.emit.templating import render
from migrate.plan.catalog import AuthorizationSystem, is_literal
from migrate.plan.records import IdentityKind, SettingAction, StageName

# API versions of the target resource types the catalog names (used only for `existing` references).
TARGET_API = {
    "Microsoft.Storage/storageAccounts": "2023-01-01",
    "Microsoft.ServiceBus/namespaces": "2021-11-01",
    "Microsoft.EventHub/namespaces": "2021-11-01",
    "Microsoft.AppConfiguration/configurationStores": "2023-03-01",
    "Microsoft.Insights/components": "2020-02-02",
    "Microsoft.CognitiveServices/accounts": "2023-05-01",
    "Microsoft.EventGrid/topics": "2022-06-15",
    "Microsoft.KeyVault/vaults": "2023-07-01",
    "Microsoft.DocumentDB/databaseAccounts": "2023-04-15",
}
_SCOPE_RE = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/(?P<type>[^/]+/[^/]+)/(?P<name>[^/]+)$"
)
_IDENT_RE = re.compile(r"[^A-Za-z0-9]+")


def _ident(prefix: str, text: str) -> str:
    parts = [p for p in _IDENT_RE.split(text) if p]
    return prefix + "".join(p[:1].upper() + p[1:] for p in parts)


def bicep_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${") + "'"


@dataclass(frozen=True, slots=True)
class Target:
    symbol: str
    type: str
    api: str
    name: str | None  # literal name
    name_param: str | None  # or a parameter, when the plan has only a placeholder


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    symbol: str
    target: str
    role_guid: str
    role: str
    kind: str  # arm | cosmos


@dataclass(frozen=True, slots=True)
class AppSetting:
    name: str
    value: str  # a Bicep expression


def model(ctx: AppContext) -> dict[str, object]:
    ident = ctx.app.identity
    user = ident.kind is IdentityKind.USER_ASSIGNED
    targets: dict[str, Target] = {}
    params: dict[str, str] = {}
    assignments: list[RoleAssignment] = []
    skipped: list[str] = []
    for g in ctx.app.grants:
        unit = ctx.unit(g.unit)
        if g.authorization in (AuthorizationSystem.ARM_RBAC, AuthorizationSystem.KEY_VAULT_RBAC):
            m = _SCOPE_RE.match(g.scope)
            if not g.role_guid or not m or m.group("type") not in TARGET_API:
                skipped.append(f"{g.role} on {g.scope}: use az/02-grant-roles.sh")
                continue
            rtype, rname = m.group("type"), m.group("name")
        elif g.authorization == AuthorizationSystem.COSMOS_SQL_RBAC and g.role_guid and unit:
            rtype, rname = "Microsoft.DocumentDB/databaseAccounts", unit.resource
        else:
            skipped.append(
                f"{g.role} ({g.authorization}) on {g.scope}: data-plane grant, see the az/SQL files"
            )
            continue
        literal = not re.search(r"[<>]", rname)
        key = f"{rtype}/{rname}"
        if key not in targets:
            symbol = _ident("target", rname if literal else rname.strip("<>"))
            name_param = None
            if not literal:
                name_param = _ident("", rname.strip("<>"))
                name_param = name_param[:1].lower() + name_param[1:] + "Name"
                params[name_param] = f"name of the {rname.strip('<>')}"
            targets[key] = Target(symbol, rtype, TARGET_API[rtype], rname if literal else None, name_param)
        t = targets[key]
        kind = "cosmos" if g.authorization == AuthorizationSystem.COSMOS_SQL_RBAC else "arm"
        symbol = _ident("ra", f"{t.symbol[6:]} {g.role}")
        if any(a.symbol == symbol for a in assignments):
            continue
        assignments.append(RoleAssignment(symbol, t.symbol, g.role_guid or "", g.role, kind))
    settings: list[AppSetting] = []
    site_settings = ctx.app.kind in ("app-service", "function-app")
    for s in ctx.app.settings:
        if (
            not site_settings
            or s.where != "app-setting"
            or s.slot is not None
            or s.stage is not StageName.CHANGE_IN_STAGING
        ):
            continue
        if (
            s.action not in (SettingAction.ADD, SettingAction.REPLACE)
            or not s.value_template
            or not is_literal(s.value_template)
        ):
            continue
        value = bicep_string(s.value_template)
        if user:
            value = value.replace(f"<client-id of {ident.name}>", "${identity.properties.clientId}")
        if re.search(r"<[^<>]+>", value):
            skipped.append(f"app setting {s.setting}: value has a placeholder, set it with az/03-settings.sh")
            continue
        settings.append(AppSetting(s.setting, value))
    return {
        "app": ctx.app.app,
        "user_assigned": user,
        "identity": ident,
        "existing_identity": ident.existing,
        "app_name": ctx.app_name,
        "targets": sorted(targets.values(), key=lambda t: t.symbol),
        "params": dict(sorted(params.items())),
        "assignments": assignments,
        "settings": settings,
        "skipped": skipped,
        "site_api": "2022-09-01",
    }


class BicepEmitter:
    def emit(self, ctx: AppContext) -> EmitOutput:
        text = render("bicep/identity-and-roles.bicep.j2", m=model(ctx), bicep_string=bicep_string)
        return EmitOutput((Artifact("bicep/identity-and-roles.bicep", text),))
