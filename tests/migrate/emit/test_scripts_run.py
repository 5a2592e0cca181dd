"""The bash scripts parse (`bash -n`), refuse to run without the values only the user knows, and,
run against a fake `az` that records its argv, pass exactly the words the checker validated."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from migrate.emit import EmitResult
from tests.migrate.emit import fake_az
from tests.migrate.emit.az_table import check

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _scripts(result: EmitResult) -> list[tuple[str, str]]:
    return [(p, a.text) for p, a in result.files.items() if p.endswith(".sh")]


def test_every_script_parses(
    example_emitted: EmitResult, az_export_emitted: EmitResult, tmp_path: Path
) -> None:
    for result in (example_emitted, az_export_emitted):
        scripts = _scripts(result)
        assert scripts, "no bash script emitted: nothing to parse"
        for path, text in scripts:
            f = tmp_path / "s.sh"
            f.write_text(text, encoding="utf-8")
            r = subprocess.run(["bash", "-n", str(f)], capture_output=True, text=True, check=False)
            assert r.returncode == 0, (path, r.stderr)


def _variables(text: str) -> list[str]:
    return re.findall(r'^([A-Z][A-Z0-9_]*)="\$\{\1:\?', text, re.MULTILINE)


@pytest.mark.parametrize("which", ["example_emitted", "az_export_emitted"])
def test_scripts_run_against_a_fake_az(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    result: EmitResult = request.getfixturevalue(which)
    bin_dir = tmp_path / "bin"
    fake_az.install(bin_dir)
    calls = 0
    for path, text in _scripts(result):
        script = tmp_path / "s.sh"
        script.write_text(text, encoding="utf-8")
        log = tmp_path / "az.log"
        log.write_text("", encoding="utf-8")
        app = path.split("/", 1)[0]  # one app's scripts run in order, 01 to 07
        env = fake_az.env(bin_dir, log, tmp_path / f"state-{app}", tmp_path / f"verified-{app}")
        names = _variables(text)
        if names:
            missing = subprocess.run(
                ["bash", str(script)],
                capture_output=True,
                text=True,
                check=False,
                env={**env, **{n: "x" for n in names[1:]}},
            )
            assert missing.returncode != 0 and names[0] in missing.stderr, path
            assert log.read_text(encoding="utf-8") == "", f"{path} ran az before checking {names[0]}"
        values = {n: f"value-of-{n.lower()}" for n in names}
        run = subprocess.run(
            ["bash", str(script)], capture_output=True, text=True, check=False, env={**env, **values}
        )
        assert run.returncode == 0, (path, run.stderr)
        for line in log.read_text(encoding="utf-8").splitlines():
            argv = json.loads(line)
            if argv[0].startswith("#"):
                continue
            calls += 1
            assert check(argv) == [], (path, argv)
            assert not any("${" in w or "<" in w for w in argv), (path, argv)
    assert calls > 10
