"""Tie config values, the code that reads them and the IaC that writes them into migration units.

A unit is `<project dir>::<normalised setting name>`: the setting `ConnectionStrings:Orders` in
appsettings.json, `GetConnectionString("Orders")` in C#, and `CUSTOMCONNSTR_Orders` read from the
environment are one unit when they live in the same project.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import replace

from scanners import setting_names
from scanners.records import ConnectionStringAuditItem, EvidenceRole, FileLocation

_APP_SERVICE_PREFIX_RE = re.compile(
    r"^(sqlazureconnstr|sqlconnstr|mysqlconnstr|postgresqlconnstr|customconnstr|"
    r"rediscacheconnstr|docdbconnstr|eventhubconnstr|servicebusconnstr|notificationhubconnstr|"
    r"apihubconnstr)_"
)
_LOOKUP_SUFFIX = ":lookup"


def unit_name(setting: str) -> str:
    """Normalise a setting name so every spelling of one setting compares equal."""
    n = setting_names.normalise(setting)
    n = _APP_SERVICE_PREFIX_RE.sub("connectionstrings_", n)
    n = re.sub(r"^values_", "", n)  # local.settings.json "Values" section
    # Identity-based forms (`X__serviceUri`) belong to the unit of `X`.
    split = setting_names.identity_suffix(setting)
    if split is not None:
        return unit_name(split[0])
    return n


def project_of(path: str, project_dirs: set[str]) -> str:
    d = posixpath.dirname(path)
    while True:
        if d in project_dirs:
            return d or "."
        if not d:
            return "."
        d = posixpath.dirname(d)


def link(
    items: Iterable[ConnectionStringAuditItem], project_dirs: set[str]
) -> list[ConnectionStringAuditItem]:
    """Set `unit` on every item with a setting name; keep setting lookups in code only when they
    read a setting that holds a connection (or whose name says it does)."""
    items = list(items)
    units: dict[int, str] = {}
    config_units: set[str] = set()
    for idx, item in enumerate(items):
        if not item.setting_name:
            continue
        project = (
            project_of(item.location.path, project_dirs) if isinstance(item.location, FileLocation) else "."
        )
        unit = f"{project}::{unit_name(item.setting_name)}"
        units[idx] = unit
        if not item.detector.endswith(_LOOKUP_SUFFIX):
            config_units.add(unit)
    # A lookup on the same line as the client it feeds is one finding, not two.
    consumers = {
        (item.location.path, item.location.line, (item.setting_name or "").lower())
        for item in items
        if item.evidence_role is EvidenceRole.CODE_CONSUMER
        and not item.detector.endswith(_LOOKUP_SUFFIX)
        and isinstance(item.location, FileLocation)
    }
    out: list[ConnectionStringAuditItem] = []
    for idx, item in enumerate(items):
        item_unit = units.get(idx)
        if (
            item.detector.endswith(_LOOKUP_SUFFIX)
            and isinstance(item.location, FileLocation)
            and (item.location.path, item.location.line, (item.setting_name or "").lower()) in consumers
        ):
            continue
        if item.detector.endswith(_LOOKUP_SUFFIX) and item.evidence_role is EvidenceRole.CODE_CONSUMER:
            known_name = setting_names.rule_for(
                item.setting_name
            ) is not None or setting_names.is_connection_name(item.setting_name)
            if item_unit not in config_units and not known_name:
                continue
        out.append(replace(item, unit=item_unit) if item_unit else item)
    return out
