"""Hostile repository input (issue 14, items 7, 8, 11, 12, 13): no input makes the scan hang, and
no secret hides behind an encoding, a NUL byte or a `.gitignore` line while the scan exits 0.

The slow cases run in a subprocess with a generous timeout: a hang fails the test instead of
stalling the suite.  No test measures speed (that is bench/'s job)."""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pathspec
import pytest
from click.testing import CliRunner

from migrate.cli import main
from scanners import walker
from scanners.file_scan import read_file, scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.records import SkippedItem, SkipReason, ValueClass
from scanners.repository import RepositoryScanOptions, scan_repository
from scanners.walker import WalkOptions
from tests.conftest import REPO, TEST_KEY

SECRET = "abc8Q~CANARYdefghijklmnopqrstuvwxyz01234"
GOOD = f"AZURE_CLIENT_SECRET={SECRET}\n"

_SCAN_IN_CHILD = """
import json, sys
from scanners.repository import RepositoryScanOptions, scan_repository
res = scan_repository(sys.argv[1], bytes(32), RepositoryScanOptions(jobs=1, generic=False))
print(json.dumps({"items": [i.to_json() for i in res.items], "skipped": [s.to_json() for s in res.skipped]}))
"""


def _scan_in_child(root: Path, timeout: float = 90) -> dict[str, Any]:
    """Scan `root` in a fresh interpreter; a hang raises `TimeoutExpired` (the test fails)."""
    proc = subprocess.run(
        [sys.executable, "-c", _SCAN_IN_CHILD, str(root)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=True,
    )
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def _secret_paths(doc: dict[str, Any]) -> set[str]:
    return {i["Location"]["path"] for i in doc["items"] if i["ValueClass"] == "secret"}


def _scan(root: Path, walk: WalkOptions | None = None) -> tuple[set[str], dict[str, SkipReason]]:
    res = scan_repository(
        str(root), TEST_KEY, RepositoryScanOptions(walk=walk or WalkOptions(), jobs=1, generic=False)
    )
    found = {getattr(i.location, "path", "") for i in res.items if i.value_class is ValueClass.SECRET}
    return found, {s.target: s.reason for s in res.skipped}


# ----------------------------------------------------------------------------- 7: .gitignore cost


def test_gitignore_with_many_stars_does_not_backtrack(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*a" * 13 + "*b\n" + "*\u00e9" * 13 + "*b\n", encoding="utf-8")
    (tmp_path / ("a" * 200 + ".env")).write_text(GOOD)  # no `b`: the old matcher tried every split
    (tmp_path / ("\u00e9" * 120 + ".env")).write_text(GOOD)
    (tmp_path / ("a" * 13 + "b")).write_text(GOOD)  # matches: ignored
    doc = _scan_in_child(tmp_path)
    assert _secret_paths(doc) == {"a" * 200 + ".env", "\u00e9" * 120 + ".env"}
    assert {s["target"]: s["reason"] for s in doc["skipped"]} == {"a" * 13 + "b": "gitignored"}


@pytest.mark.parametrize(
    "pattern",
    [
        "*a*b",
        "*.local.env",
        "secrets/",
        "/build",
        "a/**/b*c*d",
        "**/x*y*z",
        "!keep*",
        "x?y*z*w",
        "*[ab]*c*",
        "docs/*.md",
        "*a*a*a*b",
        "\\*x*y",
        "foo/*a*b/",
        "*/*a*b*",
        "*\u00e9*b",
        "* *b",
    ],
)
def test_bounded_gitignore_matches_like_pathspec(pattern: str) -> None:
    paths = [
        "ab",
        "aab",
        "xaybb",
        "a.local.env",
        "secrets/x",
        "build",
        "src/build",
        "a/b/bcd",
        "a/bxcyd",
        "q/xayaz",
        "xqyzzw",
        "keepme",
        "cab",
        "docs/a.md",
        "docs/x/a.md",
        "aaaab",
        "aaab",
        "*xqy",
        "foo/aab/",
        "foo/aab/x",
        "d/xaxb",
        "d/e/xaxb",
        "xyzw",
        "x/y/z",
        "\u00e9xb",
        "a b",
        "x ab",
        "bab",
    ]
    ours = walker.bounded_gitignore_spec([pattern])
    theirs = pathspec.GitIgnoreSpec.from_lines([pattern])
    for path in paths:
        assert ours.check_file(path).include == theirs.check_file(path).include, (pattern, path)


def test_a_negated_class_does_not_match_a_slash_as_in_git() -> None:
    """`git check-ignore` answers these (pathspec 1.1 lets `[!a]` match `/`, git does not)."""
    spec = walker.bounded_gitignore_spec(["*[!a]*b"])
    assert not spec.match_file("a/b") and not spec.match_file("a/b/bcd")
    assert spec.match_file("xyb") and spec.match_file("d/xyb")


# ----------------------------------------------------------------------------- 8: line scanner cost


def test_long_runs_of_spaces_are_scanned_in_linear_time(tmp_path: Path) -> None:
    hostile = "".join(f"AccountKey=x{' ' * 19_000}y\nPassword: x{chr(9) * 19_000}y\n" for _ in range(10))
    for name in (".env", "a.ini", "a.properties", "a.yml"):
        (tmp_path / name).write_text(hostile + GOOD)
    doc = _scan_in_child(tmp_path)
    assert _secret_paths(doc) == {".env", "a.ini", "a.properties", "a.yml"}


def test_a_file_over_its_time_budget_is_skipped_with_a_reason() -> None:
    outcome = scan_bytes(".env", GOOD.encode(), Fingerprinter(TEST_KEY), generic=False, time_budget_s=0.0)
    [skip] = outcome.skipped
    assert skip.reason is SkipReason.TIMEOUT and skip.partial
    assert "CANARY" not in json.dumps(skip.to_json())


# ----------------------------------------------------------------------------- 11: UTF-16 / UTF-32


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_bom_are_decoded_and_scanned(codec: str) -> None:
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[codec]
    text = (
        '<?xml version="1.0" encoding="utf-16"?>\r\n<configuration>\r\n  <appSettings>\r\n'
        f'    <add key="AZURE_CLIENT_SECRET" value="{SECRET}" />\r\n  </appSettings>\r\n</configuration>\r\n'
    )
    outcome = scan_bytes("web.config", bom + text.encode(codec), Fingerprinter(TEST_KEY), generic=False)
    assert [(i.setting_name, i.value_class) for i in outcome.items] == [
        ("AZURE_CLIENT_SECRET", ValueClass.SECRET)
    ]
    assert not [s for s in outcome.skipped if not s.partial]


# ----------------------------------------------------------------------------- 12: tracked but ignored


def _git(root: Path, *args: str) -> None:
    git = shutil.which("git")
    assert git is not None
    subprocess.run([git, *args], cwd=root, check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_files_tracked_in_git_are_scanned_even_when_ignored(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("appsettings.Production.json\nsecrets/\n*.local.env\n")
    (tmp_path / "appsettings.Production.json").write_text(json.dumps({"AZURE_CLIENT_SECRET": SECRET}))
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "prod.env").write_text(GOOD)
    (tmp_path / "secrets" / "mine.env").write_text(GOOD)  # untracked and ignored
    (tmp_path / "x.local.env").write_text(GOOD)  # untracked and ignored
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-f", ".gitignore", "appsettings.Production.json", "secrets/prod.env")
    found, skipped = _scan(tmp_path)
    assert found == {"appsettings.Production.json", "secrets/prod.env"}
    assert skipped["secrets/mine.env"] is SkipReason.IGNORED
    assert skipped["x.local.env"] is SkipReason.IGNORED
    (tmp_path / "secrets" / ".gitignore").write_text("*.env\n")
    sub, sub_skipped = _scan(tmp_path / "secrets")  # a folder inside a work tree: git answers for it too
    assert sub == {"prod.env"}
    assert sub_skipped["mine.env"] is SkipReason.IGNORED


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_without_git_the_walk_falls_back_to_gitignore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".gitignore").write_text("appsettings.Production.json\n")
    (tmp_path / "appsettings.Production.json").write_text(json.dumps({"AZURE_CLIENT_SECRET": SECRET}))
    (tmp_path / "app.env").write_text(GOOD)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-f", "appsettings.Production.json")
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    found, skipped = _scan(tmp_path)
    assert found == {"app.env"}
    assert skipped["appsettings.Production.json"] is SkipReason.IGNORED


# ----------------------------------------------------------------------------- 13: NUL bytes


def test_a_nul_byte_does_not_hide_a_text_file() -> None:
    data = b"# exported\x00 by a tool\n" + GOOD.encode()
    outcome = scan_bytes(".env", data, Fingerprinter(TEST_KEY), generic=False)
    assert [i.value_class for i in outcome.items] == [ValueClass.SECRET]


def test_a_binary_that_may_hold_secrets_is_listed_as_such(tmp_path: Path, key_file: Path) -> None:
    (tmp_path / "store.db").write_bytes(bytes(range(256)) * 8 + b"AccountKey=CANARYk3y==;" + bytes(4096))
    (tmp_path / "logo.bin").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "app.env").write_text("NOTHING=here\n")
    res = CliRunner().invoke(
        main, ["scan", str(tmp_path), "-f", "json", "--key-file", str(key_file), "--no-generic", "-j", "1"]
    )
    assert res.exit_code == 0, res.stderr
    reasons = {s["target"]: s["reason"] for s in json.loads(res.stdout)["skipped"]}
    assert reasons == {"store.db": str(SkipReason.BINARY_WITH_KEYWORDS), "logo.bin": str(SkipReason.BINARY)}
    assert "1 skipped may hold secrets" in res.stderr
    assert "CANARY" not in res.stdout + res.stderr


def test_a_file_swapped_for_a_fifo_after_the_walk_is_refused_not_waited_on(tmp_path: Path) -> None:
    """The walk lists only regular files; the read checks again, without blocking."""
    os.mkfifo(tmp_path / "app.env")  # as if `app.env` became a FIFO between walk and read
    box: list[tuple[bytes | None, SkippedItem | None]] = []
    reader = threading.Thread(
        target=lambda: box.append(read_file(str(tmp_path), "app.env", 1024)), daemon=True
    )
    reader.start()
    reader.join(60)
    assert not reader.is_alive(), "read_file blocked on a FIFO"
    [(data, skip)] = box
    assert data is None and skip is not None and skip.reason is SkipReason.UNREADABLE
