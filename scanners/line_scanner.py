"""The generic, line-level detector that runs on every text file that passes the prefilter.

It finds candidate values (quoted strings, `NAME=value` / `NAME: value` assignments, URLs with
credentials, Entra client-secret shapes) on lines that hold an anchor keyword, and leaves the
decision to the classifier.  Structured handlers run first; this pass catches what they cannot
see: commented-out lines, files that do not parse, and file types with no handler.  It never
needs a file to be well formed.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Iterator
from functools import cache

from scanners.evidence import Evidence, OverTimeBudget, SourceFile
from scanners.file_roles import is_code, role_for
from scanners.keyword_search import lines_holding
from scanners.keywords import LINE_KEYWORDS
from scanners.records import EvidenceRole

# Every pattern here runs in time linear in the line: possessive quantifiers and atomic groups
# (Python 3.11) where a run could be re-read, and no pattern that can start inside a run of spaces
# and scan to its end (a `.env` line of 20,000 spaces made the old ones quadratic).
MIN_QUOTED, MAX_QUOTED = 3, 4096  # characters (an escape pair counts as one) of a quoted value
_XML_NAME_RE = re.compile(r"""\b(?:key|name)\s*=\s*["']([^"']{1,200})["']""", re.I)
_XML_VALUE_ATTRS = re.compile(r"\b(?:value|connectionString)\s*=\s*$", re.I)
_ASSIGN_RE = re.compile(
    r"""^\s*+(?:export\s+|set\s+|ENV\s+|ARG\s+|-\s+|\$env:)?["']?([A-Za-z_][\w.\-:\[\]]{0,120})["']?\s*+[:=]\s*+(?!["'\s])(.*\S)""",
)
_EMPTY_ASSIGN_RE = re.compile(r"^\s*+(?:export\s+|set\s+|ENV\s+|ARG\s+|-\s+)?([A-Za-z_][\w.\-]{0,120})=$")
_EMPTY_QUOTED_RE = re.compile(r"""\b([A-Za-z_][\w.\-]{0,120})["']?\s*+(?::|=|:=)\s*+(?:""|'')(?!["'])""")
_URL_RE = re.compile(r"(?:jdbc:)?[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s\"'<>`]+")
_ENTRA_RE = re.compile(
    r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[78]Q~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])"
)
_TRAILING_COMMENT_RE = re.compile(r"(?<!\s)\s++#.*")  # starts only where a run of spaces starts
_INI_COMMENT_RE = re.compile(r"(?<!\s)\s++[;#].*")
_WRAPPER_RE = re.compile(
    r"\s*&?(?:to\.(?:Ptr|StringPtr)|ptr\.To|pointer\.String|autorest\.String|String)(?:\[\w+\])?\($"
)
_CONTINUATION_RE = re.compile(r"\s\\$")  # a shell line continuation after the value

UNQUOTED_OK_SUFFIXES = frozenset(
    {
        ".env",
        ".properties",
        ".yml",
        ".yaml",
        ".ini",
        ".cfg",
        ".conf",
        ".sh",
        ".bash",
        ".ps1",
        ".tfvars",
        ".toml",
        ".txt",
        ".config",
        ".settings",
        "",
    }
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
    wrapped = _WRAPPER_RE.search(head[-48:])
    if wrapped:  # Go `AdminPassword: to.Ptr("...")`: the wrapper call belongs to the value
        head = head[: len(head) - (len(head[-48:]) - wrapped.start())]
    i = len(head.rstrip())
    if i and head[i - 1] == "@":
        i -= 1
    if i >= 2 and head[i - 2 : i] == "=>":
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
    head = line[max(0, start - NAME_LOOKBEHIND) : start]
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
    """Line numbers (ascending) of every line holding one of `keywords` (lower-case literals):
    one Aho-Corasick pass over the lower-cased text (scanners/keyword_search.py)."""
    return lines_holding(source.lower_bytes, _as_bytes(keywords))


@cache
def _as_bytes(keywords: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(k.encode("utf-8") for k in keywords)


def scan_lines(
    source: SourceFile, handler: str = "line", deadline: float | None = None
) -> Iterator[Evidence]:
    """Candidate values on every anchored line of `source`; raises `OverTimeBudget` once
    `time.monotonic()` passes `deadline`."""
    role = role_for(source.path)
    unquoted = _allows_unquoted(source)
    for line_no in candidate_lines(source):
        if deadline is not None and time.monotonic() >= deadline:
            raise OverTimeBudget(f"line scanner at line {line_no}")
        full = source.line_text(line_no)
        if len(full) <= WINDOW:
            yield from _scan_line(full, line_no, role, unquoted, source, handler)
            continue
        for start in range(0, len(full), WINDOW - OVERLAP):
            yield from _scan_line(full[start : start + WINDOW], line_no, role, False, source, handler)


def _unescaped(line: str, quote: str) -> list[int]:
    """Offsets of the `quote` characters not escaped by an odd run of backslashes before them.
    Whether a quote is escaped does not depend on where a string started (the run before it
    starts after the opening quote), so one pass serves every start."""
    out: list[int] = []
    pos = line.find(quote)
    while pos != -1:
        run = 0
        while pos - run - 1 >= 0 and line[pos - run - 1] == "\\":
            run += 1
        if run % 2 == 0:
            out.append(pos)
        pos = line.find(quote, pos + 1)
    return out


def _quoted_spans(line: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each `"..."` / `'...'` string of 3 to 4096 characters, leftmost first,
    as the regex `"((?:[^"\\]|\\.){3,4096})"` would find them, in time linear in the line (that
    regex re-read up to 4096 characters from every quote of a line of `\\"\\"\\"...`)."""
    closers = {q: _unescaped(line, q) for q in "\"'"}
    pos = 0
    n = len(line)
    while pos < n:
        dq, sq = line.find('"', pos), line.find("'", pos)
        starts = [p for p in (dq, sq) if p != -1]
        if not starts:
            return
        start = min(starts)
        ends = closers[line[start]]
        i = bisect.bisect_right(ends, start)
        if i < len(ends):
            end = ends[i]
            body = line[start + 1 : end]
            units = (
                len(body) - _escape_pairs(body)
                if len(body) > MAX_QUOTED or len(body) < 2 * MIN_QUOTED
                else len(body)
            )
            if MIN_QUOTED <= units <= MAX_QUOTED:
                yield start, end + 1
                pos = end + 1
                continue
        pos = start + 1


def _escape_pairs(body: str) -> int:
    pairs = 0
    i = body.find("\\")
    while i != -1:
        pairs += 1
        i = body.find("\\", i + 2)
    return pairs


def _scan_line(
    line: str, line_no: int, role: EvidenceRole, unquoted: bool, source: SourceFile, handler: str
) -> Iterator[Evidence]:
    spans: list[tuple[int, int]] = []
    for start, end in _quoted_spans(line):
        spans.append((start, end))
        yield Evidence(
            line=line_no,
            role=role,
            name=_name_before(line, start),
            value=_unescape(line[start + 1 : end - 1]),
            method=handler,
        )
    if '""' in line or "''" in line:
        for eq in _EMPTY_QUOTED_RE.finditer(line):
            # `const string storageAccountKey = "";`: an empty slot, named by what it will hold.
            yield Evidence(line=line_no, role=role, name=eq.group(1), value="", method=handler)
    if unquoted and line.endswith("=") and line[-2:-1] not in ("=", "!", "<", ">"):
        em = _EMPTY_ASSIGN_RE.match(line)
        if em:  # `AZURE_SEARCH_ADMIN_KEY=` in a .env sample: an empty slot for a key
            yield Evidence(line=line_no, role=role, name=em.group(1), value="", method=handler)
    if unquoted:
        am = _ASSIGN_RE.match(line)
        if am and not any(s <= am.start(2) < e for s, e in spans):
            value = am.group(2)
            suffix = source.path.suffix.lower()
            if suffix in (".yml", ".yaml", ".sh", ".bash", ".env", ".properties", ""):
                value = _TRAILING_COMMENT_RE.sub("", value)
            elif suffix in (".ini", ".cfg", ".conf"):
                value = _INI_COMMENT_RE.sub("", value)
            if value.startswith("#") and suffix not in (".ps1",):
                value = ""  # `KEY= # comment`: an empty slot followed by a comment
            spans.append(am.span(2))
            yield Evidence(
                line=line_no,
                role=role,
                name=am.group(1),
                value=_CONTINUATION_RE.sub("", value).rstrip(",;"),
                method=handler,
            )
    for m in _URL_RE.finditer(line):
        if any(s <= m.start() < e for s, e in spans):
            continue
        yield Evidence(
            line=line_no,
            role=role,
            name=_name_before(line, m.start()),
            value=m.group(0).rstrip(".,;)"),
            method=handler,
        )
    for m in _ENTRA_RE.finditer(line):
        if any(s <= m.start() < e for s, e in spans):
            continue
        yield Evidence(
            line=line_no, role=role, name=_name_before(line, m.start()), value=m.group(0), method=handler
        )
