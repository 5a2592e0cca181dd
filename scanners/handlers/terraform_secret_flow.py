"""Terraform that spreads a secret through variables, module arguments, outputs and locals, or
writes one into Key Vault, without naming a key attribute of a resource (those are read by
`terraform.py` through `terraform_attributes`).

* An Application Insights connection string or instrumentation key handed on
  (`app_insights_connection_string = module.monitor.app_insights_connection_string`,
  `"APPLICATIONINSIGHTS_CONNECTION_STRING" = var.x`, an output or a `locals` entry) and the
  variables declared for one: `locator`, as the resource attributes themselves are.
* A whole keyed resource object passed on (`servicebus = azurerm_servicebus_namespace.sb` to a
  module or an output): the object carries the resource's keys (`default_primary_connection_string`,
  `primary_access_key`, ...), and a variable whose object type declares such an attribute.
* `azurerm_key_vault_secret` whose `value` is an expression that is no key attribute
  (`var.client_secret`, `random_password.p.result`, `module.m.password`): a secret written into
  the vault from elsewhere (registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/key_vault_secret,
  argument `value`).

Every finding here is a `reference` or a `locator`; literals are left to the classifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanners.evidence import Evidence, SourceFile
from scanners.handlers.iac_secret_resources import secret_named_in
from scanners.handlers.terraform_attributes import ATTRIBUTES
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
IAC = EvidenceRole.IAC_ASSIGNMENT

_INSIGHTS_WORDS_RE = re.compile(
    r"(?i)(?:app(?:lication)?_?insights)\w*?(?:connection_?string|instrumentation_?key)"
)
# `name = module.x.y` / `"NAME" = var.y` / `name = local.y`, alone on its line.
_PASSED_ON_RE = re.compile(
    r'^[ \t]*"?([\w.\-]{1,120})"?[ \t]*=[ \t]*((?:module|var|local)\.[\w.\[\]"]{1,200})[ \t]*$', re.M
)
_INSIGHTS_VARIABLE_RE = re.compile(r'^[ \t]*variable[ \t]+"([\w-]{1,120})"', re.M)
_WHOLE_OBJECT_RE = re.compile(
    r"^[ \t]*([\w\-]{1,120})[ \t]*=[ \t]*(azurerm_\w{1,80})\.(\w{1,120})[ \t]*$", re.M
)
_KEYED_TYPE_ATTR_RE = re.compile(
    r"^[ \t]*((?:default_)?(?:primary|secondary)_\w{0,40}(?:connection_string|access_key|_key))[ \t]*=[ \t]*string[ \t]*$",
    re.M,
)
_VAULT_SECRET_RE = re.compile(r'^[ \t]*resource[ \t]+"azurerm_key_vault_secret"[ \t]+"[\w-]+"', re.M)
_BLOCK_END_RE = re.compile(r"^}", re.M)
_VALUE_RE = re.compile(r"^[ \t]*value[ \t]*=[ \t]*([^\n]*)", re.M)
_RESOURCE_ATTR_RE = re.compile(r"\b(azurerm_\w+|azuread_\w+)\.\w+\.(\w+)")

INSIGHTS_TEXT = "Application Insights key passed on"
WHOLE_OBJECT_TEXT = "whole resource object (its keys included) passed on"
KEYED_TYPE_TEXT = "variable type carries a key attribute"
VAULT_WRITE_TEXT = "Key Vault secret written from an expression"


# Resource types whose exported object carries a key, a password or a kubeconfig (their attribute
# references in the azurerm provider documentation); a queue, a topic or a network rule set does not.
KEYED_OBJECT_TYPES = frozenset(
    {
        "azurerm_storage_account",
        "azurerm_servicebus_namespace",
        "azurerm_servicebus_namespace_authorization_rule",
        "azurerm_servicebus_queue_authorization_rule",
        "azurerm_servicebus_topic_authorization_rule",
        "azurerm_eventhub_namespace",
        "azurerm_eventhub_namespace_authorization_rule",
        "azurerm_eventhub_authorization_rule",
        "azurerm_cosmosdb_account",
        "azurerm_redis_cache",
        "azurerm_search_service",
        "azurerm_cognitive_account",
        "azurerm_container_registry",
        "azurerm_signalr_service",
        "azurerm_web_pubsub",
        "azurerm_app_configuration",
        "azurerm_eventgrid_topic",
        "azurerm_eventgrid_domain",
    }
)
# Arguments that name a resource without passing its object: `moved` / `import` blocks, ordering.
_NOT_PASSING = frozenset({"to", "from", "depends_on", "replace_triggered_by"})


def keyed_service(rtype: str) -> ServiceType | None:
    """The service of a resource type whose object carries a secret (terraform_attributes)."""
    if rtype not in KEYED_OBJECT_TYPES:
        return None
    for type_re, _, service, _, cls in ATTRIBUTES:
        if cls is V.SECRET and type_re.match(rtype):
            return service
    return None


def _is_key_attribute(expr: str) -> bool:
    for m in _RESOURCE_ATTR_RE.finditer(expr):
        for type_re, attr_re, *_ in ATTRIBUTES:
            if type_re.match(m.group(1)) and attr_re.match(m.group(2)):
                return True
    return False


def _ev(
    line: int, service: ServiceType, kind: CredentialKind, preview: str, cls: ValueClass, how: str
) -> Evidence:
    return Evidence(
        line=line, role=IAC, service=service, kind=kind, value_class=cls, preview=preview, method=how
    )


def evidence(source: SourceFile, text: str, reported: set[int]) -> Iterator[Evidence]:
    """The places above in `text` (the source, comments blanked); lines in `reported` get nothing
    more, and the lines reported here are added to it."""

    def fresh(line: int) -> bool:
        if line in reported:
            return False
        reported.add(line)
        return True

    lower = text.lower()
    if "insights" in lower:
        for m in _PASSED_ON_RE.finditer(text):
            if _INSIGHTS_WORDS_RE.search(m.group(1)) or _INSIGHTS_WORDS_RE.search(m.group(2)):
                line = source.line_of(m.start(1))
                if fresh(line):
                    preview = f"{m.group(1)} = {m.group(2)}: {INSIGHTS_TEXT}"
                    yield _ev(
                        line, S.APPLICATION_INSIGHTS, K.INSTRUMENTATION_KEY, preview, V.LOCATOR, "secret-flow"
                    )
        for m in _INSIGHTS_VARIABLE_RE.finditer(text):
            if _INSIGHTS_WORDS_RE.search(m.group(1)) and fresh(source.line_of(m.start(1))):
                preview = f'variable "{m.group(1)}": {INSIGHTS_TEXT}'
                line = source.line_of(m.start(1))
                yield _ev(
                    line, S.APPLICATION_INSIGHTS, K.INSTRUMENTATION_KEY, preview, V.LOCATOR, "secret-flow"
                )
    for m in _WHOLE_OBJECT_RE.finditer(text):
        service = None if m.group(1) in _NOT_PASSING else keyed_service(m.group(2))
        if service is not None and fresh(source.line_of(m.start(1))):
            preview = f"{m.group(1)} = {m.group(2)}.{m.group(3)}: {WHOLE_OBJECT_TEXT}"
            yield _ev(source.line_of(m.start(1)), service, K.ACCESS_KEY, preview, V.REFERENCE, "secret-flow")
    if "variable" in lower:
        for m in _KEYED_TYPE_ATTR_RE.finditer(text):
            if fresh(source.line_of(m.start(1))):
                preview = f"{m.group(1)} = string: {KEYED_TYPE_TEXT}"
                yield _ev(
                    source.line_of(m.start(1)), S.GENERIC, K.ACCESS_KEY, preview, V.REFERENCE, "secret-flow"
                )
    for m in _VAULT_SECRET_RE.finditer(text):
        end_m = _BLOCK_END_RE.search(text, m.end())
        end = end_m.start() if end_m else len(text)
        for v in _VALUE_RE.finditer(text, m.end(), end):
            expr = v.group(1).strip()
            if not expr or (expr.startswith('"') and "${" not in expr) or _is_key_attribute(expr):
                continue  # a literal (the classifier's) or a key attribute (terraform.py's)
            named = secret_named_in(expr)
            line = source.line_of(v.start(1))
            if named is None or not fresh(line):
                continue  # an id, a name or a URL kept in the vault: no secret
            yield _ev(line, *named, VAULT_WRITE_TEXT, V.REFERENCE, "key-vault-secret")
