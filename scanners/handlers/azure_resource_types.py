"""Azure resource types as templates write them (`Microsoft.Storage/storageAccounts`), the service
behind each, and the kind of key its `list*()` calls return; for the Bicep and ARM handlers.

The two tables came from the two handlers and still differ in places (Application Insights keys,
databases, Notification Hubs); they stand side by side so that they can be reconciled on purpose.
"""

from __future__ import annotations

import re

from scanners.records import CredentialKind, ServiceType

S = ServiceType
K = CredentialKind

# Resource provider (lower-case prefix of the type) -> service, as Bicep declares resources.
RESOURCE_PROVIDERS: tuple[tuple[str, ServiceType], ...] = (
    ("microsoft.storage/", S.STORAGE),
    ("microsoft.servicebus/", S.SERVICE_BUS),
    ("microsoft.eventhub/", S.EVENT_HUBS),
    ("microsoft.documentdb/", S.COSMOS_DB),
    ("microsoft.cache/", S.REDIS),
    ("microsoft.search/", S.AI_SEARCH),
    ("microsoft.cognitiveservices/", S.COGNITIVE_SERVICES),
    ("microsoft.containerregistry/", S.CONTAINER_REGISTRY),
    ("microsoft.signalrservice/webpubsub", S.WEB_PUBSUB),
    ("microsoft.signalrservice/", S.SIGNALR),
    ("microsoft.appconfiguration/", S.APP_CONFIGURATION),
    ("microsoft.eventgrid/", S.EVENT_GRID),
    ("microsoft.insights/components", S.APPLICATION_INSIGHTS),
    ("microsoft.dbforpostgresql/", S.POSTGRESQL),
    ("microsoft.dbformysql/", S.MYSQL),
    ("microsoft.sql/", S.SQL),
)

# The kind of key a `list*()` call returns for a service (an access key for any other).
LIST_KEYS_KINDS: dict[ServiceType, CredentialKind] = {
    S.STORAGE: K.ACCOUNT_KEY,
    S.SERVICE_BUS: K.SHARED_ACCESS_KEY,
    S.EVENT_HUBS: K.SHARED_ACCESS_KEY,
    S.COSMOS_DB: K.ACCOUNT_KEY,
    S.COSMOS_MONGO: K.ACCOUNT_KEY,
    S.REDIS: K.ACCESS_KEY,
    S.AI_SEARCH: K.API_KEY,
    S.COGNITIVE_SERVICES: K.API_KEY,
    S.OPENAI: K.API_KEY,
    S.CONTAINER_REGISTRY: K.ADMIN_PASSWORD,
    S.SIGNALR: K.ACCESS_KEY,
    S.WEB_PUBSUB: K.ACCESS_KEY,
    S.APP_CONFIGURATION: K.ACCESS_KEY,
    S.EVENT_GRID: K.ACCESS_KEY,
    S.APPLICATION_INSIGHTS: K.INSTRUMENTATION_KEY,
}

# Words in a symbol name that hint at a service, when its type is not declared in this file.
SYMBOL_NAME_HINTS: tuple[tuple[re.Pattern[str], ServiceType], ...] = (
    (re.compile(r"storage|blob|(^|_)sa($|_)|stg", re.I), S.STORAGE),
    (re.compile(r"service_?bus|(^|_)sb", re.I), S.SERVICE_BUS),
    (re.compile(r"event_?hub", re.I), S.EVENT_HUBS),
    (re.compile(r"cosmos|documentdb", re.I), S.COSMOS_DB),
    (re.compile(r"redis|cache", re.I), S.REDIS),
    (re.compile(r"search", re.I), S.AI_SEARCH),
    (re.compile(r"openai|aoai", re.I), S.OPENAI),
    (re.compile(r"cognitive|speech|vision|language|translator", re.I), S.COGNITIVE_SERVICES),
    (re.compile(r"registry|acr", re.I), S.CONTAINER_REGISTRY),
    (re.compile(r"signalr", re.I), S.SIGNALR),
    (re.compile(r"pubsub", re.I), S.WEB_PUBSUB),
    (re.compile(r"app_?config", re.I), S.APP_CONFIGURATION),
    (re.compile(r"event_?grid|topic", re.I), S.EVENT_GRID),
)


def service_for_type(rtype: str) -> ServiceType | None:
    t = rtype.lower()
    for prefix, service in RESOURCE_PROVIDERS:
        if t.startswith(prefix):
            return service
    return None


def service_from_identifier(name: str) -> ServiceType | None:
    for pattern, service in SYMBOL_NAME_HINTS:
        if pattern.search(name):
            return service
    return None


# ARM templates: provider prefix (lower case) -> service and the kind of key a list* call returns.
ARM_LIST_KEYS_PROVIDERS: tuple[tuple[str, ServiceType, CredentialKind], ...] = (
    ("microsoft.storage", S.STORAGE, K.ACCOUNT_KEY),
    ("microsoft.servicebus", S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    ("microsoft.eventhub", S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    ("microsoft.documentdb", S.COSMOS_DB, K.ACCOUNT_KEY),
    ("microsoft.cache", S.REDIS, K.ACCESS_KEY),
    ("microsoft.search", S.AI_SEARCH, K.API_KEY),
    ("microsoft.cognitiveservices", S.COGNITIVE_SERVICES, K.API_KEY),
    ("microsoft.containerregistry", S.CONTAINER_REGISTRY, K.ADMIN_PASSWORD),
    ("microsoft.signalrservice/webpubsub", S.WEB_PUBSUB, K.ACCESS_KEY),
    ("microsoft.signalrservice", S.SIGNALR, K.ACCESS_KEY),
    ("microsoft.appconfiguration", S.APP_CONFIGURATION, K.ACCESS_KEY),
    ("microsoft.eventgrid", S.EVENT_GRID, K.ACCESS_KEY),
    ("microsoft.insights", S.APPLICATION_INSIGHTS, K.API_KEY),
    ("microsoft.notificationhubs", S.GENERIC, K.SHARED_ACCESS_KEY),
    ("microsoft.web", S.GENERIC, K.API_KEY),
)


def provider_for(resource_type: str) -> tuple[ServiceType, CredentialKind] | None:
    rt = resource_type.lower()
    for prefix, service, kind in ARM_LIST_KEYS_PROVIDERS:
        if rt.startswith(prefix):
            return service, kind
    return None
