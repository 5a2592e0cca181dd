"""Fixtures: the bundled example scanned, planned and emitted once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.emit import EmitResult, emit_plan
from migrate.plan.planner import plan as make_plan
from migrate.plan.reader import read_plan
from migrate.plan.records import Plan
from scanners.fingerprint import Fingerprinter
from scanners.repository import RepositoryScanOptions
from scanners.scan_job import run_scan
from scanners.serialization import dumps
from tests.conftest import REPO, TEST_KEY

EXAMPLE = REPO / "examples" / "contoso-estate"
AZ_EXPORT = REPO / "examples" / "az-export"


def _plan(target: str | None, az_exports: tuple[str, ...] = ()) -> Plan:
    result = run_scan(target, TEST_KEY, RepositoryScanOptions(jobs=1), None, None, az_exports)
    plan = make_plan(json.loads(dumps(result)))
    return read_plan(plan.to_json())


@pytest.fixture(scope="session")
def example_plan() -> Plan:
    return _plan(str(EXAMPLE))


@pytest.fixture(scope="session")
def az_export_plan() -> Plan:
    return _plan(None, (str(AZ_EXPORT),))


@pytest.fixture(scope="session")
def example_emitted(example_plan: Plan) -> EmitResult:
    return emit_plan(example_plan, EXAMPLE)


@pytest.fixture(scope="session")
def az_export_emitted(az_export_plan: Plan) -> EmitResult:
    return emit_plan(az_export_plan, None)


__all__ = ["AZ_EXPORT", "EXAMPLE", "Fingerprinter", "Path"]
