"""`secretless migrate`: the guided run of the bundled example's plan against the fake ARM, over
HTTPS with the real async SDK clients (azure-mgmt-web, azure-mgmt-authorization)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.plan.reader import read_plan
from migrate.plan.records import StageName
from migrate.run import state as migration_state
from migrate.run.azure_changes import AppServiceChanges
from migrate.run.playbooks import load_bundled
from migrate.run.runner import Runner, RunOptions, RunOutcome
from migrate.run.steps import RunStep, build_steps, find_app
from scanners.sign_in import ArmTarget
from tests.conftest import REPO
from tests.fakearm import (
    AsyncStaticTokenCredential,
    Estate,
    FakeArm,
    FakeIdentity,
    FakeSite,
    FakeSlot,
    LoopbackOnlyPolicy,
    RecordedRequest,
)

SUB = "00000000-0000-0000-0000-00000000c0de"
EXPORT = REPO / "examples" / "az-export"
VALUES = {"target-resource-group": "rg-data", "application-insights component": "ai-orders"}
STORAGE_SCOPE = (
    f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/contosoorders"
)
AI_SCOPE = f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Insights/components/ai-orders"
UNTOUCHED = ("APPLICATIONINSIGHTS_CONNECTION_STRING", "WEBSITE_RUN_FROM_PACKAGE")
SERVICE_PRINCIPAL = ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID")  # they leave together


def _estate(identity: FakeIdentity | None = None, sticky: tuple[str, ...] = ("Storage",)) -> Estate:
    app = {x["name"]: x["value"] for x in json.loads((EXPORT / "web-orders.appsettings.json").read_text())}
    conns = {
        x["name"]: (x["value"], x["type"])
        for x in json.loads((EXPORT / "web-orders.connectionstrings.json").read_text())
    }
    site = FakeSite(
        SUB,
        "rg-orders",
        "web-orders",
        kind="app,linux",
        identity=identity,
        app_settings=app,
        connection_strings=conns,
        sticky_app_settings=list(sticky),
        sticky_connection_strings=["Orders"],
    )
    estate = Estate(sites=[site])
    estate.add_resource(
        SUB,
        "rg-data",
        "Microsoft.Storage/storageAccounts",
        "contosoorders",
        allowSharedKeyAccess=True,
        minimumTlsVersion="TLS1_2",
    )
    return estate


class _Ui:
    def __init__(self, answer: bool = True) -> None:
        self.lines: list[str] = []
        self.asked: list[str] = []
        self.answer = answer

    def show(self, text: str) -> None:
        self.lines.append(text)

    def confirm(self, text: str) -> bool:
        self.asked.append(text)
        return self.answer


def _steps(plan_path: Path) -> tuple[str, list[RunStep]]:
    plan_app = find_app(read_plan(json.loads(plan_path.read_text())), "web-orders")
    return plan_app.app, build_steps(plan_app, load_bundled(), VALUES)


def _run(
    arm: FakeArm,
    plan_path: Path,
    state_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: RunOptions,
    *,
    undo: str | None = None,
    ui: _Ui | None = None,
    only: tuple[str, ...] = (),
) -> RunOutcome:
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    app_id, steps = _steps(plan_path)
    if only:
        steps = [s for s in steps if s.id in only]
    state = migration_state.load(state_path, app_id)
    runner = Runner(steps, state, state_path, ui or _Ui(), options, "web-orders")

    async def go() -> RunOutcome:
        async with AppServiceChanges(
            AsyncStaticTokenCredential(),
            ArmTarget(arm.base_url, "https://management.azure.com/.default"),
            SUB,
            "rg-orders",
            "web-orders",
            retry_total=0,
            extra_policies=(LoopbackOnlyPolicy(),),
        ) as azure:
            return await (runner.undo(azure, undo) if undo else runner.execute(azure))

    return asyncio.run(go())


# --continue-manual never skips verification: the app check is confirmed (--done verify/app)
ALL = RunOptions(execute=True, yes=True, continue_manual=True, confirmed=("verify/app",))


def _writes(arm: FakeArm) -> list[RecordedRequest]:
    return [
        r
        for r in arm.requests
        if r.method in ("PUT", "PATCH", "DELETE") or (r.method == "POST" and not r.path.endswith("/list"))
    ]


def test_dry_run_shows_every_stage_and_changes_nothing(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path
) -> None:
    arm = fake_arm_factory(_estate())
    state = tmp_path / "state.json"
    r = CliRunner().invoke(
        main,
        [
            "migrate",
            str(plan_path),
            "--app",
            "web-orders",
            "--state",
            str(state),
            "--arm-endpoint",
            arm.base_url,
            "--set",
            "target-resource-group=rg-data",
        ],
    )
    assert r.exit_code == 0, r.output
    for text in (
        "enable-identity:",
        "grant-roles:",
        "remove-secrets:",
        "[DESTRUCTIVE]",
        "az webapp identity assign -g rg-orders -n web-orders",
        "resourceGroups/rg-data/providers",
        "az webapp config appsettings delete -g rg-orders -n web-orders --setting-names AZURE_CLIENT_ID "
        "AZURE_CLIENT_SECRET AZURE_TENANT_ID Storage",
        "dry run: nothing was changed",
    ):
        assert text in r.stdout
    assert arm.requests == []
    assert not state.exists()
    assert "CANARY" not in r.output


def test_full_run_reaches_the_end_state(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    arm = fake_arm_factory(_estate(sticky=("KEEP_ME",)))
    before = arm.estate.sites[0]
    planted = {k for k, v in before.app_settings.items() if "CANARY" in v} | {
        k for k, (v, _) in before.connection_strings.items() if "CANARY" in v
    }
    assert planted == {"Storage", "AZURE_CLIENT_SECRET", "Orders"}  # the secrets the run must take away
    state = tmp_path / "state.json"
    caplog.set_level(logging.INFO, logger="migrate")
    out = _run(arm, plan_path, state, monkeypatch, ALL)
    assert out.status == "completed", out
    site = arm.estate.sites[0]
    assert site.identity is not None and site.identity.principal_id
    pid = site.identity.principal_id
    grants = {
        (ra["scope"], ra["roleDefinitionId"].rsplit("/", 1)[1], ra["principalId"], ra["principalType"])
        for ra in arm.role_assignments.values()
    }
    assert grants == {
        (STORAGE_SCOPE, "ba92f5b4-2d11-453d-a403-e96b0029c9fe", pid, "ServicePrincipal"),
        (AI_SCOPE, "3913510d-42f4-4e42-8a64-420c390055eb", pid, "ServicePrincipal"),
    }
    assert site.app_settings["Storage__serviceUri"] == "https://contosoorders.blob.core.windows.net"
    assert "Storage" not in site.app_settings, "the old setting went in the removal stage"
    assert site.app_settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == "Authorization=AAD"
    for name in SERVICE_PRINCIPAL:
        assert name not in site.app_settings
    assert 'Authentication="Active Directory Default"' in site.connection_strings["Orders_Identity"][0]
    assert "Orders" not in site.connection_strings
    for name in UNTOUCHED:
        assert name in site.app_settings
    assert "Storage__serviceUri" not in site.sticky_app_settings, "new settings travel with a swap"
    assert "Orders_Identity" not in site.sticky_connection_strings
    blob = json.dumps(site.app_settings) + json.dumps(site.connection_strings)
    assert "CANARY" not in blob, "every secret is replaced or removed"
    text = state.read_text()
    doc = json.loads(text)
    assert doc["schema_version"] == 1 and doc["principals"] == {"web-orders": pid}
    assert doc["steps"]["grant/db-datareader/175bc078"]["status"] == "pending-manual"
    assert doc["steps"]["remove/production/app-setting"]["status"] == "done"
    assert "CANARY" not in text and "CANARY" not in caplog.text
    actions = [r.getMessage() for r in caplog.records if r.name == "migrate.run.runner"]
    assert any("action=grant-role" in a and "result=ok" in a and "duration_ms=" in a for a in actions)
    assert any("action=remove-settings" in a for a in actions)

    # a rerun finds everything done and writes nothing
    arm.clear_requests()
    again = _run(arm, plan_path, state, monkeypatch, ALL)
    assert again.status == "completed"
    assert _writes(arm) == []


def test_interrupted_run_resumes_without_redoing_steps(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    state = tmp_path / "state.json"
    rule = arm.faults.add("/providers/Microsoft.Authorization/roleAssignments/", 403, times=1, method="PUT")
    first = _run(arm, plan_path, state, monkeypatch, ALL)
    assert first.status == "failed" and first.step is not None and first.step.startswith("grant/")
    assert "HTTP 403" in first.message and rule.hits == 1
    site = arm.estate.sites[0]
    assert "AZURE_CLIENT_SECRET" in site.app_settings, "nothing removed after a failure"
    assert arm.requests_to("/config/appsettings", "PUT") == []
    assert json.loads(state.read_text())["steps"]["identity/production"]["status"] == "done"

    second = _run(arm, plan_path, state, monkeypatch, ALL)
    assert second.status == "completed", second
    assert len(arm.requests_to("/Microsoft.Web/sites/", "PATCH")) == 1, "the identity was enabled once"
    assert len(arm.role_assignments) == 2
    assert "AZURE_CLIENT_SECRET" not in site.app_settings


def test_work_done_outside_the_tool_is_detected_and_skipped(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    _run(arm, plan_path, tmp_path / "a.json", monkeypatch, ALL)
    arm.clear_requests()
    ui = _Ui()
    out = _run(arm, plan_path, tmp_path / "fresh-state.json", monkeypatch, ALL, ui=ui)  # state file lost
    assert out.status == "completed"
    assert _writes(arm) == []
    assert sum("already done in Azure" in line for line in ui.lines) >= 5


def test_failed_gate_stops_the_run_and_removes_nothing(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    arm.drop_writes.add("/config/appsettings")  # the write answers 200 but does not stick
    state = tmp_path / "state.json"
    out = _run(arm, plan_path, state, monkeypatch, ALL)
    assert out.status == "failed" and out.step == "settings/production/app-setting"
    assert "gate failed" in out.message and "nothing after it ran" in out.message
    site = arm.estate.sites[0]
    assert "AZURE_CLIENT_SECRET" in site.app_settings
    assert arm.requests_to("/config/connectionstrings", "PUT") == [], "no later step ran"
    assert json.loads(state.read_text())["steps"]["settings/production/app-setting"]["status"] == "failed"


def test_a_setting_written_by_someone_else_between_read_and_write_survives(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    site = arm.estate.sites[0]
    reads = {"n": 0}

    def someone_else(req: RecordedRequest) -> None:
        if req.method == "POST" and req.path.endswith("/config/appsettings/list"):
            reads["n"] += 1
            if reads["n"] == 2:  # after the runner's read, before its write
                site.app_settings["ADDED_BY_OTHER"] = "1"

    arm.after_request = someone_else
    out = _run(
        arm,
        plan_path,
        tmp_path / "s.json",
        monkeypatch,
        ALL,
        only=("identity/production", "settings/production/app-setting"),
    )
    assert out.status == "completed", out
    assert site.app_settings["ADDED_BY_OTHER"] == "1"
    assert site.app_settings["Storage__serviceUri"] == "https://contosoorders.blob.core.windows.net"
    for name in (*UNTOUCHED, *SERVICE_PRINCIPAL, "Storage"):
        assert name in site.app_settings


def test_user_assigned_identities_are_kept(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uai = f"/subscriptions/{SUB}/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai"
    arm = fake_arm_factory(_estate(FakeIdentity("UserAssigned", None, user_assigned={uai: ("p-1", "c-1")})))
    out = _run(arm, plan_path, tmp_path / "s.json", monkeypatch, ALL, only=("identity/production",))
    assert out.status == "completed"
    ident = arm.estate.sites[0].identity
    assert ident is not None and ident.type == "SystemAssigned, UserAssigned" and ident.principal_id
    assert ident.user_assigned == {uai: ("p-1", "c-1")}


def test_manual_step_stops_a_yes_run_unless_continue_manual(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    # the SQL server's Microsoft Entra admin comes first: a prerequisite of the database user
    admin = "grant/prerequisite/sql-entra-admin/1412f6a9"
    out = _run(arm, plan_path, tmp_path / "s.json", monkeypatch, RunOptions(execute=True, yes=True))
    assert out.status == "stopped" and out.step == admin
    assert "by hand" in out.message and f"--done {admin}" in out.message
    out = _run(
        arm,
        plan_path,
        tmp_path / "s.json",
        monkeypatch,
        RunOptions(execute=True, yes=True, confirmed=(admin,)),
    )
    assert out.status == "stopped" and out.step == "grant/db-datareader/175bc078"
    assert "by hand" in out.message and "--done grant/db-datareader/175bc078" in out.message
    assert "AZURE_CLIENT_SECRET" in arm.estate.sites[0].app_settings
    again = _run(
        arm,
        plan_path,
        tmp_path / "s.json",
        monkeypatch,
        RunOptions(execute=True, yes=True, confirmed=("grant/db-datareader/175bc078",)),
    )
    assert again.status == "stopped" and again.step == "grant/db-datawriter/175bc078"
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["steps"]["grant/db-datareader/175bc078"]["status"] == "done"


def test_declined_removal_removes_nothing(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    state = tmp_path / "s.json"
    _run(
        arm,
        plan_path,
        state,
        monkeypatch,
        RunOptions(execute=True, yes=True, continue_manual=True),
        only=tuple(s.id for s in _steps(plan_path)[1] if not s.destructive),
    )
    ui = _Ui(answer=False)
    out = _run(
        arm,
        plan_path,
        state,
        monkeypatch,
        RunOptions(execute=True, continue_manual=True),
        ui=ui,
        only=("verify/gates", "remove/production/app-setting"),
    )
    assert out.status == "stopped"
    assert any(
        "Remove AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID, Storage from production" in q
        for q in ui.asked
    )
    assert "AZURE_CLIENT_SECRET" in arm.estate.sites[0].app_settings


def test_removal_refuses_before_verify(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    out = _run(arm, plan_path, tmp_path / "s.json", monkeypatch, ALL, only=("remove/production/app-setting",))
    assert out.status == "failed" and "verify stage is not part of this run" in out.message
    assert "AZURE_CLIENT_SECRET" in arm.estate.sites[0].app_settings
    assert arm.requests_to("/config/appsettings", "PUT") == []


def test_undo(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    state = tmp_path / "s.json"
    assert _run(arm, plan_path, state, monkeypatch, ALL).status == "completed"
    site = arm.estate.sites[0]
    grant = next(s.id for s in _steps(plan_path)[1] if s.id.startswith("grant/storage"))
    out = _run(arm, plan_path, state, monkeypatch, ALL, undo=grant)
    assert out.status == "completed"
    assert {ra["scope"] for ra in arm.role_assignments.values()} == {AI_SCOPE}

    out = _run(arm, plan_path, state, monkeypatch, ALL, undo="settings/production/app-setting")
    assert out.status == "completed" and "re-enter" not in out.message, (
        "only new names were added: all undone"
    )
    assert "APPLICATIONINSIGHTS_AUTHENTICATION_STRING" not in site.app_settings
    assert "Storage__serviceUri" not in site.app_settings and "WEBSITE_RUN_FROM_PACKAGE" in site.app_settings

    out = _run(arm, plan_path, state, monkeypatch, ALL, undo="settings/production/connection-string")
    assert out.status == "completed" and "re-enter" not in out.message
    assert "Orders_Identity" not in site.connection_strings

    out = _run(arm, plan_path, state, monkeypatch, ALL, undo="remove/production/app-setting")
    assert out.status == "stopped" and "never stored" in out.message

    out = _run(arm, plan_path, state, monkeypatch, ALL, undo="identity/production")
    assert out.status == "completed" and site.identity is None
    assert "CANARY" not in state.read_text()


def test_cli_execute_logs_actions_without_secrets(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    monkeypatch.setattr(
        "scanners.azure_arm.build_credential", lambda name, client_id=None: AsyncStaticTokenCredential()
    )
    state = tmp_path / "state.json"
    args = [
        "migrate",
        str(plan_path),
        "--app",
        "web-orders",
        "--execute",
        "--yes",
        "--continue-manual",
        "--done",
        "verify/app",  # --continue-manual never skips verification
        "--state",
        str(state),
        "--arm-endpoint",
        arm.base_url,
        "--set",
        "target-resource-group=rg-data",
        "--set",
        "application-insights component=ai-orders",
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "action=enable-identity" in r.stderr and "action=grant-role" in r.stderr
    assert "migrate: completed" in r.stderr
    assert "CANARY" not in r.output and "CANARY" not in state.read_text()
    assert "AZURE_CLIENT_SECRET" not in arm.estate.sites[0].app_settings

    # a later dry run shows the state: statuses and the principal id found
    r = CliRunner().invoke(main, ["migrate", str(plan_path), "--app", "web-orders", "--state", str(state)])
    pid = arm.estate.sites[0].identity.principal_id
    assert r.exit_code == 0 and f"--assignee-object-id {pid}" in r.stdout and "state: done" in r.stdout

    r = CliRunner().invoke(main, ["migrate", str(plan_path), "--app", "nope"])
    assert r.exit_code == 2 and "no app 'nope' (apps: web-orders)" in r.stderr


def _slot_plan(plan_path: Path, tmp_path: Path) -> Path:
    """The planner's plan of the example's scan with a staging slot (both with a system-assigned
    identity): identities and grants per slot, settings changed in staging first, production only
    through the swap, old secrets removed from both afterwards."""
    from migrate.plan.planner import plan as make_plan
    from migrate.plan.records import dumps

    audit = json.loads((plan_path.parent / "audit.json").read_text())
    (prod,) = audit["sites"]
    prod["identity"]["type"] = "SystemAssigned"
    staging = json.loads(json.dumps(prod))
    staging.update(
        slot="staging",
        app_setting_names=["SLOT_ONLY", "Storage"],
        connection_string_names=[],
        sticky_app_settings=[],
        sticky_connection_strings=[],
    )
    audit["sites"].append(staging)
    storage = next(i for i in audit["items"] if i["SettingName"] == "Storage")
    audit["items"].append(
        dict(
            storage,
            Id="staging-storage",
            Fingerprint="hs1:staging-storage",
            Location=dict(storage["Location"], slot="staging", slot_setting=False),
        )
    )
    out = tmp_path / "slot-plan.json"
    out.write_text(dumps(make_plan(audit)))
    return out


def _slot_estate() -> Estate:
    estate = _estate()
    site = estate.sites[0]
    site.slots["staging"] = FakeSlot(
        app_settings={
            "Storage": "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=CANARYslotKey==",
            "SLOT_ONLY": "1",
        }
    )
    return estate


AI_AUTH = ("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "Authorization=AAD")
STORAGE_ENDPOINT = "https://contosoorders.blob.core.windows.net"


def test_slots_get_their_own_identity_and_the_swap_is_an_sdk_step(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot_plan = _slot_plan(plan_path, tmp_path)
    arm = fake_arm_factory(_slot_estate())
    site = arm.estate.sites[0]
    prod_storage = site.app_settings["Storage"]
    state = tmp_path / "s.json"
    out = _run(arm, slot_plan, state, monkeypatch, ALL)
    assert out.status == "completed", out
    slot = site.slots["staging"]
    assert slot.identity is not None and slot.identity.principal_id
    assert site.identity is not None and site.identity.principal_id != slot.identity.principal_id
    doc = json.loads(state.read_text())
    assert doc["principals"] == {
        "web-orders": site.identity.principal_id,
        "web-orders/slots/staging": slot.identity.principal_id,
    }, "identities never swap"
    principals = {ra["principalId"] for ra in arm.role_assignments.values()}
    assert principals == {site.identity.principal_id, slot.identity.principal_id}

    swaps = arm.requests_to("/slots/staging/slotsswap", "POST")
    assert len(swaps) == 1 and swaps[0].body == {"targetSlot": "production", "preserveVnet": True}
    writes = _writes(arm)
    assert writes[-1].path.endswith("/storageAccounts/contosoorders"), "local auth goes off last"
    before_swap = [w for w in writes[: writes.index(swaps[0])] if "/config/" in w.path]
    assert before_swap and all("/slots/staging/" in w.path for w in before_swap), (
        "production is not written before the swap"
    )
    # production now runs the staging settings (none of them sticky); the old secrets are gone from both
    assert site.app_settings[AI_AUTH[0]] == AI_AUTH[1] and site.app_settings["SLOT_ONLY"] == "1"
    assert site.app_settings["Storage__serviceUri"] == STORAGE_ENDPOINT
    assert "Storage" not in site.app_settings and "Storage" not in slot.app_settings
    assert prod_storage not in json.dumps(slot.app_settings)
    assert 'Authentication="Active Directory Default"' in site.connection_strings["Orders_Identity"][0]
    assert "Orders" not in slot.connection_strings and "Orders" not in site.connection_strings
    # after the swap the slot ran the previous production build: it got the new settings again before
    # its old secrets went
    assert (
        slot.app_settings[AI_AUTH[0]] == AI_AUTH[1]
        and slot.app_settings["Storage__serviceUri"] == STORAGE_ENDPOINT
    )
    for name in SERVICE_PRINCIPAL:
        assert name not in site.app_settings and name not in slot.app_settings
    entry = doc["steps"]["swap/staging"]
    assert entry["status"] == "done" and entry["swapped"] == "staging -> production"
    assert "CANARY" not in state.read_text()

    # a rerun with the state file writes nothing; without it, the swap is found done in Azure
    arm.clear_requests()
    assert _run(arm, slot_plan, state, monkeypatch, ALL).status == "completed"
    assert _writes(arm) == []
    ui = _Ui()
    again = _run(arm, slot_plan, tmp_path / "lost.json", monkeypatch, ALL, ui=ui)
    assert again.status == "completed", again
    assert arm.requests_to("/slotsswap") == [], (
        "production already holds the planned settings: no second swap"
    )
    assert (
        json.loads((tmp_path / "lost.json").read_text())["steps"]["swap/staging"]["status"] == "already-done"
    )
    assert site.app_settings[AI_AUTH[0]] == AI_AUTH[1]


class _NoSwap(_Ui):
    def confirm(self, text: str) -> bool:
        self.asked.append(text)
        return "Swap" not in text


def test_the_swap_asks_first_and_removal_waits_for_it(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot_plan = _slot_plan(plan_path, tmp_path)
    arm = fake_arm_factory(_slot_estate())
    site = arm.estate.sites[0]
    before = dict(site.app_settings)
    no_swap = _NoSwap()
    out = _run(arm, slot_plan, tmp_path / "s.json", monkeypatch, RunOptions(execute=True), ui=no_swap)
    assert out.status == "stopped" and out.step == "swap/staging" and "nothing swapped" in out.message
    assert any(
        "Swap staging into production of web-orders?" in q and "Production gets" in q for q in no_swap.asked
    )
    assert arm.requests_to("/slotsswap") == []
    assert site.app_settings == before, "production untouched: no swap, no removal"

    ui = _Ui(answer=True)  # a person confirms the swap this time
    out = _run(arm, slot_plan, tmp_path / "s.json", monkeypatch, RunOptions(execute=True), ui=ui)
    assert out.status == "completed", out
    assert site.app_settings[AI_AUTH[0]] == AI_AUTH[1]


def test_a_failed_swap_stops_the_run_before_any_removal(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot_plan = _slot_plan(plan_path, tmp_path)
    arm = fake_arm_factory(_slot_estate())
    site = arm.estate.sites[0]
    before = dict(site.app_settings)
    rule = arm.faults.add("/slotsswap", 500, times=1, method="POST")
    state = tmp_path / "s.json"
    out = _run(arm, slot_plan, state, monkeypatch, ALL)
    assert out.status == "failed" and out.step == "swap/staging" and "HTTP 500" in out.message, out
    assert rule.hits == 1
    assert site.app_settings == before and "AZURE_CLIENT_SECRET" in site.app_settings
    recorded = json.loads(state.read_text())["steps"]
    assert recorded["swap/staging"]["status"] == "failed"
    assert not any(k.startswith(("remove/", "local-auth/", "credential/")) for k in recorded), (
        "nothing after it ran"
    )

    out = _run(arm, slot_plan, state, monkeypatch, ALL)  # resume
    assert out.status == "completed", out
    assert len(arm.requests_to("/slotsswap", "POST")) == 2 and site.app_settings[AI_AUTH[0]] == AI_AUTH[1]


def test_undo_swaps_back(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot_plan = _slot_plan(plan_path, tmp_path)
    arm = fake_arm_factory(_slot_estate())
    site = arm.estate.sites[0]
    before = dict(site.app_settings)
    slot_before = dict(site.slots["staging"].app_settings)
    state = tmp_path / "s.json"
    # every step up to the swap (nothing removed yet): undoing the swap needs no stored secret
    up_to_swap = tuple(
        s.id
        for s in _steps(slot_plan)[1]
        if s.stage not in (StageName.REMOVE_SECRETS, StageName.DISABLE_LOCAL_AUTH)
    )
    assert _run(arm, slot_plan, state, monkeypatch, ALL, only=up_to_swap).status == "completed"
    slot_after_settings = {**slot_before, "Storage__serviceUri": STORAGE_ENDPOINT, AI_AUTH[0]: AI_AUTH[1]}
    assert site.app_settings != before
    pids = (site.identity.principal_id, site.slots["staging"].identity.principal_id)

    out = _run(arm, slot_plan, state, monkeypatch, ALL, undo="swap/staging")
    assert out.status == "completed" and "undone" in out.message, out
    swaps = arm.requests_to("/slots/staging/slotsswap", "POST")
    assert len(swaps) == 2 and swaps[1].body == swaps[0].body, "the same call again"
    assert site.app_settings == before, "production has its own settings back"
    assert site.slots["staging"].app_settings == slot_after_settings
    assert (site.identity.principal_id, site.slots["staging"].identity.principal_id) == pids
    assert json.loads(state.read_text())["steps"]["swap/staging"]["status"] == "undone"


def test_user_assigned_principal_must_be_known(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = json.loads(plan_path.read_text())
    app = doc["apps"][0]
    for g in app["grants"]:
        g["principal"] = "uai-orders"
    uai_plan = tmp_path / "uai-plan.json"
    uai_plan.write_text(json.dumps(doc))
    arm = fake_arm_factory(_estate())
    grant = next(s.id for s in _steps(uai_plan)[1] if s.id.startswith("grant/storage"))
    out = _run(arm, uai_plan, tmp_path / "s.json", monkeypatch, ALL, only=(grant,))
    assert out.status == "failed" and "principalId of uai-orders" in out.message
    assert arm.role_assignments == {}


class _CtrlC(_Ui):
    """Ctrl-C right after the n-th step finished (its state is already saved)."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.finished = 0

    def show(self, text: str) -> None:
        super().show(text)
        if text.strip().startswith("->"):
            self.finished += 1
            if self.finished == self.after:
                raise KeyboardInterrupt


@pytest.mark.parametrize("after", range(1, 14))
def test_interrupted_after_each_step_and_resumed(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    arm = fake_arm_factory(_estate())
    state = tmp_path / "s.json"
    with pytest.raises(KeyboardInterrupt):
        _run(arm, plan_path, state, monkeypatch, ALL, ui=_CtrlC(after))
    out = _run(arm, plan_path, state, monkeypatch, ALL)
    assert out.status == "completed", out
    assert len(arm.requests_to("/Microsoft.Web/sites/", "PATCH")) == 1
    assert len(arm.requests_to("/storageAccounts/", "PATCH")) == 1
    assert len(arm.requests_to("/roleAssignments/", "PUT")) == 2
    assert len(arm.requests_to("/config/appsettings", "PUT")) == 2  # the settings step and the removal
    assert (
        len(arm.requests_to("/config/connectionstrings", "PUT")) == 2
    )  # the new one beside, the old one gone
    assert "AZURE_CLIENT_SECRET" not in arm.estate.sites[0].app_settings


@pytest.mark.parametrize(
    ("drop", "step"),
    [
        ("/providers/Microsoft.Web/sites/web-orders", "identity/production"),
        ("/roleAssignments/", "grant/monitoring-metrics-publisher/4cec9cae"),
        ("/config/appsettings", "settings/production/app-setting"),
        ("/config/connectionstrings", "settings/production/connection-string"),
    ],
)
def test_an_injected_failure_at_each_gate_stops_the_run(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    drop: str,
    step: str,
) -> None:
    arm = fake_arm_factory(_estate())
    arm.drop_writes.add(drop)
    state = tmp_path / "s.json"
    out = _run(arm, plan_path, state, monkeypatch, ALL)
    assert out.status == "failed" and out.step == step and "gate failed" in out.message, out
    assert "AZURE_CLIENT_SECRET" in arm.estate.sites[0].app_settings, "no secret removed"
    steps = [s.id for s in _steps(plan_path)[1]]
    later = steps[steps.index(step) + 1 :]
    recorded = json.loads(state.read_text())["steps"]
    assert not set(later) & set(recorded), "no later step ran"


LOCAL_AUTH = "local-auth/storage/b19e040a"


def test_local_auth_is_turned_off_through_arm_with_the_newest_ga_api_version(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    account = arm.estate.resources[0]
    step = next(s for s in _steps(plan_path)[1] if s.id == LOCAL_AUTH)
    assert step.action == "disable-local-auth" and step.resource_id == STORAGE_SCOPE
    assert (step.property_name, step.property_value) == ("allowSharedKeyAccess", False)
    state = tmp_path / "s.json"
    out = _run(arm, plan_path, state, monkeypatch, ALL)
    assert out.status == "completed", out
    assert account.properties == {"allowSharedKeyAccess": False, "minimumTlsVersion": "TLS1_2"}, (
        "only that key"
    )
    patches = arm.requests_to("/storageAccounts/contosoorders", "PATCH")
    assert len(patches) == 1 and patches[0].body == {"properties": {"allowSharedKeyAccess": False}}
    assert set(account.api_versions_seen) == {"2023-05-01"}, "newest GA, never the preview"
    assert arm.requests_to(f"/subscriptions/{SUB}/providers/Microsoft.Storage", "GET")
    entry = json.loads(state.read_text())["steps"][LOCAL_AUTH]
    assert entry["status"] == "done" and entry["api_version"] == "2023-05-01"
    assert entry["resource_id"] == STORAGE_SCOPE and entry["property"] == "allowSharedKeyAccess=false"

    # already off: a rerun without the state file finds it so in Azure and writes nothing
    arm.clear_requests()
    again = _run(arm, plan_path, tmp_path / "lost.json", monkeypatch, ALL)
    assert again.status == "completed" and _writes(arm) == []
    assert json.loads((tmp_path / "lost.json").read_text())["steps"][LOCAL_AUTH]["status"] == "already-done"

    out = _run(arm, plan_path, state, monkeypatch, ALL, undo=LOCAL_AUTH)
    assert out.status == "completed" and "allowSharedKeyAccess=true again" in out.message, out
    assert account.properties["allowSharedKeyAccess"] is True
    assert json.loads(state.read_text())["steps"][LOCAL_AUTH]["status"] == "undone"


def test_a_failed_local_auth_patch_stops_the_run(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    rule = arm.faults.add("/storageAccounts/contosoorders", 500, times=1, method="PATCH")
    state = tmp_path / "s.json"
    out = _run(arm, plan_path, state, monkeypatch, ALL)
    assert out.status == "failed" and out.step == LOCAL_AUTH, out
    assert "HTTP 500" in out.message and rule.hits == 1
    # the state is read back, not assumed: this PATCH was refused, so the change is not there
    assert "the change is not in place; no later step ran" in out.message
    assert arm.estate.resources[0].properties["allowSharedKeyAccess"] is True
    assert json.loads(state.read_text())["steps"][LOCAL_AUTH]["status"] == "failed"
    assert _run(arm, plan_path, state, monkeypatch, ALL).status == "completed"  # resume
    assert arm.estate.resources[0].properties["allowSharedKeyAccess"] is False


class _NoLocalAuth(_Ui):
    def confirm(self, text: str) -> bool:
        self.asked.append(text)
        return "Turn off key / local auth" not in text


def test_local_auth_asks_first_and_waits_for_the_removal(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    app_id, steps = _steps(plan_path)
    early = migration_state.RunState(app_id)
    for s in steps:
        if s.stage.value in ("verify", "swap"):
            early.record(s.id, migration_state.DONE)
    why_not = Runner(steps, early, tmp_path / "x.json", _Ui(), ALL, "web-orders")._local_auth_allowed()
    assert why_not == "remove/production/app-setting (secrets removal) has not been done"
    ui = _NoLocalAuth()
    state = tmp_path / "b.json"
    assert (
        _run(
            arm, plan_path, state, monkeypatch, ALL, only=tuple(s.id for s in steps if s.id != LOCAL_AUTH)
        ).status
        == "completed"
    )
    out = _run(arm, plan_path, state, monkeypatch, RunOptions(execute=True, continue_manual=True), ui=ui)
    assert out.status == "stopped" and "local auth left on" in out.message, out
    assert any("Turn off key / local auth on " + STORAGE_SCOPE in q for q in ui.asked)
    assert arm.estate.resources[0].properties["allowSharedKeyAccess"] is True
    assert arm.requests_to("/storageAccounts/", "PATCH") == []


def test_local_auth_stays_manual_without_a_full_resource_id(plan_path: Path) -> None:
    plan_app = find_app(read_plan(json.loads(plan_path.read_text())), "web-orders")
    steps = build_steps(plan_app, load_bundled(), {})  # <target-resource-group> left open
    step = next(s for s in steps if s.id == LOCAL_AUTH)
    assert step.action == "manual" and step.resource_id is None and step.destructive


def test_local_auth_on_a_resource_other_apps_use_stays_manual(plan_path: Path) -> None:
    from dataclasses import replace

    plan_app = find_app(read_plan(json.loads(plan_path.read_text())), "web-orders")
    shared = replace(
        plan_app, local_auth=tuple(replace(la, shared_with=("other-app",)) for la in plan_app.local_auth)
    )
    steps = build_steps(
        shared, load_bundled(), {"target-resource-group": "rg-data", "target-subscription": SUB}
    )
    step = next(s for s in steps if s.id == LOCAL_AUTH)
    assert step.action == "manual" and step.resource_id is None
    assert any("also used by other-app" in c for c in step.commands)
