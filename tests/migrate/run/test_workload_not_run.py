"""`secretless migrate` runs estate apps only: a Kubernetes workload of the same plan is named as done by
hand / via the emitted scripts, never run, and never stops the run of an estate app.

Fixtures: the az-export tests/fixtures/az-exports/servicebus-rules and the Kubernetes manifest items
of tests/fixtures/repos/multi-service, in one scan document.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.errors import UnknownAppError
from migrate.plan.planner import plan
from migrate.plan.records import AppKind, Plan, dumps
from migrate.run.step_records import StepsError, app_target, find_app
from tests.migrate.fixture_repos import scan_document

WORKLOAD = "k8s/deployment.yaml"


def _plan() -> Plan:
    document = scan_document("az-export:servicebus-rules")
    manifest = [i for i in scan_document("multi-service")["items"] if i["Location"].get("path") == WORKLOAD]
    assert len(manifest) == 2
    document["items"] += manifest
    return plan(document)


def test_the_plan_holds_the_estate_app_and_the_workload() -> None:
    kinds = {a.app.rsplit("/", 1)[-1]: a.kind for a in _plan().apps}
    assert kinds == {"worker-bus": AppKind.APP_SERVICE, "deployment.yaml": AppKind.KUBERNETES_WORKLOAD}


def test_a_workload_is_by_hand_never_a_migration_target() -> None:
    p = _plan()
    with pytest.raises(UnknownAppError, match="a Kubernetes workload: by hand / via the emitted scripts"):
        find_app(p, WORKLOAD)
    with pytest.raises(
        UnknownAppError, match=r"no app 'nope' \(apps: worker-bus\); by hand: k8s/deployment.yaml"
    ):
        find_app(p, "nope")
    assert find_app(p, "worker-bus").kind is AppKind.APP_SERVICE
    (workload,) = [a for a in p.apps if a.kind is AppKind.KUBERNETES_WORKLOAD]
    with pytest.raises(StepsError, match="Kubernetes workload"):
        app_target(workload)


def test_the_runner_leaves_the_workload_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(dumps(_plan()), encoding="utf-8")
    r = CliRunner().invoke(main, ["migrate", str(plan_file), "--app", WORKLOAD])
    assert r.exit_code == 2 and "by hand / via the emitted scripts" in r.stderr, r.output
    assert not (tmp_path / ".secretless").exists()  # no state: nothing was run
    r = CliRunner().invoke(main, ["migrate", str(plan_file), "--app", "worker-bus"])  # a dry run
    assert r.exit_code == 0, r.output
    assert "id-k8s-deployment" not in r.output and WORKLOAD not in r.output
