"""Reading Java `*.properties` files (Spring `application*.properties`) into settings entries.

Follows `java.util.Properties`: `#` and `!` comment lines only (a `#` inside a value is part of
it), keys end at the first unescaped `=`, `:` or whitespace, a line ending in an odd number of
backslashes continues on the next, and `\\uXXXX`, `\\t`, `\\n`, `\\r`, `\\f` escapes are decoded.
"""

from __future__ import annotations

import re

from scanners.handlers.setting_evidence import Entry

_PROP_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def parse_properties(text: str) -> list[Entry]:
    out: list[Entry] = []
    lines = text.split("\n")
    i = 0
    n = len(lines)
    while i < n:
        line_no = i + 1
        cur = lines[i].rstrip("\r").lstrip(" \t\f")
        i += 1
        if not cur or cur[0] in "#!":
            continue
        parts = [cur]
        while _continues(parts[-1]) and i < n and len(parts) < 500:
            parts[-1] = parts[-1][:-1]
            parts.append(lines[i].rstrip("\r").lstrip(" \t\f"))
            i += 1
        if _continues(parts[-1]):
            parts[-1] = parts[-1][:-1]
        split = _split_property("".join(parts))
        if split is not None:
            out.append((line_no, split[0], split[1]))
    return out


def _continues(line: str) -> bool:
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1


def _split_property(logical: str) -> tuple[str, str] | None:
    """Split a logical .properties line at the first unescaped `=`, `:` or whitespace."""
    i = 0
    n = len(logical)
    while i < n:
        c = logical[i]
        if c == "\\":
            i += 2
            continue
        if c in "=: \t\f":
            break
        i += 1
    key = logical[:i]
    j = i
    while j < n and logical[j] in " \t\f":
        j += 1
    if j < n and logical[j] in "=:":
        j += 1
        while j < n and logical[j] in " \t\f":
            j += 1
    if not key:
        return None
    return _unescape_properties(key), _unescape_properties(logical[j:])


def _unescape_properties(s: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", s[i + 2 : i + 6]):
                out.append(chr(int(s[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_PROP_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
