"""Flat key/value files: `.env` (and `.env.*`, `*.env`, `.envrc`), Java `*.properties` (Spring
`application*.properties`) and `*.ini` / `*.cfg`.

Each `KEY=VALUE` becomes evidence named KEY, classified by the framework.  Quoting follows each
format: dotenv strips quotes and ` #` comments (double-quoted values may span lines); .properties
has no inline comments but joins `\\` continuations and decodes its escapes; INI files prefix keys
with their `[section]`.  A few Spring keys that hold secrets but whose names the shared name rules
do not know (`spring.datasource.password`) carry a service hint, and Spring's passwordless
switches (`spring.datasource.azure.passwordless-enabled=true`) are reported as passwordless.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers.code_evidence import literal_evidence
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

MAX_VALUE = 16384

# (line, key, value)
Entry = tuple[int, str, str]


# ---------------------------------------------------------------------------------- dotenv

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
        rest = raw[m.end():]
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


# ------------------------------------------------------------------------------ properties

_PROP_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape_properties(s: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", s[i + 2: i + 6]):
                out.append(chr(int(s[i + 2: i + 6], 16)))
                i += 6
                continue
            out.append(_PROP_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


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


# ------------------------------------------------------------------------------------- ini

_INI_SECTION_RE = re.compile(r"^\s*\[([^\]\n]{1,200})\]\s*(?:[;#].*)?$")
_INI_KEY_RE = re.compile(r"^(?P<key>[^=:\s\[;#][^=:]{0,200}?)\s*[=:]\s?(?P<value>.*)$")


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
        values.append([re.sub(r"\s+[;#].*$", "", km.group("value")).strip()])
        open_entry = True
    return [(line_no, name, _unquote("\n".join(parts).strip())) for (line_no, name), parts in zip(heads, values, strict=True)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


# ------------------------------------------------------------------------- Spring knowledge

# Spring keys that hold a secret but whose names the shared name rules do not recognise.
_SPRING_DB_PASSWORD_RE = re.compile(
    r"^spring\.(?:datasource(?:\.[\w-]+)?|r2dbc|flyway|liquibase)\.password$", re.I
)
_SPRING_PASSWORDLESS_RE = re.compile(
    r"^spring\.(?:[\w.\-\[\]]+\.)?(?:azure\.passwordless-enabled|credential\.managed-identity-enabled)$", re.I
)
_SPRING_SERVICE_WORDS: tuple[tuple[str, ServiceType], ...] = (
    ("storage", S.STORAGE), ("servicebus", S.SERVICE_BUS), ("eventhubs", S.EVENT_HUBS),
    ("cosmos", S.COSMOS_DB), ("keyvault", S.KEY_VAULT), ("appconfiguration", S.APP_CONFIGURATION),
    ("redis", S.REDIS),
)


def _db_service(url: str | None) -> ServiceType | None:
    if not url:
        return None
    low = url.lower()
    if "sqlserver" in low:
        return S.SQL
    if "postgres" in low:
        return S.POSTGRESQL
    if "mysql" in low or "mariadb" in low:
        return S.MYSQL
    return None


def _spring_service(key: str, db: ServiceType | None) -> ServiceType:
    low = key.lower()
    if ".datasource." in low or ".r2dbc." in low:
        return db or S.GENERIC
    for word, service in _SPRING_SERVICE_WORDS:
        if word in low:
            return service
    return S.ENTRA_ID


def datasource_service(entries: list[Entry]) -> ServiceType | None:
    """The database a Spring datasource points at, from its `*.url` entries."""
    urls = {k.lower(): v for _, k, v in entries if k.lower().endswith((".url", ".jdbc-url", ".jdbcurl"))}
    db = None
    for key in ("spring.datasource.url", "spring.r2dbc.url"):
        db = db or _db_service(urls.get(key))
    for url in urls.values():
        db = db or _db_service(url)
    return db


def entry_evidence(line: int, key: str, value: str, db: ServiceType | None,
                   role: EvidenceRole = R.CONFIG_VALUE, note: str | None = None) -> Evidence | None:
    """Evidence for one `key = value` setting, with the Spring special cases applied."""
    if len(value) > MAX_VALUE or not key:
        return None
    if _SPRING_PASSWORDLESS_RE.match(key):
        if value.strip().lower() != "true":
            return None
        return Evidence(line=line, role=role, name=key, service=_spring_service(key, db), kind=K.IDENTITY,
                        value_class=V.PASSWORDLESS, preview=f"{key}=true", method="spring-passwordless")
    if _SPRING_DB_PASSWORD_RE.match(key):
        service = db or S.GENERIC
        note = note or (None if db else "database password: confirm the database is Azure-hosted")
        ev = literal_evidence(line, value, key, service, K.PASSWORD, f"{key}=***", "spring", role=role,
                              note=note)
        if ev is not None and db is None and ev.value is None:
            ev = Evidence(line=ev.line, role=ev.role, name=ev.name, service=ev.service, kind=ev.kind,
                          value_class=ev.value_class, preview=ev.preview, method=ev.method, note=ev.note,
                          confidence=Confidence.LOW)
        return ev
    return Evidence(line=line, role=role, name=key, value=value, note=note)


class EnvPropertiesHandler:
    name = "env-properties"

    def matches(self, path: PurePosixPath) -> bool:
        name = path.name.lower()
        return (
            name in (".env", ".envrc")
            or name.startswith(".env.")
            or name.endswith((".env", ".properties", ".ini", ".cfg"))
        )

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        name = source.name_lower
        if name.endswith(".properties"):
            entries = parse_properties(source.text)
        elif name.endswith((".ini", ".cfg")):
            entries = parse_ini(source.text)
        else:
            entries = parse_dotenv(source.text)
        db = datasource_service(entries)
        out = [ev for line, key, value in entries if (ev := entry_evidence(line, key, value, db)) is not None]
        return iter(out)

