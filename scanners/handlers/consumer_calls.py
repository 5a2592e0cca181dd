"""Code that uses a secret-based connection through a call the language handlers do not model:
one table of call shapes, read the same way in every language that has them.

Each rule is a regular expression over the text of a code file and what a match means (service,
credential kind, value class, a preview made of the call's own words).  The language handlers
model clients whose arguments they follow (`new ServiceBusClient(conn)`); this table adds the
calls that carry a secret by what they are: MSAL/ADAL client-secret credentials, Kafka SASL
passwords, API-key headers, implicit connection-string readers (`MapAzureSignalR()`,
`createBlobService()`), Application Insights set-ups, legacy Cosmos DB clients, Redis
passwords, and secret helpers (`get_secret("AZURE_SEARCH_KEY")`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import key_headers
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.third_party import vendor_in_code

S = ServiceType
K = CredentialKind
V = ValueClass

CODE_SUFFIXES = frozenset(
    {
        ".cs",
        ".cshtml",
        ".razor",
        ".java",
        ".kt",
        ".scala",
        ".js",
        ".mjs",
        ".cjs",
        ".jsx",
        ".ts",
        ".tsx",
        ".py",
        ".go",
    }
)
_CS = frozenset({".cs", ".cshtml", ".razor"})
_JAVA = frozenset({".java", ".kt", ".scala"})
_JS = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx"})
_ALL = CODE_SUFFIXES


@dataclass(frozen=True, slots=True)
class CallRule:
    pattern: re.Pattern[str]
    service: ServiceType
    kind: CredentialKind
    preview: str
    suffixes: frozenset[str] = _ALL
    value_class: ValueClass = V.REFERENCE
    name: str | None = None  # the setting the call reads implicitly
    note: str | None = None
    requires: str = ""  # a lower-case word the file must hold for the rule to apply
    word: str = ""  # a lower-case literal every match holds: the cheap test before the pattern


def _rule(pattern: str, service: ServiceType, kind: CredentialKind, preview: str, **kw: object) -> CallRule:
    if "word" not in kw:  # the longest literal word of the pattern, searched for before the pattern
        words = re.findall(r"[A-Za-z][A-Za-z-]{3,}", re.sub(r"\\[A-Za-z]|\(\?P<\w+>", " ", pattern))
        kw["word"] = max(words, key=len).lower()
    return CallRule(re.compile(pattern), service, kind, preview, **kw)  # type: ignore[arg-type]


RULES: tuple[CallRule, ...] = (
    # Microsoft Entra ID client secrets (MSAL, ADAL).
    _rule(
        r"\bClientCredentialFactory\s*\.\s*createFromSecret\s*\(",
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "ClientCredentialFactory.createFromSecret(...)",
        suffixes=_JAVA,
    ),
    _rule(r"\.\s*WithClientSecret\s*\(", S.ENTRA_ID, K.CLIENT_SECRET, ".WithClientSecret(...)", suffixes=_CS),
    _rule(
        r"\bnew\s+ClientCredential\s*\(\s*[^,()]+,",
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "new ClientCredential(clientId, secret)",
        suffixes=_CS,
    ),
    _rule(
        r"\bacquireTokenWithClientCredentials\s*\(",
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "acquireTokenWithClientCredentials(...)",
        suffixes=_JS,
    ),
    _rule(
        r"\bclientSecret\s*:\s*(?!['\"`])",
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "auth: { clientSecret }",
        suffixes=_JS,
    ),
    # Kafka clients of Event Hubs: the SASL password is the connection string.
    _rule(r"\bSaslPassword\s*=", S.EVENT_HUBS, K.SHARED_ACCESS_KEY, "SaslPassword = ...", suffixes=_CS),
    # API keys in request headers (scanners/handlers/key_headers.py) and key credentials the
    # client tables do not hold.
    *(
        _rule(
            rf"""["'](?i:{re.escape(h.name)})["']""",
            h.service,
            h.kind,
            f"header {h.name}",
            word=h.name.lower(),
        )
        for h in key_headers.KEY_HEADERS
        if h.service is not None
    ),
    *(
        _rule(
            rf"""["'`]{re.escape(h.name)}\s+(?:["'`]|\$?\{{|%s)""",
            h.service,
            h.kind,
            f"Authorization: {h.name} ...",
            word=h.name.lower(),
        )
        for h in key_headers.AUTHORIZATION_SCHEMES
        if h.service is not None
    ),
    *(
        _rule(
            rf"""[?&](?i:{re.escape(h.name)})=(?!\{{|<|(?i:\w*(?:your|here|xxx)))""",
            h.service,
            h.kind,
            f"query string {h.name}=...",
            word=h.name.lower() + "=",
        )
        for h in key_headers.KEY_QUERY_PARAMETERS
        if h.service is not None
    ),
    # Management-plane sign-in with a service principal's secret (Microsoft.Azure.Management.Fluent:
    # `AzureCredentialsFactory.FromServicePrincipal(clientId, clientSecret, tenantId, environment)`,
    # `ServicePrincipalLoginInformation.ClientSecret`; learn.microsoft.com/dotnet/api/
    # microsoft.azure.management.resourcemanager.fluent.authentication.azurecredentialsfactory).
    _rule(
        r"\bAzureCredentialsFactory\s*\.\s*FromServicePrincipal\s*\(",
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "AzureCredentialsFactory.FromServicePrincipal(clientId, secret, ...)",
        suffixes=_CS,
    ),
    _rule(
        r"\.\s*ClientSecret\s*=\s*(?![\s\"'@$]|null\b)",
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        "ServicePrincipalLoginInformation.ClientSecret = ...",
        word="clientsecret",
        suffixes=_CS,
        requires="serviceprincipallogininformation",
    ),
    _rule(
        r"\bnew\s+ApiKeyServiceClientCredentials\s*\(",
        S.COGNITIVE_SERVICES,
        K.API_KEY,
        "new ApiKeyServiceClientCredentials(key)",
        suffixes=_CS | _JAVA,
    ),
    _rule(
        r"\bnew\s+(?:StorageSharedKeyCredential|TableSharedKeyCredential)\s*\(",
        S.STORAGE,
        K.ACCOUNT_KEY,
        "new StorageSharedKeyCredential(account, key)",
        word="sharedkeycredential",
        suffixes=_CS,
    ),
    # Clients that read a connection string nobody passes them.
    _rule(
        r"\bMapAzureSignalR\s*\(",
        S.SIGNALR,
        K.ACCESS_KEY,
        "MapAzureSignalR(...)",
        suffixes=_CS,
        name="Azure:SignalR:ConnectionString",
        note="reads Azure:SignalR:ConnectionString implicitly",
    ),
    _rule(
        r"\bcreate(?:Blob|Queue|Table|File)Service\s*\(\s*\)",
        S.STORAGE,
        K.ACCOUNT_KEY,
        "azure-storage create*Service()",
        word="service(",
        suffixes=_JS,
        name="AZURE_STORAGE_CONNECTION_STRING",
        note="the legacy azure-storage package reads AZURE_STORAGE_CONNECTION_STRING implicitly",
    ),
    # Cosmos DB with a key: the legacy .NET client, a named key argument.
    _rule(
        r"\bnew\s+DocumentClient\s*\(",
        S.COSMOS_DB,
        K.ACCOUNT_KEY,
        "new DocumentClient(uri, key)",
        suffixes=_CS,
    ),
    _rule(
        r"\bauthKeyOrResourceToken\s*:",
        S.COSMOS_DB,
        K.ACCOUNT_KEY,
        "CosmosClient(authKeyOrResourceToken: ...)",
        suffixes=_CS,
    ),
    # Redis with a password (Jedis, Lettuce).
    _rule(r"\.\s*withPassword\s*\(", S.REDIS, K.ACCESS_KEY, "RedisURI...withPassword(...)", suffixes=_JAVA),
    _rule(r"\bjedis\w*\s*\.\s*auth\s*\(", S.REDIS, K.ACCESS_KEY, "jedis.auth(...)", suffixes=_JAVA),
    # Application Insights: the instrumentation key or connection string locates the resource.
    _rule(
        r"\b(?:appInsights|applicationInsights)\s*\.\s*setup\s*\(|\.setup\s*\(\s*[\w.]*[cC]onnectionString",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        "Application Insights setup(...)",
        word="setup",
        suffixes=_JS,
        value_class=V.LOCATOR,
    ),
    _rule(
        r"\b(?:connectionString|instrumentationKey)\s*:\s*(?![\'\"`])[\w.]+",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        "Application Insights config { connectionString }",
        word="applicationinsights",
        suffixes=_JS,
        value_class=V.LOCATOR,
        requires="applicationinsights",
    ),
    _rule(
        r"\bGetConnectionString\s*\(\s*nameof\s*\(\s*(?P<name>\w+)\s*\)",
        S.GENERIC,
        K.CONNECTION_STRING,
        "GetConnectionString(nameof(...))",
        suffixes=_CS,
    ),
    _rule(
        r"\b\w*(?:SAS|Sas)Token\b",
        S.STORAGE,
        K.SAS,
        "a SAS token appended to a URL",
        word="token",
        suffixes=frozenset({".cshtml", ".razor"}),
    ),
    # A key or token written to the log (Go management samples print what they fetched).
    _rule(
        r"\b(?:log|fmt)\s*\.\s*Print\w*\([^\n]*\*(?:\w+\.(?:\w*Key\d?|Value|\w*Secret|\w*Password|\w*ConnectionString)|"
        r"\w*(?:Key|key|Secret|secret|Password|password|ConnectionString|connectionString))\b",
        S.GENERIC,
        K.ACCESS_KEY,
        "prints a fetched key",
        word="print",
        suffixes=frozenset({".go"}),
        note="a secret written to the console or the log",
    ),
    _rule(
        r"""\bconnectionStringSetting\s*:\s*['"](?:AzureSignalR|SignalR)\w*['"]""",
        S.SIGNALR,
        K.ACCESS_KEY,
        "connectionStringSetting (SignalR binding)",
        suffixes=_JS,
    ),
    _rule(
        r"\b(?:AzureExporter|AzureLogHandler|AzureEventHandler|AzureMonitor\w*Exporter|configure_azure_monitor)"
        r"\s*\(",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        "Azure Monitor exporter(...)",
        word="azure",
        value_class=V.LOCATOR,
    ),
)

# `secret_helper.get_secret("AZURE_SEARCH_KEY")`: a helper that reads a secret by its setting name.
_SECRET_HELPER_RE = re.compile(
    r"""\.\s*get_?[sS]ecret\s*\(\s*["']([A-Za-z_][\w\-]*(?:KEY|SECRET|PASSWORD|CONNECTION_STRING|key|secret|password)[\w\-]*)["']"""
)
# Python keyword arguments that carry a key from a variable (`api_key=azure_openai_key`), the service
# named by the variable or the keyword.
_PY_KEY_KWARG_RE = re.compile(
    r"(?<![\w.])(api_key|subscription_key|connection_string|conn_str|key)\s*=\s*([A-Za-z_][\w.]*)\s*(?=[,)\n])"
)
_PY_SETTINGS_RE = re.compile(
    r"""\b(?:settings|config|cfg|conf|configuration|secrets)\s*\[\s*["']([A-Za-z_][\w\-]{0,80})["']\s*\]""",
    re.I,
)
_KEYWORDS_RE = re.compile(
    r"createFromSecret|WithClientSecret|ClientCredential|acquireTokenWithClientCredentials|clientSecret|"
    r"SaslPassword|Ocp-Apim|ocp-apim|aeg-sas-|Training-[Kk]ey|Prediction-[Kk]ey|EndpointKey|subscription-key=|"
    r"FromServicePrincipal|ApiKeyServiceClientCredentials|SharedKeyCredential|MapAzureSignalR|"
    r"Service\(\)|DocumentClient|authKeyOrResourceToken|withPassword|auth\(|appInsights|"
    r"ApplicationInsights|Azure\w*Exporter|AzureLogHandler|AzureEventHandler|azure_monitor|get_?[sS]ecret|"
    r"api_key|subscription_key|connection_string|conn_str|key\s*=|\.setup|connectionStringSetting|Print|"
    r"connectionString|instrumentationKey|GetConnectionString|SASToken|SasToken|settings|config"
)


def call_evidence(source: SourceFile, text: str, rules: Iterable[CallRule]) -> Iterator[Evidence]:
    """A consumer for every match of `rules` (those for this file's suffix whose words it holds) in
    `text` (the file's text, or a comment-masked copy of it)."""
    suffix = source.path.suffix.lower()
    lower = source.lower
    for rule in rules:
        if suffix not in rule.suffixes:
            continue
        if rule.word not in lower or (rule.requires and rule.requires not in lower):
            continue
        for m in rule.pattern.finditer(text):
            name = m.groupdict().get("name") or rule.name
            hinted = setting_names.service_hint(name) if name and rule.service is S.GENERIC else None
            if rule.service is S.COGNITIVE_SERVICES and vendor_in_code(lower) is not None:
                hinted = S.THIRD_PARTY  # `Ocp-Apim-Subscription-Key` sent to Bing Search, not Azure
            yield Evidence(
                line=source.line_of(m.start()),
                role=EvidenceRole.CODE_CONSUMER,
                name=name,
                service=hinted or rule.service,
                kind=rule.kind,
                value_class=rule.value_class,
                preview=rule.preview,
                note=rule.note,
                method="call",
            )


class ConsumerCallHandler:
    name = "consumer-calls"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in CODE_SUFFIXES

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        text = source.text
        if not _KEYWORDS_RE.search(text):
            return
        suffix = source.path.suffix.lower()
        lower = source.lower
        yield from call_evidence(source, text, RULES)
        for m in _SECRET_HELPER_RE.finditer(text):
            name = m.group(1)
            named = setting_names.rule_for(name)
            yield Evidence(
                line=source.line_of(m.start()),
                role=EvidenceRole.CODE_CONSUMER,
                name=name,
                service=named.service if named else (setting_names.service_hint(name) or S.GENERIC),
                kind=named.kind if named else K.CONNECTION_STRING,
                value_class=V.REFERENCE,
                preview=f'get_secret("{name}")',
                method="secret-helper",
            )
        if suffix == ".py":
            if any(
                k in lower
                for k in ("api_key", "subscription_key", "connection_string", "conn_str", "_key,", "_key)")
            ):
                yield from _python_key_arguments(source)
            if any(
                f"{k}[" in lower for k in ("settings", "config", "cfg", "conf", "configuration", "secrets")
            ):
                yield from _python_settings_lookups(source)


def _python_settings_lookups(source: SourceFile) -> Iterator[Evidence]:
    """`cfg.settings['master_key']`, `config["AZURE_SEARCH_KEY"]`: a secret read from a settings
    mapping by a name that says what it holds."""
    for m in _PY_SETTINGS_RE.finditer(source.text):
        name = m.group(1)
        named = setting_names.rule_for(name)
        if named is None:
            continue
        yield Evidence(
            line=source.line_of(m.start()),
            role=EvidenceRole.CODE_CONSUMER,
            name=name,
            service=named.service,
            kind=named.kind,
            value_class=V.REFERENCE,
            preview=f'settings["{name}"]',
            method="settings-lookup",
        )


def _python_key_arguments(source: SourceFile) -> Iterator[Evidence]:
    for m in _PY_KEY_KWARG_RE.finditer(source.text):
        keyword, var = m.group(1), m.group(2)
        if var in ("None", "True", "False", "self"):
            continue
        service = setting_names.service_hint(var) or setting_names.service_hint(keyword)
        if service is None and keyword == "connection_string" and "blob" in var.lower():
            service = S.STORAGE
        if service is None:
            continue  # `key=k` of anything: only a variable that names its service is evidence
        yield Evidence(
            line=source.line_of(m.start()),
            role=EvidenceRole.CODE_CONSUMER,
            service=service,
            kind=K.CONNECTION_STRING if "conn" in keyword else K.API_KEY,
            value_class=V.REFERENCE,
            preview=f"{keyword}={var}",
            method="key-argument",
        )
