"""Baselines: accept today's findings, fail only on new ones; identity survives line moves."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrate.cli import main
from scanners import baseline as baselines
from tests.migrate.estate_audit import write_key
from tests.test_example_estate import _canaries, _leaks, _manifest

SECRET_A = (
    "DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={key};EndpointSuffix=core.windows.net"
)


def _account_key(seed: str) -> str:
    body = (seed * 88)[:86]
    return body + "=="


def _config(secret_seed: str, padding_lines: int = 0) -> str:
    conn = SECRET_A.format(key=_account_key(secret_seed))
    pad = "".join(f'    "Padding{n}": "value {n}",\n' for n in range(padding_lines))
    return '{\n  "ConnectionStrings": {\n' + pad + f'    "Orders": "{conn}"\n' + "  }\n}\n"


def _scan(tree: Path, key: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(
        main, ["scan", str(tree), "-f", "json", "--key-file", str(key), *extra], catch_exceptions=False
    )
    return result.exit_code, json.loads(result.stdout), " ".join(result.stderr.split())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src" / "App").mkdir(parents=True)
    (root / "src" / "App" / "appsettings.json").write_text(_config("Ab3"), encoding="utf-8")
    return root


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return write_key(tmp_path)


def test_accept_move_down_and_change_the_secret(tree: Path, key: Path, tmp_path: Path) -> None:
    base = tmp_path / ".secretless-baseline.json"
    config = tree / "src" / "App" / "appsettings.json"

    code, doc, _ = _scan(tree, key)
    assert code == 1 and doc["items"], "the fixture must have a finding"
    first_line = doc["items"][0]["Location"]["line"]

    code, _, err = _scan(tree, key, "--baseline", str(base), "--update-baseline")
    assert code == 0, err
    assert "accepted" in err and base.exists()

    code, doc, err = _scan(tree, key, "--baseline", str(base))
    assert (code, doc["items"]) == (0, []), err
    assert "accepted in the baseline" in err

    # Lines inserted above the finding: it moves down but keeps its identity.
    config.write_text(_config("Ab3", padding_lines=5), encoding="utf-8")
    code, full, _ = _scan(tree, key)
    assert full["items"][0]["Location"]["line"] == first_line + 5
    code, doc, err = _scan(tree, key, "--baseline", str(base))
    assert (code, doc["items"]) == (0, []), err

    # A different secret value in the same place is a new finding.
    config.write_text(_config("Xy7", padding_lines=5), encoding="utf-8")
    code, doc, _ = _scan(tree, key, "--baseline", str(base))
    assert code == 1
    assert [i["SettingName"] for i in doc["items"] if i["ValueClass"] == "secret"] == [
        "ConnectionStrings:Orders"
    ]


def test_baseline_file_holds_no_secret_and_is_sorted(tree: Path, key: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    _scan(tree, key, "--baseline", str(base), "--update-baseline")
    text = base.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["schema_version"] == 1 and doc["tool"] == "secretless"
    entries = doc["entries"]
    assert entries and all(
        set(e) == {"id", "fingerprint", "location", "service", "detector"} for e in entries
    )
    assert entries == sorted(
        entries, key=lambda e: (e["location"], e["id"], e["fingerprint"], e["service"], e["detector"])
    )
    assert all(e["fingerprint"].startswith("hs1:") for e in entries)
    assert _account_key("Ab3")[:12] not in text and "AccountKey" not in text
    assert all(":" not in e["location"] for e in entries), "no line numbers in the baseline"


def test_baseline_inside_the_tree_finds_nothing_itself(tree: Path, key: Path) -> None:
    base = tree / ".secretless-baseline.json"
    _scan(tree, key, "--baseline", str(base), "--update-baseline")
    code, doc, err = _scan(tree, key, "--baseline", str(base))
    assert (code, doc["items"]) == (0, []), err
    _, full, _ = _scan(tree, key)
    assert not [i for i in full["items"] if i["Location"]["path"] == ".secretless-baseline.json"]


def test_another_key_matches_nothing(tree: Path, key: Path, tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    _scan(tree, key, "--baseline", str(base), "--update-baseline")
    other = tmp_path / "other"
    other.mkdir()
    other_key = other / "k.hex"
    other_key.write_text("ff" * 32 + "\n", encoding="ascii")
    code, doc, _ = _scan(tree, other_key, "--baseline", str(base))
    assert code == 1 and doc["items"]


def test_update_baseline_needs_baseline(tree: Path, key: Path) -> None:
    result = CliRunner().invoke(main, ["scan", str(tree), "--key-file", str(key), "--update-baseline"])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "content",
    [
        None,
        "not json",
        "[]",
        '{"tool": "secretless", "entries": []}',
        '{"schema_version": 1, "tool": "secretless", "entries": [{}]}',
    ],
)
def test_missing_or_bad_baseline_exits_3(content: str | None, tree: Path, key: Path, tmp_path: Path) -> None:
    base = tmp_path / "b.json"
    if content is not None:
        base.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["scan", str(tree), "--key-file", str(key), "--baseline", str(base)])
    assert result.exit_code == 3
    assert "baseline" in result.stderr and "Traceback" not in result.stderr


def test_pure_functions_round_trip(tree: Path, key: Path) -> None:
    from scanners.fingerprint import load_key
    from scanners.repository import RepositoryScanOptions, scan_repository

    raw_key, _ = load_key(key)
    items = scan_repository(str(tree), raw_key, RepositoryScanOptions(jobs=1)).items
    baseline = baselines.from_items(items)
    assert baselines.loads(baselines.dumps(baseline)) == baseline
    assert baselines.new_items(items, baseline) == ()
    assert baselines.new_items(items, baselines.Baseline(())) == items


def test_estate_baseline_leaks_nothing(tmp_path: Path) -> None:
    from tests.migrate.estate_audit import ESTATE

    key = write_key(tmp_path)
    base = tmp_path / "estate-baseline.json"
    code, _, _ = _scan(ESTATE, key, "--baseline", str(base), "--update-baseline")
    assert code == 0
    # Every planted secret is in the baseline: at least as many entries per file (no line numbers there).
    planted = Counter(e["path"] for e in _manifest() if e["value_class"] == "secret")
    recorded = Counter(e["location"] for e in json.loads(base.read_text(encoding="utf-8"))["entries"])
    assert planted and not planted - recorded, planted - recorded
    leaks = _leaks(base.read_text(encoding="utf-8"), _canaries())
    assert not leaks, leaks
