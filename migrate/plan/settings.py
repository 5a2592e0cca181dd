"""Settings: the fourth step of the planner.  For each planned unit, its settings rewritten to the
identity-based form (endpoint-only values, Functions `<PREFIX>__*` connections), the code sites to
change and what to remove once the new form works; for each app, what its advisories ask for.
"""

from __future__ import annotations

from migrate.plan import catalog as cat
from migrate.plan.catalog import Facet, ServiceEntry
from migrate.plan.records import (
    CodeChange,
    IdentityDecision,
    IdentityKind,
    Removal,
    Risk,
    SettingAction,
    SettingChange,
    StageName,
)
from migrate.plan.units import (
    CODE_ROLES,
    CONFIG_ROLES,
    IAC_ROLES,
    App,
    Unit,
    blob_trigger,
    is_kv_ref,
    where_text,
)
from scanners.records import (
    AppServiceLocation,
    ConnectionStringAuditItem,
    EvidenceRole,
    ServiceType,
    ValueClass,
)
from scanners.setting_names import leaf

S = ServiceType
APP_UNIT = "(app)"  # the unit of app-level changes (advisories, client id selection)


def _fill(template: str, unit: Unit) -> str:
    out = template
    ep = unit.endpoint
    for key in ("account", "namespace", "server", "database", "host"):
        value = ep.get(key) or (unit.resource if key == _name_field(unit) else None)
        if value:
            out = out.replace(f"<{key}>", value)
    return out


def _name_field(unit: Unit) -> str:
    return cat.CATALOG[unit.service].name_field


def _setting_where(i: ConnectionStringAuditItem) -> tuple[str, str | None, bool]:
    loc = i.location
    if isinstance(loc, AppServiceLocation):
        return loc.setting_kind, loc.slot, loc.slot_setting
    return loc.path, None, False


def _functions_settings(unit: Unit, prefix: str, identity: IdentityDecision) -> list[tuple[str, str]]:
    if Facet.FUNCTIONS_HOST in unit.facets:
        pairs = [(cat.HOST_STORAGE_ACCOUNT_NAME, unit.resource or "<account>")]
    elif unit.service is S.STORAGE and blob_trigger(unit.items):
        pairs = [(prefix + cat.SUFFIX_BLOB_SERVICE_URI, _fill("https://<account>.blob.core.windows.net", unit)),
                 (prefix + cat.SUFFIX_QUEUE_SERVICE_URI, _fill("https://<account>.queue.core.windows.net", unit))]
    else:
        dr = cat.CATALOG[unit.service].roles_for(unit.facets[0]) if unit.facets else None
        if dr is None or not dr.functions_suffixes or not dr.endpoint:
            return []
        pairs = [(prefix + dr.functions_suffixes[0], _fill(dr.endpoint, unit))]
    if identity.kind is IdentityKind.USER_ASSIGNED:
        base = prefix if Facet.FUNCTIONS_HOST not in unit.facets else cat.HOST_STORAGE
        pairs += [(base + cat.SUFFIX_CREDENTIAL, cat.CREDENTIAL_MANAGED_IDENTITY),
                  (base + cat.SUFFIX_CLIENT_ID, f"<client-id of {identity.name}>")]
    return pairs


def _new_value(unit: Unit, entry: ServiceEntry, identity: IdentityDecision) -> str | None:
    uami = identity.kind is IdentityKind.USER_ASSIGNED
    if unit.service is S.SQL:
        v = _fill(cat.SQL_CONNECTION_USER if uami else cat.SQL_CONNECTION_SYSTEM, unit)
        return v.replace("<uami-client-id>", f"<client-id of {identity.name}>")
    if unit.service is S.SIGNALR and entry.settings_value:
        v = _fill(entry.settings_value, unit)
        return v.replace("Version=1.0;", f"ClientId=<client-id of {identity.name}>;Version=1.0;") if uami else v
    if unit.service in (S.POSTGRESQL, S.MYSQL):
        return "the same connection string without the password; user = the identity's database user name"
    if unit.service is S.REDIS:
        return "<host>:6380,ssl=True,abortConnect=False (no password: Entra token from the code)"
    if unit.service is S.STORAGE and unit.facets:
        dr = entry.roles_for(unit.facets[0])
        if dr and dr.endpoint:
            return _fill(dr.endpoint, unit)
    if entry.settings_value:
        return _fill(entry.settings_value, unit)
    return None


def unit_settings(app: App, unit: Unit, entry: ServiceEntry, identity: IdentityDecision,
                  ) -> tuple[list[SettingChange], list[Removal], list[Risk]]:
    """The unit's setting changes (identity-based forms) and what to remove once they work."""
    settings: list[SettingChange] = []
    removals: list[Removal] = []
    risks: list[Risk] = []
    configs = [i for i in unit.items if i.evidence_role in CONFIG_ROLES and i.setting_name
               and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE, ValueClass.LOCATOR)]
    for i in configs:
        setting = i.setting_name or ""
        where, slot, sticky = _setting_where(i)
        staging = StageName.CHANGE_IN_STAGING
        if unit.service is S.ENTRA_ID:
            pass  # removal only, below
        elif unit.service is S.APPLICATION_INSIGHTS:
            value = cat.AI_AUTH_USER.replace("<uami-client-id>", f"<client-id of {identity.name}>") \
                if identity.kind is IdentityKind.USER_ASSIGNED else cat.AI_AUTH_SYSTEM
            settings.append(SettingChange(unit.key, where, slot, cat.AI_AUTH_SETTING, SettingAction.ADD, value, sticky,
                                          staging, "Application Insights ingestion with Microsoft Entra ID"))
            if leaf(setting) == "appinsights_instrumentationkey":
                settings.append(SettingChange(unit.key, where, slot, "APPLICATIONINSIGHTS_CONNECTION_STRING",
                                              SettingAction.ADD, "InstrumentationKey=<key>;IngestionEndpoint=<endpoint>",
                                              sticky, staging, "the connection string replaces the instrumentation "
                                              "key setting (a locator, not a credential once local auth is off)"))
            else:
                settings.append(SettingChange(unit.key, where, slot, setting, SettingAction.KEEP, None, sticky, staging,
                                              "the connection string stays as the destination locator"))
                continue
        elif unit.service is S.CONTAINER_REGISTRY:
            pass
        elif app.is_function and i.evidence_role is not None and where != "connection-string" \
                and _functions_settings(unit, setting, identity):
            reason = "identity-based Functions connection (no secret)"
            if where.endswith("local.settings.json"):
                reason += ("; local.settings.json is local-only: set these on the deployed app (locally "
                           "DefaultAzureCredential uses the developer's sign-in)")
            for name, value in _functions_settings(unit, setting, identity):
                settings.append(SettingChange(unit.key, where, slot, name, SettingAction.ADD, value, sticky, staging,
                                              reason))
            if slot:
                settings.append(SettingChange(unit.key, where, slot, setting, SettingAction.REMOVE, None, sticky,
                                              staging, "an exact setting name wins over the __ form: delete the plain "
                                              "setting in the slot being validated"))
                continue
        else:
            new_value = _new_value(unit, entry, identity)
            if new_value is not None:
                settings.append(SettingChange(unit.key, where, slot, setting, SettingAction.REPLACE, new_value, True
                                              if slot else sticky, staging,
                                              "endpoint-only value (no secret); in a slot, set it as a slot setting"))
                if is_kv_ref(i) or i.value_class is ValueClass.SECRET:
                    removals.append(Removal(unit.key, f"the old secret value of {setting}", where_text(i),
                                            StageName.REMOVE_SECRETS,
                                            "replaced by the endpoint-only value: the old key/password must not "
                                            "come back" + ("; delete the Key Vault secret it referenced"
                                                           if is_kv_ref(i) else "; it stays in history: rotate it")))
                continue
        command = None
        if isinstance(i.location, AppServiceLocation) and i.location.setting_kind == "app-setting":
            command = cat.SETTINGS_DELETE.format(names=setting, slot=f" --slot {slot}" if slot else "")
        why = "the identity-based replacement is verified"
        if setting.upper() in cat.SP_CREDENTIAL_SETTINGS:
            why = (f"{setting} makes DefaultAzureCredential use the service principal (EnvironmentCredential comes "
                   "first) instead of the managed identity")
        removals.append(Removal(unit.key, setting, where_text(i), StageName.REMOVE_SECRETS, why, command))
    for i in unit.items:
        if i.evidence_role in IAC_ROLES and i.value_class is ValueClass.SECRET:
            removals.append(Removal(unit.key, f"key/secret written by IaC ({i.redacted_preview})", where_text(i),
                                    StageName.REMOVE_SECRETS,
                                    "the template must write the endpoint-only setting instead of a key"))
    if unit.service is S.ENTRA_ID:
        removals.append(Removal(unit.key, "the Entra app credential (client secret) of the service principal",
                                "Microsoft Entra ID", StageName.DISABLE_LOCAL_AUTH,
                                "the secret must stop working, not only disappear from settings",
                                f"{cat.ENTRA_CREDENTIAL_DELETE} ({cat.UNVERIFIED})"))
    return settings, removals, risks


def code_changes(unit: Unit, entry: ServiceEntry) -> list[CodeChange]:
    out = []
    for i in unit.items:
        if i.evidence_role in CODE_ROLES and i.value_class is not ValueClass.PASSWORDLESS:
            if i.detector.startswith("csharp:binding"):
                change = "none in code: the binding reads the identity-based <PREFIX>__* settings"
            elif i.evidence_role is EvidenceRole.CODE_LITERAL:
                change = f"remove the literal secret; {entry.code_change}"
            else:
                change = entry.code_change or "use the managed identity"
            out.append(CodeChange(unit.key, where_text(i), i.detector, change, i.redacted_preview))
        elif i.evidence_role in IAC_ROLES and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE):
            out.append(CodeChange(unit.key, where_text(i), i.detector,
                                  "IaC: write the endpoint-only setting and a role assignment instead of a key",
                                  i.redacted_preview))
    return out


def client_id_settings(app: App, identity: IdentityDecision) -> list[SettingChange]:
    """An estate app on a user-assigned identity: AZURE_CLIENT_ID in production and in every slot."""
    if identity.kind is not IdentityKind.USER_ASSIGNED or not app.estate:
        return []
    return [SettingChange(APP_UNIT, "app-setting", slot, cat.AZURE_CLIENT_ID, SettingAction.ADD,
                          f"<client-id of {identity.name}>", False, StageName.CHANGE_IN_STAGING,
                          "DefaultAzureCredential selects the user-assigned identity by client id")
            for slot in (None, *app.slots)]


def app_advisories(app: App, identity: IdentityDecision) -> tuple[list[SettingChange], list[Removal], list[Risk]]:
    settings: list[SettingChange] = []
    removals: list[Removal] = []
    risks: list[Risk] = []
    for i in app.advisories:
        code = i.detector.split(":", 1)[-1]
        loc = i.location
        slot = loc.slot if isinstance(loc, AppServiceLocation) else None
        where = where_text(i)
        if code == "no-managed-identity":
            risks.append(Risk(code, f"{where}: the app has no managed identity yet; the enable-identity stage adds one"))
        elif code == "service-principal-credential-in-settings":
            setting = i.setting_name or "AZURE_CLIENT_SECRET"
            risks.append(Risk(code, i.recommended_replacement))
            if _setting_in_units(app, setting, slot):
                continue  # the unit's own removal covers it
            removals.append(Removal(APP_UNIT, setting, where, StageName.REMOVE_SECRETS,
                                    f"{setting} makes DefaultAzureCredential authenticate as the service principal "
                                    "(EnvironmentCredential comes first in the chain), not the managed identity",
                                    cat.SETTINGS_DELETE.format(names=setting, slot=f" --slot {slot}" if slot else "")))
        elif code == "ambiguous-user-assigned-identity":
            settings.append(SettingChange(APP_UNIT, "app-setting", slot, cat.AZURE_CLIENT_ID, SettingAction.ADD,
                                          f"<client-id of {identity.name}>", False, StageName.CHANGE_IN_STAGING,
                                          "several user-assigned identities: select one by client id"))
            risks.append(Risk(code, i.recommended_replacement))
        elif code == "mixed-connection-forms":
            setting = i.setting_name or "<plain setting>"
            removals.append(Removal(APP_UNIT, setting, where, StageName.CHANGE_IN_STAGING,
                                    f"the plain {setting} (an exact match) shadows the {setting}__* identity form",
                                    cat.SETTINGS_DELETE.format(names=setting, slot=f" --slot {slot}" if slot else "")))
            risks.append(Risk(code, i.recommended_replacement))
        else:
            risks.append(Risk(code, i.recommended_replacement))
    return settings, removals, risks


def _setting_in_units(app: App, setting: str, slot: str | None) -> bool:
    for items in app.units.values():
        for i in items:
            loc = i.location
            if isinstance(loc, AppServiceLocation) and loc.setting == setting and loc.slot == slot \
                    and i.value_class is ValueClass.SECRET:
                return True
    return False

