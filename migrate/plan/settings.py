"""Settings: the fourth step of the planner.  For each planned unit, its identity-based settings
(endpoint-only values, Functions `<PREFIX>__*` connections) and what to remove once the new form
works.  The code sites to change are `migrate.plan.code_changes`; app-level settings (advisories, a
service principal's settings, the client id of a user-assigned identity) `migrate.plan.app_settings`;
the forms both use `migrate.plan.setting_forms`.  This module re-exports what the planner calls.

Side by side, then switch, then remove (issue 12): a live setting the running code reads is never
overwritten; the identity-based one goes beside it under a new name (`Storage__serviceUri` beside
`Storage`) that the new code reads.  An app with deployment slots changes only its first slot (the
slot under test) before the swap, with ordinary settings that travel with the swap; production
changes through the swap.  Old secrets go in the remove-secrets stage, from production and every
slot, after verification; until then every change can be undone without a stored secret.

Sources (tests/data/azure-services.md): a swap moves app settings and connection strings unless they
are slot settings, and never moves identities (§0.4, [DOC] includes/app-service-deployment-slots-
settings.md); for Functions an exact setting name wins over the `<NAME>__*` form, so the plain one
must go before the identity form takes effect (§1.4 step 3, [DOC] includes/functions-storage-blob-
connections.md); EnvironmentCredential comes first in DefaultAzureCredential and AZURE_CLIENT_ID
selects the managed identity (§0.1 and the traps section).
"""

from __future__ import annotations

from migrate.plan import catalog as cat
from migrate.plan.app_settings import (
    after_swap_settings,
    app_advisories,
    client_id_settings,
    service_principal_settings,
)
from migrate.plan.catalog import Facet, ServiceEntry
from migrate.plan.code_changes import code_changes
from migrate.plan.credentials import entra_risks
from migrate.plan.kept_settings import file_setting, keeps_secret, kept_without_replacement
from migrate.plan.records import (
    IdentityDecision,
    IdentityKind,
    Removal,
    Risk,
    SettingAction,
    SettingChange,
    StageName,
)
from migrate.plan.setting_forms import (
    APP_UNIT,
    S,
    delete_command,
    fill,
    old_setting_removals,
    side_by_side_name,
    slot_under_test,
)
from migrate.plan.units import (
    CONFIG_ROLES,
    IAC_ROLES,
    App,
    Unit,
    blob_trigger,
    where_text,
)
from scanners.key_wiring import is_key_wiring
from scanners.records import (
    AppServiceLocation,
    ConnectionStringAuditItem,
    ValueClass,
)
from scanners.setting_names import leaf

__all__ = [
    "APP_UNIT",
    "after_swap_settings",
    "app_advisories",
    "client_id_settings",
    "code_changes",
    "delete_command",
    "keeps_secret",
    "service_principal_settings",
    "side_by_side_name",
    "unit_settings",
]


def _setting_where(i: ConnectionStringAuditItem) -> tuple[str, str | None, bool]:
    loc = i.location
    if isinstance(loc, AppServiceLocation):
        return loc.setting_kind, loc.slot, loc.slot_setting
    return loc.path, None, False


def _binding_facet(unit: Unit) -> Facet | None:
    """The one Storage data plane the unit's Functions bindings use (a queue trigger reads queues even
    when the connection string's default host is the blob endpoint); None when mixed or unknown."""
    facets = {
        f
        for i in unit.items
        for b in [cat.binding_roles(i.redacted_preview)]
        if b is not None and unit.service is S.STORAGE
        for f, _role in b.roles
    }
    return facets.pop() if len(facets) == 1 else None


def _functions_settings(unit: Unit, prefix: str, identity: IdentityDecision) -> list[tuple[str, str]]:
    if Facet.FUNCTIONS_HOST in unit.facets:
        pairs = [(cat.HOST_STORAGE_ACCOUNT_NAME, unit.resource or "<account>")]
    elif unit.service is S.STORAGE and blob_trigger(unit.items):
        pairs = [
            (prefix + cat.SUFFIX_BLOB_SERVICE_URI, fill("https://<account>.blob.core.windows.net", unit)),
            (prefix + cat.SUFFIX_QUEUE_SERVICE_URI, fill("https://<account>.queue.core.windows.net", unit)),
        ]
    else:
        facet = _binding_facet(unit) or (unit.facets[0] if unit.facets else None)
        dr = cat.CATALOG[unit.service].roles_for(facet) if facet else None
        if dr is None or not dr.functions_suffixes or not dr.endpoint:
            return []
        pairs = [(prefix + dr.functions_suffixes[0], fill(dr.endpoint, unit))]
    if identity.kind is IdentityKind.USER_ASSIGNED:
        base = prefix if Facet.FUNCTIONS_HOST not in unit.facets else cat.HOST_STORAGE
        pairs += [
            (base + cat.SUFFIX_CREDENTIAL, cat.CREDENTIAL_MANAGED_IDENTITY),
            (base + cat.SUFFIX_CLIENT_ID, f"<client-id of {identity.name}>"),
        ]
    return pairs


def _new_value(unit: Unit, entry: ServiceEntry, identity: IdentityDecision) -> str | None:
    uami = identity.kind is IdentityKind.USER_ASSIGNED
    if unit.service is S.SQL:
        v = fill(cat.SQL_CONNECTION_USER if uami else cat.SQL_CONNECTION_SYSTEM, unit)
        return v.replace("<uami-client-id>", f"<client-id of {identity.name}>")
    if unit.service is S.SIGNALR and entry.settings_value:
        v = fill(entry.settings_value, unit)
        return (
            v.replace("Version=1.0;", f"ClientId=<client-id of {identity.name}>;Version=1.0;") if uami else v
        )
    if unit.service in (S.POSTGRESQL, S.MYSQL):
        return "the same connection string without the password; user = the identity's database user name"
    if unit.service is S.REDIS:
        return "<host>:6380,ssl=True,abortConnect=False (no password: Entra token from the code)"
    if unit.service is S.STORAGE and unit.facets:
        dr = entry.roles_for(unit.facets[0])
        if dr and dr.endpoint:
            return fill(dr.endpoint, unit)
    if entry.settings_value:
        return fill(entry.settings_value, unit)
    return None


def unit_settings(
    app: App,
    unit: Unit,
    entry: ServiceEntry,
    identity: IdentityDecision,
) -> tuple[list[SettingChange], list[Removal], list[Risk]]:
    """The unit's setting changes (identity-based forms) and what to remove once they work."""
    settings: list[SettingChange] = []
    removals: list[Removal] = []
    risks: list[Risk] = []
    if unit.service is S.ENTRA_ID:
        use, entra = entra_risks(app, unit, identity)
        if use is not cat.SecretUse.SERVICE_PRINCIPAL:
            return [], [], entra  # the secret and the registration's credential stay (review / federate)
        risks += entra
    configs = [
        i
        for i in unit.items
        if i.evidence_role in CONFIG_ROLES
        and i.setting_name
        and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE, ValueClass.LOCATOR)
    ]
    for i in configs:
        setting = i.setting_name or ""
        where, slot, sticky = _setting_where(i)
        live = isinstance(i.location, AppServiceLocation)
        if live:
            # new settings: in the slot under test, ordinary (not slot) settings so they travel with the swap
            slot, sticky = slot_under_test(app), False
        staging = StageName.CHANGE_IN_STAGING
        if live and setting.upper() in cat.SP_CREDENTIAL_SETTINGS:
            continue  # service_principal_settings: with the principal's id and tenant, per slot
        if unit.service is S.ENTRA_ID:
            pass  # removal only, below
        elif unit.service is S.APPLICATION_INSIGHTS:
            value = (
                cat.AI_AUTH_USER.replace("<uami-client-id>", f"<client-id of {identity.name}>")
                if identity.kind is IdentityKind.USER_ASSIGNED
                else cat.AI_AUTH_SYSTEM
            )
            # Read from the environment, i.e. an app setting, never from appsettings.json (catalog: AI_AUTH_SETTING).
            settings.append(
                SettingChange(
                    unit.key,
                    "app-setting",
                    slot,
                    cat.AI_AUTH_SETTING,
                    SettingAction.ADD,
                    value,
                    sticky,
                    staging,
                    "Application Insights ingestion with Microsoft Entra ID; "
                    "an app setting (read from the environment), not a configuration file",
                )
            )
            if leaf(setting) == "appinsights_instrumentationkey":
                settings.append(
                    SettingChange(
                        unit.key,
                        where,
                        slot,
                        "APPLICATIONINSIGHTS_CONNECTION_STRING",
                        SettingAction.ADD,
                        "InstrumentationKey=<key>;IngestionEndpoint=<endpoint>",
                        sticky,
                        staging,
                        "the connection string replaces the instrumentation "
                        "key setting (a locator, not a credential once local auth is off)",
                    )
                )
            else:
                settings.append(
                    SettingChange(
                        unit.key,
                        where,
                        slot,
                        setting,
                        SettingAction.KEEP,
                        None,
                        sticky,
                        staging,
                        "the connection string stays as the destination locator",
                    )
                )
                continue
        elif unit.service is S.CONTAINER_REGISTRY:
            pass
        elif (
            app.is_function
            and i.evidence_role is not None
            and where != "connection-string"
            and _functions_settings(unit, setting, identity)
        ):
            reason = "identity-based Functions connection (no secret)"
            if where.endswith("local.settings.json"):
                reason += (
                    "; local.settings.json is local-only: set these on the deployed app (locally "
                    "DefaultAzureCredential uses the developer's sign-in)"
                )
            for name, value in _functions_settings(unit, setting, identity):
                settings.append(
                    SettingChange(
                        unit.key, where, slot, name, SettingAction.ADD, value, sticky, staging, reason
                    )
                )
            if live and slot:
                settings.append(
                    SettingChange(
                        unit.key,
                        where,
                        slot,
                        setting,
                        SettingAction.REMOVE,
                        None,
                        False,
                        staging,
                        "an exact setting name wins over the __ form: delete the plain "
                        "setting in the slot under test so verification exercises the "
                        "identity; production keeps it until the swap (undo: swap back, or "
                        "copy it back from production)",
                    )
                )
        elif live:
            new_value = _new_value(unit, entry, identity)
            if new_value is None:
                risks.append(kept_without_replacement(unit, setting, where_text(i)))
                continue
            name = side_by_side_name(unit, entry, setting, new_value)
            settings.append(
                SettingChange(
                    unit.key,
                    where,
                    slot,
                    name,
                    SettingAction.ADD,
                    new_value,
                    False,
                    staging,
                    f"identity-based value (no secret) beside {setting}, which the running code still reads: the "
                    f"new code reads {name}; {setting} goes only after verification",
                )
            )
        else:
            new_value = _new_value(unit, entry, identity)
            if new_value is None:
                risks.append(kept_without_replacement(unit, setting, where_text(i)))
                continue
            settings_, removals_ = file_setting(unit, entry, i, setting, where, new_value)
            settings += settings_
            removals += removals_
            continue
        why = "the identity-based replacement is verified"
        if setting.upper() in cat.SP_CREDENTIAL_SETTINGS:
            why = (
                f"{setting} makes DefaultAzureCredential use the service principal (EnvironmentCredential comes "
                "first) instead of the managed identity"
            )
        if isinstance(i.location, AppServiceLocation):
            removals += old_setting_removals(app, unit.key, i.location.setting_kind, setting, why)
            continue
        removals.append(Removal(unit.key, setting, where_text(i), StageName.REMOVE_SECRETS, why))
        if setting.upper() in cat.SP_CREDENTIAL_SETTINGS:
            for name in cat.SP_IDENTITY_SETTINGS:
                removals.append(
                    Removal(
                        unit.key,
                        name,
                        where_text(i),
                        StageName.REMOVE_SECRETS,
                        f"the service principal's {name} leaves with its secret: a stale app id "
                        "becomes the managed identity client id DefaultAzureCredential asks for",
                    )
                )
    for i in unit.items:
        if i.evidence_role in IAC_ROLES and (i.value_class is ValueClass.SECRET or is_key_wiring(i)):
            removals.append(
                Removal(
                    unit.key,
                    f"key/secret written by IaC ({i.redacted_preview})",
                    where_text(i),
                    StageName.REMOVE_SECRETS,
                    "the template must write the endpoint-only setting instead of a key",
                )
            )
    if unit.service is S.ENTRA_ID:
        removals.append(
            Removal(
                unit.key,
                "the Entra app credential (client secret) of the service principal",
                "Microsoft Entra ID",
                StageName.DISABLE_LOCAL_AUTH,
                "the secret must stop working, not only disappear from settings",
                f"{cat.ENTRA_CREDENTIAL_DELETE} ({cat.UNVERIFIED})",
            )
        )
    return settings, removals, risks
