"""Issue 12 (problems 8 and 11) and issue 14 item 6 in the guided run: prerequisites before grants,
removal only after verification passed in the slot that runs the new code (a person's confirmation
or the health check; --continue-manual never skips it), replacing a secret gated and asked like a
removal, and an honest status after a write that Azure applied but answered 500."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from migrate.plan.records import StageName
from migrate.run import state as migration_state
from migrate.run.azure_changes import AppServiceChanges
from migrate.run.context import Azure
from migrate.run.runner import Runner, RunOptions, RunOutcome
from migrate.run.steps import RunStep
from scanners.sign_in import ArmTarget
from tests.fakearm import AsyncStaticTokenCredential, FakeArm, LoopbackOnlyPolicy
from tests.migrate.run.test_migrate_runner import (
    ALL,
    SUB,
    _estate,
    _slot_estate,
    _slot_plan,
    _steps,
    _Ui,
)

SP = ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID")


class _NoRemoval(_Ui):
    def confirm(self, text: str) -> bool:
        self.asked.append(text)
        return not text.startswith("Remove ")


class _Answered500(Exception):
    status_code = 500


class _AppliedThen500:
    """The App Service client, except that the first removal write is applied and then answered 500."""

    def __init__(self, inner: AppServiceChanges) -> None:
        self.inner = inner
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def write_settings(self, slot: str | None, kind: str, props: dict[str, Any]) -> None:
        await self.inner.write_settings(slot, kind, props)
        if not self.failed and kind == "app-setting" and "AZURE_CLIENT_SECRET" not in props:
            self.failed = True
            raise _Answered500("applied, then answered 500")


def _go(
    arm: FakeArm,
    steps: list[RunStep],
    app_id: str,
    state_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: RunOptions,
    ui: _Ui | None = None,
    flaky: bool = False,
) -> RunOutcome:
    monkeypatch.setenv("SSL_CERT_FILE", arm.ca_path)
    state = migration_state.load(state_path, app_id)
    runner = Runner(steps, state, state_path, ui or _Ui(), options, "web-orders")

    async def run() -> RunOutcome:
        async with AppServiceChanges(
            AsyncStaticTokenCredential(),
            ArmTarget(arm.base_url, "https://management.azure.com/.default"),
            SUB,
            "rg-orders",
            "web-orders",
            retry_total=0,
            extra_policies=(LoopbackOnlyPolicy(),),
        ) as azure:
            target = cast(Azure, _AppliedThen500(azure)) if flaky else azure
            return await runner.execute(target)

    return asyncio.run(run())


def test_prerequisites_are_steps_before_every_grant(plan_path: Path) -> None:
    _app, steps = _steps(plan_path)
    ids = [s.id for s in steps]
    prerequisites = [n for n, s in enumerate(steps) if s.id.startswith("grant/prerequisite/")]
    grants = [n for n, s in enumerate(steps) if s.id.startswith("grant/") and n not in prerequisites]
    assert prerequisites and grants and max(prerequisites) < min(grants), ids
    admin = steps[prerequisites[0]]
    assert admin.id.startswith("grant/prerequisite/sql-entra-admin/") and admin.stage is StageName.GRANT_ROLES
    assert admin.commands == (
        "az sql server ad-admin create -g rg-data -s contoso-orders -u <entra-admin-name> -i <entra-admin-object-id>",
    )
    assert "learn.microsoft.com" in admin.why


def test_continue_manual_does_not_skip_verification(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    app_id, steps = _steps(plan_path)
    out = _go(arm, steps, app_id, tmp_path / "s.json", monkeypatch, replace(ALL, confirmed=()))
    assert out.status == "failed" and out.step is not None and out.step.startswith("remove/"), out
    assert "verify/app is not confirmed" in out.message and "--health-url" in out.message
    assert all(n in arm.estate.sites[0].app_settings for n in SP), "nothing removed"
    # confirmed (--done verify/app): the same run goes on to the removal
    out = _go(arm, steps, app_id, tmp_path / "s.json", monkeypatch, ALL)
    assert out.status == "completed", out
    assert not any(n in arm.estate.sites[0].app_settings for n in SP)


def test_a_removal_applied_but_answered_500_is_reported_as_it_is(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arm = fake_arm_factory(_estate())
    app_id, steps = _steps(plan_path)
    state = tmp_path / "s.json"
    out = _go(arm, steps, app_id, state, monkeypatch, ALL, flaky=True)
    assert out.status == "failed" and out.step == "remove/production/app-setting", out
    assert "HTTP 500" in out.message
    assert "nothing after it ran" not in out.message
    assert "read back from production: AZURE_CLIENT_ID is gone, AZURE_CLIENT_SECRET is gone" in out.message
    assert "AZURE_CLIENT_SECRET" not in arm.estate.sites[0].app_settings, "Azure did apply it"
    assert json.loads(state.read_text())["steps"][out.step]["status"] == "failed"
    again = _go(arm, steps, app_id, state, monkeypatch, ALL)
    assert again.status == "completed", again
    assert json.loads(state.read_text())["steps"][out.step]["status"] == "already-done"


def test_replacing_a_secret_is_gated_and_asked_like_a_removal(
    plan_path: Path, fake_arm_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot_plan = _slot_plan(plan_path, tmp_path)
    arm = fake_arm_factory(_slot_estate())
    app_id, steps = _steps(slot_plan)
    staging = next(s for s in steps if s.id == "settings/staging/app-setting")
    assert staging.destructive, "it removes the service principal's settings from the slot under test"
    # declined: nothing changes in the slot
    before = dict(arm.estate.sites[0].slots["staging"].app_settings)
    ui = _NoRemoval()
    earlier = [s for s in steps if s.stage in (StageName.ENABLE_IDENTITY, StageName.GRANT_ROLES)]
    opts = RunOptions(execute=True, continue_manual=True)
    out = _go(arm, [*earlier, staging], app_id, tmp_path / "a.json", monkeypatch, opts, ui)
    assert out.status == "stopped" and out.step == staging.id, out
    assert any(q.startswith("Remove ") and "from slot staging" in q and "not kept" in q for q in ui.asked)
    assert arm.estate.sites[0].slots["staging"].app_settings == before
    # the same replacement in production is a removal before verification: refused
    replaced = (
        *staging.settings,
        replace(staging.settings[0], name="Storage", value="https://x", replaces=True),
    )
    production = replace(staging, id="settings/production/app-setting", slot=None, settings=replaced)
    out = _go(arm, [*earlier, production], app_id, tmp_path / "b.json", monkeypatch, ALL)
    assert out.status == "failed" and "removes or replaces secrets but" in out.message, out
    assert "Storage" in arm.estate.sites[0].app_settings
    assert arm.estate.sites[0].app_settings["Storage"] != "https://x"
