"""`secretless plan` through click's CliRunner: exit codes and which stream gets what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from migrate.cli import EXIT_CLEAN, EXIT_INCOMPLETE, EXIT_USAGE, main
from tests.migrate.estate_audit import az_export_document

ENV = {"COLUMNS": "300", "NO_COLOR": "1", "TERM": "dumb"}


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=ENV, catch_exceptions=False)


# The settings of the az-export document that hold a planted CANARY value.
PLANTED = {"Storage", "Orders", "AZURE_CLIENT_SECRET"}


def _planned_settings(plan: dict[str, Any]) -> set[str]:
    """The setting names behind the units of a plan document."""
    return {
        loc.rsplit(":", 1)[1] for app in plan["apps"] for unit in app["units"] for loc in unit["locations"]
    }


@pytest.fixture
def audit(tmp_path: Path) -> Path:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(az_export_document(tmp_path)), encoding="utf-8")
    return path


def test_json_to_stdout_summary_to_stderr(audit: Path) -> None:
    result = _invoke("plan", str(audit), "-f", "json")
    assert result.exit_code == EXIT_CLEAN
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1 and data["apps"]
    assert PLANTED <= _planned_settings(data)  # the secrets planted in the input are planned
    assert "plan:" in result.stderr and "plan:" not in result.stdout
    assert "CANARY" not in result.stdout + result.stderr


def test_output_file_defaults_to_json(audit: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = _invoke("plan", str(audit), "-o", str(out))
    assert result.exit_code == EXIT_CLEAN
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["tool"] == "secretless"
    assert str(out) in result.stderr


def test_table_view(audit: Path) -> None:
    result = _invoke("plan", str(audit))
    assert result.exit_code == EXIT_CLEAN
    assert "Identity: system-assigned" in result.stdout
    assert "Storage Blob Data Contributor" in result.stdout
    assert all(
        f"web-orders::{unit}" in result.stdout
        for unit in ("storage", "connectionstrings_orders", "azure_client_secret")
    )  # PLANTED
    assert "CANARY" not in result.stdout


def test_table_summary_once_on_stderr(audit: Path) -> None:
    units = sum(
        len(app["units"]) for app in json.loads(_invoke("plan", str(audit), "-f", "json").stdout)["apps"]
    )
    assert units  # the summary below counts something
    result = _invoke("plan", str(audit), "-f", "table")
    assert result.exit_code == EXIT_CLEAN
    assert "Identity: system-assigned" in result.stdout  # the view itself went to stdout

    def summaries(text: str) -> list[str]:
        return [line for line in text.splitlines() if "units" in line and "grants" in line]

    assert summaries(result.stdout) == []
    assert len(summaries(result.stderr)) == 1
    assert summaries(result.stderr)[0].startswith("plan: ") and f"{units} units" in result.stderr


def test_same_input_same_output(audit: Path) -> None:
    assert (
        _invoke("plan", str(audit), "-f", "json").stdout == _invoke("plan", str(audit), "-f", "json").stdout
    )


def test_not_json_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = _invoke("plan", str(bad))
    assert result.exit_code == EXIT_INCOMPLETE
    assert "cannot read" in result.stderr and result.stdout == ""


def test_wrong_schema_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps({"schema_version": 9, "items": []}), encoding="utf-8")
    result = _invoke("plan", str(bad))
    assert result.exit_code == EXIT_INCOMPLETE
    assert "schema_version 9" in result.stderr and result.stdout == ""


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = _invoke("plan", str(tmp_path / "nope.json"))
    assert result.exit_code == EXIT_USAGE


def test_bad_format_is_a_usage_error(audit: Path) -> None:
    assert _invoke("plan", str(audit), "-f", "xml").exit_code == EXIT_USAGE
