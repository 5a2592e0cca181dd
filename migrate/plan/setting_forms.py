"""Setting forms shared by the settings steps: value templates filled with the endpoint parts the
scan showed, where live settings change (the slot under test), delete commands and the side-by-side
name an identity-based value gets beside the old setting."""

from __future__ import annotations

from migrate.plan import catalog as cat
from migrate.plan.catalog import ServiceEntry
from migrate.plan.records import Removal, StageName
from migrate.plan.units import App, Unit
from scanners.records import ServiceType

S = ServiceType
APP_UNIT = "(app)"  # the unit of app-level changes (advisories, client id selection)


def fill(template: str, unit: Unit) -> str:
    out = template
    ep = unit.endpoint
    for key in ("account", "namespace", "server", "database", "host"):
        value = ep.get(key) or (unit.resource if key == name_field(unit) else None)
        if value:
            out = out.replace(f"<{key}>", value)
    return out


def name_field(unit: Unit) -> str:
    return cat.CATALOG[unit.service].name_field


def slot_under_test(app: App) -> str | None:
    """Where live settings change before the swap: the first deployment slot (production changes
    only through the swap); None for an app without slots (production, the cut-over)."""
    return app.slots[0] if app.estate and app.slots else None


def live_where(app: App, slot: str | None, kind: str, name: str) -> str:
    """The `where` text of a live setting of `app` (the form `where_text` gives a scanned one)."""
    return f"{app.key}" + (f"/slots/{slot}" if slot else "") + f":{kind}:{name}"


def delete_command(kind: str, names: str, slot: str | None) -> str | None:
    template = {"app-setting": cat.SETTINGS_DELETE, "connection-string": cat.CONNECTION_STRINGS_DELETE}.get(
        kind
    )
    return template.format(names=names, slot=f" --slot {slot}" if slot else "") if template else None


def old_setting_removals(app: App, unit: str, kind: str, setting: str, why: str) -> list[Removal]:
    """The old live setting, removed after verification from production and every slot (a swap
    moves settings between them, so it may sit in any of them by then)."""
    return [
        Removal(
            unit,
            setting,
            live_where(app, slot, kind, setting),
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
    if dr is not None and dr.functions_suffixes and dr.endpoint and value == fill(dr.endpoint, unit):
        return setting + dr.functions_suffixes[0]
    return setting + cat.SIDE_BY_SIDE_SUFFIX
