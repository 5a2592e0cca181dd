"""A user-assigned identity the plan chose but that does not exist yet: created (azure-mgmt-msi),
assigned to the site by a merging PATCH, its ids recorded; undo unassigns it (it is not deleted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakearm import FakeIdentity
from tests.migrate.run.test_migrate_runner import ALL, SUB, _estate, _run, _steps

UAI = f"/subscriptions/{SUB}/resourceGroups/rg-orders/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai-orders"
OTHER = f"/subscriptions/{SUB}/resourceGroups/rg-x/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other"


def _uai_plan(plan_path: Path, tmp_path: Path) -> Path:
    doc = json.loads(plan_path.read_text())
    app = doc["apps"][0]
    app["identity"].update(kind="user-assigned", name="uai-orders", existing=False)
    app["identity"]["principals"] = []  # a new identity: its principal id is known only once it exists
    for g in app["grants"]:
        g["principal"] = "uai-orders"
    out = tmp_path / "uai-plan.json"
    out.write_text(json.dumps(doc))
    return out


def test_a_new_user_assigned_identity_is_created_assigned_and_used(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = _uai_plan(plan_path, tmp_path)
    steps = _steps(plan)[1]
    ids = [s.id for s in steps if s.stage == "enable-identity"]
    assert ids == ["identity/user-assigned/production"]
    arm = fake_arm_factory(
        _estate(
            identity=FakeIdentity(
                "SystemAssigned, UserAssigned", "sys-pid", user_assigned={OTHER: ("o-pid", "o-cid")}
            )
        )
    )
    state = tmp_path / "s.json"
    out = _run(arm, plan, state, monkeypatch, ALL)
    assert out.status == "completed", out.message
    uai = arm.estate.user_identities[UAI.lower()]
    ident = arm.estate.sites[0].identity
    assert ident is not None and ident.principal_id == "sys-pid" and "SystemAssigned" in ident.type
    assert ident.user_assigned[OTHER] == ("o-pid", "o-cid"), "other user-assigned identity kept"
    assert ident.user_assigned[UAI] == (uai["principalId"], uai["clientId"])
    assert len(arm.requests_to("/userAssignedIdentities/uai-orders", "PUT")) == 1
    doc = json.loads(state.read_text())
    entry = doc["steps"]["identity/user-assigned/production"]
    assert entry["status"] == "done" and entry["created"] == "yes"
    assert entry["principal_id"] == uai["principalId"] and entry["client_id"] == uai["clientId"]
    assert doc["principals"]["uai-orders"] == uai["principalId"]
    assert arm.role_assignments and all(
        ra["principalId"] == uai["principalId"] for ra in arm.role_assignments.values()
    )

    # undo: unassigned, not deleted; the other identities stay
    undo = _run(arm, plan, state, monkeypatch, ALL, undo="identity/user-assigned/production")
    assert undo.status == "completed" and "kept" in undo.message
    ident = arm.estate.sites[0].identity
    assert ident is not None and UAI not in ident.user_assigned and OTHER in ident.user_assigned
    assert ident.principal_id == "sys-pid"
    assert UAI.lower() in arm.estate.user_identities


def test_an_existing_user_assigned_identity_is_reused(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = _uai_plan(plan_path, tmp_path)
    arm = fake_arm_factory(_estate(identity=None))
    arm.estate.user_identities[UAI.lower()] = {
        "id": UAI,
        "name": "uai-orders",
        "location": "westeurope",
        "principalId": "u-pid",
        "clientId": "u-cid",
    }
    state = tmp_path / "s.json"
    out = _run(arm, plan, state, monkeypatch, ALL, only=("identity/user-assigned/production",))
    assert out.status == "completed", out.message
    assert arm.requests_to("/userAssignedIdentities/uai-orders", "PUT") == []
    ident = arm.estate.sites[0].identity
    assert (
        ident is not None
        and ident.type == "UserAssigned"
        and ident.user_assigned == {UAI: ("u-pid", "u-cid")}
    )
    assert json.loads(state.read_text())["steps"]["identity/user-assigned/production"]["created"] == "existed"
