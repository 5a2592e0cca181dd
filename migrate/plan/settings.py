"""Settings: the fourth step of the planner.  For each planned unit, its identity-based settings
(endpoint-only values, Functions `<PREFIX>__*` connections), the code sites to change and what to
remove once the new form works; for each app, what its advisories ask for and what happens to a
service principal's settings.

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
    FileLocation,
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


def _slot_under_test(app: App) -> str | None:
    """Where live settings change before the swap: the first deployment slot (production changes
    only through the swap); None for an app without slots (production, the cut-over)."""
    return app.slots[0] if app.estate and app.slots else None


def _live_where(app: App, slot: str | None, kind: str, name: str) -> str:
    """The `where` text of a live setting of `app` (the form `where_text` gives a scanned one)."""
    return f"{app.key}" + (f"/slots/{slot}" if slot else "") + f":{kind}:{name}"


def delete_command(kind: str, names: str, slot: str | None) -> str | None:
    template = {"app-setting": cat.SETTINGS_DELETE, "connection-string": cat.CONNECTION_STRINGS_DELETE}.get(
        kind
    )
    return template.format(names=names, slot=f" --slot {slot}" if slot else "") if template else None


def _old_setting_removals(app: App, unit: str, kind: str, setting: str, why: str) -> list[Removal]:
    """The old live setting, removed after verification from production and every slot (a swap
    moves settings between them, so it may sit in any of them by then)."""
    return [
        Removal(
            unit,
            setting,
            _live_where(app, slot, kind, setting),
            StageName.REMOVE_SECRETS,
            why,
            delete_command(kind, setting, slot),
        )
        for slot in (None, *app.slots)
    ]


def side_by_side_name(unit: Unit, entry: ServiceEntry, setting: str, value: str) -> str:
    """The new name an identity-based value gets beside the old setting: `<NAME>__serviceUri` (the
    Functions / Microsoft.Extensions.Azure form) when the value is that endpoint, else `<NAME>_Identity`."""
    dr = entry.roles_for(unit.facets[0]) if unit.facets else None
    if dr is not None and dr.functions_suffixes and dr.endpoint and value == _fill(dr.endpoint, unit):
        return setting + dr.functions_suffixes[0]
    return setting + cat.SIDE_BY_SIDE_SUFFIX


def _setting_where(i: ConnectionStringAuditItem) -> tuple[str, str | None, bool]:
    loc = i.location
    if isinstance(loc, AppServiceLocation):
        return loc.setting_kind, loc.slot, loc.slot_setting
    return loc.path, None, False


def _functions_settings(unit: Unit, prefix: str, identity: IdentityDecision) -> list[tuple[str, str]]:
    if Facet.FUNCTIONS_HOST in unit.facets:
        pairs = [(cat.HOST_STORAGE_ACCOUNT_NAME, unit.resource or "<account>")]
    elif unit.service is S.STORAGE and blob_trigger(unit.items):
        pairs = [
            (prefix + cat.SUFFIX_BLOB_SERVICE_URI, _fill("https://<account>.blob.core.windows.net", unit)),
            (prefix + cat.SUFFIX_QUEUE_SERVICE_URI, _fill("https://<account>.queue.core.windows.net", unit)),
        ]
    else:
        dr = cat.CATALOG[unit.service].roles_for(unit.facets[0]) if unit.facets else None
        if dr is None or not dr.functions_suffixes or not dr.endpoint:
            return []
        pairs = [(prefix + dr.functions_suffixes[0], _fill(dr.endpoint, unit))]
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
        v = _fill(cat.SQL_CONNECTION_USER if uami else cat.SQL_CONNECTION_SYSTEM, unit)
        return v.replace("<uami-client-id>", f"<client-id of {identity.name}>")
    if unit.service is S.SIGNALR and entry.settings_value:
        v = _fill(entry.settings_value, unit)
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
            return _fill(dr.endpoint, unit)
    if entry.settings_value:
        return _fill(entry.settings_value, unit)
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
            slot, sticky = _slot_under_test(app), False
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
            if new_value is not None:
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
            if new_value is not None:
                settings.append(
                    SettingChange(
                        unit.key,
                        where,
                        slot,
                        setting,
                        SettingAction.REPLACE,
                        new_value,
                        False,
                        staging,
                        "endpoint-only value (no secret) in the file, deployed "
                        "together with the code that reads it",
                    )
                )
                if is_kv_ref(i) or i.value_class is ValueClass.SECRET:
                    removals.append(
                        Removal(
                            unit.key,
                            f"the old secret value of {setting}",
                            where_text(i),
                            StageName.REMOVE_SECRETS,
                            "replaced by the endpoint-only value: the old key/password must not "
                            "come back"
                            + (
                                "; delete the Key Vault secret it referenced"
                                if is_kv_ref(i)
                                else "; it stays in history: rotate it"
                            ),
                        )
                    )
                continue
        why = "the identity-based replacement is verified"
        if setting.upper() in cat.SP_CREDENTIAL_SETTINGS:
            why = (
                f"{setting} makes DefaultAzureCredential use the service principal (EnvironmentCredential comes "
                "first) instead of the managed identity"
            )
        if isinstance(i.location, AppServiceLocation):
            removals += _old_setting_removals(app, unit.key, i.location.setting_kind, setting, why)
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
        if i.evidence_role in IAC_ROLES and i.value_class is ValueClass.SECRET:
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


def client_id_settings(app: App, identity: IdentityDecision) -> list[SettingChange]:
    """An estate app on a user-assigned identity: AZURE_CLIENT_ID in the slot under test (production
    gets it through the swap), or in production when there is no slot.  Where a service principal's
    AZURE_CLIENT_ID is in use, `service_principal_settings` replaces it instead, with its secret."""
    if identity.kind is not IdentityKind.USER_ASSIGNED or not app.estate or _service_principal_names(app):
        return []
    return [
        SettingChange(
            APP_UNIT,
            "app-setting",
            _slot_under_test(app),
            cat.AZURE_CLIENT_ID,
            SettingAction.ADD,
            f"<client-id of {identity.name}>",
            False,
            StageName.CHANGE_IN_STAGING,
            "DefaultAzureCredential selects the user-assigned identity by client id",
        )
    ]


def _service_principal_names(app: App) -> set[str]:
    """The service principal credential settings (AZURE_CLIENT_SECRET, ...) of an estate app, in any slot."""
    names: set[str] = set()
    for i in (*app.advisories, *(i for items in app.units.values() for i in items)):
        loc = i.location
        if (
            isinstance(loc, AppServiceLocation)
            and (i.setting_name or "").upper() in cat.SP_CREDENTIAL_SETTINGS
        ):
            names.add(i.setting_name or "")
    for s in app.sites:
        names.update(n for n in s.app_setting_names if n.upper() in cat.SP_CREDENTIAL_SETTINGS)
    return names


def service_principal_settings(
    app: App, identity: IdentityDecision
) -> tuple[list[SettingChange], list[Removal]]:
    """A service principal's settings leave together: its credential, AZURE_TENANT_ID and its app id
    in AZURE_CLIENT_ID (DefaultAzureCredential and SqlClient `Active Directory Default` would ask for
    a managed identity with that client id).  On a user-assigned identity, AZURE_CLIENT_ID becomes the
    identity's client id in the same write.  An app with slots does this in the slot under test
    before verification (so verification proves the identity, not the service principal), and in
    production and every slot in the remove-secrets stage; an app without slots only in that stage,
    which then verifies again."""
    credentials = _service_principal_names(app)
    if not app.estate or not credentials:
        return [], []
    uami = identity.kind is IdentityKind.USER_ASSIGNED
    client_id = f"<client-id of {identity.name}>"
    names = sorted(credentials | {cat.AZURE_TENANT_ID} | (set() if uami else {cat.AZURE_CLIENT_ID}))
    why = (
        "the service principal's settings leave together: with a secret, EnvironmentCredential (first in "
        "DefaultAzureCredential) signs in as the service principal; without it, a stale AZURE_CLIENT_ID makes "
        "the managed identity request fail"
    )
    settings: list[SettingChange] = []
    removals: list[Removal] = []
    test_slot = _slot_under_test(app)
    if test_slot:
        reason = (
            "the slot under test runs on the identity, so verification proves the identity, not the service "
            "principal; production keeps its settings until the swap (undo: copy them back from production)"
        )
        settings += [
            SettingChange(
                APP_UNIT,
                "app-setting",
                test_slot,
                n,
                SettingAction.REMOVE,
                None,
                False,
                StageName.CHANGE_IN_STAGING,
                reason,
            )
            for n in names
        ]
        if uami:
            settings.append(
                SettingChange(
                    APP_UNIT,
                    "app-setting",
                    test_slot,
                    cat.AZURE_CLIENT_ID,
                    SettingAction.REPLACE,
                    client_id,
                    False,
                    StageName.CHANGE_IN_STAGING,
                    f"the service principal's app id gives way to the client id of "
                    f"{identity.name}, in the same write as the secret",
                )
            )
    for slot in (None, *app.slots):
        command = delete_command("app-setting", " ".join(names), slot)
        removals += [
            Removal(
                APP_UNIT, n, _live_where(app, slot, "app-setting", n), StageName.REMOVE_SECRETS, why, command
            )
            for n in names
        ]
        if uami:
            settings.append(
                SettingChange(
                    APP_UNIT,
                    "app-setting",
                    slot,
                    cat.AZURE_CLIENT_ID,
                    SettingAction.REPLACE,
                    client_id,
                    False,
                    StageName.REMOVE_SECRETS,
                    f"the service principal's app id gives way to the client id of "
                    f"{identity.name}, together with the removal of its secret",
                )
            )
    return settings, removals


def after_swap_settings(app: App, settings: list[SettingChange]) -> list[SettingChange]:
    """An app with slots: after the swap the slot under test runs the previous production build with
    production's old settings, i.e. it is a consumer of the old secrets again.  Before they go, it
    gets the new build (a step of the stage) and the identity-based settings again, in the same write."""
    test_slot = _slot_under_test(app)
    if not test_slot:
        return []
    done = {(c.slot, c.where, c.setting) for c in settings if c.stage is StageName.REMOVE_SECRETS}
    out: list[SettingChange] = []
    for c in settings:
        if (
            c.stage is StageName.CHANGE_IN_STAGING
            and c.slot == test_slot
            and c.where in ("app-setting", "connection-string")
            and c.action in (SettingAction.ADD, SettingAction.REPLACE)
            and (c.slot, c.where, c.setting) not in done
        ):
            out.append(
                SettingChange(
                    c.unit,
                    c.where,
                    c.slot,
                    c.setting,
                    c.action,
                    c.value_template,
                    False,
                    StageName.REMOVE_SECRETS,
                    f"after the swap slot {test_slot} runs the previous production build: it gets "
                    "the new build and this setting again before its old secrets go",
                )
            )
    return out


def app_advisories(
    app: App, identity: IdentityDecision
) -> tuple[list[SettingChange], list[Removal], list[Risk]]:
    settings: list[SettingChange] = []
    removals: list[Removal] = []
    risks: list[Risk] = []
    for i in app.advisories:
        code = i.detector.split(":", 1)[-1]
        loc = i.location
        slot = loc.slot if isinstance(loc, AppServiceLocation) else None
        where = where_text(i)
        if code == "no-managed-identity":
            risks.append(
                Risk(
                    code, f"{where}: the app has no managed identity yet; the enable-identity stage adds one"
                )
            )
        elif code == "service-principal-credential-in-settings":
            risks.append(Risk(code, i.recommended_replacement))  # service_principal_settings removes them
        elif code == "ambiguous-user-assigned-identity":
            # not beside a service principal's secret (service_principal_settings sets it with the removal);
            # with slots in the slot under test, production gets it through the swap
            if not _service_principal_names(app):
                settings.append(
                    SettingChange(
                        APP_UNIT,
                        "app-setting",
                        _slot_under_test(app) or slot,
                        cat.AZURE_CLIENT_ID,
                        SettingAction.ADD,
                        f"<client-id of {identity.name}>",
                        False,
                        StageName.CHANGE_IN_STAGING,
                        "several user-assigned identities: select one by client id",
                    )
                )
            risks.append(Risk(code, i.recommended_replacement))
        elif code == "mixed-connection-forms":
            setting = i.setting_name or "<plain setting>"
            shadow = f"the plain {setting} (an exact match) shadows the {setting}__* identity form"
            test_slot = _slot_under_test(app)
            if test_slot:
                settings.append(
                    SettingChange(
                        APP_UNIT,
                        "app-setting",
                        test_slot,
                        setting,
                        SettingAction.REMOVE,
                        None,
                        False,
                        StageName.CHANGE_IN_STAGING,
                        f"{shadow}: delete it in the slot under test so verification "
                        "exercises the identity; production keeps it until the swap",
                    )
                )
            removals += _old_setting_removals(
                app,
                APP_UNIT,
                "app-setting",
                setting,
                f"{shadow}; it holds the secret the running code uses until then",
            )
            risks.append(Risk(code, i.recommended_replacement))
        else:
            risks.append(Risk(code, i.recommended_replacement))
    return settings, removals, risks
