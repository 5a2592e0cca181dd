"""Every emitter template renders for every service the catalog plans, and its az commands pass
the command table; golden files pin the output of the bundled az-export example; Bicep is
well-formed; output is deterministic; the CLI writes OUTDIR and reports on stderr."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.emit import EMITTERS, EmitResult, emit_plan, write_outputs
from migrate.emit.az_scripts import SCRIPT_NAMES
from migrate.plan.records import AppKind, IdentityKind, Plan
from scanners.records import ServiceType
from tests.conftest import REPO
from tests.migrate.emit.az_table import check, extract
from tests.migrate.emit.factories import plan, planned_services, service_app
from tests.test_example_estate import _missing

GOLDEN = REPO / "tests" / "fixtures" / "golden" / "emit"


@pytest.mark.parametrize("app_kind", [AppKind.APP_SERVICE, AppKind.FUNCTION_APP])
@pytest.mark.parametrize("kind", list(IdentityKind))
@pytest.mark.parametrize("service", planned_services(), ids=lambda s: s.value)
def test_every_template_renders_for_every_planned_service(
    service: ServiceType, kind: IdentityKind, app_kind: AppKind
) -> None:
    from dataclasses import replace

    result = emit_plan(plan(replace(service_app(service, kind), kind=app_kind)), None)
    names = {p.split("/", 1)[1] for p in result.files if "/" in p}
    for script in SCRIPT_NAMES.values():
        assert {f"az/{script}.sh", f"az/{script}.ps1"} <= names
    assert "bicep/identity-and-roles.bicep" in names
    for path, artifact in result.files.items():
        if path.endswith((".sh", ".ps1")):
            for argv in extract(artifact.text, powershell=path.endswith(".ps1")):
                assert check(argv) == [], (path, argv)
        if path.endswith(".bicep"):
            assert_well_formed_bicep(artifact.text)


def test_registry_is_walked_by_emit() -> None:
    assert set(EMITTERS) == {"az-scripts", "config-patch", "code-patch", "bicep"}
    result = emit_plan(plan(service_app(ServiceType.STORAGE)), None)
    assert "README.md" in result.files


def _balanced(text: str) -> bool:
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for ch in re.sub(r"'(?:[^'\\]|\\.)*'|//[^\n]*", "''", text):
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack


def assert_well_formed_bicep(text: str) -> None:
    assert _balanced(text)
    blocks = re.split(r"^resource ", text, flags=re.MULTILINE)[1:]
    for block in blocks:
        header = block.splitlines()[0]
        assert re.match(r"^\w+ '[\w./-]+@\d{4}-\d{2}-\d{2}(-preview)?' (existing )?= \{$", header), header
        body = block.split("\n}\n", 1)[0]
        assert re.search(r"^  name: ", body, re.MULTILINE), header
        if " existing = " not in header:
            assert re.search(r"^  properties: ", body, re.MULTILINE), header
        if "roleAssignments@" in header:
            assert re.search(r"^  name: guid\(", body, re.MULTILINE)
            assert "principalType: 'ServicePrincipal'" in body
    declared = set(re.findall(r"^(?:param|resource) (\w+)", text, re.MULTILINE))
    for used in re.findall(r"\b(\w+)\.(?:id|properties)\b", text):
        assert used in declared, used


def test_bicep_of_the_examples_is_well_formed(
    example_emitted: EmitResult, az_export_emitted: EmitResult
) -> None:
    n = 0
    for result in (example_emitted, az_export_emitted):
        for path, artifact in result.files.items():
            if path.endswith(".bicep"):
                assert_well_formed_bicep(artifact.text)
                n += 1
    # three application projects of the example (infra/ is IaC: reviewed), its two Kubernetes manifests
    # (workloads: identity and role assignments) and web-orders
    assert n == 6


def test_output_is_deterministic(az_export_plan: Plan, az_export_emitted: EmitResult) -> None:
    again = emit_plan(az_export_plan, None)
    assert {p: a.text for p, a in again.files.items()} == {
        p: a.text for p, a in az_export_emitted.files.items()
    }


def _compare(result: EmitResult, golden: Path, only: tuple[str, ...] | None = None) -> None:
    files = {p: a.text for p, a in result.files.items() if only is None or p in only}
    if os.environ.get("UPDATE_GOLDEN"):
        for p, text in files.items():
            (golden / p).parent.mkdir(parents=True, exist_ok=True)
            (golden / p).write_text(text, encoding="utf-8", newline="\n")
    expected = {
        str(f.relative_to(golden)): f.read_text(encoding="utf-8") for f in golden.rglob("*") if f.is_file()
    }
    assert sorted(expected) == sorted(files)
    for p, text in files.items():
        assert text == expected[p], f"{p} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_golden_az_export(az_export_emitted: EmitResult) -> None:
    _compare(az_export_emitted, GOLDEN / "az-export")


def test_golden_example_selection(example_emitted: EmitResult) -> None:
    _compare(
        example_emitted,
        GOLDEN / "contoso-estate",
        (
            "README.md",
            "src-contoso-web/az/01-identity.sh",
            "src-contoso-web/az/02-grant-roles.ps1",
            "src-contoso-web/config.review.diff",
            "src-contoso-web/code.review.diff",
            "src-contoso-web/suggestions.md",
            "src-contoso-web/bicep/identity-and-roles.bicep",
            "src-contoso-functions/az/03-settings.sh",
            "services-ingest-py/code.review.diff",
            "services-ingest-py/sql/postgres-entra-role-server-contoso-pg-database-ingest.sql",
        ),
    )


def test_cli_emit(tmp_path: Path) -> None:
    from tests.migrate.emit.conftest import AZ_EXPORT, EXAMPLE  # noqa: F401

    runner = CliRunner()
    audit, plan_file, out = tmp_path / "audit.json", tmp_path / "plan.json", tmp_path / "out"
    key = tmp_path / "k"
    r = runner.invoke(main, ["scan", str(EXAMPLE), "-f", "json", "-o", str(audit), "--key-file", str(key)])
    assert r.exit_code == 1, r.output
    assert not _missing(json.loads(audit.read_text(encoding="utf-8")))  # every planted value was found
    assert runner.invoke(main, ["plan", str(audit), "-o", str(plan_file)]).exit_code == 0
    r = runner.invoke(main, ["emit", str(plan_file), "--repo", str(EXAMPLE), "-o", str(out)])
    assert r.exit_code == 0
    assert r.stdout == "" and "emit: wrote" in r.stderr
    assert (out / "README.md").is_file() and (out / "src-contoso-functions" / "config.patch").is_file()
    assert os.access(out / "src-contoso-web" / "az" / "01-identity.sh", os.X_OK)
    assert not any("CANARY" in p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())


def test_cli_emit_rejects_a_scan_document(tmp_path: Path) -> None:
    doc = tmp_path / "audit.json"
    doc.write_text('{"schema_version": 1, "items": []}', encoding="utf-8")
    r = CliRunner().invoke(main, ["emit", str(doc), "-o", str(tmp_path / "o")])
    assert r.exit_code == 3 and "not a plan document" in r.stderr


def test_write_outputs(tmp_path: Path) -> None:
    result = emit_plan(plan(service_app(ServiceType.SERVICE_BUS)), None)
    written = write_outputs(result, tmp_path)
    assert len(written) == len(result.files)


def test_families_select_emitters() -> None:
    result = emit_plan(plan(service_app(ServiceType.STORAGE)), None, families=("bicep",))
    assert sorted(result.files) == ["README.md", "rg-app-app-one/bicep/identity-and-roles.bicep"]


def test_slot_settings_and_functionapp_commands() -> None:
    from dataclasses import replace

    from migrate.plan.records import SettingAction, SettingChange, StageName

    base = service_app(ServiceType.STORAGE)
    settings = (
        SettingChange(
            base.units[0].unit,
            "app-setting",
            "staging",
            "Blob__serviceUri",
            SettingAction.ADD,
            "https://acct1.blob.core.windows.net",
            True,
            StageName.CHANGE_IN_STAGING,
            "r",
        ),
        SettingChange(
            base.units[0].unit,
            "app-setting",
            None,
            "Plain",
            SettingAction.ADD,
            "v",
            False,
            StageName.CHANGE_IN_STAGING,
            "r",
        ),
    )
    result = emit_plan(plan(replace(base, kind=AppKind.FUNCTION_APP, settings=settings)), None)
    argvs = [" ".join(a) for a in extract(result.files["rg-app-app-one/az/03-settings.sh"].text)]
    assert any(
        a.startswith("functionapp config appsettings set") and "--slot staging --slot-settings" in a
        for a in argvs
    )
    assert any(
        a.startswith("functionapp config appsettings set") and "--settings Plain=v" in a for a in argvs
    )
    swap = [" ".join(a) for a in extract(result.files["rg-app-app-one/az/05-swap.sh"].text)]
    assert any(
        a.startswith("functionapp deployment slot swap") and "--target-slot production" in a for a in swap
    )
    identity = [" ".join(a) for a in extract(result.files["rg-app-app-one/az/01-identity.sh"].text)]
    assert any("identity assign" in a and "--slot staging" in a for a in identity)
