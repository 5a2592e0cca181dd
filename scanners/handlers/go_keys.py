"""Go: key-based authorizers and the variables that feed them.

* `autorest.NewCognitiveServicesAuthorizer(key)` and the `autorest.NewAPIKeyAuthorizer*` family
  (the track-1 Azure AI services clients: the key goes into `Ocp-Apim-Subscription-Key`,
  github.com/Azure/go-autorest/autorest/authorization.go), and
  `auth.NewClientCredentialsConfig(clientID, clientSecret, tenantID)` (a service principal's
  secret, github.com/Azure/go-autorest/autorest/azure/auth) are consumers;
* a key read from a QnA Maker response (`body["primaryEndpointKey"]`, `*result.PrimaryEndpointKey`)
  is a consumer of the endpoint key (scanners/handlers/key_headers.py, `EndpointKey`);
* the variable such a call, a key header (`req.Header.Add("Ocp-Apim-Subscription-Key", key)`) or a
  key query string (`"?subscription-key=" + key`) is given is followed to where the file sets it:
  a literal there (`key := "PASTE_YOUR_KEY_HERE"`) is a slot or a secret, decided by the
  classifier with the consumer's service; an `os.Getenv("X")` there is a reference;
* a key-named variable set to an obvious slot (`var predictionKey = "PASTE_..._HERE"`) is a
  placeholder even where its use is not followed (a `fmt.Sprintf` URL).

Previews hold identifiers only, never string literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import key_headers
from scanners.handlers.code_evidence import literal_evidence
from scanners.placeholders import is_placeholder
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.third_party import vendor_in_code

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

WORDS = (
    "authorizer",
    "clientcredentialsconfig",
    "endpointkey",
    "ocp-apim",
    "subscription-key",
    "paste_",
    "keys[",
    "applyuri",
    "secretparameters",
    "secretproperties",
)

_AUTHORIZER_RE = re.compile(
    r"\bautorest\.(?P<fn>NewCognitiveServicesAuthorizer|NewAPIKeyAuthorizerWithHeaders|"
    r"NewAPIKeyAuthorizerWithQueryParameters|NewAPIKeyAuthorizer)\s*\(\s*(?P<var>[A-Za-z_]\w*)?"
)
_CLIENT_CONFIG_RE = re.compile(
    r"\bauth\.NewClientCredentialsConfig\s*\(\s*[^,()\n]+,\s*(?P<var>[A-Za-z_]\w*)\s*[,)]"
)
_HEADER_VAR_RE = re.compile(
    r"""\.Header\.(?:Add|Set)\(\s*"(?P<name>""" + key_headers.header_names_pattern() + r""")"\s*,\s*"""
    r"""(?P<var>[A-Za-z_]\w*)\s*\)"""
)
_APPENDED_VAR_RE = re.compile(r"""(?i:subscription-key=|EndpointKey\s)"\s*\+\s*(?P<var>[A-Za-z_]\w*)""")
# Key fields of REST responses (`body["primaryEndpointKey"]`, `*result.PrimaryEndpointKey`).
_FIELDS = "|".join(re.escape(h.name) for h in key_headers.KEY_RESPONSE_FIELDS)
_ENDPOINT_KEY_READ_RE = re.compile(
    r"""\[\s*"(?P<json>""" + _FIELDS + r""")"\s*\]|\.(?P<field>(?i:""" + _FIELDS + r"""))\b"""
)
# A header name kept in a variable (`name = "Ocp-Apim-Subscription-Key"` ... `req.Header.Add(name, value)`).
_HEADER_NAME_VAR_RE = re.compile(
    r"""\b(?P<var>[A-Za-z_]\w*)\s*:?=\s*"(?P<name>""" + key_headers.header_names_pattern() + r""")\""""
)
_HEADER_ADD_RE = re.compile(r"\.Header\.(?:Add|Set)\(\s*(?P<var>[A-Za-z_]\w*)\s*,")
# A key from a management `ListKeys` result handed on (`createInsight(ctx, id, *keys[0].Value)`).
_FETCHED_KEY_RE = re.compile(r"\*(?P<var>\w*[Kk]eys)\[\d+\]\.Value\b")
# The MongoDB Go driver built from a connection string held in a variable (`ApplyURI(conn)`).
_MONGO_URI_RE = re.compile(r"\boptions\.Client\(\)\s*\.\s*ApplyURI\(\s*[A-Za-z_][\w.]*\s*\)")
# A Key Vault secret set from a literal slot (`SetSecretParameters{Value: to.Ptr("<SecretValue>")}`).
_VAULT_VALUE_RE = re.compile(
    r"""\b(?:SetSecretParameters|SecretProperties)\s*\{(?:[^"]{0,400}?)\bValue:\s*to\.Ptr\(\s*"(?P<value>[^"\\\n]{0,512})"\s*\)"""
)
_DEFINITION_TEXT = (
    r"""(?:\b(?:var|const)\s+|^[ \t]*)(?P<name>{names})(?:\s+string)?\s*:?=\s*"""
    r"""(?:"(?P<value>(?:[^"\\\n]|\\.){{0,512}})"|os\.(?:Getenv|LookupEnv)\(\s*"(?P<env>[\w.\-]+)"\s*\))"""
)
_KEY_NAME = r"(?:[A-Za-z_]\w*)?(?:[Kk]ey|KEY|[Ss]ecret|SECRET|[Pp]assword|PASSWORD)\w*"
_SLOT_RE = re.compile(_DEFINITION_TEXT.format(names=_KEY_NAME), re.M)


def evidence(source: SourceFile, file_service: ServiceType | None) -> Iterator[Evidence]:
    """The key consumers of the Go `source` and the slots of the variables they read."""
    text, lower = source.text, source.lower
    if not any(w in lower for w in WORDS):
        return
    ai = S.THIRD_PARTY if vendor_in_code(lower) is not None else S.COGNITIVE_SERVICES
    fed: dict[str, tuple[ServiceType, CredentialKind]] = {}
    for m in _AUTHORIZER_RE.finditer(text):
        yield _consumer(source, m.start(), ai, K.API_KEY, f"autorest.{m.group('fn')}(...)")
        if m.group("var"):
            fed.setdefault(m.group("var"), (ai, K.API_KEY))
    for m in _CLIENT_CONFIG_RE.finditer(text):
        yield _consumer(
            source,
            m.start(),
            S.ENTRA_ID,
            K.CLIENT_SECRET,
            "auth.NewClientCredentialsConfig(id, secret, tenant)",
        )
        fed.setdefault(m.group("var"), (S.ENTRA_ID, K.CLIENT_SECRET))
    for m in _ENDPOINT_KEY_READ_RE.finditer(text):
        name = m.group("json") or m.group("field")
        yield _consumer(source, m.start(), ai, K.API_KEY, f"reads {name} from a response", "key-read")
    for m in _HEADER_VAR_RE.finditer(text):
        entry = key_headers.header(m.group("name"))
        if entry is not None and entry.service is not None:
            service = ai if entry.service is S.COGNITIVE_SERVICES else entry.service
            fed.setdefault(m.group("var"), (service, entry.kind))
    for m in _APPENDED_VAR_RE.finditer(text):
        fed.setdefault(m.group("var"), (ai, K.API_KEY))
    yield from _handed_on(source, file_service)
    header_vars = {m.group("var") for m in _HEADER_NAME_VAR_RE.finditer(text)}
    for m in _HEADER_ADD_RE.finditer(text):
        if m.group("var") in header_vars:
            yield _consumer(
                source, m.start(), ai, K.API_KEY, f"req.Header.Add({m.group('var')}, ...)", "key-header"
            )
    done: set[int] = set()
    if fed:
        names = "|".join(re.escape(n) for n in sorted(fed))
        for d in re.finditer(_DEFINITION_TEXT.format(names=names), text, re.M):
            service, kind = fed[d.group("name")]
            line = source.line_of(d.start("name"))
            ev = _definition(d, line, service, kind)
            if ev is not None:
                done.add(line)
                yield ev
    for d in _SLOT_RE.finditer(text):
        value = d.group("value")
        line = source.line_of(d.start("name"))
        if not value or line in done or not is_placeholder(value):
            continue  # an empty string is how Go declares many variables, not a slot
        name = d.group("name")
        rule = setting_names.rule_for(name)
        service = rule.service if rule else (setting_names.service_hint(name) or file_service or S.GENERIC)
        kind = rule.kind if rule else (K.PASSWORD if "assword" in name.lower() else K.API_KEY)
        yield Evidence(
            line=line,
            role=R.CODE_LITERAL,
            name=name,
            service=service,
            kind=kind,
            value_class=V.PLACEHOLDER,
            preview=f"{name} = (slot)",
            method="key-slot",
        )


def _consumer(
    source: SourceFile,
    at: int,
    service: ServiceType,
    kind: CredentialKind,
    preview: str,
    method: str = "authorizer",
) -> Evidence:
    return Evidence(
        line=source.line_of(at),
        role=R.CODE_CONSUMER,
        service=service,
        kind=kind,
        value_class=V.REFERENCE,
        preview=preview,
        confidence=Confidence.HIGH,
        method=method,
    )


def _definition(d: re.Match[str], line: int, service: ServiceType, kind: CredentialKind) -> Evidence | None:
    name = d.group("name")
    if d.group("env") is not None:
        return Evidence(
            line=line,
            role=R.CODE_CONSUMER,
            name=d.group("env"),
            service=service,
            kind=kind,
            value_class=V.REFERENCE,
            preview=f'{name} := os.Getenv("{d.group("env")}")',
            method="key-variable",
        )
    return literal_evidence(
        line, d.group("value"), None, service, kind, f"{name} = (literal)", "key-variable"
    )


def _handed_on(source: SourceFile, file_service: ServiceType | None) -> Iterator[Evidence]:
    """Keys and connection strings the program fetched and hands to another call, and Key Vault
    secrets set from a slot."""
    text, lower = source.text, source.lower
    for m in _FETCHED_KEY_RE.finditer(text):
        service = setting_names.service_hint(m.group("var")) or file_service or S.GENERIC
        yield _consumer(
            source, m.start(), service, K.ACCOUNT_KEY, f"*{m.group('var')}[...].Value", "key-handoff"
        )
    mongo = S.COSMOS_MONGO if ("cosmos" in lower or "listconnectionstrings" in lower) else S.GENERIC
    for m in _MONGO_URI_RE.finditer(text):
        yield _consumer(
            source, m.start(), mongo, K.CONNECTION_STRING, "options.Client().ApplyURI(conn)", "ctor"
        )
    for m in _VAULT_VALUE_RE.finditer(text):
        if is_placeholder(m.group("value")):
            yield Evidence(
                line=source.line_of(m.start("value")),
                role=R.CODE_LITERAL,
                service=S.KEY_VAULT,
                kind=K.SECRET_REFERENCE,
                value_class=V.PLACEHOLDER,
                preview="Key Vault secret Value: to.Ptr(slot)",
                method="key-slot",
            )
