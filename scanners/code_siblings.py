"""Sibling settings in code: a client built from an endpoint and a key gets its endpoint.

`new OpenAIClient(new Uri(cfg["OpenAI:Endpoint"]), new AzureKeyCredential(cfg["OpenAI:ApiKey"]))`,
`SearchClient(os.environ["SEARCH_ENDPOINT"], index, AzureKeyCredential(key))`: the code handlers give
the key's consumer item the host of a URL literal, or the note `endpoint from the setting X (code:
path:line)` (`code_endpoint`).  After the scan, `with_code_endpoints` reads the value of X from the
config files of the same project (`scanners.siblings.settings_of`, the same readers and the same
`endpoint_from_value` as sibling settings in one file), and `with_estate_endpoints` takes it from the
estate app the project is deployed to when one scan holds both.  Only host and resource names are
kept; the key is never read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from scanners.linking import project_of, unit_name
from scanners.records import (
    AppLink,
    AppServiceLocation,
    ConnectionStringAuditItem,
    Endpoint,
    FileLocation,
    ServiceType,
)
from scanners.siblings import Setting, endpoint_from_value, settings_of

_CODE_NOTE_RE = re.compile(r"^endpoint from the setting (\S+) \(code: .+\)$")
_ESTATE_SIBLING_RE = re.compile(r"^endpoint from the sibling app setting (\S+) of the same app$")
_CONFIG_MAX_BYTES = 512 * 1024
_CONFIG_MAX_FILES = 400
_CONFIG_SUFFIXES = (
    ".json",
    ".yml",
    ".yaml",
    ".config",
    ".env",
    ".properties",
    ".ini",
    ".cfg",
)  # settings_of's
_NOT_CONFIG = (
    "package-lock.json",
    "npm-shrinkwrap.json",
    "composer.lock",
    ".deps.json",
    ".runtimeconfig.json",
)


def code_endpoint(
    service: ServiceType, where: str, literal: str | None = None, setting: str | None = None
) -> tuple[Endpoint | None, str] | None:
    """The endpoint of a client the code builds, and the note that says where it comes from: a URL
    literal's host (its query and user info never), or the setting the code reads it from (resolved
    after the scan).  `where` is `path:line` of the client; None when neither names an endpoint."""
    if literal is not None:
        endpoint = endpoint_from_value(literal, service)
        if endpoint is None:
            return None
        return endpoint, f"endpoint from the URL the code passes to the client (code: {where})"
    if setting and not any(c.isspace() or c in "()" for c in setting):
        return None, f"endpoint from the setting {setting} (code: {where})"
    return None


def _wanted_setting(i: ConnectionStringAuditItem) -> str | None:
    """The setting a code item's endpoint is read from, while the endpoint is not known."""
    if not i.endpoint.is_empty():
        return None
    return next((m.group(1) for n in i.notes if (m := _CODE_NOTE_RE.match(n))), None)


def _is_config_file(rel: str, size: int) -> bool:
    name = rel.rsplit("/", 1)[-1].lower()
    return (
        0 < size <= _CONFIG_MAX_BYTES
        and not name.endswith(_NOT_CONFIG)
        and (name.startswith(".env") or name.endswith(_CONFIG_SUFFIXES))
    )


def config_settings(
    root: str, files: Iterable[str], sizes: dict[str, int], projects: set[str], project_dirs: set[str]
) -> dict[str, list[tuple[str, Setting]]]:
    """The settings of the config files of `projects`, by project: (path, setting) pairs.  A file that
    cannot be read is left out (the scan itself reports it)."""
    out: dict[str, list[tuple[str, Setting]]] = {}
    read = 0
    for rel in sorted(files):
        project = project_of(rel, project_dirs)
        if project not in projects or not _is_config_file(rel, sizes.get(rel, 0)):
            continue
        read += 1
        if read > _CONFIG_MAX_FILES:
            break
        try:
            with open(os.path.join(root, rel), encoding="utf-8-sig", errors="replace") as f:
                text = f.read(_CONFIG_MAX_BYTES + 1)
        except OSError:
            continue
        out.setdefault(project, []).extend((rel, s) for s in settings_of(rel, text))
    return out


def _full_name(path: str, s: Setting) -> str:
    return f"{s.section}:{s.name}" if path.lower().endswith(".json") and s.section else s.name


def _setting_endpoints(
    setting: str, pool: Sequence[tuple[str, Setting]], service: ServiceType
) -> set[tuple[Endpoint, str]]:
    """(endpoint, path) of each config value of `setting`: as the code spells it first, then any
    spelling of it (`Foo__Bar`, `FOO_BAR` for `Foo:Bar`)."""
    exact = [(p, s) for p, s in pool if _full_name(p, s).lower() == setting.lower()]
    for candidates in (exact, [(p, s) for p, s in pool if unit_name(_full_name(p, s)) == unit_name(setting)]):
        found = {(e, p) for p, s in candidates if (e := endpoint_from_value(s.value, service)) is not None}
        if found:
            return found
    return set()


def with_code_endpoints(
    items: list[ConnectionStringAuditItem],
    root: str,
    files: Iterable[str],
    sizes: dict[str, int],
    project_dirs: set[str],
) -> list[ConnectionStringAuditItem]:
    """After a repository scan: a code item whose client reads its endpoint from setting X gets the
    endpoint X holds in a config file of the same project (`.env`, appsettings, ...), when the
    files that set X agree on one."""
    wanting = {
        id(i): (w, project_of(i.location.path, project_dirs))
        for i in items
        if isinstance(i.location, FileLocation) and (w := _wanted_setting(i))
    }
    if not wanting:
        return items
    by_project = config_settings(root, files, sizes, {p for _, p in wanting.values()}, project_dirs)
    out: list[ConnectionStringAuditItem] = []
    for i in items:
        want = wanting.get(id(i))
        if want is None:
            out.append(i)
            continue
        setting, project = want
        found = _setting_endpoints(setting, by_project.get(project, []), i.service_type)
        endpoints = {e for e, _ in found}
        if len(endpoints) != 1:
            out.append(i)
            continue
        paths = ", ".join(sorted(p for _, p in found))
        note = f"endpoint from the value of the setting {setting} in {paths}"
        out.append(replace(i, endpoint=endpoints.pop(), notes=tuple(sorted({*i.notes, note}))))
    return out


def _estate_endpoint(i: ConnectionStringAuditItem, setting: str) -> bool:
    """An estate item that holds the endpoint of `setting`: the setting itself, or a key whose
    endpoint came from that sibling app setting."""
    key = unit_name(setting)
    if i.setting_name and unit_name(i.setting_name) == key:
        return True
    return any((m := _ESTATE_SIBLING_RE.match(n)) and unit_name(m.group(1)) == key for n in i.notes)


def with_estate_endpoints(
    items: Sequence[ConnectionStringAuditItem], app_links: Sequence[AppLink]
) -> list[ConnectionStringAuditItem]:
    """When a scan holds a repository and the estate: a code item whose client reads its endpoint
    from setting X, in a project linked to an estate app, gets the endpoint that app's setting X
    names (the app settings' values are not kept: the endpoint an app key took from its sibling X)."""
    sites = [i for i in items if isinstance(i.location, AppServiceLocation) and not i.endpoint.is_empty()]
    if not sites or not app_links:
        return list(items)
    out: list[ConnectionStringAuditItem] = []
    for i in items:
        setting = _wanted_setting(i) if isinstance(i.location, FileLocation) and i.unit else None
        if setting is None:
            out.append(i)
            continue
        project = (i.unit or "").split("::", 1)[0]
        found: dict[Endpoint, str] = {}
        for link in app_links:
            if link.project != project:
                continue
            for e in sites:
                loc = e.location
                assert isinstance(loc, AppServiceLocation)  # noqa: S101 (filtered above)
                if (
                    loc.site.lower() == link.site.lower()
                    and (
                        link.resource_group is None
                        or loc.resource_group.lower() == link.resource_group.lower()
                    )
                    and e.service_type is i.service_type
                    and _estate_endpoint(e, setting)
                ):
                    found.setdefault(e.endpoint, f"{loc.resource_group}/{loc.site}")
        if len(found) != 1:
            out.append(i)
            continue
        endpoint, site = found.popitem()
        note = f"endpoint from the app setting {setting} of the estate app {site}"
        out.append(replace(i, endpoint=endpoint, notes=tuple(sorted({*i.notes, note}))))
    return out
