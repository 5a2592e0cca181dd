"""The wheel holds the code, the templates and playbooks, and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contents(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheels = list(tmp_path.glob("secretless-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for required in (
        "migrate/cli/__init__.py",
        "migrate/resources.py",
        "scanners/classifier.py",
        "scanners/handlers/__init__.py",
        "scanners/handlers/csharp.py",
        "migrate/_data/templates/README.md",
        "migrate/_data/templates/reports/report.html.j2",
        "migrate/_data/templates/reports/report.md.j2",
        "migrate/reports/sarif.py",
        "migrate/_data/playbooks/README.md",
    ):
        assert required in names, required
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheels[0]).read(entry_points).decode()
    assert "secretless = migrate.cli:main" in text


def test_resources_found_in_checkout() -> None:
    from migrate.resources import playbooks_dir, templates_dir

    assert (templates_dir() / "README.md").is_file()
    assert (playbooks_dir() / "README.md").is_file()
