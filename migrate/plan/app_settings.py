"""App-level settings: the user-assigned identity's client id, a service principal's settings that
leave together, the settings the slot under test needs again after the swap, and what the app's
advisories ask for.  See `migrate.plan.settings` for the side-by-side contract."""

from __future__ import annotations

from migrate.plan import catalog as cat
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
    delete_command,
    live_where,
    old_setting_removals,
    slot_under_test,
)
from migrate.plan.units import App, where_text
from scanners.records import AppServiceLocation


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
            slot_under_test(app),
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
    test_slot = slot_under_test(app)
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
                APP_UNIT, n, live_where(app, slot, "app-setting", n), StageName.REMOVE_SECRETS, why, command
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
    test_slot = slot_under_test(app)
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
                        slot_under_test(app) or slot,
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
            test_slot = slot_under_test(app)
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
            removals += old_setting_removals(
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
