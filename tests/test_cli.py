"""The `secretless` command line through click's CliRunner: options, exit codes, and which
stream gets what (results on stdout or `-o FILE`, the human summary and logs on stderr)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from migrate.cli import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, main

ENV = {"COLUMNS": "300", "NO_COLOR": "1", "TERM": "dumb"}

# Built at run time so this file holds no whole key-shaped literal.
FAKE_ACCOUNT_KEY = ("CLITEST" + "AbCdEfGh1234" * 7)[:86] + "=="
KV_REFERENCE = "@Microsoft.KeyVault(SecretUri=https://contoso-kv.vault.azure.net/secrets/sql-password/)"


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=ENV, catch_exceptions=False)


def _planted_found(doc: dict[str, Any]) -> bool:
    """The scan document reports the key planted in `secret_tree` (.env line 1) as a secret."""
    return any(
        i["ValueClass"] == "secret" and i["Location"].get("path") == ".env" and i["Location"].get("line") == 1
        for i in doc["items"]
    )


@pytest.fixture
def clean_tree(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    root.mkdir()
    (root / "app.py").write_text('print("hello")\n', encoding="utf-8")
    (root / "README.md").write_text("# nothing to see\n", encoding="utf-8")
    return root


@pytest.fixture
def secret_tree(tmp_path: Path) -> Path:
    root = tmp_path / "secret"
    root.mkdir()
    (root / ".env").write_text(
        "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=clitest;"
        f"AccountKey={FAKE_ACCOUNT_KEY};EndpointSuffix=core.windows.net\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def reference_tree(tmp_path: Path) -> Path:
    root = tmp_path / "reference"
    root.mkdir()
    (root / "appsettings.json").write_text(
        json.dumps({"Sql": {"Password": KV_REFERENCE}}, indent=2) + "\n", encoding="utf-8"
    )
    return root


def _scan(tree: Path, key_file: Path, *extra: str) -> Result:
    return _invoke("scan", str(tree), "--key-file", str(key_file), *extra)


def _doc(result: Result) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


# ------------------------------------------------------------------------------ --help


def test_help_lists_commands_and_options() -> None:
    result = _invoke("--help")
    assert result.exit_code == EXIT_CLEAN
    assert "scan" in result.stdout
    assert "--verbose" in result.stdout
    assert "--version" in result.stdout

    result = _invoke("scan", "--help")
    assert result.exit_code == EXIT_CLEAN
    for option in (
        "--format",
        "--output",
        "--fail-on",
        "--key-file",
        "--no-gitignore",
        "--include-vendored",
        "--exclude",
        "--max-file-size",
        "--jobs",
        "--no-generic",
        "--secrets-only",
    ):
        assert option in result.stdout, option
    for choice in ("table", "json", "secret", "reference", "none"):
        assert choice in result.stdout, choice


def test_short_help_option_works() -> None:
    assert _invoke("-h").exit_code == EXIT_CLEAN
    assert _invoke("scan", "-h").exit_code == EXIT_CLEAN


# ---------------------------------------------------------------------- usage errors


def test_nonexistent_path_is_a_usage_error(tmp_path: Path, key_file: Path) -> None:
    result = _scan(tmp_path / "no-such-dir", key_file)
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == ""
    assert "does not exist" in result.stderr


@pytest.mark.parametrize(
    "args", [["-f", "xml"], ["--fail-on", "sometimes"], ["--max-file-size", "0"], ["--no-such-option"]]
)
def test_bad_options_are_usage_errors(clean_tree: Path, key_file: Path, args: list[str]) -> None:
    result = _scan(clean_tree, key_file, *args)
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == ""


def test_no_command_shows_usage() -> None:
    result = _invoke()
    assert result.exit_code in (EXIT_CLEAN, EXIT_USAGE)
    assert "Usage" in result.stdout + result.stderr


# ------------------------------------------------------------------------ exit codes


def test_clean_tree_exits_0_with_only_the_table_on_stdout(clean_tree: Path, key_file: Path) -> None:
    result = _scan(clean_tree, key_file)
    assert result.exit_code == EXIT_CLEAN
    assert result.stdout.startswith("secretless scan: no findings in 2 files")
    # The one-line run summary and any logs go to stderr, never into the table output.
    assert "failing" not in result.stdout
    assert "failing" in result.stderr
    for noise in ("INFO", "DEBUG", "WARNING", "Traceback"):
        assert noise not in result.stdout


def test_clean_tree_json_is_empty(clean_tree: Path, key_file: Path) -> None:
    result = _scan(clean_tree, key_file, "-f", "json")
    assert result.exit_code == EXIT_CLEAN
    doc = _doc(result)
    assert doc["schema_version"] == 1
    assert doc["items"] == []
    assert doc["summary"]["items"] == 0


def test_secret_fails_by_default(secret_tree: Path, key_file: Path) -> None:
    result = _scan(secret_tree, key_file, "-f", "json")
    assert result.exit_code == EXIT_FINDINGS
    classes = {(i["ServiceType"], i["ValueClass"]) for i in _doc(result)["items"]}
    assert ("storage", "secret") in classes


def test_fail_on_none_exits_0_even_with_secrets(secret_tree: Path, key_file: Path) -> None:
    result = _scan(secret_tree, key_file, "--fail-on", "none")
    assert result.exit_code == EXIT_CLEAN
    assert "secret" in result.stdout  # still reported, just not failing


def test_fail_on_reference_fails_on_a_key_vault_reference(reference_tree: Path, key_file: Path) -> None:
    default = _scan(reference_tree, key_file, "-f", "json")
    assert default.exit_code == EXIT_CLEAN
    assert [i["ValueClass"] for i in _doc(default)["items"]] == ["reference"]

    strict = _scan(reference_tree, key_file, "-f", "json", "--fail-on", "reference")
    assert strict.exit_code == EXIT_FINDINGS

    assert _scan(reference_tree, key_file, "--fail-on", "none").exit_code == EXIT_CLEAN


def test_fail_on_reference_also_fails_on_secrets(secret_tree: Path, key_file: Path) -> None:
    assert _scan(secret_tree, key_file, "--fail-on", "reference").exit_code == EXIT_FINDINGS


# ------------------------------------------------------------------------- streams


def test_json_goes_to_stdout_and_summary_to_stderr(secret_tree: Path, key_file: Path) -> None:
    result = _scan(secret_tree, key_file, "-f", "json")
    doc = _doc(result)  # stdout is exactly one JSON document
    assert doc["schema_version"] == 1
    assert set(doc) >= {"schema_version", "items", "skipped", "summary"}
    assert _planted_found(doc)
    assert "failing" in result.stderr
    assert not result.stderr.lstrip().startswith("{")
    assert FAKE_ACCOUNT_KEY not in result.stdout + result.stderr


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_output_file_is_written_and_stdout_stays_empty(
    secret_tree: Path, key_file: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"result.{fmt}"
    result = _scan(secret_tree, key_file, "-f", fmt, "-o", str(out))
    assert result.exit_code == EXIT_FINDINGS
    assert result.stdout == ""
    assert out.is_file()
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert _planted_found(json.loads(text))
    else:
        assert "secretless scan" in text
        assert ".env:1" in text and "storage" in text and "secret" in text
    assert FAKE_ACCOUNT_KEY not in text
    assert "failing" in result.stderr


def test_json_file_matches_json_stdout(secret_tree: Path, key_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    to_file = _scan(secret_tree, key_file, "-f", "json", "-o", str(out))
    to_stdout = _scan(secret_tree, key_file, "-f", "json")
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
    assert to_file.exit_code == to_stdout.exit_code


def test_secrets_only_hides_other_classes(reference_tree: Path, key_file: Path) -> None:
    shown = _scan(reference_tree, key_file)
    hidden = _scan(reference_tree, key_file, "--secrets-only")
    assert "reference" in shown.stdout
    assert "azure-sql" in shown.stdout
    assert "azure-sql" not in hidden.stdout


def test_verbose_logs_go_to_stderr_only(secret_tree: Path, key_file: Path) -> None:
    result = _invoke("-v", "-v", "scan", str(secret_tree), "--key-file", str(key_file), "-f", "json")
    assert result.exit_code == EXIT_FINDINGS
    assert _planted_found(_doc(result))  # logging must not corrupt the JSON on stdout
    assert FAKE_ACCOUNT_KEY not in result.stdout + result.stderr


def test_default_key_is_created_outside_the_tree(secret_tree: Path, tmp_path: Path) -> None:
    # conftest points XDG_CONFIG_HOME into tmp_path: the default key lands there, not in the repo.
    result = _invoke("scan", str(secret_tree), "-f", "json")
    assert result.exit_code == EXIT_FINDINGS
    assert list((tmp_path / "xdg").rglob("*.key"))
    assert sorted(p.name for p in secret_tree.iterdir()) == [".env"]


def test_every_value_class_has_a_table_style() -> None:
    from migrate.reports.terminal import _CLASS_STYLE
    from scanners.records import ValueClass

    assert set(_CLASS_STYLE) == set(ValueClass)
