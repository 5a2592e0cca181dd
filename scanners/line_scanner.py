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

_QUOTED_RE = re.compile(r"\"((?:[^\"\\\n]|\\.){3,4096})\"|'((?:[^'\\\n]|\\.){3,4096})'")
_NAME_BEFORE_RE = re.compile(
    r"""(?:["']?([A-Za-z_][\w.:\-\[\]]{0,120})["']?\s*(?::|=>|=|,)\s*@?)$"""
)
_XML_NAME_RE = re.compile(r"""\b(?:key|name)\s*=\s*["']([^"']{1,200})["']""", re.I)
_XML_VALUE_ATTRS = re.compile(r"\b(?:value|connectionString)\s*=\s*$", re.I)
_ASSIGN_RE = re.compile(
    r"""^\s*(?:export\s+|set\s+|ENV\s+|ARG\s+|-\s+|\$env:)?["']?([A-Za-z_][\w.\-:\[\]]{0,120})["']?\s*[:=]\s*(?!["'\s])(.+?)\s*$""",
)
_URL_RE = re.compile(r"(?:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s\"'<>`]+")
_ENTRA_RE = re.compile(r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[78]Q~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])")
_TRAILING_COMMENT_RE = re.compile(r"\s+#.*$")

UNQUOTED_OK_SUFFIXES = frozenset(
    {".env", ".properties", ".yml", ".yaml", ".ini", ".cfg", ".conf", ".sh", ".bash", ".ps1",
     ".tfvars", ".toml", ".txt", ".config", ".settings", ""}
)


def _unescape(s: str) -> str:
    return s.replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")


_PAIR_NAME_RE = re.compile(r"""\bname["']?\s*[:=]\s*["']([^"']{1,200})["']""", re.I)


def _name_before(line: str, start: int) -> str | None:
    head = line[:start]
    if _XML_VALUE_ATTRS.search(head):
        m = _XML_NAME_RE.search(head)
        if m:
            return m.group(1)
    m = _NAME_BEFORE_RE.search(head.rstrip())
    if not m:
        return None
    name = m.group(1)
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
    """Line numbers (sorted) of every line holding one of `keywords` (lower-case literals)."""
    low = source.text.lower()
    lines: set[int] = set()
    for kw in keywords:
        pos = low.find(kw)
        while pos != -1:
            line = source.line_of(pos)
            lines.add(line)
            # Skip to the end of this line: one hit per line is enough.
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
        line = source.line_text(line_no)
        if len(line) > 20000:
            line = line[:20000]
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
                if source.path.suffix.lower() in (".yml", ".yaml", ".sh", ".bash", ".env", ".properties", ""):
                    value = _TRAILING_COMMENT_RE.sub("", value)
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
