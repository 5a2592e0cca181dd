"""Issue 12 ("Do no harm") on `secretless migrate --execute` against the fake ARM: after every step,
in production and in every slot, each consumer still finds a working setting (its old secret,
unchanged, or the identity-based setting beside it), and DefaultAzureCredential finds either a whole
service principal or no secret and no stale app id.  The example app (no slot) and the same app
with a staging slot (planned by the planner) run end to end; nothing is undone by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakearm import FakeArm, FakeSite, FakeSlot
from tests.migrate.run.test_migrate_runner import (
    ALL,
    _estate,
    _run,
    _slot_estate,
    _slot_plan,
    _Ui,
)

# consumer: (kind, its old name, the identity-based setting the new code reads)
CONSUMERS = (("app", "Storage", "Storage__serviceUri"), ("conn", "Orders", "Orders_Identity"))
Settings = tuple[dict[str, str], dict[str, tuple[str, str]]]


def _settings(where: FakeSite | FakeSlot) -> Settings:
    return dict(where.app_settings), dict(where.connection_strings)


def broken(now: Settings, before: Settings) -> dict[str, str]:
    """Per consumer, what is wrong with `now` for a slot whose settings were `before`."""
    app, conn = now
    out: dict[str, str] = {}
    for kind, old, new in CONSUMERS:
        current: dict[str, Any] = app if kind == "app" else conn
        initial: dict[str, Any] = before[0] if kind == "app" else before[1]
        if old in current and current[old] != initial.get(old):
            out[old] = "overwritten in place"
        elif old in initial and old not in current and new not in current:
            out[old] = f"neither its old value nor {new}"
    sp_id = before[0].get("AZURE_CLIENT_ID")
    if "AZURE_CLIENT_SECRET" in app:
        if app.get("AZURE_CLIENT_ID") != sp_id or "AZURE_TENANT_ID" not in app:
            out["DefaultAzureCredential"] = "a service principal secret without its own id and tenant"
    elif sp_id is not None and app.get("AZURE_CLIENT_ID") == sp_id:
        out["DefaultAzureCredential"] = "the service principal's stale AZURE_CLIENT_ID without its secret"
    return out


class _Watch(_Ui):
    """After each finished step: every consumer in production and every slot still works."""

    def __init__(self, arm: FakeArm) -> None:
        super().__init__()
        self.site: FakeSite = arm.estate.sites[0]
        self.before: dict[str | None, Settings] = {None: _settings(self.site)}
        self.before.update((n, _settings(s)) for n, s in self.site.slots.items())
        self.checked: list[str] = []
        self.problems: list[str] = []

    def show(self, text: str) -> None:
        super().show(text)
        if text.strip().startswith("["):
            self.checked.append(text.split(":", 1)[0])
        if not text.strip().startswith("->"):
            return
        where: dict[str | None, FakeSite | FakeSlot] = {None: self.site}
        where.update(self.site.slots)
        # a swap exchanges the slots' ordinary settings: each consumer works as in one of them before
        for slot, target in where.items():
            now = _settings(target)
            found = [broken(now, before) for before in self.before.values()]
            for consumer in sorted({c for f in found for c in f}):
                if all(consumer in f for f in found):
                    self.problems.append(
                        f"after {self.checked[-1]} in {slot or 'production'}: {consumer}: "
                        f"{found[0].get(consumer)}"
                    )


def _user_assigned_slot_plan(example_plan: Path, tmp_path: Path) -> Path:
    """The staging-slot plan when neither slot has an identity yet: one user-assigned identity for the
    app (id-web-orders), whose client id replaces the service principal's AZURE_CLIENT_ID."""
    from migrate.plan.planner import plan as make_plan
    from migrate.plan.records import dumps

    audit = json.loads((example_plan.parent / "audit.json").read_text())
    (prod,) = audit["sites"]
    staging = json.loads(json.dumps(prod))
    staging.update(
        slot="staging",
        app_setting_names=["SLOT_ONLY", "Storage"],
        connection_string_names=[],
        sticky_app_settings=[],
        sticky_connection_strings=[],
    )
    audit["sites"].append(staging)
    out = tmp_path / "uami-plan.json"
    out.write_text(dumps(make_plan(audit)))
    return out


@pytest.mark.parametrize("slotted", ["no-slot", "staging-slot", "staging-slot-user-assigned"])
def test_every_consumer_finds_a_working_setting_after_each_step(
    plan_path: Path,
    fake_arm_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slotted: str,
) -> None:
    arm: FakeArm = fake_arm_factory(_slot_estate() if slotted != "no-slot" else _estate())
    chosen = {
        "no-slot": lambda: plan_path,
        "staging-slot": lambda: _slot_plan(plan_path, tmp_path),
        "staging-slot-user-assigned": lambda: _user_assigned_slot_plan(plan_path, tmp_path),
    }[slotted]()
    watch = _Watch(arm)
    out = _run(arm, chosen, tmp_path / "state.json", monkeypatch, ALL, ui=watch)
    assert out.status == "completed", out
    assert len(watch.checked) >= 14, "the check ran after every step"
    assert watch.problems == []
    site: FakeSite = arm.estate.sites[0]
    targets: list[FakeSite | FakeSlot] = [site, *site.slots.values()]
    service_principal_id = watch.before[None][0]["AZURE_CLIENT_ID"]
    for target in targets:
        assert not {"AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "Storage"} & target.app_settings.keys()
        assert "Orders" not in target.connection_strings
        client_id = target.app_settings.get("AZURE_CLIENT_ID")
        assert client_id != service_principal_id
        # a user-assigned identity: its client id, read from Azure after the identity step, took the place
        assert (client_id is not None) is (slotted == "staging-slot-user-assigned")
