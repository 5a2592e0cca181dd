"""Bad input gets a clear `skipped` record and the rest of the tree is still scanned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanners.file_scan import DEFAULT_MAX_FILE_SIZE
from scanners.records import ConnectionStringAuditItem, SkippedItem, SkipReason, ValueClass
from scanners.repository import RepositoryScanOptions, scan_repository
from scanners.walker import WalkOptions
from tests.conftest import TEST_KEY, file_location

GOOD = "AZURE_CLIENT_SECRET=abc8Q~CANARYdefghijklmnopqrstuvwxyz01234\n"


def _scan(
    root: Path, max_file_size: int = DEFAULT_MAX_FILE_SIZE, walk: WalkOptions | None = None
) -> tuple[list[ConnectionStringAuditItem], list[SkippedItem]]:
    options = RepositoryScanOptions(
        walk=walk or WalkOptions(), max_file_size=max_file_size, jobs=1, generic=False
    )
    res = scan_repository(str(root), TEST_KEY, options)
    return list(res.items), list(res.skipped)


def _reasons(skipped: list[SkippedItem]) -> dict[str, SkipReason]:
    return {s.target: s.reason for s in skipped}


def test_good_file_found_beside_bad_ones(tmp_path: Path) -> None:
    (tmp_path / "good.env").write_text(GOOD)
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01secret=abc\x00" * 100)
    (tmp_path / "big.env").write_text(GOOD * 2000)
    (tmp_path / "latin.env").write_bytes("PASSWORT=caf\xe9\n".encode("latin-1") + GOOD.encode())
    items, skipped = _scan(tmp_path, max_file_size=10_000)
    reasons = _reasons(skipped)
    assert (
        reasons["blob.bin"] is SkipReason.BINARY_WITH_KEYWORDS
    )  # binary, and `secret=` inside: listed as such
    assert reasons["big.env"] is SkipReason.TOO_LARGE
    assert reasons["latin.env"] is SkipReason.NOT_UTF8
    found = {file_location(i).path for i in items if i.value_class is ValueClass.SECRET}
    assert found == {"good.env", "latin.env"}  # non-UTF-8 file is still scanned


def test_symlink_loop_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "good.env").write_text(GOOD)
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    items, skipped = _scan(tmp_path)
    reasons = _reasons(skipped)
    assert reasons["a/loop"] is SkipReason.SYMLINK
    assert reasons["dangling"] is SkipReason.SYMLINK
    assert [file_location(i).path for i in items] == ["a/good.env"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:  # pragma: no cover - CI runs as root
    f = tmp_path / "locked.env"
    f.write_text(GOOD)
    f.chmod(0)
    _, skipped = _scan(tmp_path)
    assert _reasons(skipped)["locked.env"] is SkipReason.UNREADABLE


def test_unreadable_file_via_directory_without_read_bit(tmp_path: Path) -> None:
    """As root, permission bits do not bite; a FIFO stands in for an unreadable non-file."""
    os.mkfifo(tmp_path / "pipe.env")
    (tmp_path / "good.env").write_text(GOOD)
    items, skipped = _scan(tmp_path)
    assert _reasons(skipped)["pipe.env"] is SkipReason.UNREADABLE
    assert len(items) == 1


def test_gitignore_and_vendored_are_reported(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("secrets/\n*.local.env\n!keep.local.env\n")
    for rel in ("secrets/a.env", "x.local.env", "keep.local.env", "node_modules/p/a.env", "src/a.env"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(GOOD)
    items, skipped = _scan(tmp_path)
    reasons = _reasons(skipped)
    assert reasons["secrets"] is SkipReason.IGNORED
    assert reasons["x.local.env"] is SkipReason.IGNORED
    assert reasons["node_modules"] is SkipReason.VENDORED
    assert sorted(file_location(i).path for i in items) == ["keep.local.env", "src/a.env"]
    items2, _ = _scan(tmp_path, walk=WalkOptions(respect_gitignore=False, skip_vendored=False))
    assert len(items2) == 5


def test_skip_records_never_quote_content(tmp_path: Path) -> None:
    (tmp_path / "appsettings.json").write_text(
        '{"AZURE_CLIENT_SECRET": "abc8Q~CANARYdefghijklmnopqrstuvwxyz01234", '
    )
    items, skipped = _scan(tmp_path)
    assert any(i.value_class is ValueClass.SECRET for i in items)  # found line by line
    assert _reasons(skipped) == {"appsettings.json": SkipReason.MALFORMED}  # the record whose text is checked
    assert "CANARY" not in repr([s.to_json() for s in skipped])


def test_worker_pool_gives_same_result_as_in_process(tmp_path: Path) -> None:
    for n in range(150):
        (tmp_path / f"f{n:03d}.env").write_text(GOOD if n % 3 == 0 else "NOTHING=here\n")
    one = scan_repository(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=1, generic=False))
    two = scan_repository(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=2, generic=False))
    assert one.items == two.items
    assert len(one.items) == 50
