"""What the scanner needs to know about each Azure service: how to recognise its endpoints and
what the managed-identity replacement looks like, in one sentence for the audit record.

Role names and GUIDs here are from `shared/reference/azure-services.md` ([ROLE] items) and are
pinned by tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanners.records import ManagedIdentitySupport, ServiceType


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    service: ServiceType
    display_name: str
    can_use_managed_identity: ManagedIdentitySupport
    replacement: str


_YES = ManagedIdentitySupport.YES
_NO = ManagedIdentitySupport.NO
_REVIEW = ManagedIdentitySupport.REVIEW

SERVICES: dict[ServiceType, ServiceFacts] = {
    f.service: f
    for f in (
        ServiceFacts(
            ServiceType.STORAGE, "Azure Storage", _YES,
            "Use the account endpoint (https://<account>.blob|queue|table.core.windows.net) with a "
            "TokenCredential; Functions: <NAME>__serviceUri or __blobServiceUri + __queueServiceUri. "
            "Grant Storage Blob/Queue/Table Data Reader or Contributor on the account or container.",
        ),
        ServiceFacts(
            ServiceType.SERVICE_BUS, "Azure Service Bus", _YES,
            "Use the fully qualified namespace (<ns>.servicebus.windows.net) with a TokenCredential; "
            "Functions: <NAME>__fullyQualifiedNamespace. Grant Azure Service Bus Data Sender and/or "
            "Data Receiver on the queue, topic or namespace.",
        ),
        ServiceFacts(
            ServiceType.EVENT_HUBS, "Azure Event Hubs", _YES,
            "Use the fully qualified namespace and hub name with a TokenCredential; Functions: "
            "<NAME>__fullyQualifiedNamespace. Grant Azure Event Hubs Data Sender and/or Data Receiver "
            "(and blob roles on the checkpoint store).",
        ),
        ServiceFacts(
            ServiceType.COSMOS_DB, "Azure Cosmos DB for NoSQL", _YES,
            "Use the account endpoint (https://<account>.documents.azure.com:443/) with a "
            "TokenCredential; Functions: <NAME>__accountEndpoint. Grant the Cosmos DB Built-in Data "
            "Reader or Contributor SQL role (Cosmos DB data-plane RBAC, not ARM).",
        ),
        ServiceFacts(
            ServiceType.COSMOS_MONGO, "Azure Cosmos DB for MongoDB", _NO,
            "MongoDB drivers cannot authenticate with Microsoft Entra ID: keep the secret out of code "
            "and settings (Key Vault reference read by the app's managed identity) and rotate it, or "
            "review a move to the NoSQL API or vCore with Entra ID.",
        ),
        ServiceFacts(
            ServiceType.SQL, "Azure SQL Database", _YES,
            "Use Authentication=Active Directory Default (or Active Directory Managed Identity with "
            "User Id=<client id> for a user-assigned identity) and no password; create a contained "
            "user FROM EXTERNAL PROVIDER with db_datareader / db_datawriter.",
        ),
        ServiceFacts(
            ServiceType.POSTGRESQL, "Azure Database for PostgreSQL flexible server", _YES,
            "Connect with an Entra token (scope https://ossrdbms-aad.database.windows.net/.default) "
            "as the password and the identity's role name as the user; create the role with "
            "pgaadauth_create_principal.",
        ),
        ServiceFacts(
            ServiceType.MYSQL, "Azure Database for MySQL flexible server", _YES,
            "Connect with an Entra token (scope https://ossrdbms-aad.database.windows.net/.default) "
            "as the password over the clear-text plugin with TLS; create the user with CREATE "
            "AADUSER ... IDENTIFIED BY '<client id>'.",
        ),
        ServiceFacts(
            ServiceType.REDIS, "Azure Cache for Redis", _YES,
            "Use Microsoft Entra authentication (Microsoft.Azure.StackExchangeRedis / redis-entraid) "
            "with a Data Reader or Data Contributor access policy assignment, then disable access "
            "keys.",
        ),
        ServiceFacts(
            ServiceType.APP_CONFIGURATION, "Azure App Configuration", _YES,
            "Use the endpoint (https://<store>.azconfig.io) with a TokenCredential; grant App "
            "Configuration Data Reader.",
        ),
        ServiceFacts(
            ServiceType.SIGNALR, "Azure SignalR Service", _YES,
            "Use Endpoint=https://<name>.service.signalr.net;AuthType=azure.msi;Version=1.0; (add "
            "ClientId=<client id> for a user-assigned identity); grant SignalR App Server.",
        ),
        ServiceFacts(
            ServiceType.WEB_PUBSUB, "Azure Web PubSub", _YES,
            "Use the endpoint with a TokenCredential (WebPubSubServiceClient(endpoint, hub, "
            "credential)); grant Web PubSub Service Owner.",
        ),
        ServiceFacts(
            ServiceType.EVENT_GRID, "Azure Event Grid", _YES,
            "Use EventGridPublisherClient(endpoint, credential) with a TokenCredential; grant "
            "EventGrid Data Sender on the topic or domain.",
        ),
        ServiceFacts(
            ServiceType.APPLICATION_INSIGHTS, "Application Insights", _YES,
            "Keep the connection string as a locator and add APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
            "=Authorization=AAD (ClientId=<client id> for a user-assigned identity); grant Monitoring "
            "Metrics Publisher, then disable local auth.",
        ),
        ServiceFacts(
            ServiceType.OPENAI, "Azure OpenAI", _YES,
            "Use azure_ad_token_provider=get_bearer_token_provider(credential, "
            "\"https://cognitiveservices.azure.com/.default\") (or the SDK's TokenCredential "
            "overload) on the custom-subdomain endpoint; grant Cognitive Services OpenAI User.",
        ),
        ServiceFacts(
            ServiceType.COGNITIVE_SERVICES, "Azure AI services", _YES,
            "Use the custom-subdomain endpoint with a TokenCredential; grant the service's data role "
            "(e.g. Cognitive Services User) and disable local auth.",
        ),
        ServiceFacts(
            ServiceType.AI_SEARCH, "Azure AI Search", _YES,
            "Enable RBAC on the search service, use SearchClient(endpoint, index, credential); grant "
            "Search Index Data Reader or Contributor.",
        ),
        ServiceFacts(
            ServiceType.CONTAINER_REGISTRY, "Azure Container Registry", _YES,
            "Pull with the app's managed identity (acrUseManagedIdentityCreds) and grant AcrPull; "
            "then disable the admin user.",
        ),
        ServiceFacts(
            ServiceType.ENTRA_ID, "Microsoft Entra ID (service principal secret)", _YES,
            "Replace the client secret with ManagedIdentityCredential (or workload identity "
            "federation in CI); remove AZURE_CLIENT_SECRET so DefaultAzureCredential stops picking "
            "the service principal.",
        ),
        ServiceFacts(
            ServiceType.KEY_VAULT, "Azure Key Vault", _YES,
            "Read the secret with the app's managed identity (Key Vault Secrets User on an RBAC "
            "vault); where the target service supports Entra ID, remove the secret altogether.",
        ),
        ServiceFacts(
            ServiceType.GENERIC, "Unrecognised secret", _REVIEW,
            "Identify the service this secret belongs to; move it to Key Vault or replace it with a "
            "managed identity if the service supports Entra ID.",
        ),
    )
}


# Host suffixes that identify a service, most specific first.
_HOST_SUFFIXES: tuple[tuple[str, ServiceType], ...] = (
    (".blob.core.windows.net", ServiceType.STORAGE),
    (".queue.core.windows.net", ServiceType.STORAGE),
    (".table.core.windows.net", ServiceType.STORAGE),
    (".file.core.windows.net", ServiceType.STORAGE),
    (".dfs.core.windows.net", ServiceType.STORAGE),
    (".core.chinacloudapi.cn", ServiceType.STORAGE),
    (".core.usgovcloudapi.net", ServiceType.STORAGE),
    (".servicebus.windows.net", ServiceType.SERVICE_BUS),
    (".servicebus.chinacloudapi.cn", ServiceType.SERVICE_BUS),
    (".servicebus.usgovcloudapi.net", ServiceType.SERVICE_BUS),
    (".mongo.cosmos.azure.com", ServiceType.COSMOS_MONGO),
    (".mongocluster.cosmos.azure.com", ServiceType.COSMOS_MONGO),
    (".documents.azure.com", ServiceType.COSMOS_DB),
    (".documents.azure.cn", ServiceType.COSMOS_DB),
    (".database.windows.net", ServiceType.SQL),
    (".database.chinacloudapi.cn", ServiceType.SQL),
    (".database.usgovcloudapi.net", ServiceType.SQL),
    (".postgres.database.azure.com", ServiceType.POSTGRESQL),
    (".mysql.database.azure.com", ServiceType.MYSQL),
    (".redis.cache.windows.net", ServiceType.REDIS),
    (".redis.azure.net", ServiceType.REDIS),
    (".redisenterprise.cache.azure.net", ServiceType.REDIS),
    (".azconfig.io", ServiceType.APP_CONFIGURATION),
    (".service.signalr.net", ServiceType.SIGNALR),
    (".webpubsub.azure.com", ServiceType.WEB_PUBSUB),
    (".eventgrid.azure.net", ServiceType.EVENT_GRID),
    (".in.applicationinsights.azure.com", ServiceType.APPLICATION_INSIGHTS),
    (".applicationinsights.azure.com", ServiceType.APPLICATION_INSIGHTS),
    (".openai.azure.com", ServiceType.OPENAI),
    (".cognitiveservices.azure.com", ServiceType.COGNITIVE_SERVICES),
    (".services.ai.azure.com", ServiceType.COGNITIVE_SERVICES),
    (".api.cognitive.microsoft.com", ServiceType.COGNITIVE_SERVICES),
    (".search.windows.net", ServiceType.AI_SEARCH),
    (".azurecr.io", ServiceType.CONTAINER_REGISTRY),
    (".vault.azure.net", ServiceType.KEY_VAULT),
)


def service_for_host(host: str | None) -> ServiceType | None:
    if not host:
        return None
    h = host.lower().rstrip(".")
    for suffix, service in _HOST_SUFFIXES:
        if h.endswith(suffix):
            return service
    return None


def first_label(host: str | None) -> str | None:
    """`contoso.blob.core.windows.net` → `contoso`."""
    if not host:
        return None
    return host.split(".", 1)[0].lower() or None


_LOCAL_HOST_RE = re.compile(
    r"^(?:localhost|127\.\d+\.\d+\.\d+|\[?::1\]?|0\.0\.0\.0|host\.docker\.internal|"
    r"[A-Za-z][A-Za-z0-9_\-]*)$"
)


def is_local_host(host: str | None) -> bool:
    """Loopback, Docker's host alias, or a single-label name (a compose service such as `db`)."""
    if not host:
        return False
    h = host.lower().strip("[]")
    h = h.removeprefix("tcp:").split(",")[0].split("\\")[0]
    return bool(_LOCAL_HOST_RE.match(h))


def facts(service: ServiceType) -> ServiceFacts:
    return SERVICES[service]
