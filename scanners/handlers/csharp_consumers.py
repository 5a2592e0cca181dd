"""C# code that uses a secret without handing it to an SDK client constructor the C# handler models.

- Implicit readers: Microsoft.Identity.Web `EnableTokenAcquisitionToCallDownstreamApi(...)` signs in
  with the client credentials of the `AzureAd` section (`ClientSecret`; learn.microsoft.com/entra/
  identity-platform/scenario-web-app-call-api-app-configuration); the WebJobs SDK 2.x
  `new JobHost()` / `new JobHostConfiguration()` read the `AzureWebJobsStorage` connection string
  (learn.microsoft.com/azure/app-service/webjobs-sdk-how-to, "Host connections"); the legacy
  Microsoft.ServiceBus `EventHubClient.Create(path)` reads the `Microsoft.ServiceBus.ConnectionString`
  app setting.
- Connection strings taken apart: `ServiceBusConnectionStringProperties.Parse(x)` /
  `EventHubsConnectionStringProperties.Parse(x)` (Azure.Messaging.*), a `ParseConnectionString(x)`
  helper, a key turned into a signing key (`new SymmetricSecurityKey(... AccessKey ...)`).
- SAS tokens signed with the account key: `builder.ToSasQueryParameters(sharedKeyCredential)`
  (one argument; the two-argument form signs with a user delegation key, no secret) and a SAS
  written to the console.
- Secrets read from a typed options or configuration object (`this.appConfig.TextAnalyticsKey`,
  `option.ConnectionString = x`), from a secret store into a variable named for them
  (`string clientSecret = await ...KeyVault...`), handed on as a setting
  (`{"AzureAd__ClientSecret", clientSecret}`), or written to the console or a log.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers.consumer_calls import CallRule, call_evidence
from scanners.handlers.secret_reads import read_evidence, secret_name
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass


_RULES: tuple[CallRule, ...] = (
    CallRule(
        re.compile(r"\.\s*EnableTokenAcquisitionToCallDownstreamApi\s*\("),
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        ".EnableTokenAcquisitionToCallDownstreamApi(...)",
        name="AzureAd:ClientSecret",
        note="Microsoft.Identity.Web signs in with the client credentials of the AzureAd section",
        word="enabletokenacquisitiontocalldownstreamapi",
    ),
    CallRule(
        re.compile(r"\bnew\s+(?:Microsoft\.Azure\.WebJobs\.)?JobHost(?:Configuration)?\s*\(\s*\)"),
        S.STORAGE,
        K.CONNECTION_STRING,
        "new JobHost()",
        name="AzureWebJobsStorage",
        note="the WebJobs SDK reads the AzureWebJobsStorage connection string",
        word="jobhost",
    ),
    CallRule(
        re.compile(r"\bEventHubClient\s*\.\s*Create\s*\("),
        S.EVENT_HUBS,
        K.SHARED_ACCESS_KEY,
        "EventHubClient.Create(path)",
        name="Microsoft.ServiceBus.ConnectionString",
        note="the legacy client reads the Microsoft.ServiceBus.ConnectionString app setting",
        word="eventhubclient",
    ),
    *(
        CallRule(
            re.compile(rf"\b{family}ConnectionStringProperties\s*\.\s*Parse\s*\("),
            service,
            K.SHARED_ACCESS_KEY,
            "ConnectionStringProperties.Parse(...)",
            note="a connection string taken apart",
            word="connectionstringproperties",
        )
        for family, service in (("ServiceBus", S.SERVICE_BUS), ("EventHubs", S.EVENT_HUBS))
    ),
    CallRule(
        re.compile(r"(?:=|\breturn|\()\s*(?:\w+\.)?Parse\w*ConnectionString\s*\(\s*[^)\s]"),
        S.GENERIC,
        K.CONNECTION_STRING,
        "ParseConnectionString(...)",
        note="a connection string taken apart",
        word="connectionstring(",
    ),
    CallRule(
        re.compile(r"\bnew\s+SymmetricSecurityKey\s*\([^;\n]*(?:AccessKey|SigningKey|Secret)"),
        S.GENERIC,
        K.ACCESS_KEY,
        "new SymmetricSecurityKey(... key ...)",
        note="tokens signed with the service's access key",
        word="symmetricsecuritykey",
    ),
    CallRule(
        re.compile(
            r"\bnew\s+Mock\s*<\s*(?:StorageSharedKeyCredential|AzureNamedKeyCredential|AzureKeyCredential)\s*>\s*\("
        ),
        S.STORAGE,
        K.ACCOUNT_KEY,
        "new Mock<StorageSharedKeyCredential>(account, key)",
        note="a test double of a key credential, built from a key",
        word="mock",
    ),
    CallRule(
        re.compile(r"\.\s*ToSasQueryParameters\s*\(\s*[^,()\s]+\s*\)"),
        S.STORAGE,
        K.SAS,
        ".ToSasQueryParameters(sharedKeyCredential)",
        note="a SAS signed with the account key",
        word="tosasqueryparameters",
    ),
)

# `recv.Member` where `recv` is a typed options / configuration object and `Member` names a secret.
_MEMBER_RE = re.compile(
    r"\b(?:this\.)?(?P<recv>_?[A-Za-z]*(?:[Cc]onfig|[Ss]ettings|[Oo]ptions?)\w*)\s*\??\.\s*(?P<member>[A-Z]\w{2,80})\b(?!\s*[(\[])"
)
# `string clientSecret = await ...KeyVault...(...)`: a secret fetched from a secret store.
_FETCHED_RE = re.compile(
    r"\b(?:string|var)\s+(?P<var>\w+)\s*=\s*(?:await\s+)?[^;\n]*?(?:[Kk]ey[Vv]ault|GetSecret)\w*\s*\("
)
# `{"AzureAd__ClientSecret", clientSecret}` / `["X:ClientSecret"] = secret`: a secret handed on as a setting.
_HANDED_ON_RE = re.compile(
    r"""\{\s*"(?P<a>[A-Za-z_][\w:.\-]{0,120})"\s*,\s*[A-Za-z_][\w.]*\s*\}|\[\s*"(?P<b>[A-Za-z_][\w:.\-]{0,120})"\s*\]\s*=\s*(?!["@$\s])"""
)
# A secret written to the console or a log: an interpolation or concatenation with a secret word.
_PRINT_RE = re.compile(
    r"\b(?:Console\s*\.\s*Write(?:Line)?|\w*[Ll]og(?:ger)?\s*\.\s*Log\w*|Debug\s*\.\s*WriteLine|Trace\s*\.\s*\w+)\s*\(",
)
_PRINTED_SECRET_RE = re.compile(
    r"(?i)(?:sas|connection\s*string|secret|password|access\s*key|account\s*key|api\s*key)[^\"{}:=]*[:=]\s*\"?\s*(?:\+|\{)|"
    r"(?:\+\s*|\{)[\w.\[\]]*(?:sas|secret|password|connectionstring|accountkey|accesskey|apikey)\w*",
)


def scan(source: SourceFile, text: str) -> Iterator[Evidence]:
    """Consumers in the comment-masked `text` of the C# file `source`."""
    lower = source.lower
    rule_lines: set[int] = set()
    for call in call_evidence(source, text, _RULES):
        rule_lines.add(call.line)
        yield call
    if "config" in lower or "setting" in lower or "option" in lower:
        for m in _MEMBER_RE.finditer(text):
            line = source.line_of(m.start())
            if line in rule_lines:
                continue  # `Properties.Parse(options.Connection)`: one finding
            ev = read_evidence(line, m.group("member"), f"{m.group('recv')}.{m.group('member')}")
            if ev is not None:
                yield ev
    if "keyvault" in lower or "getsecret" in lower:
        for m in _FETCHED_RE.finditer(text):
            ev = read_evidence(
                source.line_of(m.start()),
                m.group("var"),
                f"{m.group('var')} = ...",
                "read from a secret store",
            )
            if ev is not None:
                yield ev
    if "secret" in lower or "password" in lower or "key" in lower:
        for m in _HANDED_ON_RE.finditer(text):
            name = m.group("a") or m.group("b")
            named = setting_names.rule_for(name)
            facts = (named.service, named.kind) if named else None
            if facts is None and name and re.search(r"(?i)secret|password", name):
                facts = secret_name(name)
            if facts is not None:
                yield Evidence(
                    line=source.line_of(m.start()),
                    role=EvidenceRole.CODE_CONSUMER,
                    name=name,
                    service=facts[0],
                    kind=facts[1],
                    value_class=V.REFERENCE,
                    preview=f'{{"{name}", ...}}',
                    note="a secret handed on as a setting",
                    method="slot",
                )
    if "console" in lower or "log" in lower:
        yield from _printed(source, text)


def _printed(source: SourceFile, text: str) -> Iterator[Evidence]:
    for m in _PRINT_RE.finditer(text):
        end = text.find(";", m.end())
        args = text[m.end() : end if end != -1 and end - m.end() < 400 else m.end() + 400]
        if _PRINTED_SECRET_RE.search(args) is None:
            continue
        yield Evidence(
            line=source.line_of(m.start()),
            role=EvidenceRole.CODE_CONSUMER,
            service=S.GENERIC,
            kind=K.GENERIC_SECRET,
            value_class=V.REFERENCE,
            preview="a secret written to the console or the log",
            note="a secret written to the console or the log",
            method="print",
        )
