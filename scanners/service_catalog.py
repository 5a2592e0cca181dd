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
            ServiceType.STORAGE,
            "Azure Storage",
            _YES,
            "Use the account endpoint (https://<account>.blob|queue|table.core.windows.net) with a "
            "TokenCredential; Functions: <NAME>__serviceUri or __blobServiceUri + __queueServiceUri. "
            "Grant Storage Blob/Queue/Table Data Reader or Contributor on the account or container.",
        ),
        ServiceFacts(
            ServiceType.SERVICE_BUS,
            "Azure Service Bus",
            _YES,
            "Use the fully qualified namespace (<ns>.servicebus.windows.net) with a TokenCredential; "
            "Functions: <NAME>__fullyQualifiedNamespace. Grant Azure Service Bus Data Sender and/or "
            "Data Receiver on the queue, topic or namespace.",
        ),
        ServiceFacts(
            ServiceType.EVENT_HUBS,
            "Azure Event Hubs",
            _YES,
            "Use the fully qualified namespace and hub name with a TokenCredential; Functions: "
            "<NAME>__fullyQualifiedNamespace. Grant Azure Event Hubs Data Sender and/or Data Receiver "
            "(and blob roles on the checkpoint store).",
        ),
        ServiceFacts(
            ServiceType.COSMOS_DB,
            "Azure Cosmos DB for NoSQL",
            _YES,
            "Use the account endpoint (https://<account>.documents.azure.com:443/) with a "
            "TokenCredential; Functions: <NAME>__accountEndpoint. Grant the Cosmos DB Built-in Data "
            "Reader or Contributor SQL role (Cosmos DB data-plane RBAC, not ARM).",
        ),
        ServiceFacts(
            ServiceType.COSMOS_MONGO,
            "Azure Cosmos DB for MongoDB",
            _NO,
            "MongoDB drivers cannot authenticate with Microsoft Entra ID: keep the secret out of code "
            "and settings (Key Vault reference read by the app's managed identity) and rotate it, or "
            "review a move to the NoSQL API or vCore with Entra ID.",
        ),
        ServiceFacts(
            ServiceType.SQL,
            "Azure SQL Database",
            _YES,
            "Use Authentication=Active Directory Default (or Active Directory Managed Identity with "
            "User Id=<client id> for a user-assigned identity) and no password; create a contained "
            "user FROM EXTERNAL PROVIDER with db_datareader / db_datawriter.",
        ),
        ServiceFacts(
            ServiceType.POSTGRESQL,
            "Azure Database for PostgreSQL flexible server",
            _YES,
            "Connect with an Entra token (scope https://ossrdbms-aad.database.windows.net/.default) "
            "as the password and the identity's role name as the user; create the role with "
            "pgaadauth_create_principal.",
        ),
        ServiceFacts(
            ServiceType.MYSQL,
            "Azure Database for MySQL flexible server",
            _YES,
            "Connect with an Entra token (scope https://ossrdbms-aad.database.windows.net/.default) "
            "as the password over the clear-text plugin with TLS; create the user with CREATE "
            "AADUSER ... IDENTIFIED BY '<client id>'.",
        ),
        ServiceFacts(
            ServiceType.REDIS,
            "Azure Cache for Redis",
            _YES,
            "Use Microsoft Entra authentication (Microsoft.Azure.StackExchangeRedis / redis-entraid) "
            "with a Data Reader or Data Contributor access policy assignment, then disable access "
            "keys.",
        ),
        ServiceFacts(
            ServiceType.APP_CONFIGURATION,
            "Azure App Configuration",
            _YES,
            "Use the endpoint (https://<store>.azconfig.io) with a TokenCredential; grant App "
            "Configuration Data Reader.",
        ),
        ServiceFacts(
            ServiceType.SIGNALR,
            "Azure SignalR Service",
            _YES,
            "Use Endpoint=https://<name>.service.signalr.net;AuthType=azure.msi;Version=1.0; (add "
            "ClientId=<client id> for a user-assigned identity); grant SignalR App Server.",
        ),
        ServiceFacts(
            ServiceType.WEB_PUBSUB,
            "Azure Web PubSub",
            _YES,
            "Use the endpoint with a TokenCredential (WebPubSubServiceClient(endpoint, hub, "
            "credential)); grant Web PubSub Service Owner.",
        ),
        ServiceFacts(
            ServiceType.EVENT_GRID,
            "Azure Event Grid",
            _YES,
            "Use EventGridPublisherClient(endpoint, credential) with a TokenCredential; grant "
            "EventGrid Data Sender on the topic or domain.",
        ),
        ServiceFacts(
            ServiceType.APPLICATION_INSIGHTS,
            "Application Insights",
            _YES,
            "Keep the connection string as a locator and add APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
            "=Authorization=AAD (ClientId=<client id> for a user-assigned identity); grant Monitoring "
            "Metrics Publisher, then disable local auth.",
        ),
        ServiceFacts(
            ServiceType.OPENAI,
            "Azure OpenAI",
            _YES,
            "Use azure_ad_token_provider=get_bearer_token_provider(credential, "
            '"https://cognitiveservices.azure.com/.default") (or the SDK\'s TokenCredential '
            "overload) on the custom-subdomain endpoint; grant Cognitive Services OpenAI User.",
        ),
        ServiceFacts(
            ServiceType.COGNITIVE_SERVICES,
            "Azure AI services",
            _YES,
            "Use the custom-subdomain endpoint with a TokenCredential; grant the service's data role "
            "(e.g. Cognitive Services User) and disable local auth.",
        ),
        ServiceFacts(
            ServiceType.AI_SEARCH,
            "Azure AI Search",
            _YES,
            "Enable RBAC on the search service, use SearchClient(endpoint, index, credential); grant "
            "Search Index Data Reader or Contributor.",
        ),
        ServiceFacts(
            ServiceType.CONTAINER_REGISTRY,
            "Azure Container Registry",
            _YES,
            "Pull with the app's managed identity (acrUseManagedIdentityCreds) and grant AcrPull; "
            "then disable the admin user.",
        ),
        ServiceFacts(
            ServiceType.ENTRA_ID,
            "Microsoft Entra ID (service principal secret)",
            _YES,
            "Replace the client secret with ManagedIdentityCredential (or workload identity "
            "federation in CI); remove AZURE_CLIENT_SECRET so DefaultAzureCredential stops picking "
            "the service principal.",
        ),
        ServiceFacts(
            ServiceType.KEY_VAULT,
            "Azure Key Vault",
            _YES,
            "Read the secret with the app's managed identity (Key Vault Secrets User on an RBAC "
            "vault); where the target service supports Entra ID, remove the secret altogether.",
        ),
        ServiceFacts(
            ServiceType.THIRD_PARTY,
            "Third-party service",
            _NO,
            "Third-party credential: no managed-identity replacement. Keep it in Key Vault, reference "
            "it from the app (a Key Vault reference read with the app's managed identity) and rotate "
            "it.",
        ),
        ServiceFacts(
            ServiceType.GENERIC,
            "Unrecognised secret",
            _REVIEW,
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


# `(localdb)` is SQL Server Express LocalDB and `(local)` / `.` the local default instance (SqlClient
# data source names): never an Azure resource [tests/data/azure-services.md, detection notes].
_LOCAL_HOST_RE = re.compile(
    r"^(?:localhost|127\.\d+\.\d+\.\d+|\[?::1\]?|0\.0\.0\.0|host\.docker\.internal|\(localdb\)|\(local\)|\.|"
    r"[A-Za-z][A-Za-z0-9_\-]*)$"
)


def is_local_host(host: str | None) -> bool:
    """Loopback, Docker's host alias, SQL Server LocalDB or the local instance, or a single-label name
    (a compose service such as `db`)."""
    if not host:
        return False
    h = host.lower().strip("[]")
    h = h.removeprefix("tcp:").split(",")[0].split("\\")[0]
    return bool(_LOCAL_HOST_RE.match(h))


def facts(service: ServiceType) -> ServiceFacts:
    return SERVICES[service]


# Built-in role names and GUIDs named in the replacements above ([ROLE] facts; pinned by tests
# against shared/reference/azure-services.md).
ROLE_GUIDS: dict[str, str] = {
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Queue Data Reader": "19e7f393-937e-4f77-808e-94535e297925",
    "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "Storage Queue Data Message Sender": "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
    "Storage Queue Data Message Processor": "8a0f0c08-91a1-4084-bc3d-661d67233fed",
    "Storage Table Data Reader": "76199698-9eea-4c19-bc75-cec21354c6b6",
    "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "Azure Service Bus Data Receiver": "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    "Azure Service Bus Data Sender": "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39",
    "Azure Event Hubs Data Receiver": "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
    "Azure Event Hubs Data Sender": "2b629674-e913-4c01-ae53-ef4638d8f975",
    "Cosmos DB Built-in Data Reader": "00000000-0000-0000-0000-000000000001",
    "Cosmos DB Built-in Data Contributor": "00000000-0000-0000-0000-000000000002",
    "App Configuration Data Reader": "516239f1-63e1-4d78-a4de-a74fb236a071",
    "App Configuration Data Owner": "5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "Search Index Data Reader": "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    "Search Index Data Contributor": "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "SignalR App Server": "420fcaa2-552c-430f-98ca-3264be4806c7",
    "EventGrid Data Sender": "d5a91429-5739-47e2-a06b-3470a27159e7",
}
