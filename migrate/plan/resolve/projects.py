"""Repository projects and the App Service apps they are deployed to (`AppLink`s of the scan
document): a project tied to one app has that app's name; when the same scan document also holds the
estate's sites, the project's items join that site's application, so its config, its code and the
live settings of the app are planned as one."""

from __future__ import annotations

from scanners.serialization import Audit


def deployed_names(audit: Audit) -> dict[str, str]:
    """project -> the name of the one app it is deployed to (projects tied to several are left out)."""
    names: dict[str, set[str]] = {}
    for link in audit.app_links:
        names.setdefault(link.project, set()).add(link.site.lower())
    return {p: next(iter(s)) for p, s in names.items() if len(s) == 1}


def estate_apps(audit: Audit) -> dict[str, str]:
    """project -> `subscription/resource_group/site` of the estate site it is deployed to, when the
    scan document holds that site (matched by name, and by resource group / subscription when the
    link states them); a name that matches several sites links nothing."""
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for s in audit.sites:
        if s.slot is None:
            by_name.setdefault(s.site.lower(), []).append((s.subscription, s.resource_group, s.site))
    out: dict[str, str] = {}
    for link in sorted(audit.app_links, key=lambda a: a.sort_key()):
        matches = [
            m
            for m in by_name.get(link.site.lower(), [])
            if (link.resource_group is None or m[1].lower() == link.resource_group.lower())
            and (link.subscription is None or m[0].lower() == link.subscription.lower())
        ]
        if len(matches) == 1:
            sub, rg, site = matches[0]
            key = f"{sub}/{rg}/{site}"
            if out.setdefault(link.project, key) != key:
                out[link.project] = ""  # tied to two sites: not linked
    return {p: k for p, k in out.items() if k}
