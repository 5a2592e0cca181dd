"""Repository to App Service: which deployed app each project is, and whose settings the files that
are not apps write or read.

IaC, CI, compose and test folders are not apps: a Bicep or Terraform app setting belongs to the app
its `Microsoft.Web/sites` / `azurerm_*_web_app` block deploys (the project azd's
`azd-service-name` tag, a CI deploy step or a publish profile ties to that app; with none, the item
stays with the IaC and says which app it writes); a compose service's `environment:` belongs to the project it builds; a test
project's settings belong to the project it tests.  Those items move into that project's unit, with
a note saying why; the links (project, app, what says so) go into the scan document.  The readers
live in `scanners.deploy_targets`.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import yaml

from scanners import deploy_targets as dt
from scanners.linking import project_of, unit_name
from scanners.records import AppLink, ConnectionStringAuditItem, EvidenceRole, FileLocation

WRITES_FOR_NOTE = "IaC writes this setting for the deployed app "
_MAX_BYTES = 1_000_000
_COMPOSE_RE = re.compile(r"(^|/)(docker-)?compose[\w.-]*\.ya?ml$", re.I)
_TEST_SUFFIX_RE = re.compile(r"(?i)[._-]?(unit|integration|functional)?tests?$")
_TEST_FOLDERS = frozenset({"test", "tests", "__tests__", "spec", "specs"})


def writes_for_app(item: ConnectionStringAuditItem) -> bool:
    """An IaC item the scan tied to the app it deploys (planned with that app, not reviewed as IaC)."""
    return any(n.startswith(WRITES_FOR_NOTE) for n in item.notes)


@dataclass
class _Found:
    azd: dict[str, str] = field(default_factory=dict)  # azd service -> project folder
    azd_source: str = "azure.yaml"
    sites: list[dt.SiteBlock] = field(default_factory=list)
    deployments: list[dt.Deployment] = field(default_factory=list)
    compose: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # path -> line spans


def _read(root: str, rel: str) -> str | None:
    try:
        with open(os.path.join(root, rel), "rb") as f:
            data = f.read(_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > _MAX_BYTES:
        return None
    return data.decode("utf-8", errors="replace")


def _compose_spans(rel: str, text: str, project_dirs: set[str]) -> list[tuple[int, int, str]]:
    """(first line, last line, project) of each compose service that builds a project folder."""
    try:
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict):
        return []
    base = posixpath.dirname(rel)
    lines = text.splitlines()
    starts: list[tuple[int, str]] = []
    for n, line in enumerate(lines, start=1):
        m = re.match(r"^(\s+)([\w.-]+):\s*$", line)
        if m and m.group(2) in services and len(m.group(1)) <= 4:
            starts.append((n, m.group(2)))
    out: list[tuple[int, int, str]] = []
    for idx, (start, name) in enumerate(starts):
        svc = services.get(name)
        build = svc.get("build") if isinstance(svc, dict) else None
        context = build.get("context") if isinstance(build, dict) else build
        if not isinstance(context, str):
            continue
        folder = posixpath.normpath(posixpath.join(base, context.replace("\\", "/")))
        if folder in project_dirs:
            end = starts[idx + 1][0] - 1 if idx + 1 < len(starts) else len(lines)
            out.append((start, end, folder))
    return out


def _gather(root: str, files: Iterable[str], project_dirs: set[str]) -> _Found:
    found = _Found()
    for rel in sorted(files):
        lower = rel.lower()
        name = posixpath.basename(lower)
        wanted = (
            name in ("azure.yaml", "azure.yml")
            or lower.endswith((".bicep", ".tf", ".pubxml"))
            or (lower.endswith(".json") and any(w in lower for w in ("infra", "deploy", "template", "arm")))
            or (lower.startswith(".github/workflows/") and lower.endswith((".yml", ".yaml")))
            or (name.startswith("azure-pipelines") or "/pipelines/" in f"/{lower}")
            and lower.endswith((".yml", ".yaml"))
            or bool(_COMPOSE_RE.search(lower))
        )
        if not wanted:
            continue
        text = _read(root, rel)
        if text is None:
            continue
        if name in ("azure.yaml", "azure.yml"):
            base = posixpath.dirname(rel)
            for svc, project in dt.azd_services(text).items():
                found.azd[svc] = posixpath.normpath(posixpath.join(base, project)) if base else project
            found.azd_source = rel
        elif lower.endswith(".bicep"):
            found.sites += dt.bicep_sites(rel, text)
        elif lower.endswith(".tf"):
            found.sites += dt.terraform_sites(rel, text)
        elif lower.endswith(".json"):
            if "deploymentTemplate.json" in text[:2000]:
                found.sites += dt.arm_sites(rel, text)
        elif lower.endswith(".pubxml"):
            d = dt.pubxml_deployment(rel, text)
            if d is not None:
                found.deployments.append(d)
        elif _COMPOSE_RE.search(lower):
            found.compose[rel] = _compose_spans(rel, text, project_dirs)
        else:
            found.deployments += dt.ci_deployments(rel, text)
    return found


def _project_for_package(package: str | None, project_dirs: set[str]) -> str | None:
    if not package or "$" in package:
        return None
    p = posixpath.normpath(package.replace("\\", "/").removeprefix("./"))
    if p in project_dirs or p == ".":
        return p
    owner = project_of(p + "/x", project_dirs)
    return owner if owner != "." else None


def links(found: _Found, project_dirs: set[str]) -> list[AppLink]:
    out: set[AppLink] = set()
    for d in found.deployments:
        project = _project_for_package(d.package, project_dirs)
        if project is not None:
            out.add(AppLink(project, d.site, d.source, d.resource_group, d.subscription))
    for s in found.sites:
        project = found.azd.get(s.azd_service or "")
        if project is not None and s.literal:
            out.add(
                AppLink(
                    project,
                    s.name,
                    f"{s.path}:{s.start} (azd-service-name {s.azd_service}, {found.azd_source})",
                    s.resource_group,
                )
            )
    linked = {a.site.lower() for a in out}
    for s in found.sites:  # weakest: the app is named as a project folder is (`contoso-api`, `Contoso.Api`)
        same = [d for d in project_dirs if _bare(posixpath.basename(d)) == _bare(s.name)]
        if s.literal and s.name.lower() not in linked and len(same) == 1:
            out.add(
                AppLink(
                    same[0],
                    s.name,
                    f"{s.path}:{s.start} (the app has the project folder's name)",
                    s.resource_group,
                )
            )
    return sorted(out, key=lambda a: a.sort_key())


def _bare(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _owner_of_site(site: dt.SiteBlock, found: _Found, known: list[AppLink]) -> tuple[str, str] | None:
    """The project whose app `site` deploys, and why; None when no project is tied to it."""
    project = found.azd.get(site.azd_service or "")
    if project is not None:
        return project, f"azd-service-name {site.azd_service}"
    by_name = sorted({a.project for a in known if a.site.lower() == site.name.lower()})
    if site.literal and len(by_name) == 1:
        return by_name[
            0
        ], f"the app's name, deployed by {next(a.source for a in known if a.project == by_name[0])}"
    return None


def _tested_project(project: str, project_dirs: set[str]) -> str | None:
    parts = project.split("/")
    if not (_TEST_FOLDERS & {p.lower() for p in parts} or _TEST_SUFFIX_RE.search(parts[-1])):
        return None
    base = _TEST_SUFFIX_RE.sub("", parts[-1])
    if not base or base == parts[-1] and not _TEST_FOLDERS & {p.lower() for p in parts}:
        return None
    matches = sorted(
        d for d in project_dirs if posixpath.basename(d).lower() == base.lower() and d != project
    )
    return matches[0] if len(matches) == 1 else None


def _relink(item: ConnectionStringAuditItem, project: str, note: str) -> ConnectionStringAuditItem:
    unit = f"{project}::{unit_name(item.setting_name or '')}"
    return replace(item, unit=unit, notes=tuple(sorted({*item.notes, note})))


def link_apps(
    root: str, items: list[ConnectionStringAuditItem], files: Iterable[str], project_dirs: set[str]
) -> tuple[list[ConnectionStringAuditItem], list[AppLink]]:
    """`items` with IaC, compose and test settings moved to the project they belong to, and the
    project-to-app links the repository states."""
    found = _gather(root, files, project_dirs)
    known = links(found, project_dirs)
    out: list[ConnectionStringAuditItem] = []
    for item in items:
        loc = item.location
        if not isinstance(loc, FileLocation) or not item.setting_name:
            out.append(item)
            continue
        site = next(
            (
                s
                for s in found.sites
                if s.path == loc.path
                and s.start <= loc.line <= s.end
                and item.evidence_role in (EvidenceRole.IAC_ASSIGNMENT, EvidenceRole.CONFIG_VALUE)
            ),
            None,
        )
        if site is not None:
            owner = _owner_of_site(site, found, known)
            if owner is None:
                note = f"IaC writes this setting of the App Service app {site.name} ({site.path}:{site.start}); no project of this repository is tied to it"
                out.append(replace(item, notes=tuple(sorted({*item.notes, note}))))
            else:
                project, why = owner
                out.append(_relink(item, project, f"{WRITES_FOR_NOTE}{site.name} (project {project}, {why})"))
            continue
        span = next((s for s in found.compose.get(loc.path, []) if s[0] <= loc.line <= s[1]), None)
        if span is not None:
            out.append(
                _relink(item, span[2], f"compose service (lines {span[0]}-{span[1]}) runs project {span[2]}")
            )
            continue
        current = (
            item.unit.split("::", 1)[0]
            if item.unit and "::" in item.unit
            else project_of(loc.path, project_dirs)
        )
        tested = _tested_project(current, project_dirs)
        if tested is not None:
            out.append(_relink(item, tested, f"test configuration of project {tested}"))
            continue
        out.append(item)
    return out, known
