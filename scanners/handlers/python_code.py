"""Python source: Azure SDK clients built from connection strings, keys and secrets.

Uses the `ast` module, so every finding has a precise line and arguments are told apart by kind:
a string literal goes to the classifier; `os.environ["X"]`, `os.getenv("X")`,
`os.environ.get("X")` and `settings.X` name the setting that holds the secret; clients built with
a `TokenCredential` (`DefaultAzureCredential()` and friends) are reported as passwordless.
Previews are built from identifiers only, never from string literals.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners import setting_names
from scanners.classifier import classify
from scanners.evidence import Evidence, MalformedInput, SourceFile
from scanners.handlers import register
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

# Files without any of these words are not parsed at all.
_KEYWORDS_RE = re.compile(
    r"from_connection_string|ClientSecretCredential|AzureKeyCredential|AzureOpenAI|api_key|"
    r"psycopg|pyodbc|pymysql|mysql\.connector|redis|DefaultAzureCredential|ManagedIdentityCredential|"
    r"os\.environ|getenv|credential"
)

# Credentials that hold no secret of their own.
PASSWORDLESS_CREDENTIALS = frozenset(
    {
        "DefaultAzureCredential", "ManagedIdentityCredential", "WorkloadIdentityCredential",
        "AzureCliCredential", "AzureDeveloperCliCredential", "AzurePowerShellCredential",
        "ChainedTokenCredential", "InteractiveBrowserCredential", "DeviceCodeCredential",
        "VisualStudioCodeCredential", "SharedTokenCacheCredential", "AzurePipelinesCredential",
        "get_bearer_token_provider",
    }
)

_SERVICE_PREFIXES: tuple[tuple[str, ServiceType], ...] = (
    ("AzureAppConfiguration", S.APP_CONFIGURATION),
    ("AppConfiguration", S.APP_CONFIGURATION),
    ("ConfigurationClient", S.APP_CONFIGURATION),
    ("Blob", S.STORAGE),
    ("Container", S.STORAGE),
    ("Queue", S.STORAGE),
    ("Table", S.STORAGE),
    ("Share", S.STORAGE),
    ("DataLake", S.STORAGE),
    ("FileSystem", S.STORAGE),
    ("ServiceBus", S.SERVICE_BUS),
    ("EventHub", S.EVENT_HUBS),
    ("Cosmos", S.COSMOS_DB),
    ("SearchIndex", S.AI_SEARCH),
    ("Search", S.AI_SEARCH),
    ("EventGrid", S.EVENT_GRID),
    ("AzureOpenAI", S.OPENAI),
    ("AsyncAzureOpenAI", S.OPENAI),
    ("OpenAI", S.OPENAI),
    ("TextAnalytics", S.COGNITIVE_SERVICES),
    ("DocumentAnalysis", S.COGNITIVE_SERVICES),
    ("DocumentModelAdministration", S.COGNITIVE_SERVICES),
    ("DocumentIntelligence", S.COGNITIVE_SERVICES),
    ("FormRecognizer", S.COGNITIVE_SERVICES),
    ("FormTraining", S.COGNITIVE_SERVICES),
    ("ImageAnalysis", S.COGNITIVE_SERVICES),
    ("ContentSafety", S.COGNITIVE_SERVICES),
    ("Translat", S.COGNITIVE_SERVICES),
    ("Speech", S.COGNITIVE_SERVICES),
    ("ComputerVision", S.COGNITIVE_SERVICES),
    ("Face", S.COGNITIVE_SERVICES),
    ("QuestionAnswering", S.COGNITIVE_SERVICES),
    ("ConversationAnalysis", S.COGNITIVE_SERVICES),
    ("ChatCompletions", S.COGNITIVE_SERVICES),
    ("Embeddings", S.COGNITIVE_SERVICES),
    ("Secret", S.KEY_VAULT),
    ("Certificate", S.KEY_VAULT),
    ("KeyClient", S.KEY_VAULT),
    ("WebPubSub", S.WEB_PUBSUB),
    ("ContainerRegistry", S.CONTAINER_REGISTRY),
    ("MetricsQuery", S.APPLICATION_INSIGHTS),
    ("LogsQuery", S.APPLICATION_INSIGHTS),
)


def service_for_class(name: str) -> ServiceType | None:
    """The Azure service of an SDK client class name (`BlobServiceClient` → storage)."""
    if name == "ContainerRegistryClient":
        return S.CONTAINER_REGISTRY
    for prefix, service in _SERVICE_PREFIXES:
        if name.startswith(prefix):
            return service
    return None


def is_client_class(name: str) -> bool:
    return (name.endswith("Client") or name in ("AzureOpenAI", "AsyncAzureOpenAI")) and (
        service_for_class(name) is not None
    )


def key_kind(service: ServiceType) -> CredentialKind:
    if service == S.STORAGE:
        return K.ACCOUNT_KEY
    if service in (S.SERVICE_BUS, S.EVENT_HUBS):
        return K.SHARED_ACCESS_KEY
    if service in (S.EVENT_GRID, S.APP_CONFIGURATION, S.SIGNALR, S.WEB_PUBSUB, S.REDIS):
        return K.ACCESS_KEY
    if service in (S.COSMOS_DB,):
        return K.ACCOUNT_KEY
    return K.API_KEY


def literal_evidence(
    line: int,
    value: str,
    name: str | None,
    service: ServiceType,
    kind: CredentialKind,
    preview: str,
    method: str,
    role: EvidenceRole = R.CODE_LITERAL,
    note: str | None = None,
) -> Evidence | None:
    """Evidence for a literal found in code where the service is known from the call around it.

    The classifier decides when it can (connection strings, URIs, named settings, Entra secret
    shapes).  A bare key passed straight to a constructor has no setting name for the classifier
    to go on, so it is reported as a consumer whose class says whether it is a placeholder.
    A connection string or URL the classifier does not recognise holds no credential: None."""
    if classify(value, name, service) is not None:
        return Evidence(line=line, role=role, name=name, value=value, service=service, kind=kind,
                        method=method, note=note)
    v = value.strip()
    if is_placeholder(v):
        vc = V.PLACEHOLDER
    elif is_reference(v):
        vc = V.REFERENCE
    elif kind is K.CONNECTION_STRING or "://" in v or len(v) < 6:
        return None
    else:
        vc = V.SECRET
    conf = Confidence.MEDIUM if vc is V.SECRET and len(v) >= 16 else Confidence.LOW
    return Evidence(line=line, role=role, name=name, service=service, kind=kind, value_class=vc,
                    preview=preview, method=method, note=note, confidence=conf)


_NAME_FACTS: dict[str, tuple[ServiceType, CredentialKind]] = {}


def _name_facts(name: str) -> tuple[ServiceType, CredentialKind]:
    facts = _NAME_FACTS.get(name)
    if facts is None:
        rule = setting_names.rule_for(name)
        service = rule.service if rule else (setting_names.service_hint(name) or S.GENERIC)
        facts = (service, rule.kind if rule else K.CONNECTION_STRING)
        if len(_NAME_FACTS) < 10000:
            _NAME_FACTS[name] = facts
    return facts


def lookup_evidence(line: int, name: str, preview: str) -> Evidence:
    """A setting / environment lookup in code (method "lookup": linking keeps only relevant ones)."""
    service, kind = _name_facts(name)
    return Evidence(line=line, role=R.CODE_CONSUMER, name=name, service=service, kind=kind,
                    value_class=V.REFERENCE, preview=preview, method="lookup")


# --------------------------------------------------------------------------- AST helpers


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return None


def _callee(call: ast.Call) -> str:
    """The last identifier of the called thing: `azure.storage.blob.BlobServiceClient` → class."""
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _env_lookup(node: ast.AST) -> tuple[str, str] | None:
    """(setting name, identifier-only shape) for os.environ["X"] / os.getenv("X") / os.environ.get("X")."""
    if isinstance(node, ast.Subscript):
        base = _dotted(node.value)
        key = _str(node.slice)
        if base in ("os.environ", "environ") and key is not None:
            return key, f'{base}["{key}"]'
    if isinstance(node, ast.Call) and node.args:
        fn = _dotted(node.func)
        key = _str(node.args[0])
        if key is not None and fn in ("os.getenv", "getenv", "os.environ.get", "environ.get",
                                      "os.environ.setdefault"):
            return key, f'{fn}("{key}")'
    return None


_SETTINGS_BASES = frozenset({"settings", "config", "app.config", "current_app.config", "conf", "cfg"})


def _settings_attr(node: ast.AST) -> tuple[str, str] | None:
    """settings.X / config["X"] → (X, shape)."""
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        if base in _SETTINGS_BASES or (base or "").endswith(".settings"):
            return node.attr, f"{base}.{node.attr}"
    if isinstance(node, ast.Subscript):
        base = _dotted(node.value)
        key = _str(node.slice)
        if key is not None and (base in _SETTINGS_BASES or (base or "").endswith(".config")):
            return key, f'{base}["{key}"]'
    return None


def _shape(node: ast.AST | None, depth: int = 0) -> str:
    """An identifier-only rendering of an argument: literals become `"***"`."""
    if node is None:
        return ""
    if depth > 3:
        return "..."
    env = _env_lookup(node) or _settings_attr(node)
    if env:
        return env[1]
    if isinstance(node, ast.Constant):
        return '"***"' if isinstance(node.value, str | bytes) else "..."
    if isinstance(node, ast.JoinedStr):
        return 'f"..."'
    d = _dotted(node)
    if d:
        return d
    if isinstance(node, ast.Call):
        return f"{_shape(node.func, depth + 1)}(...)"
    if isinstance(node, ast.Attribute):
        return f"{_shape(node.value, depth + 1)}.{node.attr}"
    return "..."


def _call_shape(call: ast.Call, focus: ast.AST | None = None, kw: str | None = None,
                shape: str | None = None) -> str:
    fn = _dotted(call.func) or _callee(call) or "call"
    if getattr(call, "_assign_target", None):
        return f"{fn} = {shape or _shape(focus)}"
    if focus is None:
        return f"{fn}(...)"
    arg_shape = shape or _shape(focus)
    arg = f"{kw}={arg_shape}" if kw else arg_shape
    more = len(call.args) + len(call.keywords) > 1
    return f"{fn}({arg}, ...)" if more else f"{fn}({arg})"


def _arg(call: ast.Call, pos: int | None, *names: str) -> tuple[ast.AST | None, str | None]:
    for k in call.keywords:
        if k.arg in names:
            return k.value, k.arg
    if pos is not None and len(call.args) > pos and not isinstance(call.args[pos], ast.Starred):
        return call.args[pos], None
    return None, None


class _Visitor:
    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.assigned: dict[str, ast.AST] = {}
        self.parents: dict[int, ast.AST] = {}
        self.var_client: dict[str, str] = {}
        self.out: list[Evidence] = []
        self.seen: set[tuple[int, str | None, str, str]] = set()
        self.interesting: list[ast.AST] = []
        stack: list[ast.AST] = [tree]
        AST = ast.AST
        while stack:  # one pass: parents, interesting nodes, assignments
            node = stack.pop()
            for field in node._fields:
                value = getattr(node, field, None)
                if isinstance(value, list):
                    for child in value:
                        if isinstance(child, AST):
                            self.parents[id(child)] = node
                            stack.append(child)
                elif isinstance(value, AST):
                    self.parents[id(value)] = node
                    stack.append(value)
            if isinstance(node, ast.Call | ast.Subscript | ast.Assign | ast.AnnAssign):
                self.interesting.append(node)
        self.interesting.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        for node in self.interesting:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                t = node.targets[0]
                if isinstance(t, ast.Name):
                    self.assigned.setdefault(t.id, node.value)
                elif isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                    self.assigned.setdefault(f"self.{t.attr}", node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                self.assigned.setdefault(node.target.id, node.value)
            if isinstance(node, ast.Call) and is_client_class(_callee(node)):
                for a in [*node.args, *(k.value for k in node.keywords)]:
                    d = _dotted(a)
                    if d:
                        self.var_client.setdefault(d, _callee(node))

    # -- output

    def emit(self, ev: Evidence | None) -> None:
        if ev is None:
            return
        key = (ev.line, ev.name, ev.method, ev.preview or "")
        if ev.value is None and key in self.seen:
            return
        self.seen.add(key)
        self.out.append(ev)

    # -- argument resolution

    def resolve(self, node: ast.AST | None, depth: int = 0) -> ast.AST | None:
        """Follow a variable to the expression it was assigned (a few steps at most)."""
        while node is not None and depth < 4:
            d = _dotted(node) if isinstance(node, ast.Name | ast.Attribute) else None
            if d is None or d not in self.assigned:
                return node
            nxt = self.assigned[d]
            if nxt is node:
                return node
            node = nxt
            depth += 1
        return node

    def credential_class(self, node: ast.AST | None) -> str | None:
        r = self.resolve(node)
        if isinstance(r, ast.Call):
            return _callee(r)
        return None

    def value_arg(
        self,
        call: ast.Call,
        node: ast.AST,
        kw: str | None,
        service: ServiceType,
        kind: CredentialKind,
        method: str,
        note: str | None = None,
    ) -> None:
        """Report one secret-carrying argument of `call`."""
        preview = _call_shape(call, node, kw)
        target = self.resolve(node) or node
        line = getattr(node, "lineno", call.lineno)
        lit = _str(target)
        if lit is not None:
            self.emit(literal_evidence(getattr(target, "lineno", line), lit, None, service, kind,
                                       preview, method, note=note))
            return
        named = _env_lookup(target) or _settings_attr(target)
        if named is not None:
            name, _ = named
            if target is not node:
                preview = _call_shape(call, node, kw, shape=named[1])
            self.emit(Evidence(line=line, role=R.CODE_CONSUMER, name=name, service=service, kind=kind,
                               value_class=V.REFERENCE, preview=preview, method=method, note=note))
            # An os.getenv("X", "default") default is a literal too.
            if isinstance(target, ast.Call) and len(target.args) > 1:
                default = _str(target.args[1])
                if default:
                    self.emit(literal_evidence(target.lineno, default, name, service, kind,
                                               preview, method, note=note))
            return
        cls = self.credential_class(target)
        if cls in PASSWORDLESS_CREDENTIALS or (
            isinstance(target, ast.Attribute) and target.attr == "token"
        ):
            self.emit(Evidence(line=line, role=R.CODE_CONSUMER, service=service, kind=K.IDENTITY,
                               value_class=V.PASSWORDLESS, preview=preview, method=method,
                               note="access token from a TokenCredential"))
            return
        self.emit(Evidence(line=line, role=R.CODE_CONSUMER, service=service, kind=kind,
                           value_class=V.REFERENCE, preview=preview, method=method, note=note,
                           confidence=Confidence.LOW))

    # -- visitors

    def run(self) -> list[Evidence]:
        for node in self.interesting:
            if isinstance(node, ast.Call):
                self.call(node)
                env = _env_lookup(node)
                if env:
                    self.emit(lookup_evidence(node.lineno, env[0], env[1]))
            elif isinstance(node, ast.Subscript):
                env = _env_lookup(node)
                if env:
                    self.emit(lookup_evidence(node.lineno, env[0], env[1]))
            elif isinstance(node, ast.Assign):
                self.assign(node)
        return self.out

    def assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            d = _dotted(t)
            if d and d.split(".")[-1] == "api_key" and d.split(".")[0] == "openai":
                fake = ast.Call(func=t, args=[], keywords=[ast.keyword(arg="api_key", value=node.value)])
                ast.copy_location(fake, node)
                fake._assign_target = True  # type: ignore[attr-defined]
                self.value_arg(fake, node.value, None, S.OPENAI, K.API_KEY, "assign")

    def call(self, call: ast.Call) -> None:
        callee = _callee(call)
        fn = _dotted(call.func) or callee
        if callee == "from_connection_string" and isinstance(call.func, ast.Attribute):
            self.from_connection_string(call)
        elif callee == "ClientSecretCredential":
            node, kw = _arg(call, 2, "client_secret")
            if node is not None:
                self.value_arg(call, node, kw, S.ENTRA_ID, K.CLIENT_SECRET, "ctor")
        elif callee == "AzureKeyCredential":
            node, kw = _arg(call, 0, "key")
            if node is not None:
                service = self.key_credential_service(call, node)
                self.value_arg(call, node, kw, service, key_kind(service), "ctor")
        elif callee == "AzureNamedKeyCredential":
            node, kw = _arg(call, 1, "key")
            if node is not None:
                service = self.key_credential_service(call, node)
                self.value_arg(call, node, kw, service, key_kind(service), "ctor")
        elif callee in ("AzureSasCredential",):
            node, kw = _arg(call, 0, "signature")
            if node is not None:
                service = self.key_credential_service(call, node)
                self.value_arg(call, node, kw, service, K.SAS, "ctor")
        elif callee in ("AzureOpenAI", "AsyncAzureOpenAI"):
            self.azure_openai(call)
        elif fn in ("psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect",
                    "psycopg_pool.ConnectionPool", "asyncpg.connect", "asyncpg.create_pool"):
            self.db_connect(call, S.POSTGRESQL)
        elif fn in ("pymysql.connect", "mysql.connector.connect", "MySQLdb.connect", "aiomysql.connect"):
            self.db_connect(call, S.MYSQL)
        elif fn in ("pyodbc.connect", "pymssql.connect", "aioodbc.connect"):
            self.db_connect(call, S.SQL)
        elif fn in ("redis.Redis", "redis.StrictRedis", "Redis", "StrictRedis", "redis.asyncio.Redis",
                    "aioredis.Redis", "redis.cluster.RedisCluster", "RedisCluster"):
            self.redis(call)
        elif fn in ("redis.from_url", "redis.Redis.from_url", "Redis.from_url", "redis.StrictRedis.from_url",
                    "aioredis.from_url", "redis.asyncio.from_url"):
            node, kw = _arg(call, 0, "url")
            if node is not None:
                self.value_arg(call, node, kw, S.REDIS, K.ACCESS_KEY, "ctor")
        elif is_client_class(callee):
            self.client_ctor(call, callee)

    def from_connection_string(self, call: ast.Call) -> None:
        if not isinstance(call.func, ast.Attribute):
            return
        cls = _dotted(call.func.value) or ""
        cls_leaf = cls.split(".")[-1]
        service = service_for_class(cls_leaf)
        if service is None:
            r = self.resolve(call.func.value)
            # e.g. an instance variable: `client_cls.from_connection_string(...)`; unknown service
            service = service_for_class(_callee(r)) if isinstance(r, ast.Call) else None
        if service is None:
            service = S.GENERIC
        node, kw = _arg(call, 0, "conn_str", "connection_string", "conn_string")
        if node is None:
            return
        self.value_arg(call, node, kw, service, K.CONNECTION_STRING, "from-connection-string")

    def key_credential_service(self, call: ast.Call, node: ast.AST) -> ServiceType:
        # 1. the client constructor this credential is passed to
        cur: ast.AST | None = self.parents.get(id(call))
        steps = 0
        while cur is not None and steps < 4:
            if isinstance(cur, ast.Call):
                svc = service_for_class(_callee(cur)) if is_client_class(_callee(cur)) else None
                if svc is not None:
                    return svc
            cur = self.parents.get(id(cur))
            steps += 1
        # 2. a variable holding it, later passed to a client
        parent = self.parents.get(id(call))
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
            d = _dotted(parent.targets[0])
            if d and d in self.var_client:
                svc = service_for_class(self.var_client[d])
                if svc is not None:
                    return svc
        # 3. the setting name it is read from
        target = self.resolve(node)
        named = (_env_lookup(target) or _settings_attr(target)) if target is not None else None
        if named:
            hint = setting_names.service_hint(named[0])
            if hint is not None:
                return hint
        return S.GENERIC

    def azure_openai(self, call: ast.Call) -> None:
        node, kw = _arg(call, None, "api_key")
        if node is not None and not (isinstance(node, ast.Constant) and node.value is None):
            self.value_arg(call, node, kw, S.OPENAI, K.API_KEY, "ctor")
            return
        tok, tkw = _arg(call, None, "azure_ad_token_provider", "azure_ad_token")
        if tok is not None:
            self.emit(Evidence(line=call.lineno, role=R.CODE_CONSUMER, service=S.OPENAI, kind=K.IDENTITY,
                               value_class=V.PASSWORDLESS, preview=_call_shape(call, tok, tkw), method="ctor"))
            return
        # No key and no token: the client reads AZURE_OPENAI_API_KEY from the environment.
        self.emit(Evidence(line=call.lineno, role=R.CODE_CONSUMER, name="AZURE_OPENAI_API_KEY",
                           service=S.OPENAI, kind=K.API_KEY, value_class=V.REFERENCE,
                           preview=_call_shape(call), method="ctor",
                           note="no api_key argument: the client reads AZURE_OPENAI_API_KEY"))

    def db_connect(self, call: ast.Call, service: ServiceType) -> None:
        node, kw = _arg(call, None, "password", "passwd")
        if node is not None:
            self.value_arg(call, node, kw, service, K.PASSWORD, "connect")
        dsn, dkw = _arg(call, 0, "dsn", "conninfo", "connection_string", "dsn_str")
        if dsn is not None:
            if service == S.SQL and self._has_access_token(call):
                self.emit(Evidence(line=call.lineno, role=R.CODE_CONSUMER, service=S.SQL, kind=K.IDENTITY,
                                   value_class=V.PASSWORDLESS, preview=_call_shape(call, dsn, dkw),
                                   method="connect", note="access token passed in attrs_before"))
                return
            target = self.resolve(dsn)
            if target is not None and (_str(target) is not None or _env_lookup(target) or _settings_attr(target)):
                self.value_arg(call, dsn, dkw, service, K.CONNECTION_STRING, "connect")

    @staticmethod
    def _has_access_token(call: ast.Call) -> bool:
        for k in call.keywords:
            if k.arg == "attrs_before":
                return True
        return False

    def redis(self, call: ast.Call) -> None:
        node, kw = _arg(call, None, "password")
        if node is not None:
            self.value_arg(call, node, kw, S.REDIS, K.ACCESS_KEY, "ctor")
            return
        cp, ckw = _arg(call, None, "credential_provider")
        if cp is not None:
            self.emit(Evidence(line=call.lineno, role=R.CODE_CONSUMER, service=S.REDIS, kind=K.IDENTITY,
                               value_class=V.PASSWORDLESS, preview=_call_shape(call, cp, ckw), method="ctor"))

    def client_ctor(self, call: ast.Call, cls: str) -> None:
        service = service_for_class(cls) or S.GENERIC
        node, kw = _arg(call, None, "credential")
        if node is None:
            for a in call.args[1:]:
                c = self.credential_class(a)
                if c and (c in PASSWORDLESS_CREDENTIALS or c.endswith("Credential")):
                    node = a
                    break
        if node is None and service == S.STORAGE and len(call.args) > 1:
            node = call.args[1]
        if node is None:
            return
        c = self.credential_class(node)
        if c in PASSWORDLESS_CREDENTIALS:
            self.emit(Evidence(line=call.lineno, role=R.CODE_CONSUMER, service=service, kind=K.IDENTITY,
                               value_class=V.PASSWORDLESS, preview=_call_shape(call, node, kw), method="ctor"))
            return
        if c is not None and (c.endswith("Credential") or c == "ClientSecretCredential"):
            return  # reported where the credential is built
        target = self.resolve(node)
        if _str(target) is not None or (target is not None and (_env_lookup(target) or _settings_attr(target))):
            self.value_arg(call, node, kw, service, key_kind(service), "ctor")


_SDK_KEYWORDS_RE = re.compile(
    r"from_connection_string|Credential|AzureOpenAI|api_key|psycopg|pyodbc|pymysql|mysql\.connector|"
    r"redis|azure"
)
_ENV_LOOKUP_RE = re.compile(
    r"""\bos\.(?:environ\s*(?:\[\s*|\.get\s*\(\s*|\.setdefault\s*\(\s*)|getenv\s*\(\s*)(["'])([A-Za-z_][\w.:\-]*)\1"""
)


# Azure Functions Python v2 decorators: `@app.queue_trigger(..., connection="X")`.
_DECORATOR_RE = re.compile(
    r"@\w+\.(blob|queue|service_bus_queue|service_bus_topic|service_bus|event_hub_message|event_hub|"
    r"cosmos_db|table|event_grid)_?(trigger|input|output)\s*\("
)
_CONNECTION_KW_RE = re.compile(r"""\bconnection\s*=\s*(["'])([^"']{1,200})\1""")
_DECORATOR_SERVICES = {
    "blob": S.STORAGE, "queue": S.STORAGE, "table": S.STORAGE, "service_bus_queue": S.SERVICE_BUS,
    "service_bus_topic": S.SERVICE_BUS, "service_bus": S.SERVICE_BUS, "event_hub_message": S.EVENT_HUBS,
    "event_hub": S.EVENT_HUBS, "cosmos_db": S.COSMOS_DB, "event_grid": S.EVENT_GRID,
}


def _function_bindings(source: SourceFile) -> Iterator[Evidence]:
    """Connections named by Functions v2 binding decorators (storage ones default to AzureWebJobsStorage)."""
    for m in _DECORATOR_RE.finditer(source.text):
        close = source.text.find(")", m.end())
        args = source.text[m.end(): close if close != -1 else m.end() + 400]
        cm = _CONNECTION_KW_RE.search(args)
        kind = m.group(1)
        service = _DECORATOR_SERVICES[kind]
        name = cm.group(2).strip("%") if cm else ("AzureWebJobsStorage" if service is S.STORAGE else None)
        if name is None:
            continue
        shown = f'connection="{name}"' if cm else "default connection"
        yield Evidence(line=source.line_of(m.start()), role=R.CODE_CONSUMER, name=name, service=service,
                       kind=K.CONNECTION_STRING, value_class=V.REFERENCE,
                       preview=f"@app.{kind}_{m.group(2)}({shown})", method="binding")


def _env_lookups(source: SourceFile) -> Iterator[Evidence]:
    for m in _ENV_LOOKUP_RE.finditer(source.text):
        call = "os.getenv" if "getenv" in m.group(0) else "os.environ"
        yield lookup_evidence(source.line_of(m.start()), m.group(2), f'{call}["{m.group(2)}"]')


class PythonCodeHandler:
    name = "python-code"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in (".py", ".pyw")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        bindings = list(_function_bindings(source)) if "_trigger" in source.text or "_output" in source.text else []
        if not _KEYWORDS_RE.search(source.text):
            return iter(bindings)
        if not _SDK_KEYWORDS_RE.search(source.text):
            # Only environment lookups: a regex finds them at a fraction of a full parse.
            return iter([*bindings, *_env_lookups(source)])
        try:
            tree = ast.parse(source.text, filename="<source>")
        except (SyntaxError, ValueError) as exc:
            raise MalformedInput(f"not valid Python ({type(exc).__name__})") from None
        return iter([*bindings, *_Visitor(source, tree).run()])


register(PythonCodeHandler())
