"""Kubernetes workloads: the keys of a manifest are planned for the workload that runs them, with
Microsoft Entra Workload ID (a user-assigned identity federated with the pod's service account), the
same units, roles and scopes as every other app, and the manifest changes listed for a person.

Fixtures: tests/fixtures/repos/multi-service (k8s/deployment.yaml: an Azure OpenAI key beside its
endpoint and a Service Bus connection string with EntityPath=orders) and manifests written here.
"""

from __future__ import annotations

from typing import Any

from migrate.plan.catalog import workload_identity as wi
from migrate.plan.planner import plan
from migrate.plan.records import AppKind, AppPlan, Basis, IdentityKind, Plan, ReviewReason, StageName
from migrate.plan.repository_sources import repository_reader
from migrate.plan.workloads import find_workload
from tests.migrate.fixture_repos import REPOS, scan_document

MANIFEST = "k8s/deployment.yaml"
SCOPE = "/subscriptions/<target-subscription>/resourceGroups/<target-resource-group>/providers/"


def _k8s_secrets(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        str(i["Id"]): i
        for i in document["items"]
        if i["Location"].get("path") == MANIFEST and i["ValueClass"] == "secret"
    }


def _workload(p: Plan) -> AppPlan:
    (app,) = [a for a in p.apps if a.kind is AppKind.KUBERNETES_WORKLOAD]
    return app


def _planned_with_repository() -> tuple[dict[str, dict[str, Any]], Plan]:
    document = scan_document("multi-service")
    return _k8s_secrets(document), plan(document, sources=repository_reader(REPOS / "multi-service"))


def test_both_manifest_keys_are_planned_with_a_role_and_a_scope() -> None:
    secrets, p = _planned_with_repository()
    assert sorted(i["SettingName"] for i in secrets.values()) == [
        "AZURE_OPENAI_API_KEY",
        "SERVICEBUS_CONNECTION_STRING",
    ]
    app = _workload(p)
    assert app.app == "kubernetes:default/api"  # the Deployment's name; no namespace in the manifest
    assert {iid for u in app.units for iid in u.item_ids} == set(secrets)
    assert not any(r.reason is ReviewReason.KUBERNETES for r in p.needs_review)
    units = {u.unit.split("::", 1)[1]: u.unit for u in app.units}
    openai = [(g.role, g.scope) for g in app.grants if g.unit == units["azure_openai_api_key"]]
    assert openai == [
        (
            "Cognitive Services OpenAI User",
            SCOPE + "Microsoft.CognitiveServices/accounts/contoso-multi-openai",
        )
    ]
    bus = [g for g in app.grants if g.unit == units["servicebus_connection_string"]]
    assert "Azure Service Bus Data Sender" in {g.role for g in bus}
    assert {g.scope for g in bus} == {
        SCOPE + "Microsoft.ServiceBus/namespaces/contoso-multi-bus/queues/orders"
    }
    # no code shows what the pod does: the catalog's rule for assumed access, at the entity
    assert {g.basis for g in bus} == {Basis.ASSUMED}
    assert {g.principal for g in app.grants} == {app.identity.name}


def test_the_identity_is_federated_with_the_pods_service_account() -> None:
    _secrets, p = _planned_with_repository()
    app = _workload(p)
    ident = app.identity
    assert (ident.kind, ident.name, ident.existing) == (IdentityKind.USER_ASSIGNED, "id-default-api", False)
    assert any("names no namespace" in a for a in ident.assumptions)
    fic = app.prerequisites[0]
    assert fic.kind == wi.CREDENTIAL_KIND
    assert fic.command is not None and fic.command.startswith("az identity federated-credential create ")
    for part in (
        "--identity-name id-default-api",
        "--issuer <aks-oidc-issuer-url>",
        "--subject system:serviceaccount:default:api-workload-identity",
        "--audiences api://AzureADTokenExchange",
    ):
        assert part in fic.command, part
    assert fic.source == wi.SOURCE


def test_the_manifest_changes_are_listed_beside_the_old_values() -> None:
    _secrets, p = _planned_with_repository()
    app = _workload(p)
    settings = {(s.where, s.setting): s.value_template for s in app.settings}
    assert settings[(MANIFEST, "AZURE_CLIENT_ID")] == "<client-id of id-default-api>"
    assert settings[(MANIFEST, "spec.template.metadata.labels[azure.workload.identity/use]")] == '"true"'
    assert settings[(MANIFEST, "spec.template.spec.serviceAccountName")] == "api-workload-identity"
    annotation = (
        "ServiceAccount default/api-workload-identity",
        "metadata.annotations[azure.workload.identity/client-id]",
    )
    assert settings[annotation] == "<client-id of id-default-api>"
    # the identity-based form beside the old env entry (the App Service path's naming)
    assert (
        settings[(MANIFEST, "SERVICEBUS_CONNECTION_STRING_Identity")]
        == "contoso-multi-bus.servicebus.windows.net"
    )
    (removal,) = [r for r in app.removals if r.what == "SERVICEBUS_CONNECTION_STRING"]
    assert removal.stage is StageName.REMOVE_SECRETS and "by hand, after verification" in removal.why
    stages = {s.name: s.steps for s in app.stages}
    steps = [x for st in stages.values() for x in st]
    assert not [x for x in steps if "az webapp" in x or "az functionapp" in x or "--slot" in x]
    assert stages[StageName.SWAP][0].startswith("no swap")
    assert any(
        x.startswith("by hand (needs the cluster): kubectl apply -f k8s/deployment.yaml") for x in steps
    )


def test_the_workload_keeps_local_auth_on_until_it_has_moved() -> None:
    p = plan(scan_document("multi-service"))  # no repository: the workload is named by its manifest
    assert _workload(p).app == MANIFEST
    gates = {la.resource: la for a in p.apps for la in a.local_auth}
    for resource, line in (("contoso-multi-openai", 15), ("contoso-multi-bus", 17)):
        la = gates[resource]
        assert la.command is None
        assert f"{MANIFEST}:{line} (Kubernetes workload {MANIFEST}: moved by hand)" in la.remaining_consumers


SHOP = """apiVersion: v1
kind: Secret
metadata:
  name: orders-keys
  namespace: shop
stringData:
  BUS: placeholder
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: shop
spec:
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: nightly-sa
          containers:
            - name: job
              envFrom:
                - secretRef:
                    name: orders-keys
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: db
          env:
            - name: KEY
              value: x
---
apiVersion: v1
kind: Secret
metadata:
  name: unused
  namespace: shop
stringData:
  OTHER: placeholder
"""


def _line(text: str, marker: str) -> int:
    return text.splitlines().index(marker) + 1


def test_a_secret_belongs_to_the_one_workload_that_references_it() -> None:
    w = find_workload("ops/shop.yaml", _line(SHOP, "  BUS: placeholder"), {"ops/shop.yaml": SHOP}.get)
    assert (w.key, w.kind, w.service_account, w.service_account_declared) == (
        "kubernetes:shop/nightly",
        "CronJob",
        "nightly-sa",
        True,
    )
    assert w.subject == "system:serviceaccount:shop:nightly-sa"


def test_an_env_entry_belongs_to_its_own_workload() -> None:
    w = find_workload("ops/shop.yaml", _line(SHOP, "              value: x"), {"ops/shop.yaml": SHOP}.get)
    assert (w.key, w.kind, w.namespace_declared) == ("kubernetes:shop/db", "StatefulSet", True)
    assert (w.service_account, w.service_account_declared) == ("db-workload-identity", False)


def test_what_the_manifest_cannot_tell_falls_back_to_its_path() -> None:
    unused = find_workload("ops/shop.yaml", _line(SHOP, "  OTHER: placeholder"), {"ops/shop.yaml": SHOP}.get)
    assert (unused.key, unused.kind, unused.namespace) == ("ops/shop.yaml", None, "shop")
    broken = find_workload("ops/bad.yaml", 2, {"ops/bad.yaml": "kind: [Deployment\n  name: {x\n"}.get)
    assert (broken.key, broken.namespace, broken.namespace_declared) == ("ops/bad.yaml", "default", False)
    unread = find_workload("ops/shop.yaml", 7, None)
    assert unread.key == "ops/shop.yaml" and unread.service_account == "shop-workload-identity"


def test_a_workload_without_a_declared_workload_says_whose_account_to_federate() -> None:
    p = plan(scan_document("iac-k8s"))
    workloads = [a for a in p.apps if a.kind is AppKind.KUBERNETES_WORKLOAD]
    assert {a.app for a in workloads} == {"k8s/configmap.yaml", "k8s/secret.yaml"}
    for a in workloads:
        assert any("names no workload that reads the value" in x for x in a.identity.assumptions), a.app
