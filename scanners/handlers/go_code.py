"""Go: the code that reads or uses a secret-based connection.

Read with regular expressions over the text (no Go parser is needed for these shapes):

* environment lookups: `os.Getenv("X")`, `os.LookupEnv("X")` (kept by linking when the name
  says it holds a connection or a key);
* key-based credentials and clients: `azcosmos.NewKeyCredential(key)`,
  `azblob.NewSharedKeyCredential(account, key)`, `X.NewClientFromConnectionString(conn, ...)`,
  `azidentity.NewClientSecretCredential(tenant, client, secret, ...)`, `amqp.SASLTypePlain(user,
  password)`;
* management calls that fetch keys: `client.ListKeys(...)`, `client.ListConnectionStrings(...)`;
* struct fields and settings that carry a secret from a variable: `Password: mongoPassword`,
  `Secret: to.Ptr(clientSecret)`, `StorageAccountAccessKey: to.Ptr(accessKey)`,
  `config.Net.SASL.Password = ...`, `"sasl.password": ...`.

Literal values on those lines (`AdministratorLoginPassword: to.Ptr("...")`) are the line
scanner's: it reads the name through the `to.Ptr(` wrapper and hands the value to the classifier.
Previews hold identifiers only, never string literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers import go_keys
from scanners.handlers.code_evidence import literal_evidence, lookup_evidence
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass

_KEYWORDS_RE = re.compile(
    r"Getenv|LookupEnv|KeyCredential|ConnectionString|ClientSecret|SASLTypePlain|ListKeys|"
    r"Password|Secret|AccessKey|SharedKey|MasterKey|Authorizer|ClientCredentialsConfig|EndpointKey|"
    r"Ocp-Apim|subscription-key|PASTE_|ApplyURI|SecretParameters|[Kk]eys\["
)
_ENV_RE = re.compile(r"""\bos\.(?:Getenv|LookupEnv)\(\s*"([A-Za-z_][\w.\-]{0,120})"\s*\)""")

# Package (import name) -> service.
_PACKAGES: dict[str, ServiceType] = {
    "azcosmos": S.COSMOS_DB,
    "armcosmos": S.COSMOS_DB,
    "azblob": S.STORAGE,
    "azqueue": S.STORAGE,
    "aztables": S.STORAGE,
    "azfile": S.STORAGE,
    "azdatalake": S.STORAGE,
    "armstorage": S.STORAGE,
    "azservicebus": S.SERVICE_BUS,
    "armservicebus": S.SERVICE_BUS,
    "azeventhubs": S.EVENT_HUBS,
    "armeventhub": S.EVENT_HUBS,
    "azeventgrid": S.EVENT_GRID,
    "publisher": S.EVENT_GRID,
    "armeventgrid": S.EVENT_GRID,
    "azopenai": S.OPENAI,
    "azsearch": S.AI_SEARCH,
    "azidentity": S.ENTRA_ID,
    "armredis": S.REDIS,
    "armsql": S.SQL,
    "armpostgresql": S.POSTGRESQL,
    "armpostgresqlflexibleservers": S.POSTGRESQL,
    "armmysql": S.MYSQL,
    "armmysqlflexibleservers": S.MYSQL,
    "armappplatform": S.GENERIC,
    "armapimanagement": S.GENERIC,
    "armoperationalinsights": S.GENERIC,
    "amqp": S.SERVICE_BUS,
}
_CALL_RE = re.compile(
    r"\b(?P<pkg>[a-z][a-z0-9]*)\.(?P<fn>NewKeyCredential|NewSharedKeyCredential|NewClientFromConnectionString|"
    r"NewClientSecretCredential|SASLTypePlain|NewSharedKeyCredentialFromConnectionString|"
    r"NewProducerClientFromConnectionString|NewConsumerClientFromConnectionString|"
    r"NewServiceClientFromConnectionString)\s*\("
)
_KIND_OF_FN: dict[str, CredentialKind] = {
    "NewKeyCredential": K.ACCOUNT_KEY,
    "NewSharedKeyCredential": K.ACCOUNT_KEY,
    "NewClientSecretCredential": K.CLIENT_SECRET,
    "SASLTypePlain": K.PASSWORD,
}
_FETCH_RE = re.compile(
    r"\b(?P<recv>[A-Za-z_]\w*)\.(?P<fn>ListKeys|ListConnectionStrings|ListCredentials)\s*\("
)
_FIELD_RE = re.compile(
    r"""(?:^|[\s{,(.])(?P<field>"?(?:[A-Za-z_][\w.]*)?(?:Password|Secret|AccessKey|AccountKey|SharedKey|MasterKey|"""
    r"""password|secret)"?)\s*(?::|=|:=)\s*(?:to\.Ptr\(|&)?(?P<var>[A-Za-z_][\w.]*)\s*(?:\(|[,)}\n])""",
    re.M,
)
# `Password: to.Ptr("literal")` in resource-creation code: the literal goes to the classifier.
_FIELD_LITERAL_RE = re.compile(
    r"""\b(?P<field>(?:[A-Za-z_]\w*)?(?:Password|Secret|AccessKey|AccountKey|SharedKey|MasterKey))\s*:\s*"""
    r"""to\.Ptr\(\s*"(?P<value>(?:[^"\\\n]|\\.){1,512})"\s*\)"""
)
_NOT_VARIABLES = frozenset({"nil", "true", "false", "to", "string", "os", "fmt"})


def _file_service(text: str, management: bool = False) -> ServiceType | None:
    """The service of the first Azure SDK package the file imports (with `management`, the first
    resource-manager package: the one whose clients list keys), if any."""
    for m in re.finditer(r'"github\.com/Azure/azure-sdk-for-go/sdk/[\w/\-]*?/(\w+)(?:/v\d+)?"', text):
        if management and not m.group(1).startswith("arm"):
            continue
        service = _PACKAGES.get(m.group(1))
        if service is not None and service is not S.ENTRA_ID:
            return service
    return None


class GoCodeHandler:
    name = "go-code"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() == ".go"

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        text = source.text
        if not _KEYWORDS_RE.search(text):
            return
        line_of = source.line_of
        for m in _ENV_RE.finditer(text):
            yield lookup_evidence(line_of(m.start()), m.group(1), f'os.Getenv("{m.group(1)}")')
        file_service = _file_service(text)
        for m in _CALL_RE.finditer(text):
            pkg, fn = m.group("pkg"), m.group("fn")
            service = _PACKAGES.get(pkg) or file_service or S.GENERIC
            if fn == "NewClientSecretCredential":
                service = S.ENTRA_ID
            yield Evidence(
                line=line_of(m.start()),
                role=EvidenceRole.CODE_CONSUMER,
                service=service,
                kind=_KIND_OF_FN.get(fn, K.CONNECTION_STRING),
                value_class=V.REFERENCE,
                preview=f"{pkg}.{fn}(...)",
                method="ctor",
            )
        for m in _FETCH_RE.finditer(text):
            recv, fn = m.group("recv"), m.group("fn")
            service = setting_names.service_hint(recv) or _file_service(text, True) or S.GENERIC
            yield Evidence(
                line=line_of(m.start()),
                role=EvidenceRole.CODE_CONSUMER,
                service=service,
                kind=K.ACCOUNT_KEY if fn == "ListKeys" else K.CONNECTION_STRING,
                value_class=V.REFERENCE,
                preview=f"{recv}.{fn}(...)",
                method="key-fetch",
                note="the program fetches keys at run time",
            )
        for m in _FIELD_RE.finditer(text):
            var = m.group("var")
            if var in _NOT_VARIABLES or var.startswith(("fmt.", "to.")):
                continue
            field = m.group("field").strip('"')
            leaf = field.rsplit(".", 1)[-1]
            rule = setting_names.rule_for(leaf)
            service = (
                rule.service if rule else (setting_names.service_hint(field) or file_service or S.GENERIC)
            )
            kind = rule.kind if rule else (K.PASSWORD if "assword" in leaf else K.ACCESS_KEY)
            if "ecret" in leaf and rule is None:
                service, kind = S.ENTRA_ID, K.CLIENT_SECRET
            yield Evidence(
                line=line_of(m.start("field")),
                role=EvidenceRole.CODE_CONSUMER,
                service=service,
                kind=kind,
                value_class=V.REFERENCE,
                preview=f"{field}: {var}",
                method="field",
            )
        for m in _FIELD_LITERAL_RE.finditer(text):
            field = m.group("field")
            rule = setting_names.rule_for(field)
            service = rule.service if rule else (_file_service(text, True) or file_service or S.GENERIC)
            kind = rule.kind if rule else (K.ADMIN_PASSWORD if "assword" in field else K.ACCESS_KEY)
            ev = literal_evidence(
                line_of(m.start("value")),
                m.group("value"),
                None,
                service,
                kind,
                f"{field}: to.Ptr(...)",
                "field-literal",
                note="a literal credential for a resource the program creates",
            )
            if ev is not None:
                yield ev
        yield from go_keys.evidence(source, file_service)
