"""Settings this plan leaves in place, and repository-file settings: a unit whose key stays in use
(a consumer that cannot take the identity form, no identity-based value to write), the risk that
says so, and how a setting in a repository file moves (in place where the library reads the new
form under the same name, else side by side as `<NAME>_Identity`)."""

from __future__ import annotations

from migrate.plan import catalog as cat
from migrate.plan.catalog import ServiceEntry
from migrate.plan.records import Removal, Risk, SettingAction, SettingChange, StageName
from migrate.plan.setting_forms import S
from migrate.plan.units import CODE_ROLES, Unit, is_key_based, is_kv_ref, where_text
from scanners.records import ConnectionStringAuditItem

# Services `_new_value` writes a value for without a `settings_value` in the catalog.
_OWN_FORMS = (S.SQL, S.SIGNALR, S.POSTGRESQL, S.MYSQL, S.REDIS, S.STORAGE)


def keeps_secret(unit: Unit) -> str | None:
    """Why this plan leaves a unit's key-based settings in place (so its key stays in use): a code
    consumer the catalog says cannot take the identity form as it is, or no identity-based value the
    plan can write; None when the plan moves it."""
    for i in unit.items:
        if i.evidence_role in CODE_ROLES:
            blockers = cat.blockers_of(i.redacted_preview, cat.BlockerScope.LINE, unit.service.value)
            if blockers:
                return f"review: {blockers[0].name}"
    entry = cat.CATALOG[unit.service]
    if unit.service in (S.ENTRA_ID, S.APPLICATION_INSIGHTS, S.CONTAINER_REGISTRY):
        return None
    if not entry.settings_value and unit.service not in _OWN_FORMS:
        return "review: no identity-based value the plan can write"
    return None


def kept_without_replacement(unit: Unit, setting: str, where: str) -> Risk:
    """A setting with no identity-based value the plan can write: it stays where it is (deleting it
    would leave its consumers with nothing), and the plan says what must happen first."""
    return Risk(
        "review-setting-kept",
        f"{where}: {setting} stays: the plan has no identity-based value to put in its place; "
        f"review: the code must build the {unit.service.value} client from the endpoint and a "
        "TokenCredential first, then remove the secret by hand",
        unit.key,
    )


def file_setting(
    unit: Unit, entry: ServiceEntry, i: ConnectionStringAuditItem, setting: str, where: str, new_value: str
) -> tuple[list[SettingChange], list[Removal]]:
    """A setting in a repository file.  Where the library reads the new value under the same name
    (`Authentication=Active Directory Default`, `AuthType=azure.msi`: the catalog says "no code
    change") the value is replaced in place; otherwise the identity-based value goes beside it as
    `<NAME>_Identity`, which the rewritten code reads first, and the old entry goes once every
    consumer reads the new one (the emitted config.patch checks that against code.patch)."""
    secret = is_key_based(i)
    history = (
        "; delete the Key Vault secret it referenced"
        if is_kv_ref(i)
        else "; the value stays in the repository history: its key is rotated only in the last stage, "
        "and only when every consumer the scan knows has moved"
    )
    staging = StageName.CHANGE_IN_STAGING
    if (entry.code_change or "").startswith("no code change"):
        change = SettingChange(
            unit.key,
            where,
            None,
            setting,
            SettingAction.REPLACE,
            new_value,
            False,
            staging,
            "endpoint-only value (no secret) in the file, deployed together with the code that reads it "
            "(the library reads the identity form under the same name)",
        )
        old = Removal(
            unit.key,
            f"the old secret value of {setting}",
            where_text(i),
            StageName.REMOVE_SECRETS,
            "replaced by the endpoint-only value: the old key/password must not come back" + history,
        )
        return [change], [old] if secret else []
    name = setting + cat.SIDE_BY_SIDE_SUFFIX
    change = SettingChange(
        unit.key,
        where,
        None,
        name,
        SettingAction.ADD,
        new_value,
        False,
        staging,
        f"identity-based value (no secret) beside {setting}: the rewritten code reads {name} first and "
        f"{setting} only when {name} is missing",
    )
    old = Removal(
        unit.key,
        setting,
        where_text(i),
        StageName.REMOVE_SECRETS,
        f"every consumer reads {name}" + (history if secret else ""),
    )
    return [change], [old]
