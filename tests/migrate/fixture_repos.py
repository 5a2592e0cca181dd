"""The small repositories under tests/fixtures/repos and the App Service exports under
tests/fixtures/az-exports (`az webapp ... list/show` output, read offline), scanned, planned and
emitted once each."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from migrate.emit import EmitResult, emit_plan
from migrate.plan.planner import plan as make_plan
from migrate.plan.reader import read_plan
from migrate.plan.records import Plan
from scanners.repository import RepositoryScanOptions
from scanners.scan_job import run_scan
from scanners.serialization import dumps
from tests.conftest import REPO, TEST_KEY

REPOS = REPO / "tests" / "fixtures" / "repos"
AZ_EXPORTS = REPO / "tests" / "fixtures" / "az-exports"


@cache
def _scan_text(name: str) -> str:
    if name.startswith("az-export:"):
        export = str(AZ_EXPORTS / name.removeprefix("az-export:"))
        result = run_scan(None, TEST_KEY, RepositoryScanOptions(jobs=1), None, None, (export,))
    else:
        result = run_scan(str(REPOS / name), TEST_KEY, RepositoryScanOptions(jobs=1), None, None, ())
    return dumps(result)


def scan_document(name: str) -> dict[str, Any]:
    """A fresh copy of the scan document of `tests/fixtures/repos/<name>`, or of
    `tests/fixtures/az-exports/<export>` for `az-export:<export>` (callers may change it)."""
    document: dict[str, Any] = json.loads(_scan_text(name))
    return document


def plan_of(document: dict[str, Any]) -> Plan:
    """The plan of a scan document, written and read back as `secretless emit` reads it."""
    return read_plan(make_plan(document).to_json())


@cache
def planned(name: str) -> Plan:
    return plan_of(scan_document(name))


@cache
def emitted(name: str) -> EmitResult:
    return emit_plan(planned(name), None if name.startswith("az-export:") else REPOS / name)
