"""Issue 12 ("Do no harm"), problems 3, 4 and 9 on the planner: a service principal's id and tenant
leave with its secret; new settings go beside the old ones and the old ones go only after
verification; one identity per app unless sharing is asked for.

The scan documents are in tests/fixtures/do-no-harm/: `sp-app.json` (one app, no slot, a service
principal beside a storage key), `slot-app.json` (an app with a staging slot, a service principal, a
storage key and a SQL password in both slots) and `shared-web-function.json` (a web app and a
Function app on one storage account, the Function app's host storage).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.plan.planner import plan
from migrate.plan.records import AppPlan, IdentityKind, Plan, SettingAction, StageName
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "do-no-harm"
SP_NAMES = {"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"}
_WHERE = re.compile(r"^(?P<app>.*?):(?P<kind>app-setting|connection-string):(?P<name>.+)$")


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return doc


def app_named(p: Plan, name: str) -> AppPlan:
    return next(a for a in p.apps if a.app.endswith(f"/{name}"))


def removed(app: AppPlan, stage: StageName, slot: str | None) -> set[str]:
    """The live setting names `app` deletes in `stage` from `slot` (None: production)."""
    names = {
        c.setting
        for c in app.settings
        if c.stage is stage
        and c.slot == slot
        and c.action is SettingAction.REMOVE
        and c.where in ("app-setting", "connection-string")
    }
    for r in app.removals:
        m = _WHERE.match(r.where)
        if r.stage is not stage or not m:
            continue
        where_slot = m.group("app").split("/slots/")[1] if "/slots/" in m.group("app") else None
        if where_slot == slot:
            names.add(m.group("name") if r.what.startswith("the old secret value") else r.what)
    return names


def written(app: AppPlan, stage: StageName, slot: str | None) -> dict[str, str | None]:
    return {
        c.setting: c.value_template
        for c in app.settings
        if c.stage is stage
        and c.slot == slot
        and c.action in (SettingAction.ADD, SettingAction.REPLACE)
        and c.where in ("app-setting", "connection-string")
    }


# --- problem 3: a stale service principal -----------------------------------------------------------


def test_the_service_principal_id_and_tenant_leave_with_its_secret() -> None:
    app = only = plan(load("sp-app.json")).apps[0]
    assert only.identity.kind is IdentityKind.SYSTEM_ASSIGNED
    gone = removed(app, StageName.REMOVE_SECRETS, None)
    assert SP_NAMES <= gone, gone
    # ... in one command, so no request runs with a stale id and no secret (or a secret and no id)
    commands = [r.command for r in app.removals if r.command and "AZURE_CLIENT_SECRET" in r.command]
    assert commands and all("AZURE_CLIENT_ID" in c and "AZURE_TENANT_ID" in c for c in commands), commands
    # a system-assigned identity needs no client id: nothing sets AZURE_CLIENT_ID
    assert not any(
        c.setting == "AZURE_CLIENT_ID" and c.action is not SettingAction.REMOVE for c in app.settings
    )


def test_a_user_assigned_client_id_replaces_the_service_principal_one_in_the_same_step() -> None:
    app = plan(load("slot-app.json")).apps[0]
    assert app.identity.kind is IdentityKind.USER_ASSIGNED and app.identity.name == "id-web-slots"
    uami = "<client-id of id-web-slots>"
    seen = 0
    for stage in StageName:
        for slot in (None, *app.slots):
            gone = removed(app, stage, slot)
            client_id = written(app, stage, slot).get("AZURE_CLIENT_ID")
            if "AZURE_CLIENT_SECRET" in gone:
                seen += 1
                assert "AZURE_TENANT_ID" in gone, (stage, slot)
                assert client_id == uami, (stage, slot, "the identity's client id comes with the removal")
            elif client_id is not None:
                # never the identity's client id beside a secret that is still there
                assert "AZURE_CLIENT_SECRET" not in _still_there(app, stage, slot), (stage, slot)
    assert seen >= 2


def _still_there(app: AppPlan, stage: StageName, slot: str | None) -> set[str]:
    order = list(StageName)
    gone: set[str] = set()
    for s in order[: order.index(stage) + 1]:
        gone |= removed(app, s, slot)
    return {"AZURE_CLIENT_SECRET"} - gone


def test_verification_runs_after_the_secret_left_the_slot_under_test() -> None:
    slotted = plan(load("slot-app.json")).apps[0]
    assert slotted.slots == ("staging",)
    assert {"AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"} <= removed(
        slotted, StageName.CHANGE_IN_STAGING, "staging"
    )
    assert not removed(slotted, StageName.CHANGE_IN_STAGING, None), (
        "production is not touched before the swap"
    )
    # no slot to test in: the removal stage verifies again once the secret is gone
    single = plan(load("sp-app.json")).apps[0]
    steps = next(s for s in single.stages if s.name is StageName.REMOVE_SECRETS).steps
    deletes = [n for n, s in enumerate(steps) if "AZURE_CLIENT_SECRET" in s]
    verifies = [n for n, s in enumerate(steps) if s.startswith("verify")]
    assert deletes and verifies and max(deletes) < max(verifies), steps


# --- problem 4: settings never overwritten in place ---------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "old"), [("sp-app.json", {"Storage"}), ("slot-app.json", {"Storage", "Orders"})]
)
def test_new_settings_go_beside_the_old_ones(fixture: str, old: set[str]) -> None:
    app = plan(load(fixture)).apps[0]
    for c in app.settings:
        if c.where in ("app-setting", "connection-string") and c.setting in old:
            pytest.fail(f"{c.setting} is {c.action} in {c.stage}: the running code reads it")
    assert "Storage__serviceUri" in {c.setting for c in app.settings if c.action is SettingAction.ADD}
    assert not any(r.what.startswith("the old secret value") for r in app.removals), (
        "no removal by overwriting"
    )
    for slot in (None, *app.slots):
        assert old <= removed(app, StageName.REMOVE_SECRETS, slot), slot
        for stage in StageName:
            if stage is not StageName.REMOVE_SECRETS:
                assert not old & removed(app, stage, slot), (stage, slot)


def test_a_slot_app_changes_only_the_slot_before_the_swap_and_the_new_settings_travel() -> None:
    app = plan(load("slot-app.json")).apps[0]
    before_swap = [
        c for c in app.settings if list(StageName).index(c.stage) < list(StageName).index(StageName.SWAP)
    ]
    assert before_swap
    assert {c.slot for c in before_swap} == {"staging"}, "production is not rewritten before the swap"
    assert not any(c.sticky for c in before_swap if c.action is not SettingAction.REMOVE), (
        "new settings must travel with the swap: not slot settings"
    )
    change = next(s for s in app.stages if s.name is StageName.CHANGE_IN_STAGING).steps
    assert not any("--slot-settings" in s for s in change), change


# --- problem 9: identity sharing ------------------------------------------------------------------------


def test_each_app_gets_its_own_identity_and_only_its_own_grants() -> None:
    p = plan(load("shared-web-function.json"))
    web, func = app_named(p, "web-shop"), app_named(p, "func-shop")
    assert web.identity.name != func.identity.name
    for a, site in ((web, "web-shop"), (func, "func-shop")):
        assert site in a.identity.name and "shared" not in a.identity.name
        assert "other apps" not in a.identity.rule
        assert {g.principal for g in a.grants} == {p.name for p in a.identity.principals}
        assert not any(r.code == "shared-identity" for r in a.risks)
    assert "Storage Blob Data Owner" in {g.role for g in func.grants}
    assert "Storage Blob Data Owner" not in {g.role for g in web.grants}, "host storage is the Function app's"
    # the resource is still known to be shared: local auth names the other app
    assert web.local_auth[0].shared_with == (func.app,)


def test_sharing_an_identity_only_when_asked() -> None:
    p = plan(load("shared-web-function.json"), share_identity=True)
    web, func = app_named(p, "web-shop"), app_named(p, "func-shop")
    assert web.identity.name == func.identity.name and web.identity.kind is IdentityKind.USER_ASSIGNED
    assert any(r.code == "shared-identity" for r in web.risks)


def test_cli_plan_share_identity(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    audit = str(FIXTURES / "shared-web-function.json")
    r = CliRunner().invoke(main, ["plan", audit, "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len({a["identity"]["name"] for a in json.loads(out.read_text())["apps"]}) == 2
    r = CliRunner().invoke(main, ["plan", audit, "--share-identity", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert len({a["identity"]["name"] for a in json.loads(out.read_text())["apps"]}) == 1
