"""Microsoft Entra client secrets: which ones the managed identity replaces and which it cannot.

The app's own service principal (`AZURE_CLIENT_SECRET` and the like, same tenant) is replaced by the
managed identity; its API permissions do not move with it, so Microsoft Graph app roles become a
manual step.  A sign-in (OpenID Connect) secret and the secret of another app registration (a
partner API, another tenant) stay: the plan proposes the managed identity as a federated identity
credential of that registration, or review, and never deletes the registration's credential.
Facts and commands: `migrate.plan.catalog.tenants`.
"""

from __future__ import annotations

from migrate.plan import catalog as cat
from migrate.plan.catalog import SecretUse
from migrate.plan.records import IdentityDecision, Risk
from migrate.plan.units import CONFIG_ROLES, App, Unit, where_text
from scanners.records import FileLocation

NO_CODE_CHANGE = "no code change by this plan"


def _setting(unit: Unit) -> str | None:
    names = sorted({i.setting_name for i in unit.items if i.setting_name and i.evidence_role in CONFIG_ROLES})
    return names[0] if names else next((i.setting_name for i in unit.items if i.setting_name), None)


def _app_tenant(app: App) -> str | None:
    tenants = {s.identity.tenant_id.lower() for s in app.sites if s.identity.tenant_id}
    return tenants.pop() if len(tenants) == 1 else None


def secret_use(app: App | None, unit: Unit) -> SecretUse:
    """What the unit's client secret is for; a service principal whose visible tenant (an authority
    URL beside it) is not the app's own tenant counts as another registration."""
    texts = [i.redacted_preview for i in unit.items] + [n for i in unit.items for n in i.notes]
    use = cat.secret_use(_setting(unit), [i.redacted_preview for i in unit.items])
    own = _app_tenant(app) if app is not None else None
    if use is SecretUse.SERVICE_PRINCIPAL and own and any(t != own for t in cat.tenants_in(texts)):
        return SecretUse.OTHER_REGISTRATION
    return use


def _graph_callers(app: App) -> list[str]:
    items = [i for items in app.units.values() for i in items]
    return sorted(
        {
            where_text(i)
            for i in items
            if cat.GRAPH_EVIDENCE.search(
                " ".join(
                    (
                        i.redacted_preview,
                        i.setting_name or "",
                        i.location.path if isinstance(i.location, FileLocation) else "",
                    )
                )
            )
        }
    )


def entra_risks(app: App, unit: Unit, identity: IdentityDecision) -> tuple[SecretUse, list[Risk]]:
    """The decision for a client-secret unit and the manual steps it needs, as risks of the plan
    (code `sign-in-secret`, `other-registration-secret`, `graph-app-roles`)."""
    use = secret_use(app, unit)
    setting = _setting(unit) or "the client secret"
    where = (
        ", ".join(sorted({where_text(i) for i in unit.items if i.evidence_role in CONFIG_ROLES})) or unit.key
    )
    fic = cat.FIC_CREATE.format(name=f"{identity.name}-fic", identity=identity.name)
    unverified = f" ({cat.UNVERIFIED}: {cat.UNVERIFIED_FIC})"
    if use is SecretUse.SIGN_IN:
        return use, [
            Risk(
                "sign-in-secret",
                f"review: {where}: {setting} is a sign-in (OpenID Connect) client secret: it stays, and so does "
                "the app registration's credential. To go without it: make the managed identity a federated "
                f"identity credential of the registration ({fic}), replace ClientSecret with "
                f"{cat.IDENTITY_WEB_CLIENT_CREDENTIALS.format(identity=identity.name)} (Microsoft.Identity.Web), "
                "verify sign-in, then remove the secret and the registration's credential by hand"
                + unverified,
                unit.key,
                True,
            )
        ]
    if use is SecretUse.SIGN_IN_B2C:
        return use, [
            Risk(
                "sign-in-secret",
                f"review: {where}: {setting} is an Azure AD B2C sign-in secret: a managed identity cannot replace "
                "it; it stays, and so does the registration's credential",
                unit.key,
            )
        ]
    if use is SecretUse.OTHER_REGISTRATION:
        return use, [
            Risk(
                "other-registration-secret",
                f"review: {where}: {setting} is the client secret of another app registration (a partner API or "
                "another tenant: the tenant beside it decides). A managed identity gets tokens only in its own "
                "tenant, so it cannot replace the secret; the secret stays and this plan never deletes the "
                "registration's credential. If the registration is yours (multi-tenant, registered in the "
                f"identity's tenant): add the identity as its federated identity credential ({fic}) and configure "
                f"the client with {cat.MI_AS_FIC_CONFIG.format(identity=identity.name)} (Microsoft.Extensions.Azure); "
                "otherwise ask the partner for a federated option" + unverified,
                unit.key,
                True,
            )
        ]
    graph = _graph_callers(app)
    text = (
        f"the service principal's API permissions do not pass to {identity.name}: list them "
        f"({cat.GRAPH_ROLES_OF_SP}) and assign each Microsoft Graph app role to the identity "
        f"({cat.GRAPH_APP_ROLE_ASSIGN.format(identity=identity.name)}); the plan cannot infer which app "
        "roles the code needs"
    )
    if graph:
        text = f"Microsoft Graph caller ({', '.join(graph)}): " + text
    return use, [Risk("graph-app-roles", f"manual step before verify: {text}", unit.key)]
