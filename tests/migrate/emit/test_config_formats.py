"""config.patch on a small fixture repository of every supported format: minimal line edits that
keep comments, apply with `git apply` and still load."""

from __future__ import annotations

import json
from pathlib import Path

import defusedxml.ElementTree as DET
import yaml

from migrate.emit.config_patch import ConfigPatchEmitter
from migrate.emit.model import context
from migrate.plan.records import Access, Basis, Removal, SettingAction, SettingChange, StageName, UnitPlan
from tests.migrate.emit.factories import app, plan
from tests.migrate.emit.gitpatch import git

FILES = {
    "svc/application.properties": "# storage\nspring.storage.conn=DefaultEndpointsProtocol=https;AccountKey=abc\nother=1\n",
    "svc/config.yaml": 'data:\n  # keep me\n  BUS: "Endpoint=sb://x/;SharedAccessKey=abc"\n  N: 1\n',
    "svc/web.config": (
        '<?xml version="1.0"?>\n<configuration>\n  <appSettings>\n'
        '    <add key="Storage" value="DefaultEndpointsProtocol=https;AccountKey=abc" />\n'
        "  </appSettings>\n</configuration>\n"
    ),
    "svc/.env": "# local\nSTORAGE=DefaultEndpointsProtocol=https;AccountKey=abc\nKEEP=1",
    "svc/appsettings.json": (
        '{\n  // comment stays\n  "ConnectionStrings": {\n'
        '    "Bus": "Endpoint=sb://x/;SharedAccessKey=abc"\n  },\n  "Other": true\n}\n'
    ),
}


def _setting(path: str, name: str, action: SettingAction, value: str | None) -> SettingChange:
    return SettingChange("u1", path, None, name, action, value, False, StageName.CHANGE_IN_STAGING, "r")


def test_every_format(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for rel, text in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    for args in (
        ("init", "-q"),
        ("add", "-A", "-f"),
        ("-c", "user.email=t@x.invalid", "-c", "user.name=t", "commit", "-qm", "f"),
    ):
        assert git(repo, *args).returncode == 0
    settings = (
        _setting(
            "svc/application.properties",
            "spring.storage.conn",
            SettingAction.REPLACE,
            "https://a.blob.core.windows.net",
        ),
        _setting("svc/config.yaml", "BUS", SettingAction.REPLACE, "x.servicebus.windows.net"),
        _setting(
            "svc/web.config", "Storage__blobServiceUri", SettingAction.ADD, "https://a.blob.core.windows.net"
        ),
        _setting("svc/.env", "STORAGE_URL", SettingAction.ADD, "https://a.blob.core.windows.net"),
        _setting(
            "svc/appsettings.json", "ConnectionStrings:Bus", SettingAction.REPLACE, "x.servicebus.windows.net"
        ),
        _setting(
            "svc/appsettings.json", "ConnectionStrings:BusClientId", SettingAction.ADD, "<client-id of id>"
        ),
        _setting("svc/appsettings.json", "Top", SettingAction.ADD, "t"),
    )
    removals = (
        Removal("u1", "Storage", "svc/web.config:4", StageName.REMOVE_SECRETS, "why"),
        Removal("u1", "STORAGE", "svc/.env:2", StageName.REMOVE_SECRETS, "why"),
    )
    unit = UnitPlan(
        "u1",
        "storage",
        "a",
        {},
        ("blob",),
        Access.WRITE,
        Basis.ASSUMED,
        (),
        (),
        ("svc/.env:2", "svc/web.config:4", "svc/appsettings.json:4"),
        (),
    )
    the_app = app(
        app="svc", kind="repository-project", slots=(), units=(unit,), settings=settings, removals=removals
    )
    out = ConfigPatchEmitter().emit(context(plan(the_app), the_app, repo))
    assert not out.notes
    patch = {a.path: a.text for a in out.artifacts}
    (tmp_path / "p").write_text(patch["config.patch"], encoding="utf-8")
    assert git(repo, "apply", str(tmp_path / "p")).returncode == 0
    props = (repo / "svc/application.properties").read_text(encoding="utf-8")
    assert props == "# storage\nspring.storage.conn=https://a.blob.core.windows.net\nother=1\n"
    data = yaml.safe_load((repo / "svc/config.yaml").read_text(encoding="utf-8"))
    assert data["data"] == {"BUS": "x.servicebus.windows.net", "N": 1}
    assert "# keep me" in (repo / "svc/config.yaml").read_text(encoding="utf-8")
    root = DET.fromstring((repo / "svc/web.config").read_bytes())
    assert [(e.get("key"), e.get("value")) for e in root.iter("add")] == [
        ("Storage__blobServiceUri", "https://a.blob.core.windows.net")
    ]
    assert (repo / "svc/.env").read_text(
        encoding="utf-8"
    ) == "# local\nSTORAGE_URL=https://a.blob.core.windows.net\nKEEP=1"
    js = (repo / "svc/appsettings.json").read_text(encoding="utf-8")
    assert "// comment stays" in js
    parsed = json.loads("\n".join(line for line in js.splitlines() if "//" not in line))
    assert parsed == {
        "Top": "t",
        "ConnectionStrings": {"BusClientId": "<client-id of id>", "Bus": "x.servicebus.windows.net"},
        "Other": True,
    }
    review = patch["config.review.diff"]
    assert "abc" not in review and "abc" not in patch["config.patch"]
