"""Kubernetes workloads: the repository items found in Kubernetes manifests (`catalog.hosting`) are
not an App Service app.  Each becomes part of a plan application of its own, the workload that
runs it: the Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod whose pod template holds the
env entry (or that references the Secret / ConfigMap holding it), named `kubernetes:<namespace>/
<name>`, or the manifest path when the workload cannot be told (no repository to read, a Helm values
file, a Secret no workload of the file references).  `migrate.plan.workload_plan` plans its
identity (Microsoft Entra Workload ID), settings and stages; units, roles and scopes come from the
same classification and grants as every other app.

Reading the manifests is optional (the planner works from the scan document alone; `plan --repo`
passes a `SourceReader`); a manifest that cannot be read or parsed tells nothing, and the workload
falls back to the manifest path.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from migrate.plan import catalog as cat
from migrate.plan.catalog import workload_identity as wi
from migrate.plan.code_access import SourceReader
from migrate.plan.units import App, slug
from scanners.app_links import writes_for_app
from scanners.records import ConnectionStringAuditItem, FileLocation

_DOCUMENT_START = re.compile(r"^---(\s|$)")
_REFERENCE_KEYS = ("secretRef", "secretKeyRef", "configMapRef", "configMapKeyRef", "secret", "configMap")


@dataclass(frozen=True, slots=True)
class Workload:
    """The Kubernetes workload a manifest item belongs to, with what the manifest says of it."""

    manifest: str  # repository-relative path of the manifest
    kind: str | None  # Deployment, StatefulSet, ...; None when the manifest could not tell
    name: str | None
    namespace: str  # metadata.namespace, else the default namespace (`namespace_declared` False)
    namespace_declared: bool
    service_account: str  # spec.serviceAccountName, else a dedicated one to create
    service_account_declared: bool

    @property
    def key(self) -> str:
        """The plan application of the workload."""
        if self.name:
            return f"kubernetes:{self.namespace}/{self.name}"
        return self.manifest

    @property
    def label(self) -> str:
        if self.kind and self.name:
            return f"{self.kind} {self.namespace}/{self.name} ({self.manifest})"
        return f"the workload of {self.manifest}"

    @property
    def identity_name(self) -> str:
        base = f"{self.namespace}-{self.name}" if self.name else posixpath.splitext(self.manifest)[0]
        return f"id-{slug(base)}"[:128]

    @property
    def subject(self) -> str:
        return wi.SUBJECT.format(namespace=self.namespace, service_account=self.service_account)

    @property
    def credential_name(self) -> str:
        return f"fic-{slug(self.namespace)}-{slug(self.service_account)}"[:120]


def is_kubernetes_item(i: ConnectionStringAuditItem) -> bool:
    """A repository item of a Kubernetes manifest or Helm chart that no IaC ties to an App Service app."""
    loc = i.location
    return (
        isinstance(loc, FileLocation)
        and not writes_for_app(i)
        and cat.hosting_of(loc.path, i.detector, i.notes) is cat.Hosting.KUBERNETES
    )


def _documents(text: str) -> Iterator[tuple[int, int, Any]]:
    """(first line, last line, parsed document) of each YAML document; a document that does not parse is None."""
    lines = text.splitlines()
    starts = [0, *(n for n, line in enumerate(lines) if _DOCUMENT_START.match(line))]
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        try:
            doc = yaml.safe_load("\n".join(lines[start:end]))
        except yaml.YAMLError:
            doc = None  # the parser's message can quote the input: never logged
        yield start + 1, end, doc


def _path(doc: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and "{{" not in value else None


def _references(node: Any, name: str) -> bool:
    """Whether a pod spec references the Secret or ConfigMap `name` (env, envFrom, volumes)."""
    if isinstance(node, list):
        return any(_references(x, name) for x in node)
    if not isinstance(node, dict):
        return False
    for key, value in node.items():
        if key in _REFERENCE_KEYS and isinstance(value, dict):
            if name in (value.get("name"), value.get("secretName")):
                return True
        if _references(value, name):
            return True
    return False


def _workload(manifest: str, doc: dict[str, Any]) -> Workload:
    pod = _path(doc, wi.POD_SPEC_PATHS[str(doc.get("kind"))])
    namespace = _text(_path(doc, ("metadata", "namespace")))
    name = _text(_path(doc, ("metadata", "name")))
    account = _text(_path(pod, ("serviceAccountName",))) or _text(_path(pod, ("serviceAccount",)))
    return _fallback(manifest, str(doc.get("kind")), name, namespace, account)


def _fallback(
    manifest: str,
    kind: str | None = None,
    name: str | None = None,
    namespace: str | None = None,
    account: str | None = None,
) -> Workload:
    base = name or posixpath.splitext(posixpath.basename(manifest))[0]
    return Workload(
        manifest,
        kind,
        name,
        namespace or wi.DEFAULT_NAMESPACE,
        namespace is not None,
        account or f"{slug(base)}-workload-identity",
        account is not None,
    )


def find_workload(manifest: str, line: int, sources: SourceReader | None) -> Workload:
    """The workload of the item at `manifest:line`: its own document when that is a workload, else the
    one workload of the file that references the Secret / ConfigMap document holding it."""
    text = sources(manifest) if sources is not None else None
    if not text:
        return _fallback(manifest)
    docs = list(_documents(text))
    workloads = [d for _s, _e, d in docs if isinstance(d, dict) and d.get("kind") in wi.POD_SPEC_PATHS]
    own = next((d for s, e, d in docs if s <= line <= e), None)
    if isinstance(own, dict) and own.get("kind") in wi.POD_SPEC_PATHS:
        return _workload(manifest, own)
    if not isinstance(own, dict) or own.get("kind") not in ("Secret", "ConfigMap"):
        return _fallback(manifest)
    held = _text(_path(own, ("metadata", "name")))
    namespace = _text(_path(own, ("metadata", "namespace")))
    users = [
        w
        for w in workloads
        if held
        and _text(_path(w, ("metadata", "namespace"))) == namespace
        and _references(_path(w, wi.POD_SPEC_PATHS[str(w["kind"])]), held)
    ]
    if len(users) == 1:
        return _workload(manifest, users[0])
    # a pod reads a Secret or ConfigMap of its own namespace: that much is known
    return _fallback(manifest, namespace=namespace)


def split_workloads(
    apps: dict[str, App], sources: SourceReader | None = None
) -> tuple[dict[str, App], dict[str, Workload]]:
    """The applications with every Kubernetes item moved to the application of its workload (its unit
    keeps its name under the workload's key), and the workloads by application key.  An application
    left without units, advisories or sites is dropped; an item whose workload would take the key of an
    application stays where it is (and is reviewed as a Kubernetes item)."""
    workloads: dict[str, Workload] = {}
    out: dict[str, App] = {}
    moved: dict[str, App] = {}
    for key in sorted(apps):
        app = apps[key]
        units: dict[str, list[ConnectionStringAuditItem]] = {}
        for unit_key, items in sorted(app.units.items()):
            for i in items:
                loc = i.location
                if not isinstance(loc, FileLocation) or not is_kubernetes_item(i):
                    units.setdefault(unit_key, []).append(i)
                    continue
                w = find_workload(loc.path, loc.line, sources)
                if w.key in apps:  # an application of the same name: reviewed where it is
                    units.setdefault(unit_key, []).append(i)
                    continue
                workloads.setdefault(w.key, w)
                target = moved.setdefault(w.key, App(w.key, False))
                target.units.setdefault(f"{w.key}::{unit_key.split('::', 1)[-1]}", []).append(i)
        if units == app.units:
            out[key] = app
        elif units or app.advisories or app.sites:
            out[key] = App(key, app.estate, app.sites, units, app.advisories, app.deployed)
    out.update(moved)
    return out, workloads
