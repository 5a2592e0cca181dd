"""Reports: every format from the example estate, the SARIF schema, CSV safety, escaping, no leaks."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.reports import RENDERERS, ReportError, UnsupportedDocumentError, load_report
from migrate.reports.csv_table import COLUMNS, safe_cell
from migrate.reports.model import Report
from migrate.reports.templating import markdown_cell
from tests.conftest import DATA, file_location
from tests.migrate.estate_audit import az_export_document, estate_document
from tests.test_example_estate import _canaries, _leaks, _manifest

SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("key")


@pytest.fixture(scope="module")
def doc(key_dir: Path) -> dict[str, Any]:
    return estate_document(key_dir)


@pytest.fixture(scope="module")
def estate_report(doc: dict[str, Any]) -> Report:
    return load_report(doc)


@pytest.fixture(scope="module")
def app_report(key_dir: Path) -> Report:
    return load_report(az_export_document(key_dir))


def _hostile_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """The estate document with a path and a setting name that carry markup and formulas."""
    hostile: dict[str, Any] = json.loads(json.dumps(doc))
    first = hostile["items"][0]
    first["Location"]["path"] = "src/<script>alert(1)</script>/app|settings.json"
    first["SettingName"] = "<script>alert(1)</script>"
    hostile["items"][1]["SettingName"] = '=HYPERLINK("x")'
    hostile["skipped"] = [
        {"target": "<img src=x onerror=alert(1)>", "reason": "binary", "detail": "a|b", "partial": False}
    ]
    return hostile


# ------------------------------------------------------------------------- registry


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_renderer_renders_both_example_inputs(
    fmt: str, estate_report: Report, app_report: Report
) -> None:
    for report in (estate_report, app_report):
        text = RENDERERS[fmt].render(report)
        assert text.strip()
        assert RENDERERS[fmt].render(report) == text, "output must be deterministic"


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_no_canary_reaches_any_report(fmt: str, estate_report: Report) -> None:
    planted = {(e["path"], e["line"]) for e in _manifest() if e["value_class"] == "secret"}
    reported = {
        (getattr(f.item.location, "path", None), getattr(f.item.location, "line", None))
        for f in estate_report.findings
        if f.item.value_class == "secret"
    }
    assert planted and planted <= reported, sorted(
        planted - reported
    )  # the report holds every planted secret
    text = RENDERERS[fmt].render(estate_report)
    leaks = _leaks(text, _canaries())
    assert not leaks, leaks


def test_cli_format_choices_are_the_registry() -> None:
    cmd = main.commands["report"]
    option = next(p for p in cmd.params if p.name == "fmt")
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == list(RENDERERS)


# ------------------------------------------------------------------------------ CLI


def test_report_goes_to_stdout_or_file(doc: dict[str, Any], tmp_path: Path) -> None:
    audit = tmp_path / "audit.json"
    audit.write_text(json.dumps(doc), encoding="utf-8")
    runner = CliRunner()
    to_stdout = runner.invoke(main, ["report", str(audit), "-f", "md"])
    assert to_stdout.exit_code == 0
    assert to_stdout.stdout.startswith("# secretless report")
    out = tmp_path / "report.md"
    to_file = runner.invoke(main, ["report", str(audit), "-f", "md", "-o", str(out)])
    assert to_file.exit_code == 0 and to_file.stdout == ""
    assert out.read_text(encoding="utf-8") == to_stdout.stdout


def test_plan_document_is_refused_clearly(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"schema_version": 1, "tool": "secretless", "kind": "plan", "steps": []}))
    result = CliRunner().invoke(main, ["report", str(plan)])
    assert result.exit_code == 3
    assert "not a plan this version reads" in result.stderr
    assert result.stdout == ""
    with pytest.raises(UnsupportedDocumentError):
        load_report({"kind": "plan"})


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"tool": "other", "items": []}',
        '{"tool": "secretless", "schema_version": 99, "items": []}',
        '{"tool": "secretless", "schema_version": 1, "items": [{"Location": {}}]}',
    ],
)
def test_bad_documents_exit_3(content: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(bad), "-f", "html"])
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_load_report_rejects_unknown_enum_values(doc: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(doc))
    broken["items"][0]["ValueClass"] = "mystery"
    with pytest.raises(ReportError):
        load_report(broken)


# ---------------------------------------------------------------------------- model


def test_model_groups_by_application_and_counts(estate_report: Report, doc: dict[str, Any]) -> None:
    assert len(estate_report.findings) == len(doc["items"])
    assert {c.label: c.count for c in estate_report.by_service} == doc["summary"]["by_service"]
    assert {c.label: c.count for c in estate_report.by_value_class} == doc["summary"]["by_value_class"]
    assert estate_report.by_value_class[0].label == "secret"
    assert sum(len(a.findings) for a in estate_report.applications) == len(doc["items"])
    names = [a.name for a in estate_report.applications]
    assert names == sorted(names) and "src/Contoso.Web" in names


def test_app_service_locations_read_as_site_and_setting(app_report: Report) -> None:
    wheres = {f.where for f in app_report.findings}
    assert any(w.endswith("/rg-orders/web-orders:AZURE_CLIENT_SECRET") for w in wheres)
    # named and grouped as the plan names apps (slots included): a report and a plan count the same apps
    assert [a.name.split("/", 1)[1] for a in app_report.applications] == ["rg-orders/web-orders"]


# ----------------------------------------------------------------------------- SARIF


def _sarif(report: Report) -> dict[str, Any]:
    sarif: dict[str, Any] = json.loads(RENDERERS["sarif"].render(report))
    return sarif


@pytest.mark.parametrize("which", ["estate", "app-service"])
def test_sarif_validates_against_the_official_schema(
    which: str, estate_report: Report, app_report: Report
) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    sarif = _sarif(estate_report if which == "estate" else app_report)
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    assert sarif["runs"][0]["results"]


def test_sarif_rules_results_and_fingerprints(estate_report: Report) -> None:
    run = _sarif(estate_report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids))
    assert "secretless/storage/account-key" in ids
    for rule in rules:
        assert "How to migrate" in rule["help"]["text"]
        assert "**How to migrate:**" in rule["help"]["markdown"]
    assert "informationUri" not in run["tool"]["driver"]
    by_class = {"secret": "error", "reference": "warning"}
    emitted = {f.item.item_id: f for f in estate_report.findings}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        item = emitted[result["partialFingerprints"]["secretlessItemId/v1"]].item
        assert result["partialFingerprints"]["secretlessValue/v1"] == item.fingerprint
        assert result["level"] == by_class.get(str(item.value_class), "note")
        phys = result["locations"][0]["physicalLocation"]
        assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not phys["artifactLocation"]["uri"].startswith("/")
        assert phys["region"]["startLine"] == file_location(item).line
    not_emitted = {"placeholder", "dev-emulator", "passwordless"}
    assert len(run["results"]) == sum(
        1 for f in estate_report.findings if str(f.item.value_class) not in not_emitted
    )


def test_sarif_app_service_items_are_logical_locations(app_report: Report) -> None:
    results = _sarif(app_report)["runs"][0]["results"]
    for result in results:
        (loc,) = result["locations"]
        assert "physicalLocation" not in loc
        assert loc["logicalLocations"][0]["kind"] == "resource"


# ------------------------------------------------------------------------------- CSV


def test_csv_columns_and_locations(estate_report: Report, app_report: Report) -> None:
    rows = list(csv.reader(io.StringIO(RENDERERS["csv"].render(estate_report))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0][:4] == ["Location", "ServiceType", "CanUseManagedIdentity", "RecommendedReplacement"]
    assert len(rows) == len(estate_report.findings) + 1
    assert all(":" in r[0] and r[0].rsplit(":", 1)[1].isdigit() for r in rows[1:])
    app_rows = list(csv.reader(io.StringIO(RENDERERS["csv"].render(app_report))))
    assert any(r[0].endswith("/rg-orders/web-orders:AZURE_CLIENT_SECRET") for r in app_rows[1:])


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_formula_cells_are_defused(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("plain") == "plain"


def test_csv_defuses_formulas_from_the_document(doc: dict[str, Any]) -> None:
    rows = list(csv.reader(io.StringIO(RENDERERS["csv"].render(load_report(_hostile_doc(doc))))))
    settings = [r[COLUMNS.index("SettingName")] for r in rows[1:]]
    assert '\'=HYPERLINK("x")' in settings
    assert not any(c.startswith(("=", "+", "-", "@")) for r in rows[1:] for c in r)


# --------------------------------------------------------------------- escaping


def test_html_escapes_markup_from_paths_and_settings(doc: dict[str, Any]) -> None:
    html = RENDERERS["html"].render(load_report(_hostile_doc(doc)))
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_escapes_pipes_and_markup(doc: dict[str, Any]) -> None:
    md = RENDERERS["md"].render(load_report(_hostile_doc(doc)))
    assert "<script" not in md and "<img" not in md
    assert "app\\|settings.json" in md
    table_rows = [line for line in md.splitlines() if line.startswith("| ")]
    widths = {
        line.replace("\\|", "").count("|") for line in table_rows if "Location" in line or ".json:" in line
    }
    assert len(widths) == 1, "a pipe in a cell must not add a column"
    assert markdown_cell("a|b\nc") == "a\\|b c"


def test_html_is_self_contained(estate_report: Report) -> None:
    html = RENDERERS["html"].render(estate_report)
    assert "<script" not in html
    for needle in ("src=", "href=", "@import", "url("):
        assert needle not in html, needle
    # Only text (redacted previews, replacement advice) and the SVG namespace may mention a URL.
    outside_text = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    tags = re.findall(r"<[^>]+>", outside_text)
    assert not [t for t in tags if "http://" in t or "https://" in t]
    assert "@media print" in html
