"""The emitted scripts of a Kubernetes workload: the user-assigned identity, its federated credential
for the pod's service account and the grants, every `az` line in azure-cli's command table; no App
Service step (identity assign, slots, swap, app settings); the manifest changes, kubectl apply and the
removal of the old values listed by hand; no planted key anywhere in the plan or the output.

Fixture: tests/fixtures/repos/multi-service (k8s/deployment.yaml).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from migrate.emit import EmitResult, emit_plan
from migrate.plan.planner import plan
from migrate.plan.records import AppKind, Plan, dumps
from migrate.plan.repository_sources import repository_reader
from tests.migrate.emit import fake_az
from tests.migrate.emit.az_table import check, extract
from tests.migrate.fixture_repos import REPOS, scan_document

REPO = REPOS / "multi-service"
FOLDER = "kubernetes-default-api/"
# the values planted in k8s/deployment.yaml (fixture data, not real keys)
PLANTED = ("CANARY1122334455667788990aabbccddeeff0", "CANARYk8sBus1Aa2Bb3Cc4Dd5Ee6Ff7Gg8Hh9Ii0Jj1Kk2L=")


@cache
def _plan() -> Plan:
    return plan(scan_document("multi-service"), sources=repository_reader(REPO))


@cache
def _emitted() -> EmitResult:
    return emit_plan(_plan(), REPO)


def _commands(folder: str) -> list[tuple[str, list[str]]]:
    out = []
    for path, artifact in _emitted().files.items():
        if path.startswith(folder) and path.endswith((".sh", ".ps1")):
            out += [(path, argv) for argv in extract(artifact.text, powershell=path.endswith(".ps1"))]
    return out


def test_every_az_line_of_the_workload_passes_the_table() -> None:
    assert [a.app for a in _plan().apps if a.kind is AppKind.KUBERNETES_WORKLOAD] == [
        "kubernetes:default/api"
    ]
    commands = _commands(FOLDER)
    assert len(commands) > 10
    assert [(p, " ".join(a), x.message) for p, a in commands for x in check(a)] == []
    # no App Service or Functions step: no identity assign, slot, swap or app setting
    assert [(p, a) for p, a in commands if a[0] in ("webapp", "functionapp")] == []


def test_the_identity_its_federated_credential_and_the_grants() -> None:
    bash = [" ".join(a) for p, a in _commands(FOLDER) if p.endswith(".sh")]
    assert "identity create -g ${RESOURCE_GROUP} -n id-default-api" in bash
    assert (
        "aks show -g ${AKS_RESOURCE_GROUP} -n ${AKS_CLUSTER} --query oidcIssuerProfile.issuerUrl -o tsv"
        in bash
    )
    (fic,) = [a for a in bash if a.startswith("identity federated-credential create")]
    assert fic == (
        "identity federated-credential create --name fic-default-api-workload-identity --identity-name "
        "id-default-api --resource-group ${RESOURCE_GROUP} --issuer ${AKS_OIDC_ISSUER_URL} --subject "
        "system:serviceaccount:default:api-workload-identity --audiences api://AzureADTokenExchange"
    )
    grants = [a for a in bash if a.startswith("role assignment create --assignee-object-id ")]
    assert len(grants) == 3
    assert any(a.endswith("/namespaces/contoso-multi-bus/queues/orders") for a in grants)
    # the federated credential is made with the identity (stage 1), before any grant
    files = [
        p for p, a in _commands(FOLDER) if " ".join(a).startswith("identity federated-credential create")
    ]
    assert {p.rsplit("/", 1)[1] for p in files} == {"01-identity.sh", "01-identity.ps1"}


def test_the_cluster_steps_are_by_hand_in_the_readme() -> None:
    files = _emitted().files
    assert not [p for p in files if p.startswith(FOLDER) and p.endswith((".patch", ".diff"))]
    readme = files["README.md"].text
    section = readme.split("## kubernetes:default/api", 1)[1].split("\n## ", 1)[0]
    for text in (
        "by hand (needs the cluster): kubectl apply -f k8s/deployment.yaml, then kubectl rollout status "
        "deployment/api -n default",
        'add spec.template.metadata.labels[azure.workload.identity/use] = "true"',
        "add metadata.annotations[azure.workload.identity/client-id] = <client-id of id-default-api>",
        "after verification, by hand: remove SERVICEBUS_CONNECTION_STRING (k8s/deployment.yaml:17)",
        "`secretless migrate --execute` does not run this app",
    ):
        assert text in section, text
    swap = files[FOLDER + "az/05-swap.sh"].text
    assert "no swap: the rollout of the changed manifest is the cut-over" in swap


def test_no_planted_key_reaches_the_plan_or_the_output() -> None:
    manifest = (REPO / "k8s" / "deployment.yaml").read_text(encoding="utf-8")
    document = scan_document("multi-service")
    found = {
        i["Location"]["line"]
        for i in document["items"]
        if i["Location"].get("path") == "k8s/deployment.yaml" and i["ValueClass"] == "secret"
    }
    for value in PLANTED:  # planted, and found by the scan on its line
        assert value in manifest
        line = next(n for n, text in enumerate(manifest.splitlines(), start=1) if value in text)
        assert line in found
    texts = {"plan.json": dumps(_plan()), **{p: a.text for p, a in _emitted().files.items()}}
    for value in PLANTED:
        for probe in (value, value[6:20]):
            assert [p for p, t in texts.items() if probe in t] == [], probe


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_stage_one_reads_the_issuer_then_federates_once(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    fake_az.install(bin_dir)
    log, state = tmp_path / "az.log", tmp_path / "state"
    script = tmp_path / "01.sh"
    script.write_text(_emitted().files[FOLDER + "az/01-identity.sh"].text, encoding="utf-8")
    values = {"RESOURCE_GROUP": "rg-pods", "AKS_CLUSTER": "aks-shop", "AKS_RESOURCE_GROUP": "rg-aks"}
    env = fake_az.env(bin_dir, log, state, tmp_path / "verified", **values)
    for _ in range(2):  # a rerun finds the identity and the credential in place
        log.write_text("", encoding="utf-8")
        run = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False, env=env)
        assert run.returncode == 0, run.stderr
    made = [json.loads(x) for x in state.read_text(encoding="utf-8").splitlines()]
    (fic,) = [a for a in made if a[:3] == ["identity", "federated-credential", "create"]]
    assert fic[fic.index("--issuer") + 1] == "https://fake-oidc.example/aks-shop/"
    assert fic[fic.index("--subject") + 1] == "system:serviceaccount:default:api-workload-identity"
    assert fic[fic.index("--resource-group") + 1] == "rg-pods"
    assert len([a for a in made if a[:2] == ["identity", "create"]]) == 1
