"""JavaScript / TypeScript: Azure SDK clients built from connection strings, keys and secrets.

Regex-based, with the bracket-aware argument reader of `call_reader` so that
`new X(a, f(b, c), { k: v })` splits into its real arguments.  Previews are built from identifiers only, never from string literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers.call_reader import (
    Arg,
    CallReader,
    ClientContext,
    Language,
    Reporter,
    contexts,
)
from scanners.handlers.lexing import JAVASCRIPT
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.sdk_clients import (
    JAVASCRIPT_CONNECTION_STRING_ARG,
    JAVASCRIPT_KEY_CREDENTIALS,
    PASSWORDLESS_CREDENTIALS,
    is_client_class,
    service_for_class,
)

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

_JS = Language(
    syntax=JAVASCRIPT,
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
        self.ctx = ClientContext(contexts(self.text, _NEW_CALL_RE, JAVASCRIPT))

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
        parsed = JAVASCRIPT.split_args(self.text, m.end() - 1)
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
        self.rep.value(
            args[0],
            line,
            lambda s: f"{cls}.fromConnectionString({s})",
            service,
            K.CONNECTION_STRING,
            "from-connection-string",
        )

    def service_around(self, offset: int, var: str | None) -> ServiceType | None:
        cls = self.ctx.around(offset) or (self.ctx.by_var.get(var) if var else None)
        return service_for_class(cls) if cls else None

    def _assigned_var(self, offset: int) -> str | None:
        head = self.text[max(0, offset - 200) : offset]
        vm = re.search(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[\w<>]+\s*)?=\s*$", head)
        return vm.group(1) if vm else None

    def new_call(self, m: re.Match[str]) -> None:
        cls = m.group("cls")
        line = self.reader.line(m.start())
        if cls in ("ClientSecretCredential",):
            args = self._args(m)
            if args and len(args) >= 3:
                self.rep.value(
                    args[2],
                    line,
                    lambda s: f"new ClientSecretCredential(..., ..., {s})",
                    S.ENTRA_ID,
                    K.CLIENT_SECRET,
                    "ctor",
                )
            return
        if cls in JAVASCRIPT_KEY_CREDENTIALS:
            args = self._args(m)
            if args:
                self.rep.key_credential(
                    cls,
                    args,
                    line,
                    JAVASCRIPT_KEY_CREDENTIALS[cls],
                    lambda: self.service_around(m.start(), self._assigned_var(m.start())),
                )
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
                self.rep.value(
                    props["key"],
                    line,
                    lambda s: f"new CosmosClient({{ endpoint, key: {s} }})",
                    S.COSMOS_DB,
                    K.ACCOUNT_KEY,
                    "ctor",
                )
            elif "aadCredentials" in props:
                c = props["aadCredentials"]
                if c.kind != "cred" or c.cred in PASSWORDLESS_CREDENTIALS:
                    self.rep.passwordless(line, S.COSMOS_DB, "new CosmosClient({ endpoint, aadCredentials })")
            elif "connectionString" in props:
                self.rep.value(
                    props["connectionString"],
                    line,
                    lambda s: f"new CosmosClient({{ connectionString: {s} }})",
                    S.COSMOS_DB,
                    K.CONNECTION_STRING,
                    "ctor",
                )
            return
        conn_idx = JAVASCRIPT_CONNECTION_STRING_ARG.get(cls)
        if conn_idx is None or conn_idx >= len(args):
            return
        self.rep.value(
            args[conn_idx],
            line,
            lambda s: f"new {cls}({s}{', ...' if len(args) > 1 else ''})",
            service,
            K.CONNECTION_STRING,
            "ctor",
        )

    def azure_openai(self, m: re.Match[str], line: int) -> None:
        args = self._args(m)
        props = args[0].props if args and args[0].kind == "object" else None
        if props is None:
            if not args:
                self.rep.emit(
                    Evidence(
                        line=line,
                        role=R.CODE_CONSUMER,
                        name="AZURE_OPENAI_API_KEY",
                        service=S.OPENAI,
                        kind=K.API_KEY,
                        value_class=V.REFERENCE,
                        preview="new AzureOpenAI()",
                        method="ctor",
                        note="no apiKey option: the client reads AZURE_OPENAI_API_KEY",
                    )
                )
            return
        if "apiKey" in props:
            self.rep.value(
                props["apiKey"],
                line,
                lambda s: f"new AzureOpenAI({{ apiKey: {s}, ... }})",
                S.OPENAI,
                K.API_KEY,
                "ctor",
            )
        elif "azureADTokenProvider" in props:
            self.rep.passwordless(line, S.OPENAI, "new AzureOpenAI({ azureADTokenProvider, ... })")
        else:
            self.rep.emit(
                Evidence(
                    line=line,
                    role=R.CODE_CONSUMER,
                    name="AZURE_OPENAI_API_KEY",
                    service=S.OPENAI,
                    kind=K.API_KEY,
                    value_class=V.REFERENCE,
                    preview="new AzureOpenAI({ ... })",
                    method="ctor",
                    note="no apiKey option: the client reads AZURE_OPENAI_API_KEY",
                )
            )


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
