"""End-to-end: scan the Contoso example estate through the real CLI.

`examples/contoso-estate/` holds fake credentials of every supported kind, each carrying the
marker `CANARY`; `tests/fixtures/contoso_expected.json` lists what the scan must report, by
path, line, service and value class.  These tests check that every planted value is found, that
placeholders and emulator values are never called secrets, that the JSON document is
self-consistent and deterministic, that fingerprints are keyed, and that no secret value (nor a
fragment of one) reaches stdout, stderr, an `-o` file or the logs, in any output mode.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main

REPO = Path(__file__).resolve().parents[1]
ESTATE = REPO / "examples" / "contoso-estate"
MANIFEST = REPO / "tests" / "fixtures" / "contoso_expected.json"

KEY_A = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
KEY_B = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

NOT_SECRET_CLASSES = {"placeholder", "dev-emulator"}

# A run of value characters around the marker: the whole fake secret it belongs to.
CANARY_TOKEN_RE = re.compile(r"[A-Za-z0-9+/~._%-]*CANARY[A-Za-z0-9+/~._%-]*={0,2}")
# `data:` values of a Kubernetes Secret are base64: decode them to find the canaries inside.
K8S_DATA_RE = re.compile(r"^\s+[A-Za-z0-9_.-]+:\s+([A-Za-z0-9+/]{16,}={0,2})\s*$", re.M)
# Fragments of a canary that must not show up either (e.g. a preview keeping a secret's prefix).
CANARY_FRAGMENTS = ("CANARY", "CANA", "ANARY")
WINDOW = 8

# Wide, colourless terminal output so nothing is folded or wrapped mid-value.
ENV = {"COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb"}


# ------------------------------------------------------------------------------- helpers


def _key_file(directory: Path, key: str) -> Path:
    path = directory / f"key-{key[:6]}.hex"
    path.write_text(key + "\n", encoding="ascii")
    return path


def _invoke(args: list[str]) -> Any:
    runner = CliRunner()
    return runner.invoke(main, args, env=ENV, catch_exceptions=False)


def _cli_command() -> list[str]:
    """The installed `secretless` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / ("secretless.exe" if os.name == "nt" else "secretless")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "migrate.cli"]


def _run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV}
    env.pop("SECRETLESS_FINGERPRINT_KEY", None)
    return subprocess.run(
        [*_cli_command(), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def _scan_json(key_file: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    result = _invoke(["scan", str(ESTATE), "-f", "json", "--key-file", str(key_file), *extra])
    return result.exit_code, json.loads(result.stdout), result.stdout


def _manifest() -> list[dict[str, Any]]:
    manifest: list[dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return manifest


def _where(item: dict[str, Any]) -> tuple[str, int]:
    loc = item["Location"]
    return loc["path"], loc["line"]


def _fmt(entry: dict[str, Any]) -> str:
    return f"{entry['path']}:{entry['line']} {entry['service']} {entry['value_class']}"


def _missing(doc: dict[str, Any]) -> list[str]:
    found = {(*_where(i), i["ServiceType"], i["ValueClass"]) for i in doc["items"]}
    return [
        _fmt(e) for e in _manifest() if (e["path"], e["line"], e["service"], e["value_class"]) not in found
    ]


def _canaries() -> set[str]:
    """Every fake secret planted in the estate, read back from the files themselves."""
    out: set[str] = set()
    for path in sorted(ESTATE.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        out.update(CANARY_TOKEN_RE.findall(text))
        if path.suffix in (".yaml", ".yml"):
            for blob in K8S_DATA_RE.findall(text):
                try:
                    decoded = base64.b64decode(blob, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    continue
                if "CANARY" in decoded:
                    out.add(blob)
                    out.update(CANARY_TOKEN_RE.findall(decoded))
    return out


def _leaks(text: str, canaries: set[str]) -> list[str]:
    """What of the canaries shows up in `text` (returned by shape only, never quoted whole)."""
    found = [f for f in CANARY_FRAGMENTS if f in text]
    for canary in sorted(canaries):
        if len(canary) < WINDOW:
            continue
        for i in range(len(canary) - WINDOW + 1):
            window = canary[i : i + WINDOW]
            # Letters-only windows can be ordinary words ("settings"); skip those.
            if not window.isalpha() and window in text:
                found.append(f"8-char window of a {len(canary)}-char canary starting {canary[:3]!r}")
                break
    return found


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("keys")
    return {"a": _key_file(directory, KEY_A), "b": _key_file(directory, KEY_B)}


@pytest.fixture(scope="module")
def scan(keys: dict[str, Path]) -> tuple[int, dict[str, Any], str]:
    return _scan_json(keys["a"])


# --------------------------------------------------------------------------------- tests


def test_estate_and_manifest_are_in_step() -> None:
    entries = _manifest()
    assert len(entries) >= 60
    for e in entries:
        assert set(e) == {"path", "line", "service", "value_class"}, e
        lines = (ESTATE / e["path"]).read_text(encoding="utf-8").splitlines()
        assert 1 <= e["line"] <= len(lines), _fmt(e)
        assert lines[e["line"] - 1].strip(), f"manifest points at a blank line: {_fmt(e)}"
    pairs = Counter((e["path"], e["line"], e["service"], e["value_class"]) for e in entries)
    assert not [p for p, n in pairs.items() if n > 1], "duplicate manifest entries"
    assert len(_canaries()) >= 30


def test_every_planted_value_is_reported(scan: tuple[int, dict[str, Any], str]) -> None:
    _, doc, _ = scan
    missing = _missing(doc)
    assert not missing, f"{len(missing)} manifest entries not reported:\n" + "\n".join(missing)


def test_placeholders_and_emulator_values_are_not_secrets(scan: tuple[int, dict[str, Any], str]) -> None:
    _, doc, _ = scan
    benign = {(e["path"], e["line"]): e for e in _manifest() if e["value_class"] in NOT_SECRET_CLASSES}
    wrong = [
        f"{path}:{line} reported as {item['ServiceType']} secret; manifest says "
        f"{benign[(path, line)]['value_class']}"
        for item in doc["items"]
        for path, line in [_where(item)]
        if (path, line) in benign and item["ValueClass"] == "secret"
    ]
    assert not wrong, "\n".join(wrong)


def test_exit_code_and_document_shape(scan: tuple[int, dict[str, Any], str]) -> None:
    code, doc, _ = scan
    assert code == 1
    assert doc["schema_version"] == 1
    assert isinstance(doc["items"], list) and doc["items"]
    assert isinstance(doc["skipped"], list)
    for item in doc["items"]:
        for key in (
            "Location",
            "ServiceType",
            "ValueClass",
            "CredentialKind",
            "EvidenceRole",
            "SettingName",
            "RedactedPreview",
            "Fingerprint",
        ):
            assert key in item
        assert item["Location"]["path"] and not item["Location"]["path"].startswith("/")
        assert "\\" not in item["Location"]["path"]
        assert (ESTATE / item["Location"]["path"]).is_file()


def test_summary_matches_items(scan: tuple[int, dict[str, Any], str]) -> None:
    _, doc, _ = scan
    items, s = doc["items"], doc["summary"]
    assert s["items"] == len(items)
    assert s["secrets"] == sum(1 for i in items if i["ValueClass"] == "secret")
    assert s["skipped"] == len(doc["skipped"])
    assert s["by_value_class"] == dict(Counter(i["ValueClass"] for i in items))
    assert s["by_service"] == dict(Counter(i["ServiceType"] for i in items))
    assert s["by_evidence_role"] == dict(Counter(i["EvidenceRole"] for i in items))
    assert sum(s["by_value_class"].values()) == len(items)
    assert s["units"] == len({i["Unit"] for i in items if i.get("Unit")})
    assert s["files_scanned"] >= len({_where(i)[0] for i in items})


def test_console_script_agrees_with_cli_runner(
    keys: dict[str, Path], scan: tuple[int, dict[str, Any], str]
) -> None:
    code, _, text = scan
    proc = _run(["scan", str(ESTATE), "-f", "json", "--key-file", str(keys["a"])])
    assert proc.returncode == code == 1, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["schema_version"] == 1
    missing = _missing(doc)
    assert not missing, f"{len(missing)} manifest entries not reported:\n" + "\n".join(missing)
    assert proc.stdout == text


def test_same_tree_twice_gives_identical_json(
    keys: dict[str, Path], scan: tuple[int, dict[str, Any], str]
) -> None:
    _, _, first = scan
    _, _, second = _scan_json(keys["a"])
    assert first == second
    _, _, serial = _scan_json(keys["a"], "-j", "1")
    assert serial == first, "output depends on the number of worker processes"


def test_fingerprints_are_keyed(keys: dict[str, Path], scan: tuple[int, dict[str, Any], str]) -> None:
    _, doc_a, _ = scan
    _, doc_a2, _ = _scan_json(keys["a"])
    _, doc_b, _ = _scan_json(keys["b"])
    fa = [i["Fingerprint"] for i in doc_a["items"]]
    assert fa == [i["Fingerprint"] for i in doc_a2["items"]]
    fb = {i["Fingerprint"] for i in doc_b["items"]}
    assert len(doc_b["items"]) == len(doc_a["items"])
    assert not set(fa) & fb, "fingerprints do not depend on the key"
    assert {(*_where(i), i["ServiceType"], i["ValueClass"]) for i in doc_a["items"]} == {
        (*_where(i), i["ServiceType"], i["ValueClass"]) for i in doc_b["items"]
    }


def test_leak_check_is_not_vacuous() -> None:
    canaries = _canaries()
    some = sorted(canaries, key=len)[-1]
    assert _leaks(f"preview: {some}", canaries)
    assert _leaks(f"AccountKey={some[10:30]}***", canaries)
    assert not _leaks("AccountKey=***;EndpointSuffix=core.windows.net appsettings.json", canaries)


MODES = {
    "table": ["-f", "table"],
    "table-secrets-only": ["-f", "table", "--secrets-only"],
    "json": ["-f", "json"],
    "json-verbose": ["-v", "-v", "-f", "json"],
    "table-verbose": ["-v", "-v", "-f", "table"],
}


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "output-file"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_no_canary_reaches_any_output(
    mode: str, to_file: bool, keys: dict[str, Path], tmp_path: Path
) -> None:
    canaries = _canaries()
    args = MODES[mode]
    verbose = [a for a in args if a == "-v"]
    rest = [a for a in args if a != "-v"]
    out_file = tmp_path / "result.out"
    cmd = [*verbose, "scan", str(ESTATE), *rest, "--key-file", str(keys["a"])]
    if to_file:
        cmd += ["-o", str(out_file)]
    proc = _run(cmd)
    assert proc.returncode == 1, f"exit {proc.returncode}"
    outputs = {"stdout": proc.stdout, "stderr": proc.stderr}
    if to_file:
        assert out_file.is_file()
        assert proc.stdout == ""
        outputs["output file"] = out_file.read_text(encoding="utf-8")
    else:
        assert proc.stdout.strip()
    # First, the output reports every planted secret; only then does its absence elsewhere mean anything.
    result = outputs["output file"] if to_file else proc.stdout
    if "json" in mode:
        assert not _missing(json.loads(result))
    else:
        places = [f"{e['path']}:{e['line']}" for e in _manifest() if e["value_class"] == "secret"]
        assert places and not [p for p in places if p not in result]
    if "-v" in verbose and not to_file:
        # The same scan in-process through CliRunner: logs land in the captured stderr.
        result = _invoke(cmd)
        outputs["CliRunner stdout"] = result.stdout
        outputs["CliRunner stderr"] = result.stderr
    leaks = {where: found for where, text in outputs.items() if (found := _leaks(text, canaries))}
    assert not leaks, f"secret material in output: {leaks}"
