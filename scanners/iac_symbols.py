"""IaC symbols: the resource a key written by a template comes from.

Bicep: `storage.listKeys().keys[0].value` (a `resource` or `existing` symbol),
`listKeys(storage.id, ...)` and `listKeys(resourceId('Microsoft.Storage/storageAccounts', name), ...)`;
names are literals, `param`s with a default or `var`s.  ARM JSON: the same calls with
`parameters('x')` (default values) and `variables('x')`.  Terraform:
`azurerm_storage_account.main.primary_connection_string` and
`azurerm_servicebus_namespace_authorization_rule.x.primary_connection_string` to the resource
block (an authorization rule to its namespace through `namespace_id`) and its `name` (a literal or
a `var.x` with a default).

The endpoint is set from the resolved name.  Where the name is an expression the endpoint stays
empty and a note keeps the resource type and the expression, so a person can fill it in.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from scanners.handlers.azure_resource_types import service_for_type
from scanners.records import (
    ConnectionStringAuditItem,
    Endpoint,
    EvidenceRole,
    FileLocation,
    ServiceType,
    ValueClass,
)

S = ServiceType

# The Endpoint field that names a service's resource, else the host its endpoint has.
_NAME_FIELDS = {
    S.STORAGE: "account",
    S.COSMOS_DB: "account",
    S.COSMOS_MONGO: "account",
    S.SERVICE_BUS: "namespace",
    S.EVENT_HUBS: "namespace",
    S.SQL: "server",
    S.POSTGRESQL: "server",
    S.MYSQL: "server",
    S.REDIS: "server",
}
_HOSTS = {
    S.AI_SEARCH: "{}.search.windows.net",
    S.CONTAINER_REGISTRY: "{}.azurecr.io",
    S.OPENAI: "{}.openai.azure.com",
    S.COGNITIVE_SERVICES: "{}.cognitiveservices.azure.com",
    S.SIGNALR: "{}.service.signalr.net",
    S.WEB_PUBSUB: "{}.webpubsub.azure.com",
    S.APP_CONFIGURATION: "{}.azconfig.io",
}
_TF_TYPES = (
    ("azurerm_storage_account", "Microsoft.Storage/storageAccounts"),
    ("azurerm_servicebus", "Microsoft.ServiceBus/namespaces"),
    ("azurerm_eventhub", "Microsoft.EventHub/namespaces"),
    ("azurerm_cosmosdb", "Microsoft.DocumentDB/databaseAccounts"),
    ("azurerm_redis", "Microsoft.Cache/redis"),
    ("azurerm_search", "Microsoft.Search/searchServices"),
    ("azurerm_cognitive", "Microsoft.CognitiveServices/accounts"),
    ("azurerm_ai_services", "Microsoft.CognitiveServices/accounts"),
    ("azurerm_container_registry", "Microsoft.ContainerRegistry/registries"),
    ("azurerm_signalr", "Microsoft.SignalRService/signalR"),
    ("azurerm_web_pubsub", "Microsoft.SignalRService/webPubSub"),
    ("azurerm_app_configuration", "Microsoft.AppConfiguration/configurationStores"),
    ("azurerm_eventgrid", "Microsoft.EventGrid/topics"),
)
_FETCH = r"list(?:Keys|AdminKeys|QueryKeys|ConnectionStrings|Credentials|Secrets)"
_BICEP_METHOD_RE = re.compile(r"\b([A-Za-z_]\w*)(?:\[[^\]\n]{0,40}\])?\s*\.\s*" + _FETCH + r"\s*\(")
_BICEP_ID_RE = re.compile(r"\b" + _FETCH + r"\s*\(\s*([A-Za-z_]\w*)\.id\b")
_RESOURCE_ID_RE = re.compile(
    r"\b"
    + _FETCH
    + r"\s*\(\s*resourceId\(\s*'([^']+)'\s*,\s*((?:parameters|variables)\('[^']*'\)|'[^']*'|[^,)]+)"
)
_BICEP_RESOURCE_RE = re.compile(
    r"^[ \t]*resource\s+([A-Za-z_]\w*)\s+'([^'@]+)(?:@[^']*)?'\s+(?:existing\s*)?=\s*\{", re.M
)
_BICEP_PARAM_RE = re.compile(r"^[ \t]*param\s+([A-Za-z_]\w*)\s+string\s*=\s*'([^'\n]*)'", re.M)
_BICEP_VAR_RE = re.compile(r"^[ \t]*var\s+([A-Za-z_]\w*)\s*=\s*'([^'\n]*)'", re.M)
_BICEP_NAME_RE = re.compile(r"^[ \t]*name:\s*(.+?)\s*$", re.M)
_TF_REF_RE = re.compile(r"(?<![\w.])(azurerm_\w+)\.([A-Za-z_][\w-]*)\.(\w+)")
_TF_BLOCK_RE = re.compile(r'^\s*resource\s+"(azurerm_\w+)"\s+"([\w-]+)"\s*\{', re.M)
_TF_VAR_RE = re.compile(r'variable\s+"([\w-]+)"\s*\{[^}]*?default\s*=\s*"([^"$]*)"', re.S)
_TF_ATTR_RE = re.compile(r"^\s*(name|namespace_id|namespace_name)\s*=\s*(.+?)\s*$", re.M)
_TF_LOCALS_RE = re.compile(r"^\s*locals\s*\{", re.M)
_TF_LOCAL_RE = re.compile(r'^\s*([A-Za-z_][\w-]*)\s*=\s*"([^"$]*)"\s*$', re.M)
_INTERPOLATION_RE = re.compile(r"\$\{\s*([A-Za-z_]\w*)\s*\}")
_ARM_PARAM_RE = re.compile(r"parameters\('([^']+)'\)")
_ARM_VAR_RE = re.compile(r"variables\('([^']+)'\)")


EXPRESSION_NOTE = "IaC resource {rtype} named by the expression {expr}: its name is not in the template"
_EXPRESSION_NOTE_RE = re.compile(
    r"^IaC resource (\S+) named by the expression (.+): its name is not in the template$"
)


def expression_of(notes: tuple[str, ...]) -> tuple[str, str] | None:
    """(resource type, name expression) when an item's resource is named by an IaC expression."""
    for n in notes:
        m = _EXPRESSION_NOTE_RE.match(n)
        if m:
            return m.group(1), m.group(2)
    return None


def endpoint_for(service: ServiceType, name: str) -> Endpoint:
    """The endpoint a resource name gives: the service's naming field, or its canonical host."""
    n = name.lower()
    if service in _NAME_FIELDS:
        return Endpoint(**{_NAME_FIELDS[service]: n})
    if service in _HOSTS:
        return Endpoint(host=_HOSTS[service].format(n))
    return Endpoint(account=n)


def _body(text: str, brace: int) -> str:
    depth = 0
    for i in range(brace, min(len(text), brace + 20000)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[brace : i + 1]
    return text[brace : brace + 20000]


def _first_level(body: str, pattern: re.Pattern[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in pattern.finditer(body):
        if body.count("{", 0, m.start()) - body.count("}", 0, m.start()) == 1:
            out.setdefault(m.group(1), m.group(2) if m.lastindex and m.lastindex >= 2 else m.group(1))
    return out


class _Bicep:
    def __init__(self, text: str) -> None:
        self.values = {m.group(1): m.group(2) for m in _BICEP_PARAM_RE.finditer(text)}
        self.values.update({m.group(1): m.group(2) for m in _BICEP_VAR_RE.finditer(text)})
        self.resources: dict[str, tuple[str, str]] = {}
        spans: list[tuple[int, int, str]] = []  # (start, end, symbol) of each top-level resource
        for m in _BICEP_RESOURCE_RE.finditer(text):
            body = _body(text, m.end() - 1)
            first = next(
                (
                    n
                    for n in _BICEP_NAME_RE.finditer(body)
                    if body.count("{", 0, n.start()) - body.count("}", 0, n.start()) == 1
                ),
                None,
            )
            rtype, name = m.group(2), first.group(1) if first else m.group(1)
            parent = next((sym for start, end, sym in spans if start < m.start() < end), None)
            if "/" not in rtype and parent is not None:
                # a nested child (`resource rule 'authorizationRules' existing`): its key is the
                # top-level resource's, which has the endpoint
                rtype, name = self.resources[parent]
            else:
                spans.append((m.start(), m.end() - 1 + len(body), m.group(1)))
            self.resources[m.group(1)] = (rtype, name)

    def _expand(self, text: str, depth: int = 0) -> str | None:
        """`text` (a string literal's content) with every `${name}` of a defaulted param or var filled
        in; None when one is not known."""
        if "${" not in text:
            return text
        refs = _INTERPOLATION_RE.findall(text)
        if depth > 4 or "${" in _INTERPOLATION_RE.sub("", text) or not all(r in self.values for r in refs):
            return None
        parts = {r: self._expand(self.values[r], depth + 1) for r in refs}
        if any(v is None for v in parts.values()):
            return None
        return _INTERPOLATION_RE.sub(lambda m: parts[m.group(1)] or "", text)

    def name(self, expr: str) -> tuple[str | None, str]:
        e = expr.strip().rstrip(",")
        if len(e) >= 2 and e[0] == e[-1] == "'":
            return self._expand(e[1:-1]), e  # `'${prefix}store'` with a defaulted `prefix`
        if e in self.values:
            return self._expand(self.values[e]), e
        sym = re.fullmatch(r"([A-Za-z_]\w*)\.name", e)
        if sym and sym.group(1) in self.resources and self.resources[sym.group(1)][1] != e:
            return self.name(self.resources[sym.group(1)][1])
        return None, e

    def resolve(self, line: str) -> tuple[str, str | None, str] | None:
        """(resource type, name or None, the name as written) of the key fetch on `line`."""
        m = _RESOURCE_ID_RE.search(line)
        if m:
            name, expr = self.name(m.group(2))
            return _top_level(m.group(1)), name, expr
        for rx in (_BICEP_METHOD_RE, _BICEP_ID_RE):
            m = rx.search(line)
            if m and m.group(1) in self.resources:
                rtype, expr = self.resources[m.group(1)]
                name, expr = self.name(expr)
                return rtype, name, expr
        return None


def _top_level(rtype: str) -> str:
    """`Microsoft.ServiceBus/namespaces/authorizationRules` -> `Microsoft.ServiceBus/namespaces`: the
    first name argument of `resourceId()` names the top-level resource, the one with the endpoint."""
    return "/".join(rtype.split("/")[:2])


def _arm(text: str, line: str, parsed: dict[str, object]) -> tuple[str, str | None, str] | None:
    """`parsed` keeps the template once it was read, for the other lines of the same file."""
    m = _RESOURCE_ID_RE.search(line.replace('\\"', '"'))
    if not m:
        return None
    if "doc" not in parsed:
        try:
            parsed["doc"] = json.loads(text)
        except (ValueError, RecursionError):
            parsed["doc"] = {}
    doc = parsed["doc"]
    params = doc.get("parameters") if isinstance(doc, dict) else None
    variables = doc.get("variables") if isinstance(doc, dict) else None
    expr = m.group(2).strip()
    p = _ARM_PARAM_RE.fullmatch(expr)
    v = _ARM_VAR_RE.fullmatch(expr)
    if p and isinstance(params, dict) and isinstance(params.get(p.group(1)), dict):
        default = params[p.group(1)].get("defaultValue")
        if isinstance(default, str) and not default.startswith("["):
            return _top_level(m.group(1)), default, expr
    if v and isinstance(variables, dict) and isinstance(variables.get(v.group(1)), str):
        value = variables[v.group(1)]
        if not value.startswith("["):
            return _top_level(m.group(1)), value, expr
    if expr.startswith("'") and expr.endswith("'"):
        return _top_level(m.group(1)), expr[1:-1], expr
    return _top_level(m.group(1)), None, expr


class _Terraform:
    def __init__(self, text: str) -> None:
        self.vars = {m.group(1): m.group(2) for m in _TF_VAR_RE.finditer(text)}
        self.locals: dict[str, str] = {}
        for m in _TF_LOCALS_RE.finditer(text):
            self.locals.update(_first_level(_body(text, m.end() - 1), _TF_LOCAL_RE))
        self.blocks: dict[tuple[str, str], dict[str, str]] = {}
        for m in _TF_BLOCK_RE.finditer(text):
            self.blocks[(m.group(1), m.group(2))] = _first_level(_body(text, m.end() - 1), _TF_ATTR_RE)

    def name(self, expr: str) -> str | None:
        e = expr.strip()
        if e.startswith('"') and e.endswith('"') and "${" not in e:
            return e[1:-1]
        if e.startswith("var.") and e[4:] in self.vars:
            return self.vars[e[4:]]
        if e.startswith("local.") and e[6:] in self.locals:
            return self.locals[e[6:]]
        return None

    def resolve(self, line: str) -> tuple[str, str | None, str] | None:
        m = _TF_REF_RE.search(line)
        if not m:
            return None
        rtype, label = m.group(1), m.group(2)
        attrs = self.blocks.get((rtype, label))
        if attrs is not None and rtype.endswith("_authorization_rule"):
            parent = attrs.get("namespace_id", "")
            pm = _TF_REF_RE.search(parent)
            if pm and (pm.group(1), pm.group(2)) in self.blocks:
                rtype, label = pm.group(1), pm.group(2)
                attrs = self.blocks[(rtype, label)]
            elif "namespace_name" in attrs:
                attrs = {"name": attrs["namespace_name"]}
        arm = next((t for prefix, t in _TF_TYPES if rtype.startswith(prefix)), rtype)
        expr = attrs.get("name", f"{rtype}.{label}.name") if attrs is not None else f"{rtype}.{label}.name"
        return arm, self.name(expr), expr


def with_iac_endpoints(
    path: str, text: str, items: list[ConnectionStringAuditItem]
) -> list[ConnectionStringAuditItem]:
    """`items` with the endpoint of the resource an IaC key fetch names, where it had none."""
    lower = path.lower()
    wanting = [
        i
        for i in items
        if i.evidence_role
        in (EvidenceRole.IAC_ASSIGNMENT, EvidenceRole.IAC_OUTPUT, EvidenceRole.CONFIG_VALUE)
        and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE)
        and i.endpoint.is_empty()
        and isinstance(i.location, FileLocation)
    ]
    if not wanting:
        return items
    lines = text.splitlines()
    if lower.endswith(".bicep"):
        bicep = _Bicep(text)
        resolve = bicep.resolve
    elif lower.endswith(".tf"):
        tf = _Terraform(text)
        resolve = tf.resolve
    elif lower.endswith(".json"):
        parsed: dict[str, object] = {}

        def resolve(line: str) -> tuple[str, str | None, str] | None:
            return _arm(text, line, parsed)
    else:
        return items
    out: dict[int, ConnectionStringAuditItem] = {}
    resolved: dict[int, tuple[str, str | None, str] | None] = {}  # by line: a minified template is one line
    for i in wanting:
        n = i.location.line if isinstance(i.location, FileLocation) else 0
        if n not in resolved:
            resolved[n] = resolve(lines[n - 1]) if 0 < n <= len(lines) else None
        found = resolved[n]
        if found is None:
            continue
        rtype, name, expr = found
        service = service_for_type(rtype)
        if service is None or (service is not i.service_type and i.service_type is not S.GENERIC):
            if not (service is S.COGNITIVE_SERVICES and i.service_type is S.OPENAI):
                continue
        if name is None:
            note = EXPRESSION_NOTE.format(rtype=rtype, expr=expr)
            out[id(i)] = replace(i, notes=tuple(sorted({*i.notes, note})))
            continue
        note = f"endpoint from the IaC resource {rtype} {name!r} ({expr})"
        out[id(i)] = replace(
            i, endpoint=endpoint_for(i.service_type, name), notes=tuple(sorted({*i.notes, note}))
        )
    return [out.get(id(i), i) for i in items]
