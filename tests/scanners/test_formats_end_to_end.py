"""Settings rows, template copies, a Helm chart and third-party keys through the command line:
found in the scan document, and absent from every output written from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from migrate.cli import main
from tests.scanners.test_csv_settings import COSMOS_KEY as CSV_COSMOS_KEY
from tests.scanners.test_csv_settings import PIPES
from tests.scanners.test_templates import (
    APPSETTINGS_TEMPLATE,
    HELM_SECRET,
    STORAGE_KEY,
    VALUES_KEY,
    VALUES_YAML,
)
from tests.scanners.test_templates import COSMOS_KEY as TEMPLATE_COSMOS_KEY
from tests.scanners.test_third_party import BING_V7_KEY, DOTENV, GITHUB_SECRET, STRIPE_KEY

ENV = {"COLUMNS": "300", "NO_COLOR": "1", "TERM": "dumb"}
CANARIES = (
    CSV_COSMOS_KEY,
    TEMPLATE_COSMOS_KEY,
    STORAGE_KEY,
    VALUES_KEY,
    BING_V7_KEY,
    GITHUB_SECRET,
    STRIPE_KEY,
)

FILES = {
    "deploy/settings.csv": PIPES,
    "src/Api/appsettings.json.template": APPSETTINGS_TEMPLATE,
    "charts/orders/Chart.yaml": "apiVersion: v2\nname: orders\nversion: 0.1.0\n",
    "charts/orders/values.yaml": VALUES_YAML,
    "charts/orders/templates/secret.yaml": HELM_SECRET,
    "src/Web/.env": DOTENV,
}

# (path, line, service type) of each planted secret.
PLANTED = {
    ("deploy/settings.csv", 3, "cosmos-db"),
    ("src/Api/appsettings.json.template", 5, "cosmos-db"),
    ("charts/orders/values.yaml", 4, "cosmos-db"),
    ("charts/orders/templates/secret.yaml", 10, "storage"),
    ("src/Web/.env", 1, "third-party"),
    ("src/Web/.env", 2, "third-party"),
    ("src/Web/.env", 3, "third-party"),
}


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=ENV, catch_exceptions=False)


def test_new_formats_found_and_never_written(tmp_path: Path, key_file: Path) -> None:
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    audit = tmp_path / "audit.json"
    scanned = _invoke("scan", str(root), "--key-file", str(key_file), "-f", "json", "-o", str(audit))
    doc = json.loads(audit.read_text(encoding="utf-8"))
    secrets = {
        (i["Location"]["path"], i["Location"]["line"], i["ServiceType"])
        for i in doc["items"]
        if i["ValueClass"] == "secret"
    }
    assert PLANTED <= secrets, sorted(PLANTED - secrets)
    helm = [i for i in doc["items"] if i["Location"]["path"] == "charts/orders/templates/secret.yaml"]
    assert {i["ValueClass"] for i in helm if i["Location"]["line"] == 9} == {"reference"}
    outputs = [audit.read_text(encoding="utf-8"), scanned.stdout, scanned.stderr]
    for fmt in ("md", "html", "json", "sarif", "csv"):
        out = tmp_path / f"report.{fmt}"
        _invoke("report", str(audit), "-f", fmt, "-o", str(out))
        outputs.append(out.read_text(encoding="utf-8"))
    table = _invoke("scan", str(root), "--key-file", str(key_file))
    outputs += [table.stdout, table.stderr]
    for n, canary in enumerate(CANARIES):
        assert all(canary not in text for text in outputs), f"canary #{n} written"
