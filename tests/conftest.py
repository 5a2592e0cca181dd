"""Shared fixtures: a fixed fingerprint key, and helpers to scan text as a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.records import AppServiceLocation, ConnectionStringAuditItem, FileLocation

REPO = Path(__file__).resolve().parents[1]


DATA = REPO / "tests" / "data"
"""Facts and schemas the tests pin the code against, copied with their sources named
(tests/data/README.md): the tests need nothing outside the repository."""


TEST_KEY = bytes.fromhex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """A fingerprint key file holding TEST_KEY, for CLI runs with `--key-file`."""
    path = tmp_path / "fingerprint.key"
    path.write_text(TEST_KEY.hex() + "\n", encoding="ascii")
    return path


@pytest.fixture
def fp() -> Fingerprinter:
    return Fingerprinter(TEST_KEY)


@pytest.fixture(autouse=True)
def _isolated_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real ~/.config key from tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SECRETLESS_FINGERPRINT_KEY", raising=False)


def scan_text(path: str, text: str, generic: bool = False) -> list[ConnectionStringAuditItem]:
    """Scan `text` as if it were the file `path` (relative); returns the items."""
    outcome = scan_bytes(path, text.encode("utf-8"), Fingerprinter(TEST_KEY), generic=generic)
    return list(outcome.items)


pytest_plugins = ["tests.fakearm.conftest_fixtures"]


def file_location(item: ConnectionStringAuditItem) -> FileLocation:
    """The location of an item found in a file; fails on an App Service setting."""
    assert isinstance(item.location, FileLocation), item.location
    return item.location


def app_service_location(item: ConnectionStringAuditItem) -> AppServiceLocation:
    """The location of an item found in App Service settings; fails on a file."""
    assert isinstance(item.location, AppServiceLocation), item.location
    return item.location


def find_item(items: list[ConnectionStringAuditItem], line: int, **kw: object) -> ConnectionStringAuditItem:
    """The first item on `line` whose attributes equal `kw`; fails with what was found instead."""
    found = [
        i
        for i in items
        if getattr(i.location, "line", None) == line and all(getattr(i, k) == v for k, v in kw.items())
    ]
    assert found, (
        f"nothing on line {line} with {kw}: {[(getattr(i.location, 'line', None), i.detector) for i in items]}"
    )
    return found[0]
