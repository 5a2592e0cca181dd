"""Python source: Azure SDK clients built from connection strings, keys and secrets.

Uses the `ast` module, so every finding has a precise line and arguments are told apart by kind:
a string literal goes to the classifier; `os.environ["X"]`, `os.getenv("X")`,
`os.environ.get("X")` and `settings.X` name the setting that holds the secret; clients built with
a `TokenCredential` (`DefaultAzureCredential()` and friends) are reported as passwordless.
Previews are built from identifiers only, never from string literals.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath

from scanners import setting_names
from scanners.code_siblings import code_endpoint
from scanners.evidence import Evidence, MalformedInput, SourceFile
from scanners.handlers.code_evidence import literal_evidence, lookup_evidence
from scanners.handlers.python_ast import (
    argument,
    call_shape,
    callee,
    dotted,
    endpoint_argument,
    env_lookup,
    settings_attr,
    string_value,
)
from scanners.handlers.python_consumers import (
    assigned_secret,
    consumer_call,
    dict_slots,
    is_print,
    printed_secret,
    subscript_read,
)
from scanners.handlers.python_source import (
    KEYWORDS_LOWER,
    KEYWORDS_RE,
    SDK_KEYWORDS_LOWER,
    SDK_KEYWORDS_RE,
    env_lookups,
    function_bindings,
    holds,
    parse_python,
)
from scanners.handlers.secret_reads import secret_name
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.sdk_clients import (
    PASSWORDLESS_CREDENTIALS,
    PYTHON_DB_CONNECT,
    PYTHON_KEY_CREDENTIALS,
    PYTHON_REDIS_CLIENTS,
    PYTHON_REDIS_FROM_URL,
    SAS_CREDENTIALS,
    is_client_class,
    key_kind,
    service_for_class,
)
from scanners.third_party import vendor_in_code

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole


class _Visitor:
    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.assigned: dict[str, ast.AST] = {}
        self.parents: dict[int, ast.AST] = {}
        self.var_client: dict[str, str] = {}
        self.var_client_call: dict[str, ast.Call] = {}
        self.out: list[Evidence] = []
        self.seen: set[tuple[int, str | None, str, str]] = set()
        self.interesting: list[ast.AST] = []
        # `from m import A as b`: b -> A (aliases) and A/b -> m (where the name comes from)
        self.aliases: dict[str, str] = {}
        self.imported_from: dict[str, str] = {}
        self.loops: dict[str, ast.AST] = {}  # `for x in [A, B]:` x -> [A, B]
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
            if isinstance(node, ast.Call | ast.Subscript | ast.Assign | ast.AnnAssign | ast.Dict):
                self.interesting.append(node)
            elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                self.loops.setdefault(node.target.id, node.iter)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imported_from[alias.asname or alias.name] = node.module
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
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
            if isinstance(node, ast.Call) and is_client_class(self.name_of(node)):
                for a in [*node.args, *(k.value for k in node.keywords)]:
                    d = dotted(a)
                    if d:
                        self.var_client.setdefault(d, self.name_of(node))
                        self.var_client_call.setdefault(d, node)

    def name_of(self, call: ast.Call) -> str:
        """The called name, through an import alias (`from m import CosmosClient as cosmos_client`)."""
        name = callee(call)
        return self.aliases.get(name, name)

    def client_argument(self, node: ast.AST) -> bool:
        """`node` is an argument of a client constructor (which reports it itself)."""
        parent = self.parents.get(id(node))
        return isinstance(parent, ast.Call) and (
            is_client_class(self.name_of(parent)) or self.name_of(parent) == "DocumentClient"
        )

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
            d = dotted(node) if isinstance(node, ast.Name | ast.Attribute) else None
            if d is None or d not in self.assigned:
                return node
            nxt = self.assigned[d]
            if nxt is node:
                return node
            node = nxt
            depth += 1
        return node

    def with_endpoint(self, ev: Evidence | None, client: ast.Call | None, key: ast.AST) -> Evidence | None:
        """`ev` (a key passed to `client`) with the endpoint the client is built with, and where it
        comes from: a URL literal's host, or the setting the code reads (resolved after the scan)."""
        if ev is None or client is None or ev.value_class is V.PASSWORDLESS or ev.service is None:
            return ev
        arg = endpoint_argument(client, key)
        target = self.resolve(arg) if arg is not None else None
        if target is None:
            return ev
        named = env_lookup(target) or settings_attr(target)
        found = code_endpoint(
            ev.service, f"{self.source.path}:{ev.line}", string_value(target), named[0] if named else None
        )
        if found is None:
            return ev
        return replace(ev, endpoint=found[0], endpoint_note=found[1])

    def client_of_credential(self, call: ast.Call) -> ast.Call | None:
        """The client a key credential is built for: the call it is an argument of, or the client a
        variable holding it is passed to."""
        cur: ast.AST | None = self.parents.get(id(call))
        steps = 0
        while cur is not None and steps < 4:
            if isinstance(cur, ast.Call) and is_client_class(callee(cur)):
                return cur
            cur = self.parents.get(id(cur))
            steps += 1
        parent = self.parents.get(id(call))
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
            d = dotted(parent.targets[0])
            if d:
                return self.var_client_call.get(d)
        return None

    def credential_class(self, node: ast.AST | None) -> str | None:
        r = self.resolve(node)
        if isinstance(r, ast.Call):
            return callee(r)
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
        client: ast.Call | None = None,
    ) -> None:
        """Report one secret-carrying argument of `call` (a key passed to `client`: with its endpoint)."""

        def emit(ev: Evidence | None) -> None:
            self.emit(self.with_endpoint(ev, client, node))

        preview = call_shape(call, node, kw)
        target = self.resolve(node) or node
        line = getattr(node, "lineno", call.lineno)
        lit = string_value(target)
        if lit is not None:
            emit(
                literal_evidence(
                    getattr(target, "lineno", line), lit, None, service, kind, preview, method, note=note
                )
            )
            if target is not node and getattr(target, "lineno", line) != line:
                # the literal is reported where it is written; the call that uses it is a consumer
                emit(
                    Evidence(
                        line=line,
                        role=R.CODE_CONSUMER,
                        service=service,
                        kind=kind,
                        value_class=V.REFERENCE,
                        preview=preview,
                        method=method,
                        note=note or f"the value assigned on line {getattr(target, 'lineno', line)}",
                    )
                )
            return
        named = env_lookup(target) or settings_attr(target)
        if named is not None:
            name, _ = named
            if target is not node:
                preview = call_shape(call, node, kw, shape=named[1])
            emit(
                Evidence(
                    line=line,
                    role=R.CODE_CONSUMER,
                    name=name,
                    service=service,
                    kind=kind,
                    value_class=V.REFERENCE,
                    preview=preview,
                    method=method,
                    note=note,
                )
            )
            # An os.getenv("X", "default") default is a literal too.
            if isinstance(target, ast.Call) and len(target.args) > 1:
                default = string_value(target.args[1])
                if default:
                    emit(
                        literal_evidence(
                            target.lineno, default, name, service, kind, preview, method, note=note
                        )
                    )
            return
        cls = self.credential_class(target)
        if cls in PASSWORDLESS_CREDENTIALS or (isinstance(target, ast.Attribute) and target.attr == "token"):
            emit(
                Evidence(
                    line=line,
                    role=R.CODE_CONSUMER,
                    service=service,
                    kind=K.IDENTITY,
                    value_class=V.PASSWORDLESS,
                    preview=preview,
                    method=method,
                    note="access token from a TokenCredential",
                )
            )
            return
        emit(
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

    # -- visitors

    def run(self) -> list[Evidence]:
        for node in self.interesting:
            if isinstance(node, ast.Call):
                before = len(self.out)
                self.call(node)
                if len(self.out) == before:
                    if is_print(node):
                        printed_secret(self, node)
                    else:
                        consumer_call(self, node, self.name_of(node))
                env = env_lookup(node)
                if env:
                    self.emit(lookup_evidence(node.lineno, env[0], env[1]))
                else:
                    subscript_read(self, node)
            elif isinstance(node, ast.Subscript):
                env = env_lookup(node)
                if env:
                    self.emit(lookup_evidence(node.lineno, env[0], env[1]))
                else:
                    subscript_read(self, node)
            elif isinstance(node, ast.Assign):
                self.assign(node)
                assigned_secret(self, node)
            elif isinstance(node, ast.Dict) and not self.client_argument(node):
                dict_slots(self, node)
        return self.out

    def assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            d = dotted(t)
            if d and d.split(".")[-1] == "api_key" and d.split(".")[0] == "openai":
                fake = ast.Call(func=t, args=[], keywords=[ast.keyword(arg="api_key", value=node.value)])
                ast.copy_location(fake, node)
                fake._assign_target = True  # type: ignore[attr-defined]
                self.value_arg(fake, node.value, None, S.OPENAI, K.API_KEY, "assign")

    def call(self, call: ast.Call) -> None:
        name = self.name_of(call)
        fn = dotted(call.func) or name
        if name == "from_connection_string" and isinstance(call.func, ast.Attribute):
            self.from_connection_string(call)
        elif name == "ClientSecretCredential":
            node, kw = argument(call, 2, "client_secret")
            if node is not None:
                self.value_arg(call, node, kw, S.ENTRA_ID, K.CLIENT_SECRET, "ctor")
        elif name in PYTHON_KEY_CREDENTIALS:
            position, keyword = PYTHON_KEY_CREDENTIALS[name]
            node, kw = argument(call, position, keyword)
            if node is not None:
                service = self.key_credential_service(call, node)
                if service is S.GENERIC and vendor_in_code(self.source.lower) is not None:
                    service = S.THIRD_PARTY  # a Bing Search key in a msrest credential, not Azure AI
                kind = K.SAS if name in SAS_CREDENTIALS else key_kind(service)
                self.value_arg(call, node, kw, service, kind, "ctor", client=self.client_of_credential(call))
        elif name in ("AzureOpenAI", "AsyncAzureOpenAI"):
            self.azure_openai(call)
        elif fn in PYTHON_DB_CONNECT:
            self.db_connect(call, PYTHON_DB_CONNECT[fn])
        elif fn in PYTHON_REDIS_CLIENTS:
            self.redis(call)
        elif fn in PYTHON_REDIS_FROM_URL:
            node, kw = argument(call, 0, "url")
            if node is not None:
                self.value_arg(call, node, kw, S.REDIS, K.ACCESS_KEY, "ctor")
        elif is_client_class(name):
            self.client_ctor(call, name)
        elif (
            name == "DocumentClient"
        ):  # the legacy pydocumentdb client: DocumentClient(url, {"masterKey": key})
            self.client_ctor(call, "CosmosClient")

    def from_connection_string(self, call: ast.Call) -> None:
        if not isinstance(call.func, ast.Attribute):
            return
        cls = dotted(call.func.value) or ""
        cls_leaf = cls.split(".")[-1]
        service = service_for_class(cls_leaf)
        if service is None:
            r = self.resolve(call.func.value)
            # e.g. an instance variable: `client_cls.from_connection_string(...)`; unknown service
            service = service_for_class(callee(r)) if isinstance(r, ast.Call) else None
        if service is None:
            service = S.GENERIC
        node, kw = argument(call, 0, "conn_str", "connection_string", "conn_string")
        if node is None:
            return
        self.value_arg(call, node, kw, service, K.CONNECTION_STRING, "from-connection-string")

    def key_credential_service(self, call: ast.Call, node: ast.AST) -> ServiceType:
        # 1. the client constructor this credential is passed to
        cur: ast.AST | None = self.parents.get(id(call))
        steps = 0
        while cur is not None and steps < 4:
            if isinstance(cur, ast.Call):
                svc = service_for_class(callee(cur)) if is_client_class(callee(cur)) else None
                if svc is not None:
                    return svc
            cur = self.parents.get(id(cur))
            steps += 1
        # 2. a variable holding it, later passed to a client
        parent = self.parents.get(id(call))
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
            d = dotted(parent.targets[0])
            if d and d in self.var_client:
                svc = service_for_class(self.var_client[d])
                if svc is not None:
                    return svc
        # 3. the setting name it is read from
        target = self.resolve(node)
        named = (env_lookup(target) or settings_attr(target)) if target is not None else None
        if named:
            hint = setting_names.service_hint(named[0])
            if hint is not None:
                return hint
        return S.GENERIC

    def azure_openai(self, call: ast.Call) -> None:
        node, kw = argument(call, None, "api_key")
        if node is not None and not (isinstance(node, ast.Constant) and node.value is None):
            self.value_arg(call, node, kw, S.OPENAI, K.API_KEY, "ctor", client=call)
            return
        tok, tkw = argument(call, None, "azure_ad_token_provider", "azure_ad_token")
        if tok is not None:
            self.emit(
                Evidence(
                    line=call.lineno,
                    role=R.CODE_CONSUMER,
                    service=S.OPENAI,
                    kind=K.IDENTITY,
                    value_class=V.PASSWORDLESS,
                    preview=call_shape(call, tok, tkw),
                    method="ctor",
                )
            )
            return
        # No key and no token: the client reads AZURE_OPENAI_API_KEY from the environment.
        self.emit(
            Evidence(
                line=call.lineno,
                role=R.CODE_CONSUMER,
                name="AZURE_OPENAI_API_KEY",
                service=S.OPENAI,
                kind=K.API_KEY,
                value_class=V.REFERENCE,
                preview=call_shape(call),
                method="ctor",
                note="no api_key argument: the client reads AZURE_OPENAI_API_KEY",
            )
        )

    def db_connect(self, call: ast.Call, service: ServiceType) -> None:
        node, kw = argument(call, None, "password", "passwd")
        if node is not None:
            self.value_arg(call, node, kw, service, K.PASSWORD, "connect")
        dsn, dkw = argument(call, 0, "dsn", "conninfo", "connection_string", "dsn_str")
        if dsn is not None:
            if service == S.SQL and self._has_access_token(call):
                self.emit(
                    Evidence(
                        line=call.lineno,
                        role=R.CODE_CONSUMER,
                        service=S.SQL,
                        kind=K.IDENTITY,
                        value_class=V.PASSWORDLESS,
                        preview=call_shape(call, dsn, dkw),
                        method="connect",
                        note="access token passed in attrs_before",
                    )
                )
                return
            target = self.resolve(dsn)
            if target is not None and (
                string_value(target) is not None or env_lookup(target) or settings_attr(target)
            ):
                self.value_arg(call, dsn, dkw, service, K.CONNECTION_STRING, "connect")

    @staticmethod
    def _has_access_token(call: ast.Call) -> bool:
        for k in call.keywords:
            if k.arg == "attrs_before":
                return True
        return False

    def redis(self, call: ast.Call) -> None:
        node, kw = argument(call, None, "password")
        if node is not None:
            self.value_arg(call, node, kw, S.REDIS, K.ACCESS_KEY, "ctor")
            return
        cp, ckw = argument(call, None, "credential_provider")
        if cp is not None:
            self.emit(
                Evidence(
                    line=call.lineno,
                    role=R.CODE_CONSUMER,
                    service=S.REDIS,
                    kind=K.IDENTITY,
                    value_class=V.PASSWORDLESS,
                    preview=call_shape(call, cp, ckw),
                    method="ctor",
                )
            )

    def client_ctor(self, call: ast.Call, cls: str) -> None:
        service = service_for_class(cls) or S.GENERIC
        node, kw = argument(call, None, "credential")
        if node is None:
            for a in call.args[1:]:
                c = self.credential_class(a)
                if c and (c in PASSWORDLESS_CREDENTIALS or c.endswith("Credential")):
                    node = a
                    break
        if node is None and service in (S.STORAGE, S.COSMOS_DB) and len(call.args) > 1:
            node = call.args[1]
        if isinstance(node, ast.Dict):  # the legacy Cosmos SDK: CosmosClient(url, {"masterKey": key})
            node = next(
                (v for k, v in zip(node.keys, node.values, strict=True) if string_value(k) == "masterKey"),
                None,
            )
        if node is None:
            return
        c = self.credential_class(node)
        if c in PASSWORDLESS_CREDENTIALS:
            self.emit(
                Evidence(
                    line=call.lineno,
                    role=R.CODE_CONSUMER,
                    service=service,
                    kind=K.IDENTITY,
                    value_class=V.PASSWORDLESS,
                    preview=call_shape(call, node, kw),
                    method="ctor",
                )
            )
            return
        if c is not None and (c.endswith("Credential") or c == "ClientSecretCredential"):
            return  # reported where the credential is built
        target = self.resolve(node)
        if (
            string_value(target) is not None
            or (target is not None and (env_lookup(target) or settings_attr(target)))
            or (service == S.COSMOS_DB and c is None)  # a Cosmos DB key, wherever it comes from
        ):
            self.value_arg(call, node, kw, service, key_kind(service), "ctor", client=call)


class PythonCodeHandler:
    name = "python-code"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in (".py", ".pyw")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        bindings = (
            list(function_bindings(source)) if "_trigger" in source.text or "_output" in source.text else []
        )
        if not holds(source, KEYWORDS_LOWER, KEYWORDS_RE):
            return iter(bindings)
        if not holds(source, SDK_KEYWORDS_LOWER, SDK_KEYWORDS_RE):
            # Only environment lookups: a regex finds them at a fraction of a full parse, unless a
            # secret read from the environment may be printed (then the parse says where it goes).
            lookups = list(env_lookups(source))
            if not (
                ("print(" in source.text or "logger." in source.text or "logging." in source.text)
                and any(secret_name(ev.name) is not None for ev in lookups)
            ):
                return iter([*bindings, *lookups])
        try:
            tree = parse_python(source.text)
        except (SyntaxError, ValueError) as exc:
            raise MalformedInput(f"not valid Python ({type(exc).__name__})") from None
        return iter([*bindings, *_Visitor(source, tree).run()])
