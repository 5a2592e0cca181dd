"""One scan document with a repository and its live estate: projects join the sites they are
deployed to, and `plan --subscription` fills the scopes with the resource groups ARM reports (real
async SDK clients against the fake ARM over HTTPS on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.plan.planner import plan_audit
from migrate.plan.resolve.arm import index_from_arm
from migrate.plan.resolve.fill import resolve_plan
from scanners.app_service import EstateScanOptions
from scanners.fingerprint import Fingerprinter
from scanners.repository import RepositoryScanOptions
from scanners.scan_job import EstateRequest, run_scan
from scanners.serialization import dumps, read_audit
from scanners.sign_in import ArmTarget
from tests.conftest import REPO, TEST_KEY
from tests.fakearm import AsyncStaticTokenCredential, Estate, FakeArm, FakeSite, LoopbackOnlyPolicy
from tests.scanners.test_app_service import fake_az  # noqa: F401 - the fixture

SUB = "00000000-0000-0000-0000-0000000e57a7"
FIXTURE = REPO / "tests" / "fixtures" / "repos" / "multi-service"
IKEY = "5b0c6e2a-1d3f-4a5b-8c7d-9e0f1a2b3c4d"
ARM_SCOPE = "https://management.azure.com/.default"


def _estate() -> Estate:
    site = FakeSite(
        SUB,
        "rg-multi",
        "contoso-multi-api",
        kind="app,linux",
        app_settings={
            "APPLICATIONINSIGHTS_CONNECTION_STRING": f"InstrumentationKey={IKEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
            "AZURE_OPENAI_ENDPOINT": "https://contoso-multi-openai.openai.azure.com/",
            "AZURE_OPENAI_API_KEY": "CANARYe1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6",
        },
    )
    estate = Estate(sites=[site])
    estate.add_resource(SUB, "rg-data", "Microsoft.Storage/storageAccounts", "contosomultistore")
    estate.add_resource(SUB, "rg-data", "Microsoft.ServiceBus/namespaces", "contoso-multi-bus")
    estate.add_resource(SUB, "rg-ai", "Microsoft.CognitiveServices/accounts", "contoso-multi-openai")
    estate.add_resource(SUB, "rg-ai", "Microsoft.Search/searchServices", "contoso-multi-search")
    estate.add_resource(SUB, "rg-ops", "Microsoft.Insights/components", "ai-multi", InstrumentationKey=IKEY)
    return estate


def _document(arm: FakeArm) -> dict[str, Any]:
    target = ArmTarget(arm.base_url, ARM_SCOPE)
    options = EstateScanOptions(subscriptions=(SUB,), extra_policies=(LoopbackOnlyPolicy(),))
    estate = EstateRequest(AsyncStaticTokenCredential(), "static", target, options)
    result = run_scan(str(FIXTURE), TEST_KEY, RepositoryScanOptions(jobs=1), estate)
    document: dict[str, Any] = json.loads(dumps(result))
    return document


def test_projects_join_their_sites_and_scopes_carry_real_resource_groups(
    fake_arm_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    document = _document(arm)
    audit = read_audit(document)
    assert audit.sites and any(a.project == "src/Api" for a in audit.app_links)
    plan = plan_audit(audit)
    site = f"{SUB}/rg-multi/contoso-multi-api"
    app = next(a for a in plan.apps if a.app == site)
    files = {loc.split(":")[0] for u in app.units for loc in u.locations}
    assert {"src/Api/.env", "src/Api/appsettings.json", "infra/main.bicep"} <= files  # the project joined
    assert "src/Api" not in {a.app for a in plan.apps}
    openai = next(u for u in app.units if u.unit == f"{site}::azure_openai_api_key")
    assert any("app-service" not in loc and ".env" in loc for loc in openai.locations)
    assert any(loc.startswith(site) for loc in openai.locations)  # the live setting, the same unit

    index = asyncio.run(
        index_from_arm(
            AsyncStaticTokenCredential(),
            ArmTarget(arm.base_url, ARM_SCOPE),
            [SUB],
            hasher=Fingerprinter(TEST_KEY).fingerprint,
            policies=(LoopbackOnlyPolicy(),),
        )
    )
    resolved, changed = resolve_plan(plan, index, {i.item_id: i.fingerprint for i in audit.items})
    assert changed
    scopes = {g.scope for a in resolved.apps if a.app == site for g in a.grants}
    assert (
        f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosomultistore"
        in scopes
    )
    assert (
        f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/contoso-multi-openai"
        in scopes
    )
    assert (
        f"/subscriptions/{SUB}/resourceGroups/rg-ops/providers/Microsoft.Insights/components/ai-multi"
        in scopes
    )
    statements = " ".join(g.statement for a in resolved.apps for g in a.grants)
    assert "rg-data" in statements and "CANARY" not in json.dumps(document) + statements


@pytest.mark.usefixtures("fake_az")
def test_plan_cli_subscription(fake_arm_factory: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    arm = fake_arm_factory(_estate())
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    audit = tmp_path / "audit.json"
    audit.write_text(json.dumps(_document(arm)), encoding="utf-8")
    key = tmp_path / "key"
    key.write_text(TEST_KEY.hex() + "\n", encoding="ascii")
    r = CliRunner().invoke(
        main,
        [
            "plan",
            str(audit),
            "-f",
            "json",
            "--subscription",
            SUB,
            "--arm-endpoint",
            arm.base_url,
            "--credential",
            "azure-cli",
            "--key-file",
            str(key),
        ],
        env={"SSL_CERT_FILE": arm.ca_path, "NO_PROXY": "127.0.0.1,localhost"},
    )
    assert r.exit_code == 0, r.output
    assert "resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosomultistore" in r.stdout
    assert "filled from ARM" in r.stderr
