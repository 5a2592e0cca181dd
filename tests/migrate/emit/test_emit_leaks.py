"""Emit never writes a secret (issue 14, items 1-3 and 5): canary values planted in small
repositories, proven found by the scan, then looked for in every emitted file and in the bytes the
binary patches insert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migrate.emit import EmitResult, emit_plan
from migrate.emit.code_patch import CodePatchEmitter
from migrate.emit.model import context
from migrate.plan.planner import plan as make_plan
from migrate.plan.reader import read_plan
from migrate.plan.records import CodeChange, SettingAction, SettingChange, StageName
from scanners.fingerprint import Fingerprinter
from scanners.repository import RepositoryScanOptions
from scanners.scan_job import run_scan
from scanners.serialization import dumps
from tests.conftest import TEST_KEY
from tests.migrate.emit.factories import app, plan
from tests.migrate.emit.gitpatch import git, inserted_bytes

STORAGE_KEY = "CANARYk3y" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ98765432+/Qw=="
BUS_KEY = "CANARYsb" + "Zq9Yx8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0GfEdCbAz1234="
PY_KEY = "CANARYpy" + "Zq9Yx8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0GfEdCbAz5678="
OTHER_KEY = "CANARYot" + "hEr9Yx8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0GfEdCbAz5678abcdefghijklmnopqrstuvwxyz012345+/=="
PASSWORD = "CANARYSummer2024!"

CSPROJ = (
    '<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n'
    '    <PackageReference Include="Azure.Identity" Version="1.12.0" />\n  </ItemGroup>\n</Project>\n'
)


def _storage(account: str, key: str) -> str:
    return f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net"


def _bus(ns: str, key: str) -> str:
    return f"Endpoint=sb://{ns}.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={key}"


def _repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    for args in (
        ("init", "-q"),
        ("add", "-A", "-f"),
        ("-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "fixture"),
    ):
        assert git(root, *args).returncode == 0
    return root


def _pipeline(repo: Path) -> tuple[dict[str, Any], EmitResult]:
    result = run_scan(str(repo), TEST_KEY, RepositoryScanOptions(jobs=1), None, None, ())
    doc: dict[str, Any] = json.loads(dumps(result))
    return doc, emit_plan(read_plan(make_plan(doc).to_json()), repo)


def _assert_found(doc: dict[str, Any], path: str, secret: str) -> None:
    """The scan classed the planted secret as a secret, in that file (by its keyed fingerprint)."""
    fp = Fingerprinter(TEST_KEY).fingerprint(secret)
    assert any(
        i["Fingerprint"] == fp and i["Location"].get("path") == path and i["ValueClass"] == "secret"
        for i in doc["items"]
    ), f"the scan did not find the canary in {path}"


def _assert_absent(emitted: EmitResult, *secrets: str) -> None:
    assert emitted.files
    patches = 0
    for name, artifact in emitted.files.items():
        inserted = b"".join(inserted_bytes(artifact.text))
        patches += name.endswith(".patch")
        for secret in secrets:
            for piece in (secret, secret[6:20], secret[-16:]):
                assert piece not in artifact.text, f"{piece!r} in {name}"
                assert piece.encode() not in inserted, f"{piece!r} inserted by {name}"
    assert patches, "no patch was written: the test saw nothing"


def _apply_check(repo: Path, emitted: EmitResult, tmp_path: Path, name: str) -> None:
    for rel, artifact in emitted.files.items():
        if rel.endswith(name):
            (tmp_path / "p.patch").write_text(artifact.text, encoding="utf-8")
            result = git(repo, "apply", "--check", str(tmp_path / "p.patch"))
            assert result.returncode == 0, result.stderr


# --- item 1: literal connection strings in code -------------------------------------------------


def test_literal_connection_strings_are_replaced_by_their_endpoint(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path / "repo",
        {
            "src/App.csproj": CSPROJ,
            "src/Program.cs": (
                "using Azure.Storage.Blobs;\nusing Azure.Messaging.ServiceBus;\n\n"
                f'var blobs = new BlobServiceClient("{_storage("canaryacct", STORAGE_KEY)}");\n'
                f'var bus = new ServiceBusClient(@"{_bus("canary-ns", BUS_KEY)}");\n'
            ),
            "app.py": (
                "from azure.servicebus import ServiceBusClient\n\n"
                f'client = ServiceBusClient.from_connection_string("{_bus("canary-py", PY_KEY)}")\n'
            ),
        },
    )
    doc, emitted = _pipeline(repo)
    _assert_found(doc, "src/Program.cs", STORAGE_KEY)
    _assert_found(doc, "src/Program.cs", BUS_KEY)
    _assert_found(doc, "app.py", PY_KEY)
    _assert_absent(emitted, STORAGE_KEY, BUS_KEY, PY_KEY)
    reviews = "".join(a.text for p, a in emitted.files.items() if p.endswith("code.review.diff"))
    assert 'new BlobServiceClient(new Uri("https://canaryacct.blob.core.windows.net"), ' in reviews
    assert 'new ServiceBusClient("canary-ns.servicebus.windows.net", ' in reviews
    assert (
        'ServiceBusClient(fully_qualified_namespace="canary-py.servicebus.windows.net", credential='
        in reviews
    )
    _apply_check(repo, emitted, tmp_path, "code.patch")


def test_a_literal_without_a_derivable_endpoint_goes_to_suggestions(tmp_path: Path) -> None:
    conn = _storage("not_an_account_name", STORAGE_KEY)  # no valid host can be made of it
    repo = _repo(
        tmp_path / "repo",
        {
            "app.py": (
                "import os\nfrom azure.storage.blob import BlobServiceClient\n\n"
                f'client = BlobServiceClient.from_connection_string("{conn}")\n'
            ),
        },
    )
    doc, emitted = _pipeline(repo)
    _assert_found(doc, "app.py", STORAGE_KEY)
    suggestions = "".join(a.text for p, a in emitted.files.items() if p.endswith("suggestions.md"))
    assert "app.py:4" in suggestions and "connection string is written in the code" in suggestions
    assert not any(p.endswith("code.patch") for p in emitted.files)
    for artifact in emitted.files.values():
        assert STORAGE_KEY not in artifact.text and STORAGE_KEY[6:20] not in artifact.text


# --- item 2: minified configuration files --------------------------------------------------------


def test_a_one_line_config_never_re_emits_its_other_secrets(tmp_path: Path) -> None:
    settings = {
        "ConnectionStrings": {
            "Storage": _storage("canaryacct", STORAGE_KEY),
            "Other": _storage("otheracct", OTHER_KEY),
        }
    }
    web = (
        f'<configuration><connectionStrings><add name="Storage" connectionString="{_storage("canaryacct", STORAGE_KEY)}" />'
        f'<add name="Other" connectionString="{_storage("otheracct", OTHER_KEY)}" /></connectionStrings></configuration>\n'
    )
    repo = _repo(
        tmp_path / "repo",
        {
            "web/appsettings.json": json.dumps(settings) + "\n",
            "web/Program.cs": 'var c = new BlobServiceClient(cfg.GetConnectionString("Storage"));\n',
            "old/web.config": web,
        },
    )
    doc, emitted = _pipeline(repo)
    for path in ("web/appsettings.json", "old/web.config"):
        _assert_found(doc, path, STORAGE_KEY)
        _assert_found(doc, path, OTHER_KEY)
    for artifact in emitted.files.values():
        for secret in (STORAGE_KEY, OTHER_KEY):
            assert secret[6:20] not in artifact.text
            assert secret[6:20].encode() not in b"".join(inserted_bytes(artifact.text))
    readme = emitted.files["README.md"].text
    for rel in ("web/appsettings.json", "old/web.config"):
        # no patch (it would re-emit the other secret), or left for review (one line holds both entries)
        assert f"{rel}: no patch written" in readme or f"{rel}: review: left unchanged" in readme, rel


# --- item 3: what a patch reveals ------------------------------------------------------------------


def test_a_patch_quoting_no_secret_is_a_text_patch_without_a_preimage_id(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path / "repo",
        {
            "app.py": (
                "import os\nfrom azure.storage.blob import BlobServiceClient\n\n"
                'client = BlobServiceClient.from_connection_string(os.environ["STORAGE"])\n'
            ),
            ".env": f"STORAGE={_storage('canaryacct', STORAGE_KEY)}\n",
        },
    )
    doc, emitted = _pipeline(repo)
    _assert_found(doc, ".env", STORAGE_KEY)
    patch = next(a.text for p, a in emitted.files.items() if p.endswith("code.patch"))
    assert "diff --git a/app.py b/app.py" in patch and "GIT binary patch" not in patch
    assert "\nindex " not in patch
    _apply_check(repo, emitted, tmp_path, "code.patch")
    _assert_absent(emitted, STORAGE_KEY)


def test_a_guessable_secret_gets_no_patch_but_a_note(tmp_path: Path) -> None:
    sql = f"Server=tcp:canary-sql.database.windows.net,1433;Initial Catalog=orders;User ID=app;Password={PASSWORD};"
    repo = _repo(
        tmp_path / "repo",
        {
            "web/appsettings.json": json.dumps({"ConnectionStrings": {"Sql": sql}}, indent=2) + "\n",
            "web/Program.cs": 'var s = cfg.GetConnectionString("Sql");\n',
        },
    )
    doc, emitted = _pipeline(repo)
    _assert_found(doc, "web/appsettings.json", PASSWORD)
    assert not any(p.endswith("config.patch") for p in emitted.files)
    assert (
        "web/appsettings.json: no patch written: it removes a secret short or simple enough"
        in emitted.files["README.md"].text
    )
    for artifact in emitted.files.values():
        assert PASSWORD not in artifact.text


# --- item 5: an unparsable source file -----------------------------------------------------------


def test_an_unparsable_python_file_is_named_by_line_and_left_for_a_person(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "bad.py").write_text(
        'import os\nc = BlobServiceClient.from_connection_string(os.environ["S"])\n'
        f'x = ("Password={PASSWORD}" def\n',
        encoding="utf-8",
    )
    (repo / "good.py").write_text(
        'import os\nc = BlobServiceClient.from_connection_string(os.environ["S"])\n', encoding="utf-8"
    )
    changes = tuple(
        CodeChange("u1", f"{f}:2", "python-code:from-connection-string", "use the endpoint", "preview")
        for f in ("bad.py", "good.py")
    )
    beside = SettingChange(
        "u1", ".env", None, "S_Identity", SettingAction.ADD, "https://a.blob.core.windows.net", False,
        StageName.CHANGE_IN_STAGING, "side by side",
    )  # fmt: skip
    the_app = app(app="svc", kind="repository-project", slots=(), code_changes=changes, settings=(beside,))
    out = CodePatchEmitter().emit(context(plan(the_app), the_app, repo))
    files = {a.path: a.text for a in out.artifacts}
    assert "good.py" in files["code.patch"] and "bad.py" not in files["code.patch"]
    assert (
        "bad.py:2" in files["suggestions.md"] and "not parsed as Python at line 3" in files["suggestions.md"]
    )
    notes = [n.text for n in out.notes]
    assert (
        "bad.py: not parsed as Python at line 3: no automatic rewrite; its calls are in suggestions.md"
        in notes
    )
    for text in [*files.values(), *notes]:
        assert PASSWORD not in text and "Password=" not in text
