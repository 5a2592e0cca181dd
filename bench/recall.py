"""How many of the planted secrets in the bundled example estate each scanner reports.

    python bench/recall.py

Ground truth: tests/fixtures/contoso_expected.json, entries with value_class "secret" (path and
line of every real-looking planted secret).  A tool finds an entry when it reports a finding on
that file and line.  Anchors come from bench/.anchors/ (see bench/run.py --anchors).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "examples" / "contoso-estate"
BIN = HERE / ".anchors" / "bin"


def expected() -> set[tuple[str, int]]:
    rows = json.loads((ROOT / "tests" / "fixtures" / "contoso_expected.json").read_text())
    return {(r["path"], int(r["line"])) for r in rows if r["value_class"] == "secret"}


def secretless(tmp: Path) -> set[tuple[str, int]]:
    exe = Path(sys.executable).with_name("secretless")
    key = tmp / "k"
    key.write_text("00" * 32)
    out = subprocess.run(  # noqa: S603
        [str(exe), "scan", str(EXAMPLE), "-f", "json", "--key-file", str(key)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {
        (i["Location"]["path"], i["Location"]["line"])
        for i in json.loads(out)["items"]
        if i["ValueClass"] == "secret"
    }


def gitleaks(tmp: Path) -> set[tuple[str, int]]:
    report = tmp / "gl.json"
    subprocess.run(  # noqa: S603
        [
            str(BIN / "gitleaks"),
            "dir",
            str(EXAMPLE),
            "--no-banner",
            "--exit-code",
            "0",
            "-f",
            "json",
            "-r",
            str(report),
        ],
        capture_output=True,
        check=False,
    )
    return {
        (os.path.relpath(f["File"], EXAMPLE), int(f["StartLine"])) for f in json.loads(report.read_text())
    }


def kingfisher(tmp: Path) -> set[tuple[str, int]]:
    out = subprocess.run(  # noqa: S603
        [str(BIN / "kingfisher"), "scan", ".", "--no-validate", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=EXAMPLE,
    ).stdout
    found: set[tuple[str, int]] = set()
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith(("{", "[")):
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(doc, dict):
            rows = doc.get("findings", [doc])
            rows = rows if isinstance(rows, list) else []
        elif isinstance(doc, list):
            rows = doc
        else:
            continue
        for f in rows:
            if not isinstance(f, dict):
                continue
            loc = f.get("finding") or f
            path, ln = loc.get("path"), loc.get("line")
            if path and ln:
                found.add((os.path.normpath(path), int(ln)))
    return found


def detect_secrets(tmp: Path) -> set[tuple[str, int]]:
    out = subprocess.run(  # noqa: S603
        [str(BIN / "detect-secrets"), "scan", "--all-files"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    results = json.loads(out)["results"]
    return {(path, int(s["line_number"])) for path, secrets in results.items() for s in secrets}


def main() -> None:
    truth = expected()
    print(f"planted secrets in {EXAMPLE.relative_to(ROOT)}: {len(truth)}")
    print(f"{'tool':<16}{'found':>7}{'recall':>9}{'other findings':>16}")
    with tempfile.TemporaryDirectory() as d:
        for name, fn in (
            ("secretless", secretless),
            ("gitleaks", gitleaks),
            ("kingfisher", kingfisher),
            ("detect-secrets", detect_secrets),
        ):
            try:
                got = fn(Path(d))
            except (OSError, ValueError, KeyError) as exc:
                print(f"{name:<16} could not run: {type(exc).__name__}")
                continue
            hit = truth & got
            print(f"{name:<16}{len(hit):>7}{len(hit) / len(truth):>9.0%}{len(got - truth):>16}")


if __name__ == "__main__":
    main()
