"""Issue 12, problem 7: what is not an Azure App Service app is never planned as one.

`(localdb)`, localhost and emulator endpoints are local development values: never a target
resource, never switched off or rotated.  An `infra/` folder (Bicep, Terraform, ARM) writes settings
for apps it deploys: its units go to review with the reason.  Kubernetes manifests feed pods that need
workload identity: they are planned as Kubernetes workloads (a user-assigned identity federated with the
pod's service account).  No App Service command is emitted for either.

Fixtures: tests/fixtures/repos/localdb and tests/fixtures/repos/iac-k8s.
"""

from __future__ import annotations

import copy
from typing import Any

from migrate.plan import catalog as cat
from migrate.plan.catalog import workload_identity as wi
from migrate.plan.records import AppKind, IdentityKind, Plan, ReviewReason
from scanners.service_catalog import is_local_host
from tests.migrate.emit.az_table import extract
from tests.migrate.fixture_repos import emitted, plan_of, planned, scan_document

LOCAL_WORDS = ("(localdb)", "localdb", "localhost", "127.0.0.1", "devstoreaccount1")


def _resources(p: Plan) -> set[str]:
    return {u.resource.lower() for a in p.apps for u in a.units} | {
        la.resource.lower() for a in p.apps for la in a.local_auth
    }


def _review(p: Plan, unit_suffix: str) -> list[Any]:
    return [r for r in p.needs_review if r.unit.endswith(unit_suffix)]


def test_localdb_is_a_local_host() -> None:
    assert is_local_host("(localdb)\\MSSQLLocalDB")
    assert is_local_host("(LocalDB)\\v11.0")
    assert is_local_host("(local)")
    assert not is_local_host("contoso-orders-sql.database.windows.net")


def test_local_endpoints_are_never_planned_as_azure_resources() -> None:
    p = planned("localdb")
    resources = _resources(p)
    assert "contoso-orders-sql" in resources  # the Azure database next to the local one is planned
    assert not [r for r in resources if any(w in r for w in LOCAL_WORDS)], resources
    legacy = _review(p, "::connectionstrings_legacy")
    assert [r.reason for r in legacy] == [ReviewReason.DEV_EMULATOR_ONLY]
    assert not legacy[0].action_needed


def test_a_scan_that_calls_localdb_a_secret_is_still_not_planned() -> None:
    """The planner does not trust the scan's value class alone: an older scan document (or another
    scanner) may call the `(localdb)` password a secret; the endpoint still says it is local."""
    document = scan_document("localdb")
    changed = 0
    for item in document["items"]:
        if "localdb" in str(item.get("Endpoint", {})).lower():
            item["ValueClass"] = "secret"
            changed += 1
    assert changed >= 2
    p = plan_of(document)
    assert "contoso-orders-sql" in _resources(p)
    assert not [r for r in _resources(p) if "localdb" in r]
    assert [r.reason for r in _review(p, "::connectionstrings_legacy")] == [ReviewReason.DEV_EMULATOR_ONLY]


def test_no_command_touches_a_local_endpoint() -> None:
    result = emitted("localdb")
    argvs = [
        " ".join(a)
        for path, art in result.files.items()
        if path.endswith((".sh", ".ps1"))
        for a in extract(art.text, powershell=path.endswith(".ps1"))
    ]
    assert any(a.startswith("webapp identity assign") for a in argvs)  # the app is still planned
    assert [a for a in argvs if any(w in a.lower() for w in LOCAL_WORDS)] == []
    touched = [p for p, art in result.files.items() if "(localdb)" in art.text.lower()]
    assert touched == []  # no script, SQL file or patch names it


def test_iac_and_kubernetes_folders_are_not_app_service_apps() -> None:
    p = planned("iac-k8s")
    # the one application project; the manifests are Kubernetes workloads, never App Service apps
    assert [a.app for a in p.apps if a.kind is not AppKind.KUBERNETES_WORKLOAD] == ["src/Api"]
    reviewed = {r.locations[0].split(":")[0]: r for r in p.needs_review if r.locations}
    for path in ("infra/appsettings.prod.json", "infra/terraform/main.tf"):
        assert reviewed[path].reason is ReviewReason.INFRASTRUCTURE_AS_CODE, reviewed[path]
        assert "App Service" in reviewed[path].detail
    workloads = {a.app: a for a in p.apps if a.kind is AppKind.KUBERNETES_WORKLOAD}
    for path in ("k8s/configmap.yaml", "k8s/secret.yaml"):
        assert path not in reviewed
        app = workloads[path]  # no repository read: the workload is named by its manifest
        assert app.identity.kind is IdentityKind.USER_ASSIGNED
        assert [u.locations[0].split(":")[0] for u in app.units] == [path]
        assert app.grants and all(g.principal == app.identity.name for g in app.grants)
        assert [x.kind for x in app.prerequisites][:1] == [wi.CREDENTIAL_KIND]


def test_no_app_service_command_or_msi_value_for_iac_or_kubernetes() -> None:
    result = emitted("iac-k8s")
    folders = sorted({p.split("/", 1)[0] for p in result.files if "/" in p})
    assert folders == ["k8s-configmap-yaml", "k8s-secret-yaml", "src-api"]
    federated = set()
    for path, art in result.files.items():
        assert "AuthType=azure.msi" not in art.text, path
        if path.endswith(".sh"):
            for argv in extract(art.text):
                if argv[:3] == ["webapp", "identity", "assign"]:
                    assert path.startswith("src-api/"), path
                if path.startswith("k8s-"):  # a workload: no App Service or Functions command at all
                    assert argv[0] not in ("webapp", "functionapp"), (path, argv)
                    if argv[:3] == ["identity", "federated-credential", "create"]:
                        federated.add(path.split("/", 1)[0])
    assert federated == {"k8s-configmap-yaml", "k8s-secret-yaml"}


def test_hosting_of_files() -> None:
    assert cat.hosting_of("infra/main.bicep") is cat.Hosting.INFRASTRUCTURE_AS_CODE
    assert cat.hosting_of("deploy/app.tf") is cat.Hosting.INFRASTRUCTURE_AS_CODE
    assert cat.hosting_of("azuredeploy.json", "arm-templates:list-keys") is cat.Hosting.INFRASTRUCTURE_AS_CODE
    assert cat.hosting_of("charts/api/values.yaml") is cat.Hosting.KUBERNETES
    assert cat.hosting_of("ops/api.yaml", notes=("Kubernetes Secret data",)) is cat.Hosting.KUBERNETES
    assert cat.hosting_of("src/Web/appsettings.json") is cat.Hosting.APP
    assert cat.hosting_of("services/ingest-py/.env") is cat.Hosting.APP


def test_a_manifest_inside_an_app_project_is_its_own_workload_and_the_app_still_planned() -> None:
    document = scan_document("system-assigned")
    images = next(
        i
        for i in document["items"]
        if i.get("SettingName") == "ConnectionStrings:Images" and i["EvidenceRole"] == "config-value"
    )
    manifest = copy.deepcopy(images)
    manifest["Location"] = {"kind": "file", "path": "src/Shop.Web/k8s/configmap.yaml", "line": 7}
    manifest["Id"] = "0123456789abcdef"
    manifest["Notes"] = ["Kubernetes ConfigMap data"]
    document["items"].append(manifest)
    p = plan_of(document)
    (app,) = [a for a in p.apps if a.kind is not AppKind.KUBERNETES_WORKLOAD]
    (workload,) = [a for a in p.apps if a.kind is AppKind.KUBERNETES_WORKLOAD]
    assert any(u.unit == images["Unit"] for u in app.units)  # appsettings.json is still migrated
    assert not [r for r in p.needs_review if r.unit == images["Unit"]]
    assert workload.app == "src/Shop.Web/k8s/configmap.yaml"
    assert [u.locations for u in workload.units] == [("src/Shop.Web/k8s/configmap.yaml:7",)]
    assert not [s for s in app.settings if "k8s/" in s.where]  # no App Service value in the manifest
    assert not [u for u in app.units if any("k8s/" in loc for loc in u.locations)]
