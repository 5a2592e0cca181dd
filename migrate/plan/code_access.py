"""Access derived from the consuming source files: the data-plane calls made in the file that builds
a unit's client (`catalog.usage.DATA_CALLS`), read or write.

Reading the files is optional (the planner works from the scan document alone; a caller that has the
scanned repository passes a `SourceReader`).  The rules lean to more access, never less: a write
call anywhere in the file makes it write; reads alone count only when the client stays in the file
(not returned, not registered for dependency injection, not a public member), since code elsewhere
could write through it; a file that cannot be read tells nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from migrate.plan import catalog as cat
from migrate.plan.units import CODE_ROLES, Unit
from scanners.records import FileLocation

SourceReader = Callable[[str], str | None]  # repository-relative path -> text, or None

_CALL = re.compile(r"\.\s*([A-Za-z_]\w*)\s*(?:<[^<>()]*>)?\s*\(")
_ASSIGNED = re.compile(
    r"(?:^|[\s;(,])(?:var\s+|[\w<>\[\],.?]+\s+)?(_?\w+)\s*=\s*(?:await\s+)?(?:new\b|[\w.]+\.from_)"
)
_ESCAPE = re.compile(
    r"\bAdd(?:Singleton|Scoped|Transient)\s*\(|\bAddAzureClients\b|\bTryAdd\w*\s*\(|\breturn\s+new\b|"
    r"=>\s*new\b|\byield\b"
)


@dataclass(frozen=True, slots=True)
class CodeAccess:
    reads: bool
    writes: bool
    evidence: str


def _escapes(text: str, lines: list[str], line: int) -> bool:
    own = lines[line - 1] if 0 < line <= len(lines) else ""
    if _ESCAPE.search(own):
        return True
    m = _ASSIGNED.search(own)
    if m is None:
        return True  # not assigned to a name of this file: where it goes is not visible
    name = re.escape(m.group(1))
    if re.search(rf"\breturn\s+{name}\b|=>\s*{name}\s*;|\bpublic\b[^;{{=]*\b{name}\b", text):
        return True
    if re.search(rf"[(,]\s*(?:this\.|self\.)?{name}\s*[,)]", text):
        return True  # handed to other code as an argument
    return bool(re.search(rf"\bAdd(?:Singleton|Scoped|Transient)\s*\([^;]*\b{name}\b", text))


def code_access(unit: Unit, sources: SourceReader) -> CodeAccess | None:
    """Read or write from the files that build the unit's clients; None when they show nothing."""
    patterns = cat.DATA_CALLS.get(unit.service)
    if patterns is None:
        return None
    read_re, write_re = patterns
    reads: set[str] = set()
    writes: set[str] = set()
    contained = True
    seen = False
    for i in sorted(unit.items, key=lambda i: i.sort_key()):
        if i.evidence_role not in CODE_ROLES or not isinstance(i.location, FileLocation):
            continue
        text = sources(i.location.path)
        if text is None:
            return None
        seen = True
        lines = text.splitlines()
        contained = contained and not _escapes(text, lines, i.location.line)
        for m in _CALL.finditer(text):
            call = m.group(1)
            where = f"{i.location.path}: {call}"
            if write_re.match(call):
                writes.add(where)
            elif read_re.match(call):
                reads.add(where)
    if not seen:
        return None
    if writes:
        return CodeAccess(bool(reads), True, "calls in the code: " + ", ".join(sorted(writes | reads)[:6]))
    if reads and contained:
        return CodeAccess(True, False, "only reading calls in the code: " + ", ".join(sorted(reads)[:6]))
    return None
