"""Plans of the bundled examples (the az-export estate and the contoso-estate repository), made
once per session through the CLI, as a user makes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from tests.migrate.estate_audit import AZ_EXPORT, ESTATE, write_key


def _plan(directory: Path, scan_args: list[str]) -> Path:
    key = write_key(directory)
    runner = CliRunner()
    r = runner.invoke(
        main, ["scan", *scan_args, "-f", "json", "-o", str(directory / "audit.json"), "--key-file", str(key)]
    )
    assert r.exit_code == 1, r.output  # the examples hold (fake) secrets
    r = runner.invoke(
        main, ["plan", str(directory / "audit.json"), "-f", "json", "-o", str(directory / "plan.json")]
    )
    assert r.exit_code == 0, r.output
    return directory / "plan.json"


@pytest.fixture(scope="session")
def estate_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plan of examples/az-export (one App Service app, web-orders)."""
    return _plan(tmp_path_factory.mktemp("estate-plan"), ["--az-export", str(AZ_EXPORT)])


@pytest.fixture(scope="session")
def repo_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plan of examples/contoso-estate (three projects, needs-review items, data-plane grants)."""
    return _plan(tmp_path_factory.mktemp("repo-plan"), [str(ESTATE)])
