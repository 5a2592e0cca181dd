"""Fixtures shared by the guided-run tests: the bundled example's plan, scanned from its az-export."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from tests.conftest import REPO

EXPORT = REPO / "examples" / "az-export"


@pytest.fixture(autouse=True)
def _health_without_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The verify gate polls the health URL for minutes (role propagation); tests take one answer."""
    monkeypatch.setattr("migrate.run.health.WAIT_S", 0.0)
    monkeypatch.setattr("migrate.run.health.INTERVAL_S", 0.0)


@pytest.fixture(scope="module")
def plan_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("plan")
    runner = CliRunner()
    r = runner.invoke(
        main,
        [
            "scan",
            "--az-export",
            str(EXPORT),
            "-f",
            "json",
            "-o",
            str(d / "audit.json"),
            "--key-file",
            str(d / "key"),
        ],
    )
    assert r.exit_code in (0, 1), r.output
    r = runner.invoke(main, ["plan", str(d / "audit.json"), "-f", "json", "-o", str(d / "plan.json")])
    assert r.exit_code == 0, r.output
    return d / "plan.json"
