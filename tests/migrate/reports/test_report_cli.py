"""`secretless report` over plan documents, state files and folders of them: exit codes, streams
and the format choices."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from migrate.cli import main
from migrate.reports.documents import all_formats


def test_format_choices_cover_every_kind_of_report() -> None:
    option = next(p for p in main.commands["report"].params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == all_formats()
    assert {"md", "html", "json", "sarif", "csv"} == set(all_formats())


def test_plan_report_to_stdout_or_file(estate_plan: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    to_stdout = runner.invoke(main, ["report", str(estate_plan)])
    assert to_stdout.exit_code == 0, to_stdout.stderr
    assert to_stdout.stdout.startswith("# secretless migration plan")
    out = tmp_path / "plan.html"
    to_file = runner.invoke(main, ["report", str(estate_plan), "-f", "html", "-o", str(out)])
    assert to_file.exit_code == 0 and to_file.stdout == ""
    assert "wrote html report" in to_file.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_format_the_document_does_not_come_in_is_a_usage_error(estate_plan: Path) -> None:
    r = CliRunner().invoke(main, ["report", str(estate_plan), "-f", "sarif"])
    assert r.exit_code == 2 and r.stdout == ""
    assert "a plan report comes as md, html, json, not sarif" in r.stderr


def test_unreadable_plan_and_empty_folder_exit_3(estate_plan: Path, tmp_path: Path) -> None:
    raw = json.loads(estate_plan.read_text(encoding="utf-8"))
    raw["schema_version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(raw), encoding="utf-8")
    r = CliRunner().invoke(main, ["report", str(newer)])
    assert r.exit_code == 3 and "unsupported plan schema_version" in r.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    r = CliRunner().invoke(main, ["report", str(empty)])
    assert r.exit_code == 3 and "no state file" in r.stderr


def test_progress_of_a_state_file_and_a_folder(estate_plan: Path, tmp_path: Path) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    app = json.loads(estate_plan.read_text(encoding="utf-8"))["apps"][0]["app"]
    state = {"schema_version": 1, "tool": "secretless", "app": app, "principals": {}, "steps": {}}
    state["steps"] = {"identity/production": {"status": "done", "at": "2026-01-01T00:00:00Z"}}
    (folder / "a.json").write_text(json.dumps(state), encoding="utf-8")
    runner = CliRunner()
    one = runner.invoke(main, ["report", str(folder / "a.json"), "-f", "json"])
    assert one.exit_code == 0, one.stderr
    doc = json.loads(one.stdout)
    assert doc["kind"] == "progress-report" and doc["apps"][0]["overall"] == "in progress"
    both = runner.invoke(main, ["report", str(folder), "--plan", str(estate_plan)])
    assert both.exit_code == 0, both.stderr
    assert both.stdout.startswith("# secretless migration progress")
    assert "| done | pending | pending |" in both.stdout  # identity done, the rest not reached
    r = runner.invoke(main, ["report", str(estate_plan), "--plan", str(estate_plan)])
    assert r.exit_code == 2 and "--plan" in r.stderr
