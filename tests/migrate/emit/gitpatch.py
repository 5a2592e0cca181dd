"""Test helpers: a throwaway git repository, and a reader for git binary delta patches."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

_B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)


def repo_copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    for args in (
        ("init", "-q"),
        ("add", "-A", "-f"),
        ("-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-qm", "fixture"),
    ):
        result = git(dest, *args)
        assert result.returncode == 0, result.stderr
    return dest


def _b85decode(line: str) -> bytes:
    head, body = line[0], line[1:]
    n = ord(head) - ord("A") + 1 if head <= "Z" else ord(head) - ord("a") + 27
    out = bytearray()
    for i in range(0, len(body), 5):
        acc = 0
        for ch in body[i : i + 5]:
            acc = acc * 85 + _B85.index(ch)
        out += acc.to_bytes(4, "big")
    return bytes(out[:n])


def inserted_bytes(patch: str) -> list[bytes]:
    """The literal bytes each binary delta hunk inserts (what the patch adds to the files)."""
    out = []
    for m in re.finditer(r"^delta (\d+)\n((?:[A-Za-z].*\n)+)", patch, re.MULTILINE):
        raw = zlib.decompress(b"".join(_b85decode(line) for line in m.group(2).splitlines()))
        assert len(raw) == int(m.group(1))
        pos = 0
        for _ in range(2):  # source and target sizes
            while raw[pos] & 0x80:
                pos += 1
            pos += 1
        inserted = bytearray()
        while pos < len(raw):
            op = raw[pos]
            pos += 1
            if op & 0x80:
                pos += bin(op & 0x7F).count("1")
            else:
                inserted += raw[pos : pos + op]
                pos += op
        out.append(bytes(inserted))
    return out
