"""Playbooks: every bundled one loads and covers the planner's services; broken ones fail with the
file and the field named."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.plan.records import StageName
from migrate.run.playbooks import (
    ACTIONS,
    CHECKS,
    UNDOS,
    Action,
    PlaybookError,
    load_bundled,
    load_playbook,
    resolve_command,
)

GOOD_STEP = """
  - id: s1
    stage: grant-roles
    title: "Grant {role}"
    why: because
    az: ["catalog:ARM_GRANT"]
    action: grant-role
    check: role-assignment-exists
    undo: delete-role-assignment
    destructive: false
"""


def test_every_bundled_playbook_loads_and_covers_the_services() -> None:
    books = load_bundled()
    for service in (
        "storage",
        "service-bus",
        "event-hubs",
        "cosmos-db",
        "azure-sql",
        "key-vault",
        "application-insights",
        "entra-id",
    ):
        assert service in books, service
    shared = books["shared"]
    assert {s.stage for s in shared.steps} >= set(StageName) - {StageName.INVENTORY}
    for book in books.values():
        for step in book.steps:
            for entry in step.az:
                assert resolve_command(entry)
            assert step.action in ACTIONS and step.check in CHECKS and step.undo in UNDOS
            if step.stage is StageName.REMOVE_SECRETS or step.stage is StageName.DISABLE_LOCAL_AUTH:
                # every change there is destructive; a person's step without a command (a check, a
                # deployment) changes nothing by itself
                assert step.destructive or (step.action is Action.MANUAL and not step.az), (
                    f"{book.path}: {step.id}"
                )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("playbook: x\nservice: x\nsteps: [", "not valid YAML"),
        ("- a\n- b\n", "expected a mapping"),
        ("playbook: x\nservice: x\nsteps: []\n", "steps: missing or empty"),
        ("playbook: x\nsteps:" + GOOD_STEP, "service: missing"),
        (
            "playbook: x\nservice: x\nsteps:" + GOOD_STEP.replace("    why: because\n", ""),
            "steps[0].why: missing",
        ),
        (
            "playbook: x\nservice: x\nsteps:" + GOOD_STEP.replace("grant-roles", "launch"),
            "steps[0].stage: unknown stage",
        ),
        (
            "playbook: x\nservice: x\nsteps:" + GOOD_STEP.replace("action: grant-role", "action: rm-rf"),
            "steps[0].action: unknown action",
        ),
        (
            "playbook: x\nservice: x\nsteps:"
            + GOOD_STEP.replace("check: role-assignment-exists", "check: vibes"),
            "steps[0].check: unknown check",
        ),
        (
            "playbook: x\nservice: x\nsteps:" + GOOD_STEP.replace("destructive: false", "destructive: maybe"),
            "steps[0].destructive: expected bool",
        ),
        (
            "playbook: x\nservice: x\nsteps:" + GOOD_STEP.replace("catalog:ARM_GRANT", "catalog:NOPE"),
            "steps[0].az[0]: catalog:NOPE is not a command",
        ),
        (
            "playbook: x\nservice: x\nsteps:" + GOOD_STEP.replace("Grant {role}", "Grant {rolee}"),
            "steps[0].title: unknown placeholder {rolee}",
        ),
        ("playbook: x\nservice: x\nsteps:" + GOOD_STEP + GOOD_STEP, "steps[1].id: duplicate id"),
        ("playbook: x\nservice: x\nsteps:" + GOOD_STEP + "    extra: 1\n", "steps[0].extra: unknown field"),
    ],
)
def test_broken_playbooks_name_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError) as err:
        load_playbook(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_validate_command(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["playbooks", "validate"])
    assert r.exit_code == 0, r.output
    assert "shared.yaml" in r.stdout and "bundled playbooks valid" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "playbook: x\nservice: x\nsteps:" + GOOD_STEP.replace("action: grant-role", "action: nope")
    )
    r = CliRunner().invoke(main, ["playbooks", "validate", str(bad)])
    assert r.exit_code == 3 and "steps[0].action" in r.stderr
