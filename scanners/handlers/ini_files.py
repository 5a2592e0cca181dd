"""Reading `*.ini` / `*.cfg` files into settings entries.

Keys are prefixed with their `[section]` (`database.password`) except in `[DEFAULT]`; `;` and `#`
start comment lines, and inline comments after whitespace; indented lines continue the value
above, and one pair of surrounding quotes is stripped.
"""

from __future__ import annotations

import re

from scanners.handlers.setting_evidence import Entry

_INI_SECTION_RE = re.compile(r"^\s*\[([^\]\n]{1,200})\]\s*(?:[;#].*)?$")
_INI_KEY_RE = re.compile(r"^(?P<key>[^=:\s\[;#][^=:]{0,200}?)\s*+[=:]\s?(?P<value>.*)$")
# An inline comment starts where a run of whitespace starts: linear on long runs of spaces.
_INLINE_COMMENT_RE = re.compile(r"(?<!\s)\s++[;#].*")


def parse_ini(text: str) -> list[Entry]:
    heads: list[tuple[int, str]] = []
    values: list[list[str]] = []
    section = ""
    open_entry = False
    for idx, raw in enumerate(text.split("\n")):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        if line[:1] in " \t" and open_entry:
            values[-1].append(stripped)  # an indented continuation line
            continue
        sm = _INI_SECTION_RE.match(line)
        if sm:
            section = sm.group(1).strip()
            open_entry = False
            continue
        km = _INI_KEY_RE.match(line)
        if not km:
            open_entry = False
            continue
        key = km.group("key").strip()
        name = f"{section}.{key}" if section and section.lower() not in ("default", "defaults") else key
        heads.append((idx + 1, name))
        values.append([_INLINE_COMMENT_RE.sub("", km.group("value")).strip()])
        open_entry = True
    return [
        (line_no, name, _unquote("\n".join(parts).strip()))
        for (line_no, name), parts in zip(heads, values, strict=True)
    ]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value
