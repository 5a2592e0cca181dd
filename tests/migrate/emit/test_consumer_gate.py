"""Issue 12, problem 5: a configuration setting changes only together with every code consumer of it.

Fixture `tests/fixtures/repos/config-consumers/`: one .NET project whose `appsettings.json` holds a
storage key read by a BlobServiceClient (rewritten), an App Configuration connection string read by
`AddAzureAppConfiguration(string)`, a storage key read by the legacy `CloudStorageAccount.Parse`, a
SQL password read through System.Data.SqlClient and a Web PubSub connection string; the
`Development` file holds `UseDevelopmentStorage=true` and the `Release` file pipeline tokens.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.emit import EmitResult, csharp_rewrite, python_rewrite
from migrate.emit.config_patch import patch_file
from migrate.emit.model import context
from migrate.plan.records import Plan, SettingAction, SettingChange, StageName
from tests.migrate.emit.factories import app, plan
from tests.migrate.emit.gitpatch import git, repo_copy
from tests.migrate.emit.test_code_patch import _csharp_errors
from tests.migrate.fixture_repos import REPOS, emitted, planned, scan_document

NAME = "config-consumers"
PROJECT = "src/Reports.Web"


@pytest.fixture(scope="module")
def result() -> EmitResult:
    return emitted(NAME)


@pytest.fixture(scope="module")
def applied(result: EmitResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("gate")
    repo = repo_copy(REPOS / NAME, tmp / "repo")
    patches = sorted(p for p in result.files if p.endswith(".patch"))
    assert any(p.endswith("config.patch") for p in patches) and any(p.endswith("code.patch") for p in patches)
    for name in patches:
        patch = tmp / name.replace("/", "_")
        patch.write_text(result.files[name].text, encoding="utf-8")
        assert git(repo, "apply", str(patch)).returncode == 0, name
    return repo


def _settings(repo: Path, name: str = "appsettings.json") -> dict[str, object]:
    data: dict[str, object] = json.loads((repo / PROJECT / name).read_text(encoding="utf-8"))
    return data


def _notes(result: EmitResult) -> str:
    return "\n".join(n.text for n in result.notes)


def test_the_planted_secrets_were_found() -> None:
    found = {i["SettingName"] for i in scan_document(NAME)["items"] if i["ValueClass"] == "secret"}
    assert {
        "ConnectionStrings:Reports",
        "ConnectionStrings:AppConfig",
        "ConnectionStrings:Archive",
        "ConnectionStrings:Sql",
        "PubSub",
    } <= found


def test_a_rewritten_consumer_moves_with_its_setting(applied: Path) -> None:
    strings = _settings(applied)["ConnectionStrings"]
    assert isinstance(strings, dict)
    assert strings["Reports_Identity"] == "https://contosoreports.blob.core.windows.net"
    assert "Reports" not in strings  # the old one goes: its only consumer reads the new one first
    code = (applied / PROJECT / "ReportStore.cs").read_text(encoding="utf-8")
    assert 'GetConnectionString("Reports_Identity")' in code
    # until the new setting exists the old connection string still builds the client
    assert 'new BlobServiceClient(config.GetConnectionString("Reports"))' in code
    assert _csharp_errors(code.encode()) == []


@pytest.mark.parametrize(
    ("setting", "why", "site"),
    [
        ("AppConfig", "AddAzureAppConfiguration(string) takes a connection string", "Program.cs:2"),
        ("Archive", "move this code to Azure.Storage.Blobs", "LegacyArchive.cs:9"),
        ("Sql", "Microsoft.Data.SqlClient", "ReportsDb.cs:9"),
    ],
)
def test_a_consumer_without_the_identity_form_keeps_its_setting(
    applied: Path, result: EmitResult, setting: str, why: str, site: str
) -> None:
    strings = _settings(applied)["ConnectionStrings"]
    original = _settings(REPOS / NAME)["ConnectionStrings"]
    assert isinstance(strings, dict) and isinstance(original, dict)
    # before: replaced with an endpoint (or Active Directory Default) the code cannot use
    assert strings[setting] == original[setting]
    assert f"{setting}_Identity" not in strings
    note = next(line for line in _notes(result).splitlines() if f"ConnectionStrings:{setting}" in line)
    assert note.startswith("review:") and why in note and f"{PROJECT}/{site}" in note


def test_web_pubsub_is_not_deleted_with_nothing_in_its_place(applied: Path) -> None:
    assert _settings(applied)["PubSub"] == _settings(REPOS / NAME)["PubSub"]
    app = next(a for a in planned(NAME).apps if a.app == PROJECT)
    assert not any(r.what == "PubSub" for r in app.removals)
    assert any(r.code == "review-setting-kept" and "PubSub" in r.text for r in app.risks)


def test_emulator_and_tokenised_files_are_untouched(applied: Path) -> None:
    for name in ("appsettings.Development.json", "appsettings.Release.json"):
        assert (applied / PROJECT / name).read_bytes() == (REPOS / NAME / PROJECT / name).read_bytes()


@pytest.mark.parametrize(
    "value", ["UseDevelopmentStorage=true", "#{StorageConnection}#", "__STORAGE__", "$(Storage)"]
)
def test_a_change_on_an_emulator_or_tokenised_line_is_left_for_review(tmp_path: Path, value: str) -> None:
    text = json.dumps({"ConnectionStrings": {"Storage": value}}, indent=2) + "\n"
    change = SettingChange(
        "u1",
        "svc/appsettings.json",
        None,
        "ConnectionStrings:Storage",
        SettingAction.REPLACE,
        "https://a.blob.core.windows.net",
        False,
        StageName.CHANGE_IN_STAGING,
        "r",
    )
    the_app = app(app="svc", kind="repository-project", slots=(), settings=(change,))
    new, todo = patch_file(
        context(plan(the_app), the_app, tmp_path),
        "svc/appsettings.json",
        text,
        [change],
        [("ConnectionStrings:Storage", 2, "u1")],
    )
    assert new == text
    assert todo and "never rewritten" in todo[0]


def test_a_unit_is_changed_whole_or_not_at_all(tmp_path: Path) -> None:
    """An old value is never removed while its replacement cannot be written."""
    text = '{\n  "ConnectionStrings": {\n    "A": "x"\n  }\n}\n'
    add = SettingChange(
        "u1", "svc/a.json", None, "ConnectionStrings:A_Identity", SettingAction.ADD, None,
        False, StageName.CHANGE_IN_STAGING, "r",
    )  # fmt: skip
    the_app = app(app="svc", kind="repository-project", slots=(), settings=(add,))
    new, todo = patch_file(
        context(plan(the_app), the_app, tmp_path),
        "svc/a.json",
        text,
        [add],
        [("ConnectionStrings:A", 2, "u1")],
    )
    assert new == text and any("left unchanged for u1" in t for t in todo)


def test_code_reads_the_new_setting_names() -> None:
    cs = csharp_rewrite.rewrite(
        'var c = new QueueServiceClient(Environment.GetEnvironmentVariable("Q"));\n',
        [1],
        "CRED",
        {"Q": "Q_Identity"},
    )
    assert 'GetEnvironmentVariable("Q_Identity")!' in cs.text and cs.rewritten == (1,)
    py = python_rewrite.rewrite(
        'import os\nc = QueueServiceClient.from_connection_string(os.getenv("Q"))\n',
        [2],
        None,
        {"Q": "Q_Identity"},
    )
    assert 'QueueServiceClient(account_url=os.environ.get("Q_Identity"), credential=credential)' in py.text
    assert (
        'if os.environ.get("Q_Identity") else QueueServiceClient.from_connection_string(os.getenv("Q"))'
        in py.text
    )
    # an argument that does not name a setting of the plan is left for a person
    skipped = csharp_rewrite.rewrite(
        "var c = new QueueServiceClient(conn);\n", [1], "CRED", {"Q": "Q_Identity"}
    )
    assert skipped.rewritten == () and "does not read a setting" in skipped.skipped[0][1]


def test_plan_writes_side_by_side_names_for_files() -> None:
    p: Plan = planned(NAME)
    adds = {s.setting for a in p.apps for s in a.settings if s.action is SettingAction.ADD}
    assert "ConnectionStrings:Reports_Identity" in adds
    # the old setting is removed only in the remove-secrets stage
    assert any(
        r.what == "ConnectionStrings:Reports" and r.stage is StageName.REMOVE_SECRETS
        for a in p.apps
        for r in a.removals
    )


def test_a_key_in_a_repository_file_is_rotated_only_in_the_last_stage() -> None:
    """Item 4: the removal of a key found in a repository file does not ask for rotation: rotation is
    the last, gated stage, and only when every consumer the scan knows has moved."""
    removals = [r for a in planned(NAME).apps for r in a.removals if r.what == "ConnectionStrings:Reports"]
    assert removals
    for r in removals:
        assert "rotate it" not in r.why and "rotated only in the last stage" in r.why
    for a in planned(NAME).apps:
        for r in a.removals:
            if r.stage is not StageName.DISABLE_LOCAL_AUTH:
                assert "rotate" not in (r.command or ""), r


def test_a_live_setting_with_no_identity_form_is_kept() -> None:
    """The deployed app's Web PubSub connection string: no identity-based value the plan can write,
    so it is not deleted (before: removed in the remove-secrets stage with nothing in its place)."""
    from migrate.plan.planner import plan as make_plan
    from scanners.records import ServiceType
    from tests.migrate.plan.test_planner import doc, live_item, only_app

    endpoint = {"account": "wps1", "host": "wps1.webpubsub.azure.com"}
    app = only_app(make_plan(doc([live_item(ServiceType.WEB_PUBSUB, "PubSub", endpoint=endpoint)])))
    assert not any(r.what == "PubSub" for r in app.removals)
    assert not any(s.setting.startswith("PubSub") for s in app.settings)
    assert any(r.code == "review-setting-kept" for r in app.risks)


def test_a_kept_secret_keeps_local_auth_on() -> None:
    """The setting stays, so the key stays in use: the last stage must not switch local auth off."""
    from migrate.plan.planner import plan as make_plan
    from scanners.records import ServiceType
    from tests.migrate.plan.test_planner import doc, live_item, only_app

    endpoint = {"account": "wps1", "host": "wps1.webpubsub.azure.com"}
    app = only_app(make_plan(doc([live_item(ServiceType.WEB_PUBSUB, "PubSub", endpoint=endpoint)])))
    (change,) = [la for la in app.local_auth if la.service == "web-pubsub"]
    # before: `az webpubsub update --disable-local-auth` while the app still used its access key
    assert change.command is None
    assert any("no identity-based value" in c for c in change.remaining_consumers)
