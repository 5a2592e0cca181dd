"""Python consumers of secrets beyond the Azure SDK clients the Python handler models.

- settings libraries: python-decouple `config("X_KEY", default="")`, environs / django-environ
  `env.str("X_SECRET")`, `env("X_PASSWORD")`: a read of a setting whose name says it holds a secret;
- Microsoft Entra ID with a secret: MSAL `ConfidentialClientApplication(client_id,
  client_credential=secret)` (msal docs, `msal.application.ConfidentialClientApplication`),
  azure-identity `UsernamePasswordCredential(client_id, username, password)` (azure-identity docs);
- a secret put in a payload or handed on by name: `{"client_secret": secret}`,
  `payload["client_secret"] = secret`, `create(client_secret=config.X)`, `{'masterKey': key}`, and a
  secret read back out of a mapping by its name (`auth.get("masterKey")`);
- the legacy Application Insights SDK (microsoft/ApplicationInsights-Python, package
  `applicationinsights`): `TelemetryClient(instrumentation_key)`,
  `applicationinsights.logging.LoggingHandler(instrumentation_key)` and `enable(instrumentation_key)`
  of `applicationinsights.logging` / `applicationinsights.exceptions`;
- `openai.OpenAI(api_key=...)`: a third-party key unless the client is pointed at Azure;
- a secret fetched from a secret store into a variable named for it
  (`self.BLOB_ACCOUNT_KEY = helper.get_secret_from_json(...)`).
"""

from __future__ import annotations

import ast
from typing import Protocol

from scanners import setting_names
from scanners.evidence import Evidence
from scanners.handlers.code_evidence import literal_evidence
from scanners.handlers.python_ast import argument, call_shape, callee, dotted, string_value
from scanners.handlers.secret_reads import read_evidence, secret_name
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

# Calls of settings libraries that read one setting by name: decouple's `config`, environs' and
# django-environ's `env` and its typed readers.
_SETTING_READERS = frozenset(
    {"config", "decouple.config", "env", "env.str", "env.url", "env.json", "env.dict", "environ.get"}
)
# Receivers whose `["X"]` reads the cross-language consumer table already reports.
_SETTINGS_MAPPINGS = frozenset({"settings", "config", "cfg", "conf", "configuration", "secrets"})
_AI_LEGACY_MODULES = ("applicationinsights",)


class Visitor(Protocol):
    """What these rules need of the Python handler's visitor."""

    imported_from: dict[str, str]

    def emit(self, ev: Evidence | None) -> None: ...

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
    ) -> None: ...


def consumer_call(v: Visitor, call: ast.Call, name: str) -> bool:
    """Report `call` when one of these rules knows it; True when it did."""
    fn = dotted(call.func) or name
    if fn in _SETTING_READERS and call.args:
        key = string_value(call.args[0])
        if key is not None:
            v.emit(read_evidence(call.lineno, key, f'{fn}("{key}")'))
        return key is not None
    if name == "ConfidentialClientApplication":
        node, kw = argument(call, 1, "client_credential")
        if node is not None and not isinstance(node, ast.Dict):  # a dict holds a certificate
            v.value_arg(call, node, kw, S.ENTRA_ID, K.CLIENT_SECRET, "ctor")
        return True
    if name == "UsernamePasswordCredential":
        node, kw = argument(call, 2, "password")
        if node is not None:
            v.value_arg(call, node, kw, S.ENTRA_ID, K.PASSWORD, "ctor")
        return True
    if name in ("TelemetryClient", "LoggingHandler", "enable") and v.imported_from.get(name, "").startswith(
        _AI_LEGACY_MODULES
    ):
        node, kw = argument(call, 0, "instrumentation_key")
        if node is not None and not (isinstance(node, ast.Constant) and node.value is None):
            application_insights(v, call, node, kw)
        return True
    if name in ("OpenAI", "AsyncOpenAI"):
        node, kw = argument(call, None, "api_key")
        if node is not None:
            azure = any(
                k.arg == "base_url" and "azure" in ast.unparse(k.value).lower() for k in call.keywords
            )
            v.value_arg(call, node, kw, S.OPENAI if azure else S.THIRD_PARTY, K.API_KEY, "ctor", client=call)
        return True
    for k in call.keywords:
        if k.arg is not None:
            secret_slot(v, k.arg, k.value, f"{fn}({k.arg}=...)")
    return False


def application_insights(v: Visitor, call: ast.Call, node: ast.AST, kw: str | None) -> None:
    lit = string_value(node)
    preview = call_shape(call, node, kw)
    if lit is not None:
        v.emit(
            literal_evidence(
                getattr(node, "lineno", call.lineno),
                lit,
                "instrumentation_key",
                S.APPLICATION_INSIGHTS,
                K.INSTRUMENTATION_KEY,
                preview,
                "ctor",
            )
        )
        return
    v.emit(
        Evidence(
            line=getattr(node, "lineno", call.lineno),
            role=R.CODE_CONSUMER,
            service=S.APPLICATION_INSIGHTS,
            kind=K.INSTRUMENTATION_KEY,
            value_class=V.LOCATOR,
            preview=preview,
            method="ctor",
            note="the legacy applicationinsights package, built from the instrumentation key",
        )
    )


def secret_slot(v: Visitor, slot: str, value: ast.AST, preview: str) -> None:
    """A value put in a slot named for an Azure secret (`client_secret`, `masterKey`): a literal is
    classified under that name; anything else is a consumer that hands the secret on."""
    rule = setting_names.rule_for(slot)
    if rule is None or isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Lambda):
        return
    if isinstance(value, ast.Constant):
        if isinstance(value.value, str) and value.value:
            v.emit(
                literal_evidence(value.lineno, value.value, slot, rule.service, rule.kind, preview, "slot")
            )
        return
    v.emit(
        Evidence(
            line=getattr(value, "lineno", 0),
            role=R.CODE_CONSUMER,
            name=slot,
            service=rule.service,
            kind=rule.kind,
            value_class=V.REFERENCE,
            preview=preview,
            method="slot",
            note="a secret handed on under its name",
        )
    )


def dict_slots(v: Visitor, node: ast.Dict) -> None:
    """`{"client_secret": secret, ...}`: a payload or options mapping carrying a secret."""
    for k, value in zip(node.keys, node.values, strict=True):
        slot = string_value(k)
        if slot is not None:
            secret_slot(v, slot, value, f'{{"{slot}": ...}}')


def subscript_read(v: Visitor, node: ast.Subscript | ast.Call) -> None:
    """`auth["masterKey"]` / `auth.get("masterKey")`: a secret read out of a mapping by its name."""
    if isinstance(node, ast.Subscript):
        if not isinstance(node.ctx, ast.Load):
            return  # `payload["client_secret"] = x` is a slot being filled (see assigned_secret)
        base, key = node.value, string_value(node.slice)
    elif isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        base, key = node.func.value, string_value(node.args[0])
    else:
        return
    rule = setting_names.rule_for(key)
    owner = (dotted(base) or "").split(".")[-1].lower()
    if key is None or rule is None or owner in _SETTINGS_MAPPINGS or owner in ("environ", "os"):
        return
    v.emit(
        Evidence(
            line=node.lineno,
            role=R.CODE_CONSUMER,
            name=key,
            service=rule.service,
            kind=rule.kind,
            value_class=V.REFERENCE,
            preview=f'{owner or "mapping"}["{key}"]',
            method="slot",
            note="a secret read out of a mapping by its name",
        )
    )


def assigned_secret(v: Visitor, node: ast.Assign) -> None:
    """`self.X_ACCOUNT_KEY = helper.get_secret_from_json(...)`: a secret fetched from a secret store
    into a variable named for it; `payload["client_secret"] = secret`: a secret put in a payload."""
    for t in node.targets:
        if isinstance(t, ast.Subscript):
            slot = string_value(t.slice)
            if slot is not None:
                secret_slot(v, slot, node.value, f'[..."{slot}"] = ...')
            continue
        d = dotted(t)
        if d is None or not isinstance(node.value, ast.Call):
            continue
        fetch = callee(node.value).lower()
        leaf = d.split(".")[-1]
        if "secret" in fetch and secret_name(leaf) is not None:
            v.emit(
                read_evidence(
                    node.lineno, leaf, f"{d} = {callee(node.value)}(...)", "fetched from a secret store"
                )
            )


_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "critical", "exception", "log"})


def is_print(call: ast.Call) -> bool:
    """`print(...)`, `logger.info(...)`, `logging.warning(...)`: output to the console or a log."""
    if isinstance(call.func, ast.Name):
        return call.func.id == "print"
    if isinstance(call.func, ast.Attribute) and call.func.attr in _LOG_METHODS:
        owner = (dotted(call.func.value) or "").split(".")[-1].lower()
        return owner.endswith(("log", "logger", "logging"))
    return False


def printed_secret(v: PrintVisitor, call: ast.Call) -> None:
    """A secret written to the console or a log: a variable named for a secret, a mapping that holds
    one under a secret's name, or a loop variable running over such variables."""
    for node in ast.walk(call):
        if not isinstance(node, ast.Name) or node is call.func:
            continue
        held = v.resolve(node)
        loop = v.loops.get(node.id)
        names = [node.id]
        if isinstance(loop, ast.List | ast.Tuple):
            names += [e.id for e in loop.elts if isinstance(e, ast.Name)]
        slots = held.keys if isinstance(held, ast.Dict) else []
        hit = next((n for n in names if secret_name(n) is not None), None) or next(
            (s for s in map(string_value, slots) if s is not None and setting_names.rule_for(s) is not None),
            None,
        )
        if hit is not None:
            facts = secret_name(hit)
            v.emit(
                Evidence(
                    line=call.lineno,
                    role=R.CODE_CONSUMER,
                    name=hit,
                    service=facts[0] if facts else S.GENERIC,
                    kind=facts[1] if facts else K.GENERIC_SECRET,
                    value_class=V.REFERENCE,
                    preview=f"{dotted(call.func) or 'print'}(... {node.id} ...)",
                    method="print",
                    note="a secret written to the console or the log",
                )
            )
            return


class PrintVisitor(Visitor, Protocol):
    loops: dict[str, ast.AST]

    def resolve(self, node: ast.AST | None, depth: int = 0) -> ast.AST | None: ...
