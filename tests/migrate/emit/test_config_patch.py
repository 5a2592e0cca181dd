"""config.patch: applies with `git apply` to a copy of the repository it was made from, the patched
files still load, the migrated settings no longer hold secrets, and no patch quotes a secret."""

from __future__ import annotations

import json
from pathlib import Path

import defusedxml.ElementTree as DET
import pytest
import yaml

from migrate.emit import EmitResult
from migrate.emit.config_patch import file_kind
from migrate.emit.consumer_gate import held_units
from migrate.emit.model import context
from migrate.plan.catalog import is_literal
from migrate.plan.records import AppKind, Plan, SettingAction
from scanners import json_tokens
from scanners.records import ValueClass
from tests.conftest import file_location, scan_text
from tests.migrate.emit.conftest import EXAMPLE
from tests.migrate.emit.gitpatch import git, inserted_bytes, repo_copy


def _patched(example_emitted: EmitResult, tmp_path: Path) -> tuple[Path, list[str]]:
    repo = repo_copy(EXAMPLE, tmp_path / "repo")
    names = sorted(p for p in example_emitted.files if p.endswith("config.patch"))
    for name in names:
        patch = tmp_path / name.replace("/", "_")
        patch.write_text(example_emitted.files[name].text, encoding="utf-8")
        check = git(repo, "apply", "--check", str(patch))
        assert check.returncode == 0, (name, check.stderr)
        assert git(repo, "apply", str(patch)).returncode == 0
    return repo, names


def _load(path: Path, original: str) -> None:
    text = path.read_text(encoding="utf-8")
    kind = file_kind(path.name)
    if kind == "json":
        assert json_tokens.parse(text) is not None
        try:
            json.loads(original)
        except ValueError:
            return
        json.loads(text)  # strict JSON stays strict
    elif kind == "xml":
        DET.fromstring(text.encode("utf-8"))
    elif kind == "yaml":
        yaml.safe_load(text)
    elif kind == "env":
        for line in text.splitlines():
            assert not line.strip() or line.lstrip().startswith("#") or "=" in line, line


# Files whose patch would remove a password short enough to be guessed from the patch's blob id and
# sizes get no patch, only their review diff and a note (issue 14, item 3).
UNPATCHED = ("src/Contoso.Web/appsettings.json", "src/Contoso.Web/web.config")


def test_config_patches_apply_and_files_still_load(example_emitted: EmitResult, tmp_path: Path) -> None:
    repo, names = _patched(example_emitted, tmp_path)
    assert len(names) >= 2  # infra/ is IaC: reviewed, not patched; Contoso.Web: see UNPATCHED
    changed = git(repo, "diff", "--name-only").stdout.split()
    assert {"services/ingest-py/.env", "src/Contoso.Functions/local.settings.json"} <= set(changed)
    readme = example_emitted.files["README.md"].text
    for rel in UNPATCHED:
        assert rel not in changed and f"{rel}: no patch written: it removes a secret short" in readme
    for rel in changed:
        _load(repo / rel, (EXAMPLE / rel).read_text(encoding="utf-8"))


def _migrated(plan: Plan) -> dict[str, set[str]]:
    """file -> setting names the patch migrates (replaced with a value, or removed); a unit whose code
    consumers do not all read the new form keeps its settings (consumer_gate) and is not counted."""
    out: dict[str, set[str]] = {}
    for app in plan.apps:
        if app.kind is AppKind.KUBERNETES_WORKLOAD:
            continue  # its manifest changes are listed by hand: no config.patch (test_workload_scripts)
        held = held_units(context(plan, app, EXAMPLE), EXAMPLE)
        for s in app.settings:
            if s.unit in held:
                continue
            if (
                s.action is SettingAction.REPLACE
                and s.value_template
                and is_literal(s.value_template)
                and file_kind(s.where)
            ):
                out.setdefault(s.where, set()).add(s.setting.lower())
        for r in app.removals:
            path = r.where.rpartition(":")[0]
            if file_kind(path) and " " not in r.what and r.unit not in held:
                out.setdefault(path, set()).add(r.what.lower())
    return out


def test_rescan_shows_no_secret_for_migrated_settings(
    example_plan: Plan, example_emitted: EmitResult, tmp_path: Path
) -> None:
    repo, _ = _patched(example_emitted, tmp_path)
    migrated = {rel: names for rel, names in _migrated(example_plan).items() if rel not in UNPATCHED}
    assert migrated
    values = {s.setting.lower(): s.value_template for a in example_plan.apps for s in a.settings}
    for rel, names in migrated.items():
        text = (repo / rel).read_text(encoding="utf-8")
        assert "CANARY" not in "".join(
            line for line in text.splitlines() if any(n in line.lower() for n in names)
        )
        for item in scan_text(rel, text):
            if item.value_class is not ValueClass.SECRET or (item.setting_name or "").lower() not in names:
                continue
            # The env/properties name-only detector flags every *_CONNECTION_STRING name whatever its
            # value: accept it only when the line now holds the plan's endpoint-only value.
            assert item.detector == "env-properties:setting-name", (rel, item.setting_name, item.detector)
            line = text.splitlines()[file_location(item).line - 1]
            assert line.split("=", 1)[1] == values[(item.setting_name or "").lower()], (
                rel,
                item.setting_name,
            )


def test_no_secret_anywhere_in_the_output(example_emitted: EmitResult, az_export_emitted: EmitResult) -> None:
    # First, the output acts on the planted secrets (an empty scan would emit nothing to check):
    # config patches for the example's files, and az commands for every CANARY setting of the export.
    assert sum(p.endswith("config.patch") for p in example_emitted.files) >= 2  # infra/: IaC; see UNPATCHED
    scripts = "\n".join(a.text for p, a in az_export_emitted.files.items() if p.endswith(".sh"))
    assert all(f" {name}" in scripts for name in ("Storage", "Orders", "AZURE_CLIENT_SECRET"))
    inserted = 0
    for result in (example_emitted, az_export_emitted):
        assert result.files
        for path, artifact in result.files.items():
            assert "CANARY" not in artifact.text, path
            if path.endswith(".patch"):
                for data in inserted_bytes(artifact.text):
                    inserted += 1
                    assert b"CANARY" not in data, path
    assert inserted > 0, "no inserted line was looked at"


def test_review_diff_redacts_removed_secret_lines(example_emitted: EmitResult) -> None:
    review = example_emitted.files["src-contoso-web/config.review.diff"].text
    assert '-    "Storage": "***",' in review
    assert '-    <add key="AZURE_CLIENT_SECRET" value="***" />' in review
    # side by side: the identity-based value goes beside the old one under a new name
    assert '+    "Storage_Identity": "https://contosoprodstore.blob.core.windows.net",' in review


@pytest.mark.parametrize(
    "text", ['{\n  "A": {\n    "K": "old"\n  }\n}\n', '{\n  "A": {\n    "X": 1,\n    "K": "old"\n  }\n}']
)
def test_json_edit_keeps_strict_json_valid(text: str) -> None:
    from migrate.emit.config_formats import fix_commas

    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if '"K"' not in line]
    assert json.loads("".join(fix_commas(kept)))
