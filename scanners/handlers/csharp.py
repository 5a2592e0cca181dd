"""C# consumers of connections, found with whole-file regexes.

- SDK clients built from a connection string, a key credential, or a TokenCredential
  (`new BlobServiceClient(...)`, `ServiceBusClient`, `CosmosClient`, `SqlConnection`, ...), and
  the legacy `X.FromConnectionString(...)` / `CloudStorageAccount.Parse(...)` forms.
- `new ClientSecretCredential(tenant, client, secret)` and stand-alone `new AzureKeyCredential`.
- Setting lookups (`GetConnectionString("X")`, `Configuration["X"]`,
  `Environment.GetEnvironmentVariable("X")`), reported with method `lookup`.
- Azure Functions binding attributes (`[BlobTrigger(..., Connection = "X")]`, ...).

Previews are built from identifiers and setting names only, never from string literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath

from scanners import setting_names
from scanners.classifier import classify
from scanners.code_siblings import code_endpoint
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import csharp_consumers
from scanners.handlers.csharp_arguments import (
    LOOKUP_RE,
    NEW_RE,
    Arguments,
    lookup_of,
    split_args,
    string_literal,
)
from scanners.handlers.secret_reads import read_evidence
from scanners.placeholders import is_placeholder
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.sdk_clients import (
    CSHARP_AMBIGUOUS_BINDINGS,
    CSHARP_BINDINGS,
    CSHARP_CLIENTS,
    CSHARP_FACTORIES,
    CSHARP_KEY_CREDENTIAL_WORDS,
    CSHARP_METHODS,
    ClientInfo,
    service_for_class,
)
from scanners.setting_names import service_hint

S = ServiceType
K = CredentialKind
V = ValueClass

_FUNCTIONS_FILE_RE = re.compile(
    r"\[\s*(?:FunctionName|Function)\s*\(|Microsoft\.Azure\.(?:WebJobs|Functions)|(?<!\w)\w+Trigger\s*\("  # from word starts only: linear on a long word
)

_CTOR_RE = re.compile(
    r"\bnew\s+(?:[A-Za-z_][\w]*\.)*("
    + "|".join(sorted(CSHARP_CLIENTS, key=len, reverse=True))
    + r")\s*(?:<[^<>()]*>)?\s*\("
)
_FACTORY_RE = re.compile(
    # at most 8 qualifiers from each word start: linear on `a.a.a.a...`
    r"\b(?:[A-Za-z_]\w*\.){0,8}(" + "|".join(re.escape(f) for f in CSHARP_FACTORIES) + r")\s*\("
    r"|\b([A-Za-z_]\w*)\.(?:Create)?FromConnectionString\s*\("
)
_METHOD_RE = re.compile(
    r"\.\s*(" + "|".join(sorted(CSHARP_METHODS, key=len, reverse=True)) + r")\s*(?:<[^<>()]*>)?\s*\("
)
_KEYCRED_RE = re.compile(r"\bnew\s+(?:[\w.]+\.)?(AzureKeyCredential|ApiKeyCredential)\s*\(")
_ANY_CLIENT_RE = re.compile(r"\bnew\s+(?:[A-Za-z_]\w*\.){0,8}([A-Za-z_]\w*Client)\s*\(")
_ENCLOSING_WINDOW = 2000  # how far before a key credential its client's `new X(` may start
_CLIENT_SECRET_RE = re.compile(r"\bnew\s+(?:[\w.]+\.)?ClientSecretCredential\s*\(")
_BINDING_RE = re.compile(
    r"\[\s*(?:return\s*:\s*)?("
    + "|".join(sorted(CSHARP_BINDINGS, key=len, reverse=True))
    + r")(?:Attribute)?\s*\("
)
_CONNECTION_ARG_RE = re.compile(
    r"""\b(?:Connection|ConnectionStringSetting)\s*=\s*(?:@?"([^"\\\n]{0,200})"|([\w.]+))"""
)


class _Scan(Arguments):
    def with_endpoint(self, ev: Evidence, endpoint_arg: str, service: ServiceType) -> Evidence:
        """`ev` (a key passed to a client) with the endpoint the client is built with, and where it
        comes from: a URL literal's host, or the setting the code reads (resolved after the scan)."""
        if ev.value_class is V.PASSWORDLESS:
            return ev
        lit, setting = self.endpoint_source(endpoint_arg)
        found = code_endpoint(service, f"{self.source.path}:{ev.line}", lit, setting)
        if found is None:
            return ev
        return replace(ev, endpoint=found[0], endpoint_note=found[1])

    def enclosing_client(self, offset: int) -> tuple[str, list[str]] | None:
        """The `new XClient(...)` whose argument list holds `offset` (a bounded look back)."""
        best = None
        for m in _ANY_CLIENT_RE.finditer(self.text, max(0, offset - _ENCLOSING_WINDOW), offset):
            split = split_args(self.text, m.end() - 1)
            if split is not None and split[1] > offset:
                best = (m.group(1), split[0])
        return best

    def value_or_reference(
        self,
        arg: str,
        line: int,
        info: ClientInfo,
        preview: str,
        method: str,
        kind: CredentialKind | None = None,
        literal_is_secret: bool = False,
    ) -> Evidence | None:
        """Evidence for the argument that carries the secret (a connection string or a key)."""
        a = self.resolve(arg)
        inner = NEW_RE.match(a)
        if inner and inner.group(1) == "Uri":
            parts = split_args(a, inner.end() - 1)
            if parts and parts[0]:
                a = self.resolve(parts[0][0])
        lit = string_literal(a)
        if lit is not None:
            if literal_is_secret:
                if classify(lit, None, info.service) is not None:
                    # A recognisable shape: let the framework classify and fingerprint it.
                    return Evidence(
                        line=line,
                        role=EvidenceRole.CODE_LITERAL,
                        value=lit,
                        service=info.service,
                        kind=kind or info.kind,
                        method=method,
                    )
                vc = V.PLACEHOLDER if is_placeholder(lit) else V.SECRET
                return Evidence(
                    line=line,
                    role=EvidenceRole.CODE_LITERAL,
                    service=info.service,
                    kind=kind or info.kind,
                    value_class=vc,
                    preview=preview,
                    confidence=Confidence.HIGH,
                    method=method,
                )
            if classify(lit, None, info.service) is None:
                # `new ServiceBusClient(Conn)` with `const string Conn = "<your connection string>"`:
                # the value says nothing, but the client is still a consumer to inventory.
                return Evidence(
                    line=line,
                    role=EvidenceRole.CODE_CONSUMER,
                    service=info.service,
                    kind=kind or info.kind,
                    value_class=V.PLACEHOLDER if is_placeholder(lit) else V.REFERENCE,
                    preview=preview,
                    method=method,
                )
            return Evidence(
                line=line, role=EvidenceRole.CODE_LITERAL, value=lit, service=info.service, method=method
            )
        lk = self.lookup_in(a)
        return Evidence(
            line=line,
            role=EvidenceRole.CODE_CONSUMER,
            name=lk[0] if lk else None,
            service=info.service,
            kind=kind or info.kind,
            value_class=V.REFERENCE,
            preview=preview,
            method=method,
        )

    def client(
        self, type_name: str, info: ClientInfo, args: list[str], offset: int, method: str
    ) -> Iterator[Evidence]:
        line = self.line(offset)
        head = {"ctor": f"new {type_name}", "call": f".{type_name}"}.get(method, type_name)
        preview = self.preview(head, args)
        if not args or not args[0]:
            return
        if info.service == S.KEY_VAULT:
            yield Evidence(
                line=line,
                role=EvidenceRole.CODE_CONSUMER,
                service=S.KEY_VAULT,
                kind=K.IDENTITY,
                value_class=V.PASSWORDLESS,
                preview=preview,
                method=method,
                note="Key Vault client: reads secrets with a token credential",
            )
            return
        if info.kind is K.IDENTITY:
            yield Evidence(
                line=line,
                role=EvidenceRole.CODE_CONSUMER,
                service=info.service,
                kind=K.IDENTITY,
                value_class=V.PASSWORDLESS,
                preview=preview,
                method=method,
            )
            return
        if any(self.is_token_credential(a) for a in args[1:]):
            yield Evidence(
                line=line,
                role=EvidenceRole.CODE_CONSUMER,
                service=info.service,
                kind=K.IDENTITY,
                value_class=V.PASSWORDLESS,
                preview=preview,
                method=method,
            )
            return
        if info.service == S.REDIS and "ConfigureForAzure" in self.text:
            yield Evidence(
                line=line,
                role=EvidenceRole.CODE_CONSUMER,
                service=S.REDIS,
                kind=K.IDENTITY,
                value_class=V.PASSWORDLESS,
                preview=preview,
                method=method,
                note="configured with ConfigureForAzureWithTokenCredentialAsync",
            )
            return
        for a in args[1:]:
            cred = self.key_credential(a)
            if cred is None:
                continue
            m = NEW_RE.match(cred)
            if m is None:
                continue
            parts = split_args(cred, m.end() - 1)
            inner = parts[0] if parts else []
            if not inner:
                continue
            kind = (
                K.SAS
                if m.group(1) == "AzureSasCredential"
                else (K.ACCOUNT_KEY if "SharedKey" in m.group(1) else info.kind)
            )
            ev = self.value_or_reference(inner[-1], line, info, preview, method, kind, literal_is_secret=True)
            if ev is not None:
                yield self.with_endpoint(ev, args[0], info.service) if method == "ctor" else ev
            return
        # A key passed as a plain string (CosmosClient(endpoint, authKey)).
        if info.service == S.COSMOS_DB and len(args) >= 2 and not re.search(r"option", args[1], re.I):
            ev = self.value_or_reference(
                args[1], line, info, preview, method, K.ACCOUNT_KEY, literal_is_secret=True
            )
            if ev is not None:
                yield self.with_endpoint(ev, args[0], info.service) if method == "ctor" else ev
            return
        idx = info.conn_index if len(args) > info.conn_index else 0
        conn = self.resolve(args[idx])
        if conn.startswith("new ") and not conn.startswith("new Uri"):
            return  # an options object or a nested client: nothing to say
        ev = self.value_or_reference(args[idx], line, info, preview, method)
        if ev is None:
            return
        if (
            ev.value is None
            and (NEW_RE.match(conn) or re.search(r"uri|url|endpoint", conn, re.I))
            and info.service == S.STORAGE
        ):
            ev = Evidence(
                line=line,
                role=EvidenceRole.CODE_CONSUMER,
                name=ev.name,
                service=S.STORAGE,
                kind=K.SAS,
                value_class=V.REFERENCE,
                preview=preview,
                method=method,
                note="a URI without a credential: it may carry a SAS token",
            )
        yield ev

    def run(self) -> Iterator[Evidence]:
        text = self.text
        consumed: list[tuple[int, int]] = []
        for m in _CTOR_RE.finditer(text):
            split = split_args(text, m.end() - 1)
            if split is None:
                continue
            args, end = split
            consumed.append((m.start(), end))
            yield from self.client(m.group(1), CSHARP_CLIENTS[m.group(1)], args, m.start(), "ctor")
        for m in _FACTORY_RE.finditer(text):
            split = split_args(text, m.end() - 1)
            if split is None:
                continue
            args, end = split
            if m.group(1):
                name = m.group(1)
                info = CSHARP_FACTORIES[name]
            else:
                name = f"{m.group(2)}.FromConnectionString"
                base = m.group(2)
                info = CSHARP_CLIENTS.get(base) or ClientInfo(
                    service_hint(base)
                    or (S.STORAGE if re.search(r"blob|queue|table|storage|file", base, re.I) else S.GENERIC),
                    K.CONNECTION_STRING,
                )
            consumed.append((m.start(), end))
            yield from self.client(name, info, args, m.start(), "factory")
        for m in _METHOD_RE.finditer(text):
            split = split_args(text, m.end() - 1)
            if split is None:
                continue
            args, _ = split
            yield from self.client(m.group(1), CSHARP_METHODS[m.group(1)], args, m.start(), "call")
        for m in _CLIENT_SECRET_RE.finditer(text):
            split = split_args(text, m.end() - 1)
            if split is None:
                continue
            args, _ = split
            if len(args) < 3:
                continue
            info = ClientInfo(S.ENTRA_ID, K.CLIENT_SECRET)
            ev = self.value_or_reference(
                args[2],
                self.line(m.start()),
                info,
                self.preview("new ClientSecretCredential", args),
                "ctor",
                literal_is_secret=True,
            )
            if ev is not None:
                yield ev
        for m in _KEYCRED_RE.finditer(text):
            if any(s <= m.start() < e for s, e in consumed):
                continue
            split = split_args(text, m.end() - 1)
            if split is None or not split[0]:
                continue
            args, _ = split
            context = self.source.line_text(self.line(m.start())).lower()
            service = S.GENERIC
            for word, svc in CSHARP_KEY_CREDENTIAL_WORDS:
                if word in context:
                    service = svc
                    break
            info = ClientInfo(service, K.API_KEY)
            ev = self.value_or_reference(
                args[0],
                self.line(m.start()),
                info,
                self.preview(f"new {m.group(1)}", args),
                "ctor",
                literal_is_secret=True,
            )
            enclosing = self.enclosing_client(m.start())
            if ev is not None and enclosing is not None and enclosing[1]:
                client_service = service_for_class(enclosing[0])
                if client_service is not None and service in (S.GENERIC, client_service):
                    if service is S.GENERIC and ev.value is None:
                        service = client_service
                        ev = replace(ev, service=client_service)
                    ev = self.with_endpoint(ev, enclosing[1][0], client_service)
            if ev is not None:
                if ev.name and service == S.GENERIC:
                    hinted = service_hint(ev.name)
                    if hinted:
                        ev = replace(ev, service=hinted, note=None, confidence=Confidence.MEDIUM)
                yield ev
        yield from self.bindings()
        yield from csharp_consumers.scan(self.source, text)

    def bindings(self) -> Iterator[Evidence]:
        functions = _FUNCTIONS_FILE_RE.search(self.text) is not None
        for m in _BINDING_RE.finditer(self.text):
            if m.group(1) in CSHARP_AMBIGUOUS_BINDINGS and not functions:
                continue  # e.g. EF Core's [Table("Orders")] in a file that is no Functions code
            split = split_args(self.text, m.end() - 1)
            if split is None:
                continue
            args, _ = split
            attr = m.group(1)
            service, default = CSHARP_BINDINGS[attr]
            name: str | None = default
            shown = "default connection"
            for a in args:
                cm = _CONNECTION_ARG_RE.match(a)
                if cm:
                    if cm.group(1) is not None:
                        name = cm.group(1).strip("%") or default
                        shown = f'Connection = "{name}"'
                    else:
                        name = None
                        shown = f"Connection = {cm.group(2)}" if len(cm.group(2)) <= 80 else "Connection = …"
                    break
            if name is None and shown == "default connection":
                continue  # no connection named and no documented default
            yield Evidence(
                line=self.line(m.start()),
                role=EvidenceRole.CODE_CONSUMER,
                name=name,
                service=service,
                kind=K.CONNECTION_STRING,
                value_class=V.REFERENCE,
                preview=f"[{attr}({shown})]",
                method="binding",
            )

    def lookups(self, consumer_lines: set[int]) -> Iterator[Evidence]:
        for m in LOOKUP_RE.finditer(self.text):
            got = lookup_of(m)
            if got is None:
                continue
            name, preview = got
            line = self.line(m.start())
            if line not in consumer_lines and setting_names.rule_for(name) is None:
                # A read of a setting whose name says it holds a secret nothing else knows
                # (`AppSettings["oauth_token_secret"]`): a consumer in its own right.
                read = read_evidence(line, name, preview)
                if read is not None:
                    yield read
                    continue
            yield Evidence(
                line=self.line(m.start()),
                role=EvidenceRole.CODE_CONSUMER,
                name=name,
                service=service_hint(name) or S.GENERIC,
                kind=K.CONNECTION_STRING,
                value_class=V.REFERENCE,
                preview=preview,
                method="lookup",
            )


class CSharpHandler:
    name = "csharp"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() == ".cs"

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        scan = _Scan(source)
        found = list(scan.run())
        yield from found
        yield from scan.lookups({ev.line for ev in found if ev.role is EvidenceRole.CODE_CONSUMER})
