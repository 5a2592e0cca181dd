"""The progress report over state files written by real `secretless migrate --execute` runs against
the fake ARM (HTTPS on 127.0.0.1, the real SDK clients): a run that finished with manual steps
pending, one that stopped at the first manual step and one whose gate failed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.plan.reader import read_plan
from migrate.plan.records import Plan, StageName
from migrate.reports.documents import render_progress
from migrate.reports.model import ReportError
from migrate.reports.progress import (
    NOT_STARTED,
    STAGE_OF_PREFIX,
    StageStatus,
    load_progress,
    stage_of,
)
from migrate.reports.templating import markdown_cell
from migrate.run.playbooks import load_bundled
from migrate.run.steps import build_steps
from tests.fakearm import AsyncStaticTokenCredential, Estate, FakeArm, FakeSite
from tests.migrate.estate_audit import AZ_EXPORT

SUB = "00000000-0000-0000-0000-00000000c0de"
APP = f"{SUB}/rg-orders/web-orders"


def _estate() -> Estate:
    """The example's web-orders app with the settings of examples/az-export (secrets hold CANARY)."""
    settings = json.loads((AZ_EXPORT / "web-orders.appsettings.json").read_text(encoding="utf-8"))
    conns = json.loads((AZ_EXPORT / "web-orders.connectionstrings.json").read_text(encoding="utf-8"))
    site = FakeSite(
        SUB,
        "rg-orders",
        "web-orders",
        kind="app,linux",
        app_settings={x["name"]: x["value"] for x in settings},
        connection_strings={x["name"]: (x["value"], x["type"]) for x in conns},
    )
    estate = Estate(sites=[site])
    estate.add_resource(
        SUB, "rg-data", "Microsoft.Storage/storageAccounts", "contosoorders", allowSharedKeyAccess=True
    )
    return estate


def _migrate(arm: FakeArm, plan: Path, state: Path, *extra: str) -> int:
    args = [
        "migrate",
        str(plan),
        "--app",
        "web-orders",
        "--execute",
        "--yes",
        "--state",
        str(state),
        "--arm-endpoint",
        arm.base_url,
        "--set",
        "target-resource-group=rg-data",
        "--set",
        "application-insights component=ai-orders",
        *extra,
    ]
    return CliRunner().invoke(main, args).exit_code


@pytest.fixture
def states(
    estate_plan: Path,
    fake_arm_factory: Callable[..., FakeArm],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A folder with the state files of three runs (and one file that is not a state file)."""
    monkeypatch.setattr(
        "scanners.azure_arm.build_credential", lambda name, client_id=None: AsyncStaticTokenCredential()
    )
    folder = tmp_path / "state"
    folder.mkdir()
    planted = [v for v in _estate().sites[0].app_settings.values() if "CANARY" in v]
    assert len(planted) == 2  # the runs move real (fake) secrets

    complete = fake_arm_factory(_estate())
    monkeypatch.setenv("SSL_CERT_FILE", complete.ca_path)
    # --continue-manual never skips verification: the app check is confirmed with --done
    assert (
        _migrate(complete, estate_plan, folder / "complete.json", "--continue-manual", "--done", "verify/app")
        == 0
    )
    assert not any("CANARY" in v for v in complete.estate.sites[0].app_settings.values())

    stopped = fake_arm_factory(_estate())
    monkeypatch.setenv("SSL_CERT_FILE", stopped.ca_path)
    assert _migrate(stopped, estate_plan, folder / "stopped.json") == 1

    failed = fake_arm_factory(_estate())
    failed.drop_writes.add("/config/appsettings")  # the write answers 200 but does not stick
    monkeypatch.setenv("SSL_CERT_FILE", failed.ca_path)
    assert _migrate(failed, estate_plan, folder / "failed.json", "--continue-manual") == 3

    (folder / "notes.json").write_text('{"hello": "world"}', encoding="utf-8")
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    return folder


def _plan(path: Path) -> Plan:
    return read_plan(json.loads(path.read_text(encoding="utf-8")))


def _by_file(folder: Path, plan: Plan | None) -> dict[str, Any]:
    progress = load_progress(folder, plan)
    return {Path(a.state_file).name: a for a in progress.apps if a.state_file}


def test_each_stage_is_done_pending_manual_or_failed(states: Path, estate_plan: Path) -> None:
    apps = _by_file(states, _plan(estate_plan))
    assert set(apps) == {"complete.json", "stopped.json", "failed.json"}

    complete = apps["complete.json"]
    assert complete.app == APP
    assert complete.status_of("enable-identity") is StageStatus.DONE
    assert complete.status_of("grant-roles") is StageStatus.MANUAL  # the SQL users are by hand
    assert complete.status_of("change-code-and-settings-in-staging") is StageStatus.DONE
    assert complete.status_of("remove-secrets") is StageStatus.MANUAL  # a person checks the app after
    statuses = {s.id: s.status for s in complete.steps}
    assert statuses["remove/production/app-setting"] == "done"
    assert statuses["verify/after-removal"] == "pending-manual"
    assert complete.status_of("swap") is StageStatus.NO_STEPS  # no slot
    assert complete.overall == "waiting for a manual step"

    stopped = apps["stopped.json"]
    assert stopped.status_of("enable-identity") is StageStatus.DONE
    assert stopped.status_of("grant-roles") is StageStatus.MANUAL
    for later in ("change-code-and-settings-in-staging", "verify", "remove-secrets"):
        assert stopped.status_of(later) is StageStatus.PENDING, later
    assert any(s.status == NOT_STARTED for s in stopped.steps)

    failed = apps["failed.json"]
    assert failed.status_of("change-code-and-settings-in-staging") is StageStatus.FAILED
    assert failed.status_of("remove-secrets") is StageStatus.PENDING
    assert failed.overall == "failed"
    # every step the plan has is listed, with its title
    planned = build_steps(_plan(estate_plan).apps[0], load_bundled(), {})
    assert [s.id for s in failed.steps] == [s.id for s in planned] and all(s.title for s in failed.steps)


def test_without_the_plan_stages_come_from_the_step_ids(states: Path) -> None:
    apps = _by_file(states, None)
    assert apps["failed.json"].status_of("change-code-and-settings-in-staging") is StageStatus.FAILED
    assert apps["stopped.json"].status_of("grant-roles") is StageStatus.MANUAL
    assert apps["stopped.json"].status_of("verify") is StageStatus.PENDING  # no run reached it
    assert apps["complete.json"].status_of("change-code-and-settings-in-staging") is StageStatus.DONE


def test_other_files_in_the_folder_are_skipped_with_the_reason(states: Path) -> None:
    progress = load_progress(states)
    skipped = {Path(s.path).name: s.reason for s in progress.skipped}
    assert skipped == {
        "notes.json": "not a state file of secretless migrate",
        "broken.json": "cannot read it as JSON (JSONDecodeError)",
    }
    with pytest.raises(ReportError, match="not a state file"):
        load_progress(states / "notes.json")
    empty = states.parent / "empty"
    empty.mkdir()
    with pytest.raises(ReportError, match="no state file"):
        load_progress(empty)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_reports_show_every_app_and_stage_and_no_secret(states: Path, estate_plan: Path, fmt: str) -> None:
    text = render_progress(states, fmt, _plan(estate_plan))
    for name in ("complete.json", "stopped.json", "failed.json", "notes.json"):
        assert name in text
    for stage in StageName:
        if stage is not StageName.INVENTORY:
            assert str(stage) in text
    enc = markdown_cell if fmt == "md" else str
    rows = text.split("<tr>") if fmt == "html" else text.splitlines()
    if fmt == "json":
        doc = json.loads(text)
        overall = {Path(a["state_file"]).name: a["overall"] for a in doc["apps"]}
    else:  # the summary table: one row per state file, its stages and overall status
        overall = {
            name: next(r for r in rows if enc(name) in r and enc(APP) in r)
            for name in ("failed.json", "stopped.json")
        }
    assert "failed" in overall["failed.json"] and "manual" in overall["stopped.json"]
    for status in ("done", "pending", "manual", "failed"):
        assert status in text
    assert enc("grant/db-datareader/175bc078") in text
    assert "CANARY" not in text


def test_plan_apps_without_a_state_file_are_not_started(tmp_path: Path, estate_plan: Path) -> None:
    (tmp_path / "other.json").write_text("[]", encoding="utf-8")
    progress = load_progress(tmp_path, _plan(estate_plan))
    (app,) = progress.apps
    assert app.app == APP and app.state_file is None and app.overall == "not started"
    assert {s.status for s in app.stages} <= {StageStatus.PENDING, StageStatus.NO_STEPS}


def test_the_stage_table_matches_the_steps_of_the_plans(estate_plan: Path) -> None:
    plan = _plan(estate_plan)
    app = plan.apps[0]
    # the example, and the same app with a staging slot (swap and redeploy steps)
    for variant in (app, _with_slot(app)):
        steps = build_steps(variant, load_bundled(), {})
        assert len(steps) > 10
        wrong = [(s.id, s.stage, stage_of(s.id)) for s in steps if stage_of(s.id) is not s.stage]
        assert wrong == []
    used = {
        p
        for s in build_steps(_with_slot(app), load_bundled(), {})
        for p, _ in STAGE_OF_PREFIX
        if s.id.startswith(p)
    }
    assert len(used) >= 8


def _with_slot(app: Any) -> Any:
    import dataclasses

    return dataclasses.replace(app, slots=("staging",))


def test_text_from_a_state_file_is_escaped(tmp_path: Path) -> None:
    hostile = "[x](https://evil.example) <img src=x> \x1b[2J"
    state = {
        "schema_version": 1,
        "tool": "secretless",
        "app": hostile,
        "principals": {},
        "steps": {"identity/production": {"status": hostile}, hostile: {"status": "done"}},
    }
    (tmp_path / "s.json").write_text(json.dumps(state), encoding="utf-8")
    md = render_progress(tmp_path / "s.json", "md")
    html = render_progress(tmp_path / "s.json", "html")
    assert "evil.example" in md and "evil.example" in html
    assert "](" not in md.replace("\\](", "") and "://" not in md and "<img" not in md
    assert "<img" not in html and "\x1b" not in md + html
    (app,) = load_progress(tmp_path / "s.json").apps
    assert app.status_of("other") is StageStatus.DONE  # an id this version does not know
    assert app.status_of("enable-identity") is StageStatus.PENDING  # an unknown status is not done
