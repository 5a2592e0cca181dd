"""Parse the many shapes of connection strings into a neutral form.

Handles `key=value;` strings (ADO.NET, Storage, Service Bus, Cosmos DB, ...) with quoting and
ODBC braces, libpq `key=value key=value` strings, StackExchange.Redis comma lists, URIs
(`postgresql://`, `mongodb://`, `rediss://`, SAS URLs) and JDBC URLs.  Keys are matched
case-insensitively.  Nothing here decides what is secret; `classifier` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass(frozen=True, slots=True)
class ParsedConnection:
    """A connection value broken into parts.  `pairs` keep the original key spelling and order."""

    form: str  # "kv", "libpq", "redis", "uri", "jdbc"
    pairs: tuple[tuple[str, str], ...] = ()
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    path: str | None = None
    username: str | None = None
    password: str | None = None
    query: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def get(self, *keys: str) -> str | None:
        wanted = {k.lower().replace(" ", "") for k in keys}
        for key, value in self.pairs:
            if key.lower().replace(" ", "") in wanted:
                return value
        for key, value in self.query:
            if key.lower() in wanted:
                return value
        return None

    def has(self, *keys: str) -> bool:
        return self.get(*keys) is not None

    def keys(self) -> set[str]:
        return {k.lower().replace(" ", "") for k, _ in self.pairs} | {k.lower() for k, _ in self.query}


_KV_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 _.\-]{0,60}$")


def _at_value_start(buf: list[str]) -> bool:
    """`buf` holds `key=` and nothing of the value yet: only there does a quote or brace open one."""
    _, eq, rest = "".join(buf).partition("=")
    return bool(eq) and not rest.strip()


def _split_kv(text: str, sep: str) -> list[str] | None:
    """Split on `sep`, honouring "double", 'single' quotes and {ODBC braces}, each escaped inside by
    doubling it (`""`, `''`, `}}`)."""
    parts: list[str] = []
    buf: list[str] = []
    quote: str | None = None
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == quote:
                if i + 1 < n and text[i + 1] == quote:  # doubled quote escape
                    buf.append(text[i + 1])
                    i += 1
                else:
                    quote = None
        elif ch in "\"'" and (not buf or _at_value_start(buf)):
            quote = ch
            buf.append(ch)
        elif ch == "{" and _at_value_start(buf):
            quote = "}"
            buf.append(ch)
        elif ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    if quote:
        return None
    parts.append("".join(buf))
    return parts


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1].replace(v[0] * 2, v[0])
    if len(v) >= 2 and v[0] == "{" and v[-1] == "}":
        return v[1:-1].replace("}}", "}")
    return v


def parse_key_values(text: str, sep: str = ";") -> ParsedConnection | None:
    """`Key=Value;Key2=Value2` → pairs, or None when the text is not of that shape."""
    if "=" not in text:
        return None
    parts = _split_kv(text.strip(), sep)
    if not parts:
        return None
    pairs: list[tuple[str, str]] = []
    for raw in parts:
        if not raw.strip():
            continue
        if "=" not in raw:
            return None
        key, _, value = raw.partition("=")
        key = key.strip()
        if not _KV_KEY_RE.match(key):
            return None
        pairs.append((key, _unquote(value)))
    if not pairs:
        return None
    return ParsedConnection(form="kv", pairs=tuple(pairs))


_LIBPQ_RE = re.compile(r"([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)")


def parse_libpq(text: str) -> ParsedConnection | None:
    """PostgreSQL libpq `host=... user=... password=...` (space separated)."""
    t = text.strip()
    if ";" in t or "=" not in t:
        return None
    pairs = [(m.group(1), _unquote(m.group(2))) for m in _LIBPQ_RE.finditer(t)]
    keys = {k.lower() for k, _ in pairs}
    if len(pairs) < 2 or not keys & {"host", "hostaddr", "dbname"}:
        return None
    return ParsedConnection(form="libpq", pairs=tuple(pairs))


def parse_redis_config(text: str) -> ParsedConnection | None:
    """StackExchange.Redis `host:6380,password=...,ssl=True,abortConnect=False`."""
    t = text.strip()
    if "," not in t or "=" not in t or ";" in t:
        return None
    first, _, rest = t.partition(",")
    if "=" in first or not re.match(r"^[A-Za-z0-9.\-\[\]:]+$", first):
        return None
    pairs: list[tuple[str, str]] = []
    for raw in rest.split(","):
        key, eq, value = raw.partition("=")
        if not eq:
            continue
        pairs.append((key.strip(), value.strip()))
    if not pairs:
        return None
    host, _, port = first.partition(":")
    return ParsedConnection(
        form="redis",
        pairs=tuple(pairs),
        host=host.lower(),
        port=int(port) if port.isdigit() else None,
    )


_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://", re.ASCII)


def parse_uri(text: str) -> ParsedConnection | None:
    t = text.strip()
    jdbc = t.lower().startswith("jdbc:")
    if jdbc:
        t = t[5:]
    if not _URI_RE.match(t):
        return None
    scheme = t.split(":", 1)[0].lower()
    pairs: tuple[tuple[str, str], ...] = ()
    if jdbc and scheme == "sqlserver":
        head, _, params = t.partition(";")
        parsed = parse_key_values(params) if params else None
        pairs = parsed.pairs if parsed else ()
        t = head
    try:
        parts = urlsplit(t)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    return ParsedConnection(
        form="jdbc" if jdbc else "uri",
        pairs=pairs,
        scheme=scheme,
        host=host.lower() if host else None,
        port=port,
        path=parts.path or None,
        username=username,
        password=password,
        query=query,
    )


def parse_connection(text: str) -> ParsedConnection | None:
    """Try every known shape; the first that fits wins."""
    t = text.strip()
    if not t or len(t) > 8192:
        return None
    if _URI_RE.match(t) or t.lower().startswith("jdbc:"):
        return parse_uri(t)
    if ";" not in t:
        return parse_libpq(t) or parse_redis_config(t) or parse_key_values(t)
    return parse_key_values(t)
