"""Reading `.env` files (and `.env.*`, `*.env`, `.envrc`) into settings entries.

`KEY=VALUE`, `KEY: VALUE` and `export KEY=VALUE` lines; quotes are stripped, unquoted values lose
their ` #` comments, and double-quoted values may span lines and decode `\\"`, `\\n` and `\\\\`.
A quote that never closes takes its line as it is, so it cannot swallow the lines after it.
"""

from __future__ import annotations

import re

from scanners.handlers.setting_evidence import Entry

_DOTENV_LINE_RE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*(?:=|:[ \t])[ \t]*"
)


def parse_dotenv(text: str) -> list[Entry]:
    out: list[Entry] = []
    lines = text.split("\n")
    i = 0
    n = len(lines)
    while i < n:
        raw = lines[i].rstrip("\r")
        line_no = i + 1
        i += 1
        m = _DOTENV_LINE_RE.match(raw)
        if not m or raw.lstrip().startswith("#"):
            continue
        key = m.group("key")
        rest = raw[m.end() :]
        value: str | None = None
        if rest[:1] in ('"', "'", "`"):
            quoted = _quoted(rest, lines, i)
            if quoted is not None:
                value, used = quoted
                i += used
        if value is None:  # unquoted, or a quote never closed: take the line as it is
            value = re.sub(r"(?:^|[ \t])#.*$", "", rest).strip()
        out.append((line_no, key, value))
    return out


def _quoted(rest: str, lines: list[str], nxt: int) -> tuple[str, int] | None:
    """The value of a quoted dotenv entry starting at `rest`, and how many more lines it took
    (double-quoted values may span lines)."""
    q = rest[0]
    body = rest[1:]
    buf: list[str] = []
    while True:
        end = _closing_quote(body, q)
        if end is not None:
            buf.append(body[:end])
            break
        buf.append(body)
        if q != '"' or nxt >= len(lines) or len(buf) > 200:
            return None
        body = lines[nxt].rstrip("\r")
        nxt += 1
    value = "\n".join(buf)
    if q == '"':
        value = value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
    return value, len(buf) - 1


def _closing_quote(body: str, q: str) -> int | None:
    j = 0
    while j < len(body):
        c = body[j]
        if c == "\\" and q == '"':
            j += 2
            continue
        if c == q:
            return j
        j += 1
    return None
