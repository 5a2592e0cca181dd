"""Names from the input reach people as text, never as instructions (issue 14, item 15): no escape
sequence reaches the terminal raw, no link or image of the input is active in the Markdown report,
no CSV cell starts a formula; a `--set` null is refused; a Kubernetes Secret's `data:` stays base64."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from migrate.cli import main
from migrate.emit.config_patch import ConfigPatchEmitter
from migrate.emit.model import context
from migrate.plan.records import Access, Basis, SettingAction, SettingChange, StageName, UnitPlan
from migrate.reports.csv_table import safe_cell
from tests.conftest import TEST_KEY
from tests.migrate.emit.factories import app, plan
from tests.migrate.emit.gitpatch import git

KEY = "CANARYkey" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ98765432+/Qw=="
CONN = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={KEY};EndpointSuffix=core.windows.net"
ESC_NAME = "Storage\x1b]0;owned\x07\x1b[2J\x9b1A"
LINK_NAME = "[click](https://evil.example/) ![t](https://evil.example/x.png)"
CONTROLS = ("\x1b", "\x07", "\x9b")


def _scan(tmp_path: Path) -> tuple[Path, str, str]:
    repo = tmp_path / "repo"
    (repo / "odd\x1b[2Jname").mkdir(parents=True)
    settings = {ESC_NAME: CONN, LINK_NAME: CONN, '\n=HYPERLINK("https://evil.example")': CONN}
    (repo / "odd\x1b[2Jname" / "appsettings.json").write_text(
        json.dumps(settings, indent=2), encoding="utf-8"
    )
    key = tmp_path / "key"
    key.write_text(TEST_KEY.hex() + "\n", encoding="ascii")
    audit = tmp_path / "audit.json"
    runner = CliRunner()
    r = runner.invoke(main, ["scan", str(repo), "-f", "json", "-o", str(audit), "--key-file", str(key)])
    assert r.exit_code == 1, r.output
    table = runner.invoke(main, ["scan", str(repo), "--key-file", str(key)], env={"COLUMNS": "400"})
    narrow = runner.invoke(main, ["scan", str(repo), "--key-file", str(key)], env={"COLUMNS": "60"})
    return audit, table.stdout + table.stderr, narrow.stdout + narrow.stderr


def test_control_characters_and_links_from_the_input_are_neutralised(tmp_path: Path) -> None:
    audit, table, cards = _scan(tmp_path)
    doc = json.loads(audit.read_text(encoding="utf-8"))
    names = {i["SettingName"] for i in doc["items"] if i["ValueClass"] == "secret"}
    assert {ESC_NAME, LINK_NAME} <= names  # the hostile names were read as they are
    for out in (table, cards):
        assert "Storage" in out and "odd" in out
        assert not any(c in out for c in CONTROLS), repr(out)
        assert "\\x1b" in out
    runner = CliRunner()
    md = runner.invoke(main, ["report", str(audit), "-f", "md"]).stdout
    assert "Storage" in md and "click" in md
    assert "[click](" not in md and "![t](" not in md and not any(c in md for c in CONTROLS)
    csv = runner.invoke(main, ["report", str(audit), "-f", "csv"]).stdout
    assert "\"'\n=HYPERLINK" in csv and '"\n=' not in csv  # the cell starts with a quote mark


def test_csv_cells_never_start_a_formula() -> None:
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1+1", " =1", "\r\n@x"):
        assert safe_cell(cell).startswith("'"), repr(cell)
    assert safe_cell("contoso") == "contoso"


def test_set_refuses_null_and_empty_values(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text("{}", encoding="utf-8")
    runner = CliRunner()
    for value in ("null", "", "None", " "):
        r = runner.invoke(
            main, ["migrate", str(plan_file), "--app", "a", "--set", f"AZURE_CLIENT_ID={value}"]
        )
        assert r.exit_code == 2 and "--set AZURE_CLIENT_ID" in r.stderr and "no value" in r.stderr, r.stderr
    r = runner.invoke(main, ["migrate", str(plan_file), "--app", "a", "--set", "AZURE_CLIENT_ID=abc"])
    assert r.exit_code == 2 and "not a GUID" in r.stderr


def test_a_kubernetes_secret_data_value_stays_base64(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    encoded = base64.b64encode(CONN.encode()).decode()
    text = (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  STORAGE: {encoded}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  STORAGE: plain\n"
    )
    (repo / "k8s" / "app.yaml").write_text(text, encoding="utf-8")
    for args in (
        ("init", "-q"),
        ("add", "-A"),
        ("-c", "user.email=t@x.invalid", "-c", "user.name=t", "commit", "-qm", "f"),
    ):
        assert git(repo, *args).returncode == 0
    endpoint = "https://acct.blob.core.windows.net"
    settings = (
        SettingChange(
            "u1",
            "k8s/app.yaml",
            None,
            "STORAGE",
            SettingAction.REPLACE,
            endpoint,
            False,
            StageName.CHANGE_IN_STAGING,
            "r",
        ),
    )
    unit = UnitPlan(
        "u1", "storage", "acct", {}, ("blob",), Access.WRITE, Basis.ASSUMED, (), (), ("k8s/app.yaml:7",), ()
    )
    the_app = app(app="svc", kind="repository-project", slots=(), units=(unit,), settings=settings)
    out = ConfigPatchEmitter().emit(context(plan(the_app), the_app, repo))
    patch = {a.path: a.text for a in out.artifacts}
    assert not out.notes, out.notes
    (tmp_path / "p").write_text(patch["config.patch"], encoding="utf-8")
    assert git(repo, "apply", str(tmp_path / "p")).returncode == 0
    docs = list(yaml.safe_load_all((repo / "k8s" / "app.yaml").read_text(encoding="utf-8")))
    assert base64.b64decode(docs[0]["data"]["STORAGE"]).decode() == endpoint
    assert docs[1]["data"]["STORAGE"] == "plain"
