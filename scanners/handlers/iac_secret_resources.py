"""IaC that creates a secret or hands one on without writing its value: the facts and the Bicep
reading.

* Shared access (SAS) authorization rules: a `Microsoft.ServiceBus/namespaces/authorizationRules`
  (or a queue's or topic's) and `Microsoft.EventHub/namespaces/authorizationRules` (or an event
  hub's) resource creates a pair of keys that any holder of the rule's connection string can use.
  Resource types and their `properties.rights` (`Listen`, `Send`, `Manage`):
  learn.microsoft.com/azure/templates/microsoft.servicebus/namespaces/authorizationrules,
  .../microsoft.servicebus/namespaces/queues/authorizationrules,
  .../microsoft.servicebus/namespaces/topics/authorizationrules,
  .../microsoft.eventhub/namespaces/authorizationrules,
  .../microsoft.eventhub/namespaces/eventhubs/authorizationrules.
* Key Vault secrets written by the template: `Microsoft.KeyVault/vaults/secrets` with
  `properties.value` (learn.microsoft.com/azure/templates/microsoft.keyvault/vaults/secrets) set
  from an expression (a parameter, a key fetched with `listKeys()`, a connection string built from
  a password): the secret moves into the vault but still exists.
* Secure parameters (`@secure()` in Bicep, `securestring` / `secureObject` in ARM): the slot a
  secret is handed in through at deploy time; with no default a `reference`, with an empty default
  a `placeholder`.  (A literal default is a value, read by `bicep_values` / `arm_templates`.)
* A connection string built with a secret interpolated in it (`Password=${sqlAdminPassword}`).
* A setting set from a secure parameter (`SbConnection: sbConnectionString` in `appSettings`).
* Local (key) authentication left on explicitly (`disableLocalAuth: false`, a property of Service
  Bus, Event Hubs, Cosmos DB, AI Search, Azure AI services, App Configuration, Event Grid, SignalR
  and Application Insights resources, e.g.
  learn.microsoft.com/azure/templates/microsoft.search/searchservices, properties.disableLocalAuth):
  the resource keeps accepting keys; `advisory`, to turn off once clients use Entra ID.

Every finding here is a `reference` or a `placeholder`; literals are left to the classifier.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers.azure_resource_types import service_for_type, service_from_identifier
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
IAC = EvidenceRole.IAC_ASSIGNMENT

# Resource types (lower case) that create SAS keys, and their service.
SAS_RULE_TYPES: dict[str, ServiceType] = {
    "microsoft.servicebus/namespaces/authorizationrules": S.SERVICE_BUS,
    "microsoft.servicebus/namespaces/queues/authorizationrules": S.SERVICE_BUS,
    "microsoft.servicebus/namespaces/topics/authorizationrules": S.SERVICE_BUS,
    "microsoft.eventhub/namespaces/authorizationrules": S.EVENT_HUBS,
    "microsoft.eventhub/namespaces/eventhubs/authorizationrules": S.EVENT_HUBS,
}
VAULT_ENTRY_TYPE = "microsoft.keyvault/vaults/secrets"
SAS_RULE_TEXT = "SAS authorization rule (creates keys)"
VAULT_WRITE_TEXT = "Key Vault secret written from an expression"
SECURE_PARAM_TEXT = "secure parameter (a secret handed in at deploy time)"
EMPTY_SECURE_PARAM_TEXT = "secure parameter with an empty default"
INTERPOLATED_TEXT = "connection string built with a secret"
SETTING_FROM_PARAM_TEXT = "setting set from a secure parameter"
LOCAL_AUTH_TEXT = "local (key) authentication left on"
MAX_SECURE_NAMES = 200  # secure parameters followed into settings, per template

_RESOURCE_RE = re.compile(r"^[ \t]*resource[ \t]+\w+[ \t]+'([^'@\n]{1,200})@[^'\n]{0,40}'", re.M)
_TOP_LEVEL_RE = re.compile(r"\n(?=[^\s}/])")  # the next statement that starts in column 1
_VALUE_RE = re.compile(r"^[ \t]*value:[ \t]*+([^\n]*)", re.M)
_SECURE_PARAM_RE = re.compile(
    # At most 8 decorators between `@secure()` and `param`: a file of decorators is read in linear time.
    r"@secure\(\)\s*+(?:@[^\n]*+\n\s*+){0,8}+param[ \t]+(\w+)[ \t]+(string|object)\b[ \t]*+([^\n]*)"
)
_EMPTY_DEFAULT_RE = re.compile(r"^=\s*(?:''|\{\s*\})\s*$")
# A credential keyword of a connection string, then an interpolation: `Password=${p}`.
_NOT_SECRET_PARAM_RE = re.compile(r"(?i)(?:user_?name|login|user|email|_?id)$")
_LOCAL_AUTH_ON_RE = re.compile(r"^[ \t]*disableLocalAuth:[ \t]*false\b", re.M)
_DECLARATION_RE = re.compile(r"^(?:resource|module)[ \t]+\w+[ \t]+'([^'\n]{1,300})'", re.M)
_INTERPOLATED_RE = re.compile(r"(?i)\b(password|pwd|accountkey|sharedaccesskey)=\$\{([^}\n]{0,300})")
_FETCH_RE = re.compile(r"(?i)\blist\w{0,30}\(")  # `${sa.listKeys().keys[0].value}`: bicep.py reports it
_SQL_HINT_RE = re.compile(r"(?i)initial catalog=|server=tcp:|database\.windows\.net|user id=")
_IDENT_RE = re.compile(r"\b[A-Za-z_]\w{2,120}\b")
# Words that name a secret in an identifier (`AzureSpeechServicesKey`, `random_password`,
# `sqlConnectionString`); `keyVault...`, `...KeyName` and `...SecretName` name something else.
_SECRET_WORD_RE = re.compile(r"(?i)key|passw|pwd|secret|connection_?string|token|credential")
_NOT_SECRET_WORD_RE = re.compile(r"(?i)key_?vault|vault_?key|(?:key|secret)_?(?:name|id|uri|url)s?$")
_INTERPOLATED_SERVICE = {"accountkey": S.STORAGE, "sharedaccesskey": S.SERVICE_BUS}


def _named(name: str) -> tuple[ServiceType, CredentialKind]:
    rule = setting_names.rule_for(name)
    return (rule.service, rule.kind) if rule else (S.GENERIC, K.ACCESS_KEY)


def _ev(
    line: int, service: ServiceType, kind: CredentialKind, preview: str, cls: ValueClass, how: str
) -> Evidence:
    return Evidence(
        line=line, role=IAC, service=service, kind=kind, value_class=cls, preview=preview, method=how
    )


def secret_named_in(expr: str) -> tuple[ServiceType, CredentialKind] | None:
    """The service and kind of the first identifier of `expr` that names a secret, if any."""
    for ident in _IDENT_RE.findall(expr):
        rule = setting_names.rule_for(ident)
        if rule:
            return rule.service, rule.kind
        if _SECRET_WORD_RE.search(ident) and not _NOT_SECRET_WORD_RE.search(ident):
            return S.GENERIC, K.SECRET_REFERENCE
    return None


def names_no_secret(param: str) -> bool:
    """A secure parameter named for something public (`adminUsername`, `sqlLogin`, `tenantId`):
    marked secure, but no secret slot."""
    return _NOT_SECRET_PARAM_RE.search(param) is not None


def service_of(target: str) -> ServiceType:
    """The service of a resource type or of a module path (`br/public:avm/res/search/...`)."""
    return service_for_type(target) or service_from_identifier(target) or S.GENERIC


def local_auth_on(line: int, service: ServiceType, how: str = "local-auth") -> Evidence:
    return _ev(line, service, K.ACCESS_KEY, f"disableLocalAuth: false: {LOCAL_AUTH_TEXT}", V.ADVISORY, how)


def sas_rule(rtype: str) -> ServiceType | None:
    """The service whose SAS keys a resource of type `rtype` creates, if it is a SAS rule."""
    return SAS_RULE_TYPES.get(rtype.lower())


def bicep(source: SourceFile, text: str, reported: set[int]) -> Iterator[Evidence]:
    """The Bicep places above; `text` is the source with comments blanked, `reported` the lines
    already reported (by the caller's rules), which get nothing more."""
    secure: dict[str, ValueClass] = {}
    for m in _SECURE_PARAM_RE.finditer(text):
        rest = m.group(3).strip()
        if (rest and not _EMPTY_DEFAULT_RE.match(rest)) or names_no_secret(m.group(1)):
            continue  # a literal or computed default (read as a value elsewhere), or a user name
        if rest and m.group(2) == "object":
            continue  # an empty object of settings marked secure: no slot for one secret
        cls = V.PLACEHOLDER if rest else V.REFERENCE
        secure[m.group(1)] = cls
        line = source.line_of(m.start(1))
        if line not in reported:
            reported.add(line)
            service, kind = _named(m.group(1))
            preview = EMPTY_SECURE_PARAM_TEXT if rest else SECURE_PARAM_TEXT
            yield _ev(line, service, kind, f"param {m.group(1)}: {preview}", cls, "secure-param")
    for m in _RESOURCE_RE.finditer(text):
        rtype = m.group(1).lower()
        sas_service = sas_rule(rtype)
        if sas_service is not None:
            line = source.line_of(m.start(1))
            if line not in reported:
                reported.add(line)
                yield _ev(line, sas_service, K.SAS, SAS_RULE_TEXT, V.REFERENCE, "sas-rule")
        elif rtype == VAULT_ENTRY_TYPE:
            yield from _vault_secret(source, text, m.end(), reported)
    for m in _INTERPOLATED_RE.finditer(text):
        line = source.line_of(m.start())
        if line in reported or _FETCH_RE.search(m.group(2)):
            continue
        reported.add(line)
        word = m.group(1).lower()
        service = _INTERPOLATED_SERVICE.get(word) or (
            S.SQL if _SQL_HINT_RE.search(source.line_text(line)) else S.GENERIC
        )
        kind = K.PASSWORD if word in ("password", "pwd") else K.CONNECTION_STRING
        yield _ev(
            line, service, kind, f"{m.group(1)}=${{...}}: {INTERPOLATED_TEXT}", V.REFERENCE, "secret-wiring"
        )
    if secure:
        yield from _settings_from_params(source, text, secure, reported)
    if "disableLocalAuth" in text:
        decls = list(_DECLARATION_RE.finditer(text))
        starts = [d.start() for d in decls]
        for m in _LOCAL_AUTH_ON_RE.finditer(text):
            i = bisect.bisect_right(starts, m.start()) - 1
            service = service_of(decls[i].group(1)) if i >= 0 else S.GENERIC
            yield local_auth_on(source.line_of(m.end()), service)


def _vault_secret(source: SourceFile, text: str, start: int, reported: set[int]) -> Iterator[Evidence]:
    end_m = _TOP_LEVEL_RE.search(text, start)
    end = end_m.start() if end_m else len(text)
    for m in _VALUE_RE.finditer(text, start, end):
        expr = m.group(1).strip()
        if not expr or (expr.startswith("'") and "${" not in expr):
            continue  # a literal: the classifier's
        named = secret_named_in(expr)
        line = source.line_of(m.start(1))
        if named is None or line in reported:
            continue  # an id, a name or a URL kept in the vault: no secret
        reported.add(line)
        yield _ev(line, *named, VAULT_WRITE_TEXT, V.REFERENCE, "key-vault-secret")


def _settings_from_params(
    source: SourceFile, text: str, secure: dict[str, ValueClass], reported: set[int]
) -> Iterator[Evidence]:
    # The longest names first; at most MAX_SECURE_NAMES of them in the alternation.
    names = "|".join(re.escape(n) for n in sorted(secure, key=len, reverse=True)[:MAX_SECURE_NAMES])
    setting_re = re.compile(rf"^[ \t]*'?([\w.\-]{{1,120}})'?[ \t]*:[ \t]*({names})[ \t]*$", re.M)
    for m in setting_re.finditer(text):
        line = source.line_of(m.start(1))
        if line in reported:
            continue
        reported.add(line)
        service, kind = _named(m.group(1))
        if service is S.GENERIC:
            service, kind = _named(m.group(2))
        yield _ev(
            line,
            service,
            kind,
            f"{m.group(1)}: {m.group(2)} ({SETTING_FROM_PARAM_TEXT})",
            V.REFERENCE,
            "secure-param",
        )
