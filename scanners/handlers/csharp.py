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
from dataclasses import dataclass
from pathlib import PurePosixPath

from scanners.classifier import classify
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import register
from scanners.placeholders import is_placeholder
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.setting_names import service_hint

S = ServiceType
K = CredentialKind
V = ValueClass

MAX_ARGS = 4000


@dataclass(frozen=True, slots=True)
class ClientInfo:
    service: ServiceType
    kind: CredentialKind
    conn_index: int = 0  # which argument holds the connection string


CLIENTS: dict[str, ClientInfo] = {
    **{n: ClientInfo(S.STORAGE, K.ACCOUNT_KEY) for n in (
        "BlobServiceClient", "BlobContainerClient", "BlobClient", "BlockBlobClient",
        "AppendBlobClient", "PageBlobClient", "QueueServiceClient", "QueueClient",
        "TableServiceClient", "TableClient", "ShareServiceClient", "ShareClient",
        "DataLakeServiceClient", "DataLakeFileSystemClient")},
    "ServiceBusClient": ClientInfo(S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    "ServiceBusAdministrationClient": ClientInfo(S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    "EventHubProducerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    "EventHubBufferedProducerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    "EventHubConsumerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY, 1),
    "EventProcessorClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY, 2),
    "CosmosClient": ClientInfo(S.COSMOS_DB, K.ACCOUNT_KEY),
    "ConfigurationClient": ClientInfo(S.APP_CONFIGURATION, K.ACCESS_KEY),
    "SecretClient": ClientInfo(S.KEY_VAULT, K.IDENTITY),
    "SqlConnection": ClientInfo(S.SQL, K.PASSWORD),
    "SqlConnectionStringBuilder": ClientInfo(S.SQL, K.PASSWORD),
    "NpgsqlConnection": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "NpgsqlDataSourceBuilder": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "MySqlConnection": ClientInfo(S.MYSQL, K.PASSWORD),
    "SearchClient": ClientInfo(S.AI_SEARCH, K.API_KEY),
    "SearchIndexClient": ClientInfo(S.AI_SEARCH, K.API_KEY),
    "SearchIndexerClient": ClientInfo(S.AI_SEARCH, K.API_KEY),
    "OpenAIClient": ClientInfo(S.OPENAI, K.API_KEY),
    "AzureOpenAIClient": ClientInfo(S.OPENAI, K.API_KEY),
    "EventGridPublisherClient": ClientInfo(S.EVENT_GRID, K.ACCESS_KEY),
}

# Static factory methods: `Type.Method(` → client info.
FACTORIES: dict[str, ClientInfo] = {
    "ConnectionMultiplexer.Connect": ClientInfo(S.REDIS, K.ACCESS_KEY),
    "ConnectionMultiplexer.ConnectAsync": ClientInfo(S.REDIS, K.ACCESS_KEY),
    "NpgsqlDataSource.Create": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "CloudStorageAccount.Parse": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "CloudStorageAccount.TryParse": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
}

# Extension / builder methods called on something (`options.UseSqlServer(conn)`).
METHODS: dict[str, ClientInfo] = {
    "UseSqlServer": ClientInfo(S.SQL, K.PASSWORD),
    "UseAzureSql": ClientInfo(S.SQL, K.PASSWORD),
    "UseNpgsql": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "UseMySql": ClientInfo(S.MYSQL, K.PASSWORD),
    "UseMySQL": ClientInfo(S.MYSQL, K.PASSWORD),
    "AddStackExchangeRedisCache": ClientInfo(S.REDIS, K.ACCESS_KEY),
    "AddBlobServiceClient": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "AddQueueServiceClient": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "AddTableServiceClient": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "AddServiceBusClient": ClientInfo(S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    "AddServiceBusClientWithNamespace": ClientInfo(S.SERVICE_BUS, K.IDENTITY),
    "AddEventHubProducerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    "AddEventHubProducerClientWithNamespace": ClientInfo(S.EVENT_HUBS, K.IDENTITY),
    "AddEventHubConsumerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY, 1),
    "AddEventHubConsumerClientWithNamespace": ClientInfo(S.EVENT_HUBS, K.IDENTITY),
}

KEY_CREDENTIALS = frozenset({
    "AzureKeyCredential", "StorageSharedKeyCredential", "TableSharedKeyCredential",
    "AzureSasCredential", "AzureNamedKeyCredential", "ApiKeyCredential",
})
TOKEN_CREDENTIAL_RE = re.compile(
    r"^new\s+(?:[\w.]+\.)?(DefaultAzureCredential|ManagedIdentityCredential|WorkloadIdentityCredential|"
    r"ChainedTokenCredential|AzureCliCredential|EnvironmentCredential|ClientSecretCredential|"
    r"ClientCertificateCredential|VisualStudioCredential|AzureDeveloperCliCredential|"
    r"InteractiveBrowserCredential|AzurePowerShellCredential|OnBehalfOfCredential|"
    r"ClientAssertionCredential)\b"
)

# Attribute name (without `Attribute`) → service, default connection setting.
BINDINGS: dict[str, tuple[ServiceType, str | None]] = {
    **{n: (S.STORAGE, "AzureWebJobsStorage") for n in (
        "BlobTrigger", "BlobInput", "BlobOutput", "Blob", "QueueTrigger", "QueueOutput", "Queue",
        "TableInput", "TableOutput", "Table")},
    **{n: (S.SERVICE_BUS, "AzureWebJobsServiceBus") for n in (
        "ServiceBusTrigger", "ServiceBusOutput", "ServiceBus")},
    **{n: (S.EVENT_HUBS, None) for n in ("EventHubTrigger", "EventHubOutput", "EventHub")},
    **{n: (S.COSMOS_DB, None) for n in ("CosmosDBTrigger", "CosmosDBInput", "CosmosDBOutput", "CosmosDB")},
    **{n: (S.SIGNALR, "AzureSignalRConnectionString") for n in (
        "SignalRTrigger", "SignalRConnectionInfoInput", "SignalROutput", "SignalRConnectionInfo", "SignalR")},
    **{n: (S.EVENT_GRID, None) for n in ("EventGridOutput",)},
}

# Short attribute names that other libraries use too: only bindings in Functions code.
AMBIGUOUS_BINDINGS = frozenset({"Blob", "Queue", "Table", "ServiceBus", "EventHub", "CosmosDB", "SignalR"})
_FUNCTIONS_FILE_RE = re.compile(
    r"\[\s*(?:FunctionName|Function)\s*\(|Microsoft\.Azure\.(?:WebJobs|Functions)|\w+Trigger\s*\("
)

_COMMENT_OR_STRING_RE = re.compile(
    r"//[^\n]*|/\*.*?\*/|@\"(?:[^\"]|\"\")*\"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)'", re.DOTALL
)
_CTOR_RE = re.compile(
    r"\bnew\s+(?:[A-Za-z_][\w]*\.)*(" + "|".join(sorted(CLIENTS, key=len, reverse=True)) + r")\s*(?:<[^<>()]*>)?\s*\("
)
_FACTORY_RE = re.compile(
    r"\b(?:[A-Za-z_]\w*\.)*(" + "|".join(re.escape(f) for f in FACTORIES) + r")\s*\("
    r"|\b([A-Za-z_]\w*)\.(?:Create)?FromConnectionString\s*\("
)
_METHOD_RE = re.compile(
    r"\.\s*(" + "|".join(sorted(METHODS, key=len, reverse=True)) + r")\s*(?:<[^<>()]*>)?\s*\("
)
_KEYCRED_RE = re.compile(r"\bnew\s+(?:[\w.]+\.)?(AzureKeyCredential|ApiKeyCredential)\s*\(")
_CLIENT_SECRET_RE = re.compile(r"\bnew\s+(?:[\w.]+\.)?ClientSecretCredential\s*\(")
_BINDING_RE = re.compile(
    r"\[\s*(?:return\s*:\s*)?(" + "|".join(sorted(BINDINGS, key=len, reverse=True)) + r")(?:Attribute)?\s*\("
)
_LOOKUP_RE = re.compile(
    r"""
      \bGetConnectionString\s*\(\s*@?"(?P<gcs>[^"\\\n]{1,200})"\s*\)
    | \bGetEnvironmentVariable\s*\(\s*@?"(?P<env>[^"\\\n]{1,200})"\s*[,)]
    | \bGetValue\s*<\s*string\??\s*>\s*\(\s*@?"(?P<gv>[^"\\\n]{1,200})"\s*\)
    | \b(?P<obj>[A-Za-z_]\w*)\s*\[\s*@?"(?P<idx>[^"\\\n]{1,200})"\s*\]
    """,
    re.VERBOSE,
)
_NAMED_ARG_RE = re.compile(r"^\s*[A-Za-z_]\w*\s*:(?!:)\s*")
_IDENT_RE = re.compile(r"^[A-Za-z_][\w.]*[!?]?$")
_STRING_RE = re.compile(r'^@?"((?:[^"\\]|\\.)*)"$|^@"((?:[^"]|"")*)"$', re.DOTALL)
_NEW_RE = re.compile(r"^new\s+(?:[\w.]+\.)?([A-Za-z_]\w*)\s*(?:<[^<>()]*>)?\s*\(")
_CONNECTION_ARG_RE = re.compile(r"""\b(?:Connection|ConnectionStringSetting)\s*=\s*(?:@?"([^"\\\n]{0,200})"|([\w.]+))""")


def mask_comments(text: str) -> str:
    """Blank out comments (keeping offsets and newlines) so matches inside them are ignored."""
    if "//" not in text and "/*" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.startswith(("//", "/*")):
            return re.sub(r"[^\n]", " ", s)
        return s

    return _COMMENT_OR_STRING_RE.sub(repl, text)


def split_args(text: str, open_paren: int) -> tuple[list[str], int] | None:
    """Split the argument list that starts at `text[open_paren] == '('`; returns the arguments
    (stripped, named-argument prefixes removed) and the offset after the closing paren."""
    depth = 0
    args: list[str] = []
    start = open_paren + 1
    i = open_paren
    end = min(len(text), open_paren + MAX_ARGS)
    while i < end:
        c = text[i]
        if c == '"':
            verbatim = i > 0 and text[i - 1] == "@"
            i += 1
            while i < end:
                if verbatim:
                    if text[i] == '"':
                        if i + 1 < end and text[i + 1] == '"':
                            i += 2
                            continue
                        break
                elif text[i] == "\\":
                    i += 1
                elif text[i] == '"' or text[i] == "\n":
                    break
                i += 1
        elif c == "'":
            i += 1
            while i < end and text[i] != "'" and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                last = text[start:i].strip()
                if last or args:
                    args.append(last)
                return [_NAMED_ARG_RE.sub("", a, count=1) if not a.startswith(('"', "@")) else a
                        for a in args], i + 1
        elif c == "," and depth == 1:
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    return None


def string_literal(arg: str) -> str | None:
    m = _STRING_RE.match(arg.strip())
    if not m:
        return None
    if m.group(2) is not None:
        return m.group(2).replace('""', '"')
    raw = m.group(1)
    if "\\" in raw:
        raw = re.sub(r"\\(.)", lambda x: {"n": "\n", "t": "\t", "r": "\r"}.get(x.group(1), x.group(1)), raw)
    return raw


def lookup_of(m: re.Match[str]) -> tuple[str, str] | None:
    """(setting name, preview) of a lookup match, or None when the indexer is no config read."""
    if m.group("gcs") is not None:
        name = m.group("gcs")
        return f"ConnectionStrings:{name}", f'GetConnectionString("{name}")'
    if m.group("env") is not None:
        name = m.group("env")
        return name, f'Environment.GetEnvironmentVariable("{name}")'
    if m.group("gv") is not None:
        name = m.group("gv")
        return name, f'GetValue<string>("{name}")'
    obj = m.group("obj")
    name = m.group("idx")
    low = obj.lower()
    if low == "connectionstrings":
        return f"ConnectionStrings:{name}", f'ConnectionStrings["{name}"]'
    if "config" in low or low in ("appsettings", "settings", "env", "environment"):
        return name, f'{obj}["{name}"]'
    return None


class _Scan:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.text = mask_comments(source.text)
        self._assignments: dict[str, str | None] = {}

    def line(self, offset: int) -> int:
        return self.source.line_of(offset)

    # -------------------------------------------------------------- argument shapes

    def assigned(self, ident: str) -> str | None:
        """The expression last assigned to a simple variable / field / property `ident`."""
        if ident in self._assignments:
            return self._assignments[ident]
        found = None
        simple = ident.rstrip("!?").split(".")[-1]
        if re.fullmatch(r"[A-Za-z_]\w*", simple):
            pat = re.compile(r"\b" + re.escape(simple) + r"\s*(?::\s*[\w<>?]+\s*)?=(?![=>])\s*([^;]{1,400});")
            for m in pat.finditer(self.text):
                found = m.group(1).strip()
        self._assignments[ident] = found
        return found

    def lookup_in(self, expr: str) -> tuple[str, str] | None:
        for m in _LOOKUP_RE.finditer(expr):
            got = lookup_of(m)
            if got:
                return got
        return None

    def resolve(self, arg: str, depth: int = 0) -> str:
        """Follow a plain identifier to what was assigned to it (a couple of hops at most)."""
        a = arg.strip()
        while depth < 3 and _IDENT_RE.match(a):
            nxt = self.assigned(a)
            if not nxt or nxt == a:
                break
            a = nxt
            depth += 1
        return a

    def shape(self, arg: str) -> str:
        a = arg.strip()
        if string_literal(a) is not None:
            return '"…"'
        m = _NEW_RE.match(a)
        if m:
            inner = split_args(a, m.end() - 1)
            shown = ", ".join(self.shape(x) for x in inner[0]) if inner else "…"
            return f"new {m.group(1)}({shown})"
        lk = self.lookup_in(a)
        if lk and len(a) < 300:
            return lk[1]
        if "=>" in a:
            return "… => …"
        if _IDENT_RE.match(a) and len(a) <= 80:
            return a
        return "…"

    def preview(self, head: str, args: list[str]) -> str:
        out = f"{head}({', '.join(self.shape(a) for a in args)})"
        return out if len(out) <= 200 else out[:199] + "…"

    def is_token_credential(self, arg: str) -> bool:
        a = self.resolve(arg)
        if TOKEN_CREDENTIAL_RE.match(a):
            return True
        m = _NEW_RE.match(a)
        if m:
            return m.group(1).endswith("Credential") and m.group(1) not in KEY_CREDENTIALS
        if _IDENT_RE.match(a):
            low = a.lower()
            return ("credential" in low or low.endswith("cred")) and not any(
                w in low for w in ("key", "sas", "shared", "apikey"))
        return False

    def key_credential(self, arg: str) -> str | None:
        """The arguments of a key credential (`new AzureKeyCredential(x)`), when `arg` is one."""
        a = self.resolve(arg)
        m = _NEW_RE.match(a)
        if m and m.group(1) in KEY_CREDENTIALS:
            return a
        return None

    # ----------------------------------------------------------------- evidence

    def value_or_reference(
        self, arg: str, line: int, info: ClientInfo, preview: str, method: str,
        kind: CredentialKind | None = None, literal_is_secret: bool = False,
    ) -> Evidence | None:
        """Evidence for the argument that carries the secret (a connection string or a key)."""
        a = self.resolve(arg)
        inner = _NEW_RE.match(a)
        if inner and inner.group(1) == "Uri":
            parts = split_args(a, inner.end() - 1)
            if parts and parts[0]:
                a = self.resolve(parts[0][0])
        lit = string_literal(a)
        if lit is not None:
            if literal_is_secret:
                if classify(lit, None, info.service) is not None:
                    # A recognisable shape: let the framework classify and fingerprint it.
                    return Evidence(line=line, role=EvidenceRole.CODE_LITERAL, value=lit,
                                    service=info.service, kind=kind or info.kind, method=method)
                vc = V.PLACEHOLDER if is_placeholder(lit) else V.SECRET
                return Evidence(line=line, role=EvidenceRole.CODE_LITERAL, service=info.service,
                                kind=kind or info.kind, value_class=vc, preview=preview,
                                confidence=Confidence.HIGH, method=method)
            return Evidence(line=line, role=EvidenceRole.CODE_LITERAL, value=lit, service=info.service,
                            method=method)
        lk = self.lookup_in(a)
        return Evidence(
            line=line, role=EvidenceRole.CODE_CONSUMER, name=lk[0] if lk else None,
            service=info.service, kind=kind or info.kind, value_class=V.REFERENCE, preview=preview,
            method=method,
        )

    def client(self, type_name: str, info: ClientInfo, args: list[str], offset: int,
               method: str) -> Iterator[Evidence]:
        line = self.line(offset)
        head = {"ctor": f"new {type_name}", "call": f".{type_name}"}.get(method, type_name)
        preview = self.preview(head, args)
        if not args or not args[0]:
            return
        if info.service == S.KEY_VAULT:
            yield Evidence(line=line, role=EvidenceRole.CODE_CONSUMER, service=S.KEY_VAULT, kind=K.IDENTITY,
                           value_class=V.PASSWORDLESS, preview=preview, method=method,
                           note="Key Vault client: reads secrets with a token credential")
            return
        if info.kind is K.IDENTITY:
            yield Evidence(line=line, role=EvidenceRole.CODE_CONSUMER, service=info.service, kind=K.IDENTITY,
                           value_class=V.PASSWORDLESS, preview=preview, method=method)
            return
        if any(self.is_token_credential(a) for a in args[1:]):
            yield Evidence(line=line, role=EvidenceRole.CODE_CONSUMER, service=info.service, kind=K.IDENTITY,
                           value_class=V.PASSWORDLESS, preview=preview, method=method)
            return
        if info.service == S.REDIS and "ConfigureForAzure" in self.text:
            yield Evidence(line=line, role=EvidenceRole.CODE_CONSUMER, service=S.REDIS, kind=K.IDENTITY,
                           value_class=V.PASSWORDLESS, preview=preview, method=method,
                           note="configured with ConfigureForAzureWithTokenCredentialAsync")
            return
        for a in args[1:]:
            cred = self.key_credential(a)
            if cred is None:
                continue
            m = _NEW_RE.match(cred)
            if m is None:
                continue
            parts = split_args(cred, m.end() - 1)
            inner = parts[0] if parts else []
            if not inner:
                continue
            kind = K.SAS if m.group(1) == "AzureSasCredential" else (
                K.ACCOUNT_KEY if "SharedKey" in m.group(1) else info.kind)
            ev = self.value_or_reference(inner[-1], line, info, preview, method, kind, literal_is_secret=True)
            if ev is not None:
                yield ev
            return
        # A key passed as a plain string (CosmosClient(endpoint, authKey)).
        if info.service == S.COSMOS_DB and len(args) >= 2 and not re.search(r"option", args[1], re.I):
            ev = self.value_or_reference(args[1], line, info, preview, method, K.ACCOUNT_KEY,
                                         literal_is_secret=True)
            if ev is not None:
                yield ev
            return
        idx = info.conn_index if len(args) > info.conn_index else 0
        conn = self.resolve(args[idx])
        if conn.startswith("new ") and not conn.startswith("new Uri"):
            return  # an options object or a nested client: nothing to say
        ev = self.value_or_reference(args[idx], line, info, preview, method)
        if ev is None:
            return
        if ev.value is None and (_NEW_RE.match(conn) or re.search(r"uri|url|endpoint", conn, re.I)) \
                and info.service == S.STORAGE:
            ev = Evidence(line=line, role=EvidenceRole.CODE_CONSUMER, name=ev.name, service=S.STORAGE,
                          kind=K.SAS, value_class=V.REFERENCE, preview=preview, method=method,
                          note="a URI without a credential: it may carry a SAS token")
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
            yield from self.client(m.group(1), CLIENTS[m.group(1)], args, m.start(), "ctor")
        for m in _FACTORY_RE.finditer(text):
            split = split_args(text, m.end() - 1)
            if split is None:
                continue
            args, end = split
            if m.group(1):
                name = m.group(1)
                info = FACTORIES[name]
            else:
                name = f"{m.group(2)}.FromConnectionString"
                base = m.group(2)
                info = CLIENTS.get(base) or ClientInfo(
                    service_hint(base) or (S.STORAGE if re.search(r"blob|queue|table|storage|file", base, re.I)
                                           else S.GENERIC), K.CONNECTION_STRING)
            consumed.append((m.start(), end))
            yield from self.client(name, info, args, m.start(), "factory")
        for m in _METHOD_RE.finditer(text):
            split = split_args(text, m.end() - 1)
            if split is None:
                continue
            args, _ = split
            yield from self.client(m.group(1), METHODS[m.group(1)], args, m.start(), "call")
        for m in _CLIENT_SECRET_RE.finditer(text):
            split = split_args(text, m.end() - 1)
            if split is None:
                continue
            args, _ = split
            if len(args) < 3:
                continue
            info = ClientInfo(S.ENTRA_ID, K.CLIENT_SECRET)
            ev = self.value_or_reference(args[2], self.line(m.start()), info,
                                         self.preview("new ClientSecretCredential", args), "ctor",
                                         literal_is_secret=True)
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
            for word, svc in (("openai", S.OPENAI), ("search", S.AI_SEARCH), ("eventgrid", S.EVENT_GRID),
                              ("event_grid", S.EVENT_GRID), ("topic", S.EVENT_GRID),
                              ("cognitive", S.COGNITIVE_SERVICES), ("translator", S.COGNITIVE_SERVICES),
                              ("speech", S.COGNITIVE_SERVICES), ("language", S.COGNITIVE_SERVICES)):
                if word in context:
                    service = svc
                    break
            info = ClientInfo(service, K.API_KEY)
            ev = self.value_or_reference(args[0], self.line(m.start()), info,
                                         self.preview(f"new {m.group(1)}", args), "ctor",
                                         literal_is_secret=True)
            if ev is not None:
                if ev.name and service == S.GENERIC:
                    hinted = service_hint(ev.name)
                    if hinted:
                        ev = Evidence(line=ev.line, role=ev.role, name=ev.name, service=hinted, kind=ev.kind,
                                      value_class=ev.value_class, preview=ev.preview, method=ev.method)
                yield ev
        yield from self.bindings()
        yield from self.lookups()

    def bindings(self) -> Iterator[Evidence]:
        functions = _FUNCTIONS_FILE_RE.search(self.text) is not None
        for m in _BINDING_RE.finditer(self.text):
            if m.group(1) in AMBIGUOUS_BINDINGS and not functions:
                continue  # e.g. EF Core's [Table("Orders")] in a file that is no Functions code
            split = split_args(self.text, m.end() - 1)
            if split is None:
                continue
            args, _ = split
            attr = m.group(1)
            service, default = BINDINGS[attr]
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
                line=self.line(m.start()), role=EvidenceRole.CODE_CONSUMER, name=name, service=service,
                kind=K.CONNECTION_STRING, value_class=V.REFERENCE, preview=f"[{attr}({shown})]",
                method="binding",
            )

    def lookups(self) -> Iterator[Evidence]:
        for m in _LOOKUP_RE.finditer(self.text):
            got = lookup_of(m)
            if got is None:
                continue
            name, preview = got
            yield Evidence(
                line=self.line(m.start()), role=EvidenceRole.CODE_CONSUMER, name=name,
                service=service_hint(name) or S.GENERIC, kind=K.CONNECTION_STRING, value_class=V.REFERENCE,
                preview=preview, method="lookup",
            )


class CSharpHandler:
    name = "csharp"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() == ".cs"

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        yield from _Scan(source).run()


register(CSharpHandler())
