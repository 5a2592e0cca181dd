"""Reading the arguments of SDK calls in JavaScript/TypeScript and Java/Kotlin source.

`CallReader` turns the text of an argument into a literal, a setting lookup (`process.env.X`,
`System.getenv("X")`), a credential, an object literal or an identifier, following simple
declarations; `Reporter` turns that argument into evidence.  Previews are built from identifiers
only, never from string literals.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers.code_evidence import literal_evidence, lookup_evidence
from scanners.handlers.lexing import Syntax
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.sdk_clients import PASSWORDLESS_CREDENTIALS, SAS_CREDENTIALS, is_client_class, key_kind

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

MAX_DECLARATIONS = 300


_STRING_RE = re.compile(
    r"""^(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\$]|\\.|\$(?!\{))*)`)$""", re.S
)


def string_literal(raw: str) -> str | None:
    m = _STRING_RE.match(raw.strip())
    if not m:
        return None
    s = next(g for g in m.groups() if g is not None)
    return s.replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")


_IDENT_RE = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
_NEW_RE = re.compile(r"^(?:new\s+)?([A-Za-z_][\w.]*?)(?:Builder)?\s*\(")


@dataclass(frozen=True, slots=True)
class Arg:
    kind: str  # literal, env, cred, object, ident, other
    offset: int
    value: str | None = None  # literal value
    name: str | None = None  # setting name (env) or identifier
    shape: str = "..."
    cred: str | None = None  # credential class for kind "cred"
    default: str | None = None  # literal default of `process.env.X ?? "default"`
    props: dict[str, Arg] | None = None


@dataclass(frozen=True, slots=True)
class Language:
    """What the call reader needs to know about one language besides its `Syntax`."""

    syntax: Syntax
    env_patterns: tuple[re.Pattern[str], ...]  # group "name" = the setting
    default_re: re.Pattern[str]
    decl_prefix: str  # regex before the identifier in a declaration


class CallReader:
    """Resolve argument text to literals, setting lookups, credentials or identifiers."""

    def __init__(self, source: SourceFile, lang: Language) -> None:
        self.source = source
        self.text = source.text
        self.lang = lang
        self._decls: dict[str, tuple[int, str] | None] = {}

    def line(self, offset: int) -> int:
        return self.source.line_of(offset)

    def env(self, raw: str) -> tuple[str, str, int] | None:
        """(setting name, identifier-only shape, end offset) of a setting lookup at the start of raw."""
        for pat in self.lang.env_patterns:
            m = pat.match(raw)
            if m:
                name = m.group("name")
                return name, _env_shape(raw[: m.end()], name), m.end()
        return None

    def declaration(self, ident: str) -> tuple[int, str] | None:
        if ident in self._decls:
            return self._decls[ident]
        if len(self._decls) >= MAX_DECLARATIONS:  # each lookup reads the whole file: bound them
            return None
        pat = re.compile(
            self.lang.decl_prefix + re.escape(ident) + r"\b\s*(?::\s*[\w.<>?\[\]| ]+?\s*)?=(?![=>])\s*"
        )
        m = pat.search(self.text)
        found = None
        if m:
            expr = self.lang.syntax.read_expr(self.text, m.end())
            if expr:
                found = (m.end(), expr)
        self._decls[ident] = found
        return found

    def parse(self, offset: int, raw: str, depth: int = 0) -> Arg:
        raw = raw.strip().rstrip("!")
        if raw.startswith("await "):
            raw = raw[6:].strip()
        lit = string_literal(raw)
        if lit is not None:
            return Arg("literal", offset, value=lit, shape='"***"')
        env = self.env(raw)
        if env is not None:
            default = None
            rest = raw[env[2] :].strip()
            dm = self.lang.default_re.match(rest) if rest else None
            if dm:
                default = string_literal(dm.group(1))
            return Arg("env", offset, name=env[0], shape=env[1], default=default)
        m = _NEW_RE.match(raw)
        if m:
            cls = m.group(1).split(".")[-1]
            if cls in PASSWORDLESS_CREDENTIALS or cls.endswith("Credential"):
                return Arg("cred", offset, cred=cls, shape=f"new {cls}(...)")
        if raw.startswith("{") and raw.endswith("}"):
            return Arg("object", offset, shape="{...}", props=self.props(offset, raw, depth))
        if _IDENT_RE.match(raw):
            if depth < 3 and "." not in raw:
                decl = self.declaration(raw)
                if decl is not None:
                    inner = self.parse(decl[0], decl[1], depth + 1)
                    if inner.kind != "other":
                        # a literal is reported where it is written; anything else where it is used
                        where = inner.offset if inner.kind == "literal" else offset
                        return _with_shape(inner, inner.shape if inner.kind == "env" else raw, where)
            return Arg("ident", offset, name=raw, shape=raw)
        return Arg("other", offset, shape="...")

    def props(self, offset: int, raw: str, depth: int) -> dict[str, Arg]:
        parsed = self.lang.syntax.split_args("(" + raw[1:-1] + ")", 0)
        out: dict[str, Arg] = {}
        if parsed is None:
            return out
        for off, item in parsed[0]:
            real = offset + off  # "(" replaced "{": same length
            pm = re.match(r"""^["']?([A-Za-z_$][\w$-]*)["']?\s*:\s*""", item)
            if pm:
                out[pm.group(1)] = self.parse(real + pm.end(), item[pm.end() :], depth + 1)
            elif _IDENT_RE.match(item):
                out[item] = self.parse(real, item, depth + 1)
        return out


def _with_shape(arg: Arg, shape: str, offset: int) -> Arg:
    return Arg(arg.kind, offset, arg.value, arg.name, shape, arg.cred, arg.default, arg.props)


def _env_shape(raw: str, name: str) -> str:
    """An identifier-only shape of a lookup: the setting name is the only literal kept."""
    return re.sub(r"""(["'])[^"']*\1""", lambda m: f'"{name}"', raw, count=1).strip()


class Reporter:
    """Turn an argument into evidence (shared by the JavaScript and Java handlers)."""

    def __init__(self, reader: CallReader) -> None:
        self.reader = reader
        self.out: list[Evidence] = []
        self.seen: set[tuple[int, str | None, str, str]] = set()

    def emit(self, ev: Evidence | None) -> None:
        if ev is None:
            return
        key = (ev.line, ev.name, ev.method, ev.preview or "")
        if key in self.seen:
            return
        self.seen.add(key)
        self.out.append(ev)

    def value(
        self,
        arg: Arg,
        call_line: int,
        preview_fn: Callable[[str], str],
        service: ServiceType,
        kind: CredentialKind,
        method: str,
        note: str | None = None,
    ) -> None:
        line = self.reader.line(arg.offset) if arg.offset >= 0 else call_line
        preview = preview_fn(arg.shape)
        if arg.kind == "literal" and arg.value is not None:
            self.emit(literal_evidence(line, arg.value, None, service, kind, preview, method, note=note))
        elif arg.kind == "env":
            self.emit(
                Evidence(
                    line=line,
                    role=R.CODE_CONSUMER,
                    name=arg.name,
                    service=service,
                    kind=kind,
                    value_class=V.REFERENCE,
                    preview=preview,
                    method=method,
                    note=note,
                )
            )
            if arg.default:
                self.emit(
                    literal_evidence(line, arg.default, arg.name, service, kind, preview, method, note=note)
                )
        elif arg.kind == "cred" and arg.cred in PASSWORDLESS_CREDENTIALS:
            self.passwordless(call_line, service, preview, method)
        elif arg.kind == "cred":
            return  # reported where that credential is built
        else:
            self.emit(
                Evidence(
                    line=line,
                    role=R.CODE_CONSUMER,
                    service=service,
                    kind=kind,
                    value_class=V.REFERENCE,
                    preview=preview,
                    method=method,
                    note=note,
                    confidence=Confidence.LOW,
                )
            )

    def key_credential(
        self,
        cls: str,
        args: list[Arg],
        line: int,
        secret_arg: int,
        find_service: Callable[[], ServiceType | None],
    ) -> None:
        """Report the secret argument of `new <cls>(...)`, a key credential, for the service it
        is used with (from its context, else from the setting it is read from)."""
        if len(args) <= secret_arg:
            return
        arg = args[secret_arg]
        service = S.STORAGE if cls == "StorageSharedKeyCredential" else find_service()
        service = service or service_from_setting(arg)
        kind = K.SAS if cls in SAS_CREDENTIALS else key_kind(service)
        pre = "..., " if secret_arg else ""
        self.value(arg, line, lambda s: f"new {cls}({pre}{s})", service, kind, "ctor")

    def passwordless(self, line: int, service: ServiceType, preview: str, method: str = "ctor") -> None:
        self.emit(
            Evidence(
                line=line,
                role=R.CODE_CONSUMER,
                service=service,
                kind=K.IDENTITY,
                value_class=V.PASSWORDLESS,
                preview=preview,
                method=method,
            )
        )

    def lookup(self, offset: int, name: str, shape: str) -> None:
        self.emit(lookup_evidence(self.reader.line(offset), name, shape))


def service_from_setting(arg: Arg) -> ServiceType:
    if arg.kind == "env" and arg.name:
        return setting_names.service_hint(arg.name) or S.GENERIC
    return S.GENERIC


def contexts(text: str, pattern: re.Pattern[str], syntax: Syntax) -> list[tuple[int, int, str, list[str]]]:
    """(start, end, class, raw args) of client constructor calls, sorted by start, for
    `AzureKeyCredential` context."""
    spans = []
    for m in pattern.finditer(text):
        cls = m.group("cls")
        if not is_client_class(cls):
            continue
        parsed = syntax.split_args(text, m.end() - 1)
        if parsed:
            spans.append((m.start(), parsed[1], cls, [raw for _, raw in parsed[0]]))
    return spans


class ClientContext:
    """Which client constructor an offset sits in, or a variable is passed to."""

    def __init__(self, spans: list[tuple[int, int, str, list[str]]]) -> None:
        self.spans = spans
        self.starts = [s[0] for s in spans]
        self.by_var: dict[str, str] = {}
        for _, _, cls, args in spans:
            for raw in args:
                m = re.search(r"(?:^|:\s*)([A-Za-z_$][\w$]*)$", raw.strip())
                if m:
                    self.by_var.setdefault(m.group(1), cls)

    def around(self, offset: int) -> str | None:
        i = bisect.bisect_left(self.starts, offset) - 1
        steps = 0
        while i >= 0 and steps < 64:
            start, end, cls, _ = self.spans[i]
            if start < offset < end:
                return cls
            i -= 1
            steps += 1
        return None
