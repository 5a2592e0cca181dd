"""The generic, line-level detector that runs on every text file that passes the prefilter.

It finds candidate values (quoted strings, `NAME=value` / `NAME: value` assignments, URLs with
credentials, Entra client-secret shapes) on lines that hold an anchor keyword, and leaves the
decision to the classifier.  Structured handlers run first; this pass catches what they cannot
see: commented-out lines, files that do not parse, and file types with no handler.  It never
needs a file to be well formed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanners.evidence import Evidence, SourceFile
from scanners.file_roles import is_code, role_for
from scanners.keywords import LINE_KEYWORDS
from scanners.records import EvidenceRole

_QUOTED_RE = re.compile(r"\"((?:[^\"\\\n]|\\.){3,4096})\"|'((?:[^'\\\n]|\\.){3,4096})'")
_XML_NAME_RE = re.compile(r"""\b(?:key|name)\s*=\s*["']([^"']{1,200})["']""", re.I)
_XML_VALUE_ATTRS = re.compile(r"\b(?:value|connectionString)\s*=\s*$", re.I)
_ASSIGN_RE = re.compile(
    r"""^\s*(?:export\s+|set\s+|ENV\s+|ARG\s+|-\s+|\$env:)?["']?([A-Za-z_][\w.\-:\[\]]{0,120})["']?\s*[:=]\s*(?!["'\s])(.+?)\s*$""",
)
_URL_RE = re.compile(r"(?:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s\"'<>`]+")
_ENTRA_RE = re.compile(r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[78]Q~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])")
_TRAILING_COMMENT_RE = re.compile(r"\s+#.*$")
_INI_COMMENT_RE = re.compile(r"\s+[;#].*$")

UNQUOTED_OK_SUFFIXES = frozenset(
    {".env", ".properties", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".sh", ".bash", ".ps1",
     ".tfvars", ".toml", ".txt", ".config", ".settings", ""}
)


def _unescape(s: str) -> str:
    return s.replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")


_PAIR_NAME_RE = re.compile(r"""\bname["']?\s*[:=]\s*["']([^"']{1,200})["']""", re.I)


NAME_TAIL = 140  # a name (<= 120 chars), its quotes and the separator
NAME_LOOKBEHIND = 400  # characters before a value searched for its name: keeps long lines linear
WINDOW = 20000  # long lines (minified JSON, one-line exports) are read in overlapping windows
OVERLAP = 2000


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-[]")


def _trailing_name(head: str) -> str | None:
    """The `name` of `name = `, `"name": `, `name => `, `"name", ` at the end of `head`.

    Read backwards by hand: a regex anchored at the end would be retried from every start
    position, which made lines with thousands of strings quadratic.
    """
    i = len(head.rstrip())
    if i and head[i - 1] == "@":
        i -= 1
    if i >= 2 and head[i - 2:i] == "=>":
        i -= 2
    elif i and head[i - 1] in ":=,":
        i -= 1
    else:
        return None
    while i and head[i - 1] in " \t":
        i -= 1
    if i and head[i - 1] in "\"'":
        i -= 1
    end = i
    while i and head[i - 1] in _NAME_CHARS and end - i < 120:
        i -= 1
    name = head[i:end]
    if not name or not (name[0].isalpha() or name[0] == "_"):
        # Trim leading characters a name cannot start with (digits, ':' of a JSON separator).
        while name and not (name[0].isalpha() or name[0] == "_"):
            name = name[1:]
    return name or None


def _name_before(line: str, start: int) -> str | None:
    head = line[max(0, start - NAME_LOOKBEHIND):start]
    if _XML_VALUE_ATTRS.search(head[-40:]):
        m = _XML_NAME_RE.search(head)
        if m:
            return m.group(1)
    name = _trailing_name(head[-NAME_TAIL:])
    if name is None:
        return None
    if name.lower() == "value":
        # `{ "name": "X", "value": "..." }` (ARM, az CLI output, Kubernetes env): the value is X's.
        pair = _PAIR_NAME_RE.search(head)
        return pair.group(1) if pair else None
    return name


def _allows_unquoted(source: SourceFile) -> bool:
    name = source.name_lower
    if name.startswith(".env") or name in ("dockerfile", "containerfile"):
        return True
    suffix = source.path.suffix.lower()
    return suffix in UNQUOTED_OK_SUFFIXES and not is_code(source.path)


def candidate_lines(source: SourceFile, keywords: tuple[str, ...] = LINE_KEYWORDS) -> list[int]:
    """Line numbers (sorted) of every line holding one of `keywords` (lower-case literals).

    One substring search per keyword, skipping to the next line after each hit: measured faster
    here than a regex alternation, which is retried at every position of the text.
    """
    low = source.lower
    lines: set[int] = set()
    for kw in keywords:
        pos = low.find(kw)
        while pos != -1:
            lines.add(source.line_of(pos))
            nl = low.find("\n", pos)
            if nl == -1:
                break
            pos = low.find(kw, nl)
    return sorted(lines)


def scan_lines(source: SourceFile, handler: str = "line") -> Iterator[Evidence]:
    """Candidate values on every anchored line of `source`."""
    role = role_for(source.path)
    unquoted = _allows_unquoted(source)
    for line_no in candidate_lines(source):
        full = source.line_text(line_no)
        if len(full) <= WINDOW:
            yield from _scan_line(full, line_no, role, unquoted, source, handler)
            continue
        for start in range(0, len(full), WINDOW - OVERLAP):
            yield from _scan_line(full[start:start + WINDOW], line_no, role, False, source, handler)


def _scan_line(line: str, line_no: int, role: EvidenceRole, unquoted: bool, source: SourceFile,
               handler: str) -> Iterator[Evidence]:
    spans: list[tuple[int, int]] = []
    for m in _QUOTED_RE.finditer(line):
        raw = m.group(1) if m.group(1) is not None else m.group(2)
        spans.append(m.span())
        yield Evidence(line=line_no, role=role, name=_name_before(line, m.start()),
                       value=_unescape(raw), method=handler)
    if unquoted:
        am = _ASSIGN_RE.match(line)
        if am and not any(s <= am.start(2) < e for s, e in spans):
            value = am.group(2)
            suffix = source.path.suffix.lower()
            if suffix in (".yml", ".yaml", ".sh", ".bash", ".env", ".properties", ""):
                value = _TRAILING_COMMENT_RE.sub("", value)
            elif suffix in (".ini", ".cfg", ".conf"):
                value = _INI_COMMENT_RE.sub("", value)
            spans.append(am.span(2))
            yield Evidence(line=line_no, role=role, name=am.group(1), value=value.rstrip(",;"),
                           method=handler)
    for m in _URL_RE.finditer(line):
        if any(s <= m.start() < e for s, e in spans):
            continue
        yield Evidence(line=line_no, role=role, name=_name_before(line, m.start()),
                       value=m.group(0).rstrip(".,;)"), method=handler)
    for m in _ENTRA_RE.finditer(line):
        if any(s <= m.start() < e for s, e in spans):
            continue
        yield Evidence(line=line_no, role=role, name=_name_before(line, m.start()),
                       value=m.group(0), method=handler)
