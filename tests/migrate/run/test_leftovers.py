"""`secretless migrate --execute` resolves what the plan left open before step 1: target resource
groups by type and name, the Application Insights component by the app's instrumentation key (real
async SDK clients against the fake ARM over HTTPS on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from migrate.plan.reader import read_plan
from migrate.run import state as migration_state
from migrate.run.azure_changes import AppServiceChanges
from migrate.run.leftovers import still_needed
from migrate.run.playbooks import Action, load_bundled
from migrate.run.runner import Runner, RunOutcome
from migrate.run.steps import RunStep, build_steps, find_app
from scanners.sign_in import ArmTarget
from tests.fakearm import AsyncStaticTokenCredential, Estate, FakeArm, LoopbackOnlyPolicy
from tests.migrate.run.test_migrate_runner import AI_SCOPE, ALL, STORAGE_SCOPE, SUB, _estate, _Ui

AI_AUTH_SETTING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
IKEY = "7d3b2a10-5c4e-4f1a-9b8c-0a1b2c3d4e5f"  # the example app's APPLICATIONINSIGHTS_CONNECTION_STRING


def _with_component(estate: Estate, ikey: str) -> Estate:
    estate.add_resource(SUB, "rg-data", "Microsoft.Insights/components", "ai-orders", InstrumentationKey=ikey)
    estate.add_resource(
        SUB, "rg-other", "Microsoft.Insights/components", "ai-other", InstrumentationKey="0" * 36
    )
    return estate


def _run(
    arm: FakeArm, plan_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ui: _Ui
) -> tuple[RunOutcome, list[RunStep]]:
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    plan_app = find_app(read_plan(json.loads(plan_path.read_text())), "web-orders")
    steps = build_steps(plan_app, load_bundled(), {})  # no --set at all
    assert any("target-resource-group" in s for s in still_needed(steps)), "the plan left it open"
    state = migration_state.load(tmp_path / "state.json", plan_app.app)
    runner = Runner(steps, state, tmp_path / "state.json", ui, ALL, "web-orders")

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
            return await runner.execute(azure)

    return asyncio.run(go()), steps


def _grants(arm: FakeArm) -> set[str]:
    return {str(ra["scope"]) for ra in arm.role_assignments.values()}


def test_every_target_exists_so_no_set_is_needed(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_with_component(_estate(), IKEY))
    ui = _Ui()
    out, steps = _run(arm, plan_path, tmp_path, monkeypatch, ui)
    assert out.status == "completed", out
    assert _grants(arm) == {STORAGE_SCOPE, AI_SCOPE}  # rg-data from ARM; the component by its key
    assert arm.estate.sites[0].app_settings[AI_AUTH_SETTING] == "Authorization=AAD"
    # what is still open is only in steps done by hand: the SQL server's Entra admin (a person's
    # decision) and that server, which this estate does not have
    open_steps = {s.id.split("/")[0] + "/" + s.id.split("/")[1] for s in steps if still_needed([s])}
    assert open_steps == {"grant/prerequisite", "local-auth/azure-sql"}
    assert all(s.action is Action.MANUAL for s in steps if still_needed([s]))
    assert IKEY not in "\n".join(ui.lines)


def test_a_missing_optional_target_is_skipped_with_a_note(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_with_component(_estate(), "1" * 8 + IKEY[8:]))  # no component has the app's key
    ui = _Ui()
    out, steps = _run(arm, plan_path, tmp_path, monkeypatch, ui)
    assert out.status == "completed", out
    assert _grants(arm) == {STORAGE_SCOPE}  # the required grant was made; telemetry was not
    # ... and telemetry stays on its connection string: Entra-authenticated ingestion without
    # Monitoring Metrics Publisher would be rejected
    site = arm.estate.sites[0]
    assert AI_AUTH_SETTING not in site.app_settings
    assert all(AI_AUTH_SETTING not in slot.app_settings for slot in site.slots)
    assert site.app_settings["Storage__serviceUri"]  # the app's other settings were written
    shown = [c for step in steps if step.settings for c in step.commands]
    assert shown and not any(AI_AUTH_SETTING in c for c in shown)  # what is shown is what is written
    assert any("--settings" in c and "Storage__serviceUri=" in c for c in shown)
    notes = [line for line in ui.lines if "optional (telemetry): skipped" in line]
    assert len(notes) == 1 and "--set 'application-insights component=VALUE'" in notes[0]
