"""JavaScript / TypeScript: Azure SDK clients built from connection strings, keys and secrets.

Regex-based, with a small bracket-aware argument reader so that `new X(a, f(b, c), { k: v })`
splits into its real arguments.  The argument reader (`CallReader`) is shared with the Java
handler.  Previews are built from identifiers only, never from string literals.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import register
from scanners.handlers.python_code import (
    PASSWORDLESS_CREDENTIALS,
    is_client_class,
    key_kind,
    literal_evidence,
    lookup_evidence,
    service_for_class,
)
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

MAX_SPAN = 4000
MAX_DECLARATIONS = 300


# ------------------------------------------------------------------ bracket-aware reading


def _skip_string(text: str, i: int, quotes: str) -> int:
    """Index just past the string literal starting at text[i]."""
    q = text[i]
    j = i + 1
    n = len(text)
    if text.startswith('"""', i) and '"""' in quotes:
        end = text.find('"""', i + 3)
        return n if end == -1 else end + 3
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == q:
            return j + 1
        if c == "\n" and q != "`":
            return j
        j += 1
    return n


def split_args(text: str, start: int, quotes: str = "\"'`") -> tuple[list[tuple[int, str]], int] | None:
    """Arguments of the call whose '(' is at text[start]: [(offset, raw text)], end offset."""
    depth = 0
    i = start
    n = min(len(text), start + MAX_SPAN)
    args: list[tuple[int, str]] = []
    arg_start = start + 1
    while i < n:
        c = text[i]
        if c in quotes:
            i = _skip_string(text, i, quotes)
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            nl = text.find("\n", i)
            i = n if nl == -1 else nl
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            i = n if end == -1 else end + 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                raw = text[arg_start:i]
                if raw.strip():
                    args.append(_trimmed(arg_start, raw))
                return args, i + 1
        elif c == "," and depth == 1:
            args.append(_trimmed(arg_start, text[arg_start:i]))
            arg_start = i + 1
        i += 1
    return None


def _trimmed(offset: int, raw: str) -> tuple[int, str]:
    lead = len(raw) - len(raw.lstrip())
    return offset + lead, raw.strip()


def read_expr(text: str, start: int, quotes: str = "\"'`") -> str:
    """The expression starting at `start`, up to a top-level `;`, `,` or line end."""
    depth = 0
    i = start
    n = min(len(text), start + MAX_SPAN)
    while i < n:
        c = text[i]
        if c in quotes:
            i = _skip_string(text, i, quotes)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and c in ";,\n":
            break
        i += 1
    return text[start:i].strip()


_STRING_RE = re.compile(r"""^(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\$]|\\.|\$(?!\{))*)`)$""", re.S)


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
    quotes: str
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
        pat = re.compile(self.lang.decl_prefix + re.escape(ident) + r"\b\s*(?::\s*[\w.<>?\[\]| ]+?\s*)?=(?![=>])\s*")
        m = pat.search(self.text)
        found = None
        if m:
            expr = read_expr(self.text, m.end(), self.lang.quotes)
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
            rest = raw[env[2]:].strip()
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
        parsed = split_args("(" + raw[1:-1] + ")", 0, self.lang.quotes)
        out: dict[str, Arg] = {}
        if parsed is None:
            return out
        for off, item in parsed[0]:
            real = offset + off  # "(" replaced "{": same length
            pm = re.match(r"""^["']?([A-Za-z_$][\w$-]*)["']?\s*:\s*""", item)
            if pm:
                out[pm.group(1)] = self.parse(real + pm.end(), item[pm.end():], depth + 1)
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

    def value(self, arg: Arg, call_line: int, preview_fn: Callable[[str], str], service: ServiceType,
              kind: CredentialKind, method: str, note: str | None = None) -> None:
        line = self.reader.line(arg.offset) if arg.offset >= 0 else call_line
        preview = preview_fn(arg.shape)
        if arg.kind == "literal" and arg.value is not None:
            self.emit(literal_evidence(line, arg.value, None, service, kind, preview, method, note=note))
        elif arg.kind == "env":
            self.emit(Evidence(line=line, role=R.CODE_CONSUMER, name=arg.name, service=service, kind=kind,
                               value_class=V.REFERENCE, preview=preview, method=method, note=note))
            if arg.default:
                self.emit(literal_evidence(line, arg.default, arg.name, service, kind, preview, method,
                                           note=note))
        elif arg.kind == "cred" and arg.cred in PASSWORDLESS_CREDENTIALS:
            self.passwordless(call_line, service, preview, method)
        elif arg.kind == "cred":
            return  # reported where that credential is built
        else:
            self.emit(Evidence(line=line, role=R.CODE_CONSUMER, service=service, kind=kind,
                               value_class=V.REFERENCE, preview=preview, method=method, note=note,
                               confidence=Confidence.LOW))

    def passwordless(self, line: int, service: ServiceType, preview: str, method: str = "ctor") -> None:
        self.emit(Evidence(line=line, role=R.CODE_CONSUMER, service=service, kind=K.IDENTITY,
                           value_class=V.PASSWORDLESS, preview=preview, method=method))

    def lookup(self, offset: int, name: str, shape: str) -> None:
        self.emit(lookup_evidence(self.reader.line(offset), name, shape))


def service_from_setting(arg: Arg) -> ServiceType:
    if arg.kind == "env" and arg.name:
        return setting_names.service_hint(arg.name) or S.GENERIC
    return S.GENERIC


def contexts(text: str, pattern: re.Pattern[str], quotes: str) -> list[tuple[int, int, str, list[str]]]:
    """(start, end, class, raw args) of client constructor calls, sorted by start, for
    `AzureKeyCredential` context."""
    spans = []
    for m in pattern.finditer(text):
        cls = m.group("cls")
        if not is_client_class(cls):
            continue
        parsed = split_args(text, m.end() - 1, quotes)
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


# ------------------------------------------------------------------------------ JavaScript

_JS = Language(
    quotes="\"'`",
    env_patterns=(
        re.compile(r"""^process\.env\.(?P<name>[A-Za-z_$][\w$]*)"""),
        re.compile(r"""^process\.env\[\s*(["'`])(?P<name>[^"'`\]]+)\1\s*\]"""),
        re.compile(r"""^import\.meta\.env\.(?P<name>[A-Za-z_$][\w$]*)"""),
    ),
    default_re=re.compile(r"""^(?:\?\?|\|\|)\s*((["'`]).*?\2)"""),
    decl_prefix=r"\b(?:const|let|var)\s+",
)

_KEYWORDS_RE = re.compile(
    r"fromConnectionString|ServiceBusClient|EventHub|CosmosClient|ClientSecretCredential|"
    r"KeyCredential|AzureOpenAI|StorageSharedKeyCredential|process\.env|import\.meta\.env|"
    r"DefaultAzureCredential|SASCredential"
)
_FROM_CONN_RE = re.compile(r"\b(?P<cls>[A-Za-z_$][\w$]*)\s*\.\s*fromConnectionString\s*\(")
_NEW_CALL_RE = re.compile(r"\bnew\s+(?:[\w$]+\.)*(?P<cls>[A-Za-z_$][\w$]*)\s*(?:<[^()]*?>)?\s*\(")
_ENV_DOT_RE = re.compile(r"\b(?:process|import\.meta)\.env\.([A-Za-z_$][\w$]*)")
_ENV_IDX_RE = re.compile(r"""\bprocess\.env\[\s*(["'`])([^"'`\]]+)\1\s*\]""")
_ENV_DESTRUCT_RE = re.compile(r"\b(?:const|let|var)\s*\{([^{}]{1,500})\}\s*=\s*process\.env\b")


class _JsScan:
    def __init__(self, source: SourceFile) -> None:
        self.text = source.text
        self.reader = CallReader(source, _JS)
        self.rep = Reporter(self.reader)
        self.ctx = ClientContext(contexts(self.text, _NEW_CALL_RE, _JS.quotes))

    def run(self) -> list[Evidence]:
        text = self.text
        for m in _FROM_CONN_RE.finditer(text):
            self.from_connection_string(m)
        for m in _NEW_CALL_RE.finditer(text):
            self.new_call(m)
        for m in _ENV_DOT_RE.finditer(text):
            self.rep.lookup(m.start(), m.group(1), m.group(0))
        for m in _ENV_IDX_RE.finditer(text):
            self.rep.lookup(m.start(), m.group(2), f'process.env["{m.group(2)}"]')
        for m in _ENV_DESTRUCT_RE.finditer(text):
            for part in m.group(1).split(","):
                name = part.split(":")[0].split("=")[0].strip()
                if re.fullmatch(r"[A-Za-z_$][\w$]*", name):
                    self.rep.lookup(m.start(), name, f"const {{ {name} }} = process.env")
        return self.rep.out

    def _args(self, m: re.Match[str]) -> list[Arg] | None:
        parsed = split_args(self.text, m.end() - 1, _JS.quotes)
        if parsed is None:
            return None
        return [self.reader.parse(off, raw) for off, raw in parsed[0]]

    def from_connection_string(self, m: re.Match[str]) -> None:
        cls = m.group("cls")
        service = service_for_class(cls) or S.GENERIC
        args = self._args(m)
        if not args:
            return
        line = self.reader.line(m.start())
        self.rep.value(args[0], line, lambda s: f"{cls}.fromConnectionString({s})", service,
                       K.CONNECTION_STRING, "from-connection-string")

    def service_around(self, offset: int, var: str | None) -> ServiceType | None:
        cls = self.ctx.around(offset) or (self.ctx.by_var.get(var) if var else None)
        return service_for_class(cls) if cls else None

    def _assigned_var(self, offset: int) -> str | None:
        head = self.text[max(0, offset - 200):offset]
        vm = re.search(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[\w<>]+\s*)?=\s*$", head)
        return vm.group(1) if vm else None

    def new_call(self, m: re.Match[str]) -> None:
        cls = m.group("cls")
        line = self.reader.line(m.start())
        if cls in ("ClientSecretCredential",):
            args = self._args(m)
            if args and len(args) >= 3:
                self.rep.value(args[2], line, lambda s: f"new ClientSecretCredential(..., ..., {s})",
                               S.ENTRA_ID, K.CLIENT_SECRET, "ctor")
            return
        if cls in ("AzureKeyCredential", "AzureNamedKeyCredential", "AzureSASCredential",
                   "StorageSharedKeyCredential"):
            args = self._args(m)
            if not args:
                return
            idx = 1 if cls in ("AzureNamedKeyCredential", "StorageSharedKeyCredential") else 0
            if len(args) <= idx:
                return
            arg = args[idx]
            if cls == "StorageSharedKeyCredential":
                service: ServiceType | None = S.STORAGE
            else:
                service = self.service_around(m.start(), self._assigned_var(m.start()))
            service = service or service_from_setting(arg)
            kind = K.SAS if cls == "AzureSASCredential" else key_kind(service)
            pre = "..., " if idx else ""
            self.rep.value(arg, line, lambda s: f"new {cls}({pre}{s})", service, kind, "ctor")
            return
        if cls == "AzureOpenAI":
            self.azure_openai(m, line)
            return
        if not is_client_class(cls):
            return
        service = service_for_class(cls) or S.GENERIC
        args = self._args(m)
        if args is None:
            return
        creds = [a for a in args if a.kind == "cred"]
        if creds:
            if creds[0].cred in PASSWORDLESS_CREDENTIALS:
                self.rep.passwordless(line, service, f"new {cls}(..., {creds[0].shape})")
            return
        if cls == "CosmosClient" and args and args[0].kind == "object" and args[0].props is not None:
            props = args[0].props
            if "key" in props:
                self.rep.value(props["key"], line, lambda s: f"new CosmosClient({{ endpoint, key: {s} }})",
                               S.COSMOS_DB, K.ACCOUNT_KEY, "ctor")
            elif "aadCredentials" in props:
                c = props["aadCredentials"]
                if c.kind != "cred" or c.cred in PASSWORDLESS_CREDENTIALS:
                    self.rep.passwordless(line, S.COSMOS_DB, "new CosmosClient({ endpoint, aadCredentials })")
            elif "connectionString" in props:
                self.rep.value(props["connectionString"], line,
                               lambda s: f"new CosmosClient({{ connectionString: {s} }})",
                               S.COSMOS_DB, K.CONNECTION_STRING, "ctor")
            return
        conn_idx = None
        if cls in ("ServiceBusClient", "ServiceBusAdministrationClient", "CosmosClient",
                   "EventHubProducerClient", "WebPubSubServiceClient") and args:
            conn_idx = 0
        elif cls == "EventHubConsumerClient" and len(args) >= 2:
            conn_idx = 1
        elif cls == "AppConfigurationClient" and args:
            conn_idx = 0
        if conn_idx is None or conn_idx >= len(args):
            return
        arg = args[conn_idx]
        if arg.kind == "ident" and len(args) > conn_idx + 1 and args[conn_idx + 1].kind == "ident":
            # (fqns, hub, credentialVariable) and the like: cannot tell; report low confidence
            pass
        self.rep.value(arg, line, lambda s: f"new {cls}({s}{', ...' if len(args) > 1 else ''})", service,
                       K.CONNECTION_STRING, "ctor")

    def azure_openai(self, m: re.Match[str], line: int) -> None:
        args = self._args(m)
        props = args[0].props if args and args[0].kind == "object" else None
        if props is None:
            if not args:
                self.rep.emit(Evidence(line=line, role=R.CODE_CONSUMER, name="AZURE_OPENAI_API_KEY",
                                       service=S.OPENAI, kind=K.API_KEY, value_class=V.REFERENCE,
                                       preview="new AzureOpenAI()", method="ctor",
                                       note="no apiKey option: the client reads AZURE_OPENAI_API_KEY"))
            return
        if "apiKey" in props:
            self.rep.value(props["apiKey"], line, lambda s: f"new AzureOpenAI({{ apiKey: {s}, ... }})",
                           S.OPENAI, K.API_KEY, "ctor")
        elif "azureADTokenProvider" in props:
            self.rep.passwordless(line, S.OPENAI, "new AzureOpenAI({ azureADTokenProvider, ... })")
        else:
            self.rep.emit(Evidence(line=line, role=R.CODE_CONSUMER, name="AZURE_OPENAI_API_KEY",
                                   service=S.OPENAI, kind=K.API_KEY, value_class=V.REFERENCE,
                                   preview="new AzureOpenAI({ ... })", method="ctor",
                                   note="no apiKey option: the client reads AZURE_OPENAI_API_KEY"))


class JavaScriptHandler:
    name = "javascript"

    SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".mts", ".cts"})

    def matches(self, path: PurePosixPath) -> bool:
        name = path.name.lower()
        return path.suffix.lower() in self.SUFFIXES and not name.endswith((".min.js", ".d.ts"))

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        if not _KEYWORDS_RE.search(source.text):
            return iter(())
        return iter(_JsScan(source).run())


register(JavaScriptHandler())
