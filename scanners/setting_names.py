"""What a setting's *name* says about its value.

Names are normalised (case-folded, `:` `__` `.` `-` separators collapsed to `_`) before matching,
so `ConnectionStrings:Storage`, `ConnectionStrings__Storage` and `connectionstrings.storage` are
one name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scanners.records import CredentialKind, ServiceType
from scanners.third_party import VENDORS, vendor_of_name


@lru_cache(maxsize=8192)
def normalise(name: str) -> str:
    n = name.strip().strip("\"'").lower()
    n = re.sub(r"__|[:.\-\s/\\\[\]]+", "_", n)
    return re.sub(r"_+", "_", n).strip("_")


@lru_cache(maxsize=8192)
def leaf(name: str) -> str:
    """The last segment of a hierarchical name: `Values:AzureWebJobsStorage` → `azurewebjobsstorage`."""
    parts = re.split(r"__|[:.]", name.strip())
    return parts[-1].lower() if parts else name.lower()


@dataclass(frozen=True, slots=True)
class NameRule:
    pattern: re.Pattern[str]
    service: ServiceType
    kind: CredentialKind


def _r(pattern: str, service: ServiceType, kind: CredentialKind) -> NameRule:
    return NameRule(re.compile(pattern), service, kind)


S = ServiceType
K = CredentialKind

# Matched against the normalised name; first match wins.  Only Azure-specific names: generic
# `password` / `secret` keys are left to the generic detector.  Third-party credentials come first,
# so that `BingSearch:Key` or `Google:ClientSecret` never pass for Azure AI Search or Entra ID.
SECRET_NAME_RULES: tuple[NameRule, ...] = (
    *(_r(v.secret, S.THIRD_PARTY, v.kind) for v in VENDORS),
    _r(
        r"(^|_)azure_client_secret$|(^|_)client_?secret$|(^|_)clientsecret(_|$)|aad_?secret|"
        r"(^|_)(app|application)_?secret$|(^|_)(sp|service_?principal)_?(secret|password)$|arm_client_secret|"
        r"(^|_)azure_credentials$",  # the service-principal JSON of azure/login, secret included
        S.ENTRA_ID,
        K.CLIENT_SECRET,
    ),
    _r(r"azure_client_certificate_password|(^|_)azure_password$", S.ENTRA_ID, K.PASSWORD),
    # App Service publishing (basic-auth deployment) credentials: `userPWD` of a `.PublishSettings`
    # file or the publish-profile XML a CI secret holds.  Not a data-plane connection: deploy with
    # an OpenID Connect login and switch basic-auth publishing off.
    _r(r"(^|_)user_?pwd$|publishing_?password|(^|_)publish_?profile$", S.GENERIC, K.PASSWORD),
    _r(
        r"docker_registry_server_password|(^|_)(acr|registry|container_?registry)_?(admin_?)?password",
        S.CONTAINER_REGISTRY,
        K.ADMIN_PASSWORD,
    ),
    _r(
        r"appinsights_instrumentationkey|instrumentation_?key|(^|_)app_?insights_?key$",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
    ),
    _r(
        r"applicationinsights_connection_?string|app_?insights.*connection",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
    ),
    _r(r"openai.*(api_?)?key|(^|_)aoai_?(api_?)?key", S.OPENAI, K.API_KEY),
    _r(r"search.*(api|admin|query)_?key|search_?key", S.AI_SEARCH, K.API_KEY),
    _r(
        r"ocp_apim_subscription_key|cognitive.*key|(^|_)(speech|translator|vision|language|"
        r"content_?safety|form_?recognizer|document_?intelligence|ai_?services|azure_ai)(_?service)?_?(api_?)?key$",
        S.COGNITIVE_SERVICES,
        K.API_KEY,
    ),
    _r(r"event_?grid.*(key|sas)|aeg_sas_(key|token)", S.EVENT_GRID, K.ACCESS_KEY),
    # Kafka clients of Event Hubs: the SASL password is the namespace's connection string.
    _r(r"(^|_)sasl_password$|(^|_)saslpassword$", S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    _r(r"signalr.*(key|connection)", S.SIGNALR, K.ACCESS_KEY),
    _r(r"web_?pubsub.*(key|connection)", S.WEB_PUBSUB, K.ACCESS_KEY),
    _r(r"app_?config(uration)?.*(connection|secret)", S.APP_CONFIGURATION, K.ACCESS_KEY),
    _r(r"cosmos.*mongo|mongo.*(connection|uri|url)", S.COSMOS_MONGO, K.CONNECTION_STRING),
    _r(r"cosmos.*(key|connection|secret)|documentdb.*(key|connection)", S.COSMOS_DB, K.ACCOUNT_KEY),
    # `masterKey` is Cosmos DB's own word for its account key (the legacy SDKs' auth dictionary).
    _r(r"(^|_)master_?key$", S.COSMOS_DB, K.ACCOUNT_KEY),
    _r(r"event_?hubs?.*(key|connection|sas)", S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    _r(r"service_?bus.*(key|connection|sas)|(^|_)sb_.*(key|connection)", S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    _r(r"redis.*(password|key|connection|secret)", S.REDIS, K.ACCESS_KEY),
    _r(
        r"(^|_)pg_?password$|postgres.*password|postgresql.*password|npgsql.*password",
        S.POSTGRESQL,
        K.PASSWORD,
    ),
    _r(r"mysql.*password", S.MYSQL, K.PASSWORD),
    _r(r"^spring_(datasource(_\w+)?|r2dbc|flyway|liquibase)_password$", S.SQL, K.PASSWORD),
    _r(
        r"(^|_)(mssql_)?sa_password$|(^|_)(sql|mssql|azure_sql|sqlserver|sql_server|db)_?"
        r"(admin_?)?password$|administrator_?login_?password",
        S.SQL,
        K.PASSWORD,
    ),
    _r(
        r"azurewebjobsstorage$|azurewebjobsdashboard$|website_contentazurefileconnectionstring",
        S.STORAGE,
        K.ACCOUNT_KEY,
    ),
    _r(
        r"storage.*(account_?)?key|(^|_)account_?key$|azure_storage_key|storage.*connection|"
        r"storage.*sas|(^|_)sas_?(token|url|uri)$|blob.*(sas|connection|key)",
        S.STORAGE,
        K.ACCOUNT_KEY,
    ),
)

# Setting-name suffixes that are the identity-based (passwordless) form of a connection.
IDENTITY_SUFFIXES: dict[str, ServiceType | None] = {
    "serviceuri": S.STORAGE,
    "blobserviceuri": S.STORAGE,
    "queueserviceuri": S.STORAGE,
    "tableserviceuri": S.STORAGE,
    "accountname": S.STORAGE,
    "fullyqualifiednamespace": S.SERVICE_BUS,
    "accountendpoint": S.COSMOS_DB,
    "credential": None,
    "clientid": None,
    "managedidentityresourceid": None,
}

_IDENTITY_SUFFIX_RE = re.compile(r"__(" + "|".join(IDENTITY_SUFFIXES) + r")$", re.I)


def identity_suffix(name: str) -> tuple[str, str] | None:
    """`MyQueue__serviceUri` → (`MyQueue`, `serviceuri`)."""
    m = _IDENTITY_SUFFIX_RE.search(name.strip())
    if not m:
        return None
    return name[: m.start()], m.group(1).lower()


@lru_cache(maxsize=8192)
def rule_for(name: str | None) -> NameRule | None:
    if not name:
        return None
    n = _NOT_CREDENTIAL_WORDS_RE.sub("_", normalise(name))
    for rule in SECRET_NAME_RULES:
        if rule.pattern.search(n):
            return rule
    return None


# Words that start with a credential word but mean something else: `twitter_keywords`,
# `keyboard_layout`, `tokenizer_path` hold no key, token or secret.
_NOT_CREDENTIAL_WORDS_RE = re.compile(
    r"key(?:words?|board|stroke|space|frame|pad|note)s?|token(?:izer|ize|ization)|secretary"
)


@lru_cache(maxsize=8192)
def service_hint(name: str | None) -> ServiceType | None:
    """A weak hint from any name, used to split Service Bus from Event Hubs and similar."""
    if not name:
        return None
    n = normalise(name)
    if vendor_of_name(n) is not None:
        return S.THIRD_PARTY
    if re.search(r"event_?hubs?|(^|_)eh_", n):
        return S.EVENT_HUBS
    if re.search(r"service_?bus|(^|_)sb_", n):
        return S.SERVICE_BUS
    rule = rule_for(name)
    if rule:
        return rule.service
    for pattern, service in _KEYWORD_HINTS:
        if pattern.search(n):
            return service
    return None


_KEYWORD_HINTS: tuple[tuple[re.Pattern[str], ServiceType], ...] = tuple(
    (re.compile(p), s)
    for p, s in (
        (r"cosmos|documentdb", S.COSMOS_DB),
        (r"mongo", S.COSMOS_MONGO),
        (r"redis", S.REDIS),
        (r"postgres|(^|_)pg_", S.POSTGRESQL),
        (r"mysql", S.MYSQL),
        (r"(^|_)(sql|mssql|sqlserver|database|db)(_|$)", S.SQL),
        (r"storage|blob|queue|table|azurewebjobs", S.STORAGE),
        (r"app_?config", S.APP_CONFIGURATION),
        (r"signalr", S.SIGNALR),
        (r"pubsub", S.WEB_PUBSUB),
        (r"eventgrid|event_grid", S.EVENT_GRID),
        (r"openai|aoai", S.OPENAI),
        (r"search", S.AI_SEARCH),
        (r"insights", S.APPLICATION_INSIGHTS),
        (r"registry|acr", S.CONTAINER_REGISTRY),
        (r"key_?vault", S.KEY_VAULT),
    )
)


_CONNECTIONISH_RE = re.compile(
    r"connection_?strings?|conn_?str|connection$|_connection_|(^|_)(dsn|database_url|db_url)$"
)


@lru_cache(maxsize=8192)
def is_connection_name(name: str | None) -> bool:
    return bool(name) and bool(_CONNECTIONISH_RE.search(normalise(name or "")))
