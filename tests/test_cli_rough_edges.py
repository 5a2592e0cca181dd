"""The CLI as a new user meets it: one error boundary with documented exit codes, `-o` into a
missing folder, an unknown `--app`, signing in, the state file, the terminal table and `--help`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from migrate.cli import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_USAGE,
    PIPELINE_ORDER,
    main,
)
from scanners import azure_arm, sign_in
from scanners.errors import SignInError

FAKE_ACCOUNT_KEY = ("EDGETEST" + "AbCdEfGh1234" * 7)[:86] + "=="
DEEP_PATH = "services/orders-api/src/Contoso.Orders.Infrastructure/Configuration/Production/appsettings.json"
AZ_EXPORT = Path(__file__).resolve().parents[1] / "examples" / "az-export"


def _invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main, list(args), env={"NO_COLOR": "1", "TERM": "dumb", **(env or {})}, catch_exceptions=False
    )


@pytest.fixture
def deep_tree(tmp_path: Path) -> Path:
    """A storage key in a file whose path is longer than a narrow terminal's table column."""
    root = tmp_path / "deep"
    target = root / DEEP_PATH
    target.parent.mkdir(parents=True)
    target.write_text(
        json.dumps(
            {
                "ConnectionStrings": {
                    "Storage": (
                        "DefaultEndpointsProtocol=https;AccountName=edgetest;"
                        f"AccountKey={FAKE_ACCOUNT_KEY};EndpointSuffix=core.windows.net"
                    )
                }
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def audit(deep_tree: Path, key_file: Path, tmp_path: Path) -> Path:
    out = tmp_path / "audit.json"
    assert (
        _invoke("scan", str(deep_tree), "--key-file", str(key_file), "-o", str(out), "-f", "json").exit_code
        == EXIT_FINDINGS
    )
    return out


@pytest.fixture
def repo_plan(audit: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan.json"
    assert _invoke("plan", str(audit), "-o", str(out)).exit_code == EXIT_CLEAN
    return out


@pytest.fixture
def estate_plan(key_file: Path, tmp_path: Path) -> Path:
    audit = tmp_path / "estate.json"
    scanned = _invoke(
        "scan", "--az-export", str(AZ_EXPORT), "--key-file", str(key_file), "-f", "json", "-o", str(audit)
    )
    assert scanned.exit_code == EXIT_FINDINGS, scanned.stderr
    out = tmp_path / "estate-plan.json"
    assert _invoke("plan", str(audit), "-o", str(out)).exit_code == EXIT_CLEAN
    return out


# ----------------------------------------------------------------------- -o into no folder


def _command(
    name: str, deep_tree: Path, key_file: Path, audit: Path, repo_plan: Path, out: Path
) -> list[str]:
    return {
        "scan": ["scan", str(deep_tree), "--key-file", str(key_file), "-o", str(out)],
        "plan": ["plan", str(audit), "-o", str(out)],
        "report": ["report", str(audit), "-o", str(out)],
        "emit": ["emit", str(repo_plan), "-o", str(out)],
    }[name]


@pytest.mark.parametrize("command", ["scan", "plan", "report", "emit"])
def test_output_into_a_missing_folder_is_a_message_and_exit_3(
    command: str, deep_tree: Path, key_file: Path, audit: Path, repo_plan: Path, tmp_path: Path
) -> None:
    out = tmp_path / "no-such-folder" / "result"
    result = _invoke(*_command(command, deep_tree, key_file, audit, repo_plan, out))
    assert result.exit_code == EXIT_INCOMPLETE
    assert result.stdout == ""
    assert f"cannot write {out}: the folder {out.parent} does not exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.parent.exists()


def test_output_into_an_existing_folder_works_for_every_command(
    deep_tree: Path, key_file: Path, audit: Path, repo_plan: Path, tmp_path: Path
) -> None:
    for command in ("scan", "plan", "report", "emit"):
        out = tmp_path / f"{command}-out"
        result = _invoke(*_command(command, deep_tree, key_file, audit, repo_plan, out))
        assert result.exit_code in (EXIT_CLEAN, EXIT_FINDINGS), (command, result.stderr)
        assert out.exists(), command


# ----------------------------------------------------------------------- the error boundary


def test_a_typed_error_is_one_line_and_exit_3(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    for command in ("plan", "report", "emit"):
        result = _invoke(command, str(broken), *(["-o", str(tmp_path / "o")] if command == "emit" else []))
        assert result.exit_code == EXIT_INCOMPLETE, command
        assert result.stderr == f"secretless: cannot read {broken} as JSON (JSONDecodeError)\n"
        assert result.stdout == ""


def test_a_document_error_names_the_file(tmp_path: Path) -> None:
    doc = tmp_path / "not-a-scan.json"
    doc.write_text('{"hello": 1}', encoding="utf-8")
    result = _invoke("report", str(doc))
    assert result.exit_code == EXIT_INCOMPLETE
    assert result.stderr.startswith(f"secretless: {doc}: not a secretless")


def test_an_unexpected_error_names_the_command_never_its_message(
    audit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = "SECRET-IN-AN-EXCEPTION-MESSAGE"

    def explode(_raw: Any, **_options: Any) -> Any:
        raise ValueError(planted)

    monkeypatch.setattr("migrate.plan.planner.plan", explode)
    result = _invoke("plan", str(audit))
    assert result.exit_code == EXIT_INCOMPLETE
    assert "plan stopped on an unexpected ValueError" in result.stderr
    assert planted not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr

    # -vv asks for the traceback, on stderr
    verbose = _invoke("-vv", "plan", str(audit))
    assert verbose.exit_code == EXIT_INCOMPLETE
    assert "Traceback" in verbose.stderr and "ValueError" in verbose.stderr


def test_an_interrupt_exits_3(audit: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(_raw: Any, **_options: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("migrate.plan.planner.plan", interrupt)
    result = _invoke("plan", str(audit))
    assert result.exit_code == EXIT_INCOMPLETE
    assert "plan: interrupted" in result.stderr


# ----------------------------------------------------------------------- migrate --app


def test_an_unknown_app_is_a_usage_error_naming_the_apps(estate_plan: Path) -> None:
    result = _invoke("migrate", str(estate_plan), "--app", "web-order")
    assert result.exit_code == EXIT_USAGE
    assert "the plan has no app 'web-order' (apps: web-orders)" in result.stderr
    assert result.stdout == ""


def test_a_repository_plan_says_how_to_get_an_estate_plan(repo_plan: Path) -> None:
    apps = [a["app"] for a in json.loads(repo_plan.read_text(encoding="utf-8"))["apps"]]
    assert apps, "the repository plan must have a project to name"
    result = _invoke("migrate", str(repo_plan), "--app", apps[0])
    assert result.exit_code == EXIT_USAGE
    for hint in ("repository scan", "--subscription", "--az-export", "secretless emit"):
        assert hint in result.stderr, hint


# ----------------------------------------------------------------------- sign-in and state


@pytest.mark.parametrize("credential", list(sign_in.CREDENTIALS))
def test_execute_without_a_sign_in_says_how_to_sign_in(
    credential: str, estate_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NotSignedIn:
        async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            from azure.identity import CredentialUnavailableError

            raise CredentialUnavailableError("tool output that could hold anything")

    monkeypatch.setattr("scanners.azure_arm.build_credential", lambda name, client_id=None: NotSignedIn())
    monkeypatch.chdir(tmp_path)
    result = _invoke(
        "migrate", str(estate_plan), "--app", "web-orders", "--execute", "--yes", "--credential", credential
    )
    assert result.exit_code == EXIT_INCOMPLETE
    assert f"cannot sign in with the {credential} credential (CredentialUnavailableError)" in result.stderr
    assert sign_in.CREDENTIALS[credential].sign_in in result.stderr
    assert "tool output" not in result.stderr
    assert not (tmp_path / ".secretless").exists(), "no step ran, so no state was written"


def test_sign_in_choices_come_from_the_registry() -> None:
    for command in ("scan", "migrate"):
        params = {p.name: p for p in main.commands[command].params}
        credential, cloud = params["credential"], params["cloud"]
        assert isinstance(credential.type, click.Choice) and isinstance(cloud.type, click.Choice)
        assert list(credential.type.choices) == list(sign_in.CREDENTIALS)
        assert list(cloud.type.choices) == list(sign_in.CLOUDS)
        assert credential.default == sign_in.DEFAULT_CREDENTIAL
        assert "client_id" in params and "arm_endpoint" in params


def test_every_credential_choice_builds_or_says_how_to_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(variable, raising=False)
    built = 0
    for name, choice in sign_in.CREDENTIALS.items():
        assert choice.sign_in
        try:
            credential = azure_arm.build_credential(name)
        except SignInError as exc:
            assert choice.sign_in in str(exc)
            continue
        assert type(credential).__name__ == choice.identity_class
        built += 1
    assert built >= 3


def test_the_state_file_is_kept_under_the_state_folder_and_named(
    estate_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakearm.creds import AsyncStaticTokenCredential

    class Unreachable:
        async def __aenter__(self) -> Any:
            raise RuntimeError("no Azure here")

        async def __aexit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(
        "scanners.azure_arm.build_credential", lambda name, client_id=None: AsyncStaticTokenCredential()
    )
    monkeypatch.setattr("migrate.run.azure_changes.AppServiceChanges", lambda *a, **k: Unreachable())
    monkeypatch.chdir(tmp_path)
    result = _invoke("migrate", str(estate_plan), "--app", "web-orders", "--execute", "--yes")
    state = Path(".secretless") / "state" / "rg-orders.web-orders.json"
    assert f"progress is saved to the state file {state}" in result.stderr
    assert result.exit_code == EXIT_INCOMPLETE
    assert "stopped on an unexpected RuntimeError" in result.stderr
    assert not list(tmp_path.glob(".secretless-migrate-*")), "nothing lands in the current folder itself"


# ----------------------------------------------------------------------- the terminal table


def _table_lines(result: Result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.strip()]


def test_piped_table_honours_columns(deep_tree: Path, key_file: Path) -> None:
    for columns in (80, 120, 250):
        result = _invoke("scan", str(deep_tree), "--key-file", str(key_file), env={"COLUMNS": str(columns)})
        assert result.exit_code == EXIT_FINDINGS
        lines = _table_lines(result)
        assert lines and max(len(line) for line in lines) <= columns, columns
        if columns > len(DEEP_PATH) + 4:
            assert f"{DEEP_PATH}:" in result.stdout, "a path that fits is never broken mid-word"


def test_narrow_terminal_shows_cards_not_a_broken_table(deep_tree: Path, key_file: Path) -> None:
    result = _invoke("scan", str(deep_tree), "--key-file", str(key_file), env={"COLUMNS": "100"})
    assert result.exit_code == EXIT_FINDINGS
    assert f"{DEEP_PATH}:" in result.stdout
    assert "secret storage" in result.stdout
    assert FAKE_ACCOUNT_KEY not in result.stdout + result.stderr


def test_wide_terminal_shows_the_table(deep_tree: Path, key_file: Path) -> None:
    result = _invoke("scan", str(deep_tree), "--key-file", str(key_file), env={"COLUMNS": "250"})
    assert "┃ Location" in result.stdout
    assert f"{DEEP_PATH}:" in result.stdout


def test_piped_without_columns_is_not_folded(
    deep_tree: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    result = _invoke("scan", str(deep_tree), "--key-file", str(key_file))
    assert "┃ Location" in result.stdout and f"{DEEP_PATH}:" in result.stdout


def test_the_summary_is_printed_once_on_stderr(deep_tree: Path, key_file: Path) -> None:
    result = _invoke("scan", str(deep_tree), "--key-file", str(key_file), env={"COLUMNS": "250"})
    summary = re.compile(r"\d+ items \(.*\) in \d+ files, \d+ failing")
    assert len(summary.findall(result.stderr)) == 1
    assert not summary.search(result.stdout)
    assert "items" not in result.stdout.split("┘")[-1], "no footer under the table"


def test_an_empty_scan_says_no_findings_instead_of_an_empty_frame(tmp_path: Path, key_file: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "app.py").write_text("print('hello')\n", encoding="utf-8")
    result = _invoke("scan", str(clean), "--key-file", str(key_file), env={"COLUMNS": "120"})
    assert result.exit_code == EXIT_CLEAN
    assert result.stdout == "secretless scan: no findings in 1 files\n"


def test_secrets_only_with_no_secrets_says_what_was_hidden(tmp_path: Path, key_file: Path) -> None:
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "appsettings.json").write_text(
        json.dumps(
            {
                "Sql": {
                    "Password": (
                        "@Microsoft.KeyVault(SecretUri=https://contoso-kv.vault.azure.net/secrets/sql-password/)"
                    )
                }
            }
        ),
        encoding="utf-8",
    )
    result = _invoke("scan", str(ref), "--key-file", str(key_file), "--secrets-only", env={"COLUMNS": "120"})
    assert "no secrets" in result.stdout and "1 other findings hidden by --secrets-only" in result.stdout
    assert "┃" not in result.stdout


def test_report_and_plan_count_the_same_apps_with_the_same_word(key_file: Path, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "contoso-estate"
    audit = tmp_path / "audit.json"
    assert (
        _invoke("scan", str(example), "--key-file", str(key_file), "-f", "json", "-o", str(audit)).exit_code
        == EXIT_FINDINGS
    )
    planned = _invoke("plan", str(audit), "-o", str(tmp_path / "plan.json"))
    reported = _invoke("report", str(audit))
    plan_count = re.search(r"of (\d+) apps with findings", planned.stderr)
    report_count = re.search(r"(\d+) apps with findings", reported.stdout)
    assert plan_count and report_count, (planned.stderr, reported.stdout[:400])
    assert plan_count.group(1) == report_count.group(1)
    assert int(plan_count.group(1)) > 1


# ----------------------------------------------------------------------- --help


def test_top_level_help_lists_commands_in_pipeline_order_with_one_line_summaries() -> None:
    result = _invoke("--help", env={"COLUMNS": "80"})
    assert result.exit_code == EXIT_CLEAN
    commands = result.stdout.split("Commands:", 1)[1].splitlines()
    rows = [line.split(None, 1) for line in commands if line.startswith("  ") and not line.startswith("   ")]
    names = [row[0] for row in rows]
    assert (
        names[: len(PIPELINE_ORDER)] == list(PIPELINE_ORDER) == ["scan", "plan", "emit", "migrate", "report"]
    )
    for name, summary in rows:
        assert summary.endswith("."), (name, summary)
        assert "..." not in summary and "secretless " not in summary and "-o " not in summary, (name, summary)
