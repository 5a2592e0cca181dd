"""Infrastructure as code that creates, passes on or exposes a secret, read line by line.

The Terraform and Bicep handlers follow values and key-fetching expressions; this module adds the
places where IaC wires a secret without writing its value:

* Terraform: password and secret arguments set from an expression (`admin_password =
  var.x`, `client_secret = var.client_secret`, `client_key = base64decode(...)`), resources that
  generate a secret (`random_password`, `azuread_application_password`), password authentication
  switched on (`password_auth_enabled = true`), variables declared for a secret, outputs that expose
  credentials (`kube_admin_config`, `client_key`, `primary_shared_key`, `private_key_pem`, a
  kubeconfig's `password`, a `listConnectionStrings` URL); then `terraform_secret_flow` (secrets
  handed on through variables, modules, outputs and locals, and written into Key Vault);
* Bicep: secure parameters with an empty default (a slot), password properties with a literal
  fallback (`adminPassword: cond ? p : 'literal'`, classified as any literal is), secrets of a
  Container App or Dapr component taken from a parameter or output (`value: registryPassword`,
  `passwordSecretRef:`, `secretRef:`), `listConnectionStrings` built into a URL, and Application
  Insights keys wired into resources and outputs; then `iac_secret_resources` (SAS authorization
  rules, Key Vault secrets written from expressions, secure parameters and what they fill).

Every finding is a consumer of a secret (`reference`), a slot (`placeholder`) or a locator; a
literal goes to the classifier, which alone decides whether it is a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import iac_secret_resources, terraform_secret_flow
from scanners.handlers.code_evidence import literal_evidence
from scanners.handlers.lexing import BICEP, HCL
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
IAC = EvidenceRole.IAC_ASSIGNMENT
OUT = EvidenceRole.IAC_OUTPUT


@dataclass(frozen=True, slots=True)
class WiringRule:
    pattern: re.Pattern[str]
    service: ServiceType
    kind: CredentialKind
    preview: str
    value_class: ValueClass = V.REFERENCE
    role: EvidenceRole = IAC


def _w(pattern: str, service: ServiceType, kind: CredentialKind, preview: str, **kw: object) -> WiringRule:
    return WiringRule(re.compile(pattern, re.M), service, kind, preview, **kw)  # type: ignore[arg-type]


# Template properties that hold a password or secret (a deployment script's `secureValue`, AKS
# `servicePrincipalProfile.secret` and `windowsProfile.adminPassword`, server admin passwords, Log
# Analytics `sharedKey`): set from an expression, they hand a secret on (Bicep and ARM alike).
SECRET_PROPERTIES = (
    "secureValue",
    "adminPassword",
    "administratorLoginPassword",
    "clientSecret",
    "secret",
    "password",
    "sharedKey",
    "primarySharedKey",
)
WIRED_PROPERTY_TEXT = "password or secret property from an expression"
# Service Connector (Microsoft.ServiceLinker/linkers) `authInfo.authType` values that connect with a
# secret: learn.microsoft.com/azure/templates/microsoft.servicelinker/linkers (AuthInfoBase objects).
SECRET_AUTH_TYPES = ("secret", "accessKey", "servicePrincipalSecret")
CONNECTOR_AUTH_TEXT = "Service Connector with secret-based authType"

_EXPR = r"(?!\s*(?:\"|null\b|true\b|false\b|\[|\{|$))"  # an expression, not a literal
TERRAFORM_RULES: tuple[WiringRule, ...] = (
    _w(
        r"^\s*(?:client_secret|service_principal_password|sp_secret)\s*=" + _EXPR,
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "client_secret = <expression>",
    ),
    _w(
        r"^\s*(?:admin_password|administrator_password|administrator_login_password)\s*=" + _EXPR,
        S.GENERIC,
        K.ADMIN_PASSWORD,
        "admin password = <expression>",
    ),
    _w(r"^\s*client_key\s*=" + _EXPR, S.GENERIC, K.ACCESS_KEY, "client_key = <expression>"),
    _w(r'^\s*resource\s+"random_password"\s+"', S.GENERIC, K.PASSWORD, 'resource "random_password"'),
    _w(
        r'^\s*resource\s+"azuread_(?:application|service_principal)_password"\s+"',
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "resource azuread_*_password (creates a client secret)",
    ),
    _w(r"^\s*password_auth_enabled\s*=\s*true\b", S.GENERIC, K.PASSWORD, "password_auth_enabled = true"),
    _w(
        r'^\s*variable\s+"(?:[\w-]*_)?(?:client_secret|password|admin_password)"\s*\{',
        S.GENERIC,
        K.PASSWORD,
        "variable for a secret",
    ),
    _w(
        r"^\s*value\s*=.*\b(?:kube_admin_config|kube_config_raw|kube_admin_config_raw)\b",
        S.GENERIC,
        K.ACCESS_KEY,
        "output exposes a kubeconfig",
        role=OUT,
    ),
    _w(
        r"^\s*value\s*=.*\b(?:client_key|client_certificate|private_key_pem|primary_shared_key|"
        r"secondary_shared_key)\b",
        S.GENERIC,
        K.ACCESS_KEY,
        "output exposes a credential",
        role=OUT,
    ),
    _w(
        r"^\s*value\s*=.*\bkube_(?:admin_)?config\[[^\]\n]{0,20}\]\.password\b",
        S.GENERIC,
        K.PASSWORD,
        "output exposes a kubeconfig password",
        role=OUT,
    ),
    _w(
        r"listConnectionStrings\?api-version",
        S.COSMOS_DB,
        K.CONNECTION_STRING,
        "listConnectionStrings URL (keys fetched at run time)",
        role=OUT,
    ),
    _w(
        r"^\s*value\s*=\s*module\.\w+\.(?:\w*(?:password|client_key|secret)\w*)",
        S.GENERIC,
        K.ACCESS_KEY,
        "output exposes a module's credential",
        role=OUT,
    ),
)
BICEP_RULES: tuple[WiringRule, ...] = (
    _w(
        r"^\s*param\s+\w*(?:[Pp]assword|[Ss]ecret)\w*\s+string\s*=\s*''\s*$",
        S.GENERIC,
        K.PASSWORD,
        "secure parameter with an empty default",
        value_class=V.PLACEHOLDER,
    ),
    _w(
        r"^\s*value:\s*\w*(?:[Pp]assword|[Ss]ecret|[Kk]ey|ConnectionString)\w*\s*$",
        S.GENERIC,
        K.ACCESS_KEY,
        "secret value from a parameter",
    ),
    _w(
        r"^\s*value:\s*\w+\.(?:outputs\.)?\w*(?:[Pp]rimaryMasterKey|[Pp]assword|[Kk]ey|ConnectionString)\w*\s*$",
        S.GENERIC,
        K.ACCESS_KEY,
        "secret value from an output",
    ),
    _w(
        rf"^\s*(?:{'|'.join(SECRET_PROPERTIES)}):\s*[A-Za-z_][\w.]*(?:\(\))?\s*$",
        S.GENERIC,
        K.PASSWORD,
        WIRED_PROPERTY_TEXT,
    ),
    _w(
        rf"^\s*authType:\s*'(?:{'|'.join(SECRET_AUTH_TYPES)})'",
        S.GENERIC,
        K.PASSWORD,
        CONNECTOR_AUTH_TEXT,
    ),
    _w(r"^\s*passwordSecretRef:\s*\S", S.CONTAINER_REGISTRY, K.ADMIN_PASSWORD, "registry passwordSecretRef"),
    _w(
        r"^\s*secretRef:\s*'[\w-]*(?:key|password|secret|connection)[\w-]*'",
        S.GENERIC,
        K.ACCESS_KEY,
        "secretRef to a key",
    ),
    _w(
        r"listConnectionStrings\?api-version",
        S.COSMOS_DB,
        K.CONNECTION_STRING,
        "listConnectionStrings URL (keys fetched at run time)",
    ),
    _w(
        r"^\s*instrumentationKey:\s*\w",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        "instrumentationKey: ...",
        value_class=V.LOCATOR,
    ),
    _w(
        r"(?i)^\s*output\s+\w*(?:applicationinsights|appinsights)\w*(?:connection_?string|instrumentation_?key)\w*\s",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        "output of an Application Insights key",
        value_class=V.LOCATOR,
        role=OUT,
    ),
)
# `adminPassword: cond ? param : 'literal'`: a literal fallback for a password.
_BICEP_FALLBACK_RE = re.compile(r"^\s*(\w*[Pp]assword\w*):[^'\n]*\?[^'\n]*:\s*'([^'\n]{6,200})'\s*$", re.M)
_KEYWORDS_RE = re.compile(
    r"(?i)password|secret|client_key|private_key_pem|shared_key|kube_admin_config|kube_config|"
    r"listConnectionStrings|instrumentationKey|applicationinsights|key|secureValue|authType"
)


def _evidence(source: SourceFile, rules: tuple[WiringRule, ...]) -> Iterator[Evidence]:
    text = source.text
    if not _KEYWORDS_RE.search(text):
        return
    for rule in rules:
        for m in rule.pattern.finditer(text):
            # `^\s*` may run over blank lines: the place is where the statement's text starts.
            line = source.line_of(m.start() + len(m.group(0)) - len(m.group(0).lstrip()))
            head = re.split(r"[=:]", source.line_text(line), maxsplit=1)[0].strip()
            named = setting_names.rule_for(head) if head else None
            yield Evidence(
                line=line,
                role=rule.role,
                service=named.service if named and rule.service is S.GENERIC else rule.service,
                kind=rule.kind,
                value_class=rule.value_class,
                preview=rule.preview,
                method="secret-wiring",
            )


def terraform(source: SourceFile) -> Iterator[Evidence]:
    """Terraform places that create, pass on or expose a secret."""
    reported: set[int] = set()
    for found in _evidence(source, TERRAFORM_RULES):
        reported.add(found.line)
        yield found
    yield from terraform_secret_flow.evidence(source, HCL.mask_comments(source.text), reported)


def bicep(source: SourceFile) -> Iterator[Evidence]:
    """Bicep places that create, pass on or expose a secret."""
    reported: set[int] = set()
    for found in _evidence(source, BICEP_RULES):
        reported.add(found.line)
        yield found
    yield from iac_secret_resources.bicep(source, BICEP.mask_comments(source.text), reported)
    for m in _BICEP_FALLBACK_RE.finditer(source.text):
        ev = literal_evidence(
            source.line_of(m.start(2)),
            m.group(2),
            None,
            S.GENERIC,
            K.ADMIN_PASSWORD,
            f"{m.group(1)}: ... ? ... : (literal)",
            "secret-wiring",
            role=IAC,
            note="a literal fallback password",
        )
        if ev is not None:
            yield ev
