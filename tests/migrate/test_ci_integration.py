"""The shipped CI and pre-commit definitions use options the CLI really has, and the hook works."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from migrate.cli import main
from tests.migrate.estate_audit import REPO, write_key

WORKFLOWS = [REPO / "docs" / "ci" / "github-actions.yml", REPO / "docs" / "ci" / "azure-pipelines.yml"]


def _commands(doc: Any) -> list[list[str]]:
    """Every `secretless ...` command line in the run/script steps of a CI file."""
    out: list[list[str]] = []
    steps = doc.get("steps") or [s for job in (doc.get("jobs") or {}).values() for s in job["steps"]]
    for step in steps:
        script = step.get("run") or step.get("script") or ""
        for line in script.splitlines():
            line = line.strip()
            if line.startswith("secretless "):
                out.append(shlex.split(line)[1:])
    return out


def _check_options(args: list[str]) -> None:
    command = main.commands[args[0]]
    known = {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts + p.secondary_opts}
    unknown = [a for a in args[1:] if a.startswith("-") and a not in known]
    assert not unknown, f"secretless {args[0]} has no option {unknown}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_ci_examples_use_real_options(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    commands = _commands(doc)
    assert any(c[0] == "report" and "sarif" in c for c in commands)
    assert any(c[0] == "scan" and "--baseline" in c for c in commands)
    for args in commands:
        _check_options(args)


def test_github_workflow_uploads_sarif() -> None:
    doc = yaml.safe_load(WORKFLOWS[0].read_text(encoding="utf-8"))
    steps = doc["jobs"]["secretless"]["steps"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "secretless.sarif"
    assert doc["permissions"]["security-events"] == "write"


def test_pre_commit_hook_runs_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "secretless" and hook["language"] == "python"
    entry = shlex.split(hook["entry"])
    assert entry[0] == "secretless"
    argv = [*entry[1:], *hook.get("args", [])]
    _check_options(argv)
    key = write_key(tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("print('hello')\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    runner = CliRunner()
    clean = runner.invoke(main, [*argv, "--key-file", str(key)])
    assert clean.exit_code == 0, clean.output
    (repo / "settings.env").write_text(
        "STORAGE=DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey="
        + "Q" * 20
        + "x9Y8w7V6u5T4s3R2q1P0o9N8m7L6k5J4i3H2g1F0e9D8c7B6a5Z4y3X2w1V0u9T8s7R6q5=="
        + "\n",
        encoding="utf-8",
    )
    dirty = runner.invoke(main, [*argv, "--key-file", str(key)])
    assert dirty.exit_code == 1, dirty.output


def test_ci_run_installs_chromium_before_the_tests() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert script.index("apt-get install -y -qq chromium") < script.index("python -m pytest")
