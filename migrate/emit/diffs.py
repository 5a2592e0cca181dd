"""Patches that `git apply` accepts and that hold no secret value, plus readable review diffs.

A text patch (`text_patch`, no `index` line, so no hash of the old file) must quote every line it
removes and its context lines; it is used only where none of them holds a secret.  Where they do,
the applicable patch is a git *binary delta* patch: copy instructions that point into the file as
it is in the repository (by offset, never by content) and the new bytes of the changed lines only,
which come from the plan's endpoint-only values.  git requires the preimage's full blob id on its
`index` line for a binary patch (apply.c: "cannot apply binary patch ... without full index line"),
an unkeyed hash of the old file, and the offsets give the lengths of the lines replaced: see
`migrate.emit.patch_safety` for when that is acceptable.  A binary patch without a reverse hunk is
valid (git apply.c, `parse_binary`).

The readable side is `difflib.unified_diff` with zero context lines, where every removed line that
may hold a secret is masked: review it, apply the binary patch.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import zlib
from collections.abc import Callable, Iterable
from typing import TypeVar

NO_EOL = "\\ No newline at end of file\n"
_B85 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_MAX_COPY = 0xFFFFFF


def blob_id(data: bytes) -> str:
    """The git blob id (SHA-1 of `blob <size>\\0<content>`): identifies the preimage, not a secret."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _copy(offset: int, size: int) -> bytes:
    out = bytearray()
    while size > 0:
        chunk = min(size, _MAX_COPY)
        op, args = 0x80, bytearray()
        for i in range(4):
            b = (offset >> (8 * i)) & 0xFF
            if b:
                op |= 1 << i
                args.append(b)
        for i in range(3):
            b = (chunk >> (8 * i)) & 0xFF
            if b:
                op |= 0x10 << i
                args.append(b)
        out.append(op)
        out += args
        offset += chunk
        size -= chunk
    return bytes(out)


def _insert(data: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(data), 127):
        chunk = data[i : i + 127]
        out.append(len(chunk))
        out += chunk
    return bytes(out)


_Line = TypeVar("_Line", str, bytes)


def line_opcodes(a: list[_Line], b: list[_Line]) -> list[tuple[str, int, int, int, int]]:
    """`SequenceMatcher` opcodes of two line lists; the common head and tail are matched first, so
    a small edit in a large file stays linear (no autojunk: every unchanged line is copied, never
    re-inserted, so no old line ever appears in a patch)."""
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    ops: list[tuple[str, int, int, int, int]] = []
    if head:
        ops.append(("equal", 0, head, 0, head))
    matcher = difflib.SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        ops.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def delta_ops(old: bytes, new: bytes) -> list[tuple[str, int, int, bytes]]:
    """("copy", offset in old, size, b"") / ("insert", 0, size, new bytes) operations, by lines."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    a_off = [0]
    for line in a:
        a_off.append(a_off[-1] + len(line))
    ops: list[tuple[str, int, int, bytes]] = []
    for tag, i1, i2, j1, j2 in line_opcodes(a, b):
        if tag == "equal":
            ops.append(("copy", a_off[i1], a_off[i2] - a_off[i1], b""))
        elif j2 > j1:
            data = b"".join(b[j1:j2])
            ops.append(("insert", 0, len(data), data))
    return ops


def delta(old: bytes, new: bytes) -> bytes:
    out = bytearray(_varint(len(old)) + _varint(len(new)))
    for kind, offset, size, data in delta_ops(old, new):
        out += _copy(offset, size) if kind == "copy" else _insert(data)
    return bytes(out)


def _base85_lines(data: bytes) -> list[str]:
    lines = []
    for i in range(0, len(data), 52):
        chunk = data[i : i + 52]
        n = len(chunk)
        head = chr(ord("A") + n - 1) if n <= 26 else chr(ord("a") + n - 27)
        padded = chunk + b"\0" * (-n % 4)
        body = []
        for j in range(0, len(padded), 4):
            acc = int.from_bytes(padded[j : j + 4], "big")
            digits = []
            for _ in range(5):
                acc, r = divmod(acc, 85)
                digits.append(_B85[r])
            body.append("".join(reversed(digits)))
        lines.append(head + "".join(body))
    return lines


def binary_patch(path: str, old: bytes, new: bytes) -> str:
    """A git binary delta patch of one file; "" when unchanged."""
    if old == new:
        return ""
    raw = delta(old, new)
    lines = _base85_lines(zlib.compress(raw, 9))
    return (
        f"diff --git a/{path} b/{path}\n"
        f"index {blob_id(old)}..{blob_id(new)} 100644\n"
        "GIT binary patch\n"
        f"delta {len(raw)}\n" + "".join(line + "\n" for line in lines) + "\n"
    )


def text_patch(path: str, old: str, new: str, context: int = 3) -> str:
    """A plain unified diff with git headers and no `index` line (no preimage id); "" when unchanged."""
    if old == new:
        return ""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    body = [
        line if line.endswith("\n") else line + "\n" + NO_EOL
        for line in difflib.unified_diff(a, b, f"a/{path}", f"b/{path}", n=context)
    ]
    return f"diff --git a/{path} b/{path}\n" + "".join(body)


_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? ")


def review_diff(path: str, old: str, new: str, redact: Callable[[int, str], str | None]) -> str:
    """`difflib.unified_diff` without context lines; every removed line it prints goes through
    `redact(line_no, text)` (1-based in `old`; None keeps the text).  For reading, not applying."""
    if old == new:
        return ""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out: list[str] = []
    old_line = 0
    for index, line in enumerate(difflib.unified_diff(a, b, f"a/{path}", f"b/{path}", n=0)):
        m = _HUNK_RE.match(line) if index >= 2 else None
        if index < 2:
            pass  # the ---/+++ header
        elif m:
            start, count = int(m.group(1)), m.group(2)
            old_line = start if count != "0" else start + 1
        elif line.startswith("-"):
            replacement = redact(old_line, line[1:])
            if replacement is not None:
                line = "-" + (replacement if replacement.endswith("\n") else replacement + "\n")
            old_line += 1
        out.append(line if line.endswith("\n") else line + "\n" + NO_EOL)
    return "".join(out)


def join(patches: Iterable[str]) -> str:
    return "".join(p for p in patches if p)
