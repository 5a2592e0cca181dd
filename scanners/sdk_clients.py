"""The Azure SDK clients and credentials that the code handlers recognise, as data.

Which service a client class talks to, which credentials hold no secret, which argument of a
constructor, factory or key credential carries the secret, and which Azure Functions bindings
name a connection setting.  Facts that hold in every language (class-name prefixes, passwordless
credentials, the kind of key a service uses) are shared; the rest is keyed by the spelling of one
language's SDK and named after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanners.records import CredentialKind, ServiceType

S = ServiceType
K = CredentialKind

# Credentials that hold no secret of their own.
PASSWORDLESS_CREDENTIALS = frozenset(
    {
        "DefaultAzureCredential",
        "ManagedIdentityCredential",
        "WorkloadIdentityCredential",
        "AzureCliCredential",
        "AzureDeveloperCliCredential",
        "AzurePowerShellCredential",
        "ChainedTokenCredential",
        "InteractiveBrowserCredential",
        "DeviceCodeCredential",
        "VisualStudioCodeCredential",
        "SharedTokenCacheCredential",
        "AzurePipelinesCredential",
        "get_bearer_token_provider",
    }
)

# Client class name prefix -> service, most specific first.
CLIENT_CLASS_PREFIXES: tuple[tuple[str, ServiceType], ...] = (
    ("AzureAppConfiguration", S.APP_CONFIGURATION),
    ("AppConfiguration", S.APP_CONFIGURATION),
    ("ConfigurationClient", S.APP_CONFIGURATION),
    ("Blob", S.STORAGE),
    ("Container", S.STORAGE),
    ("Queue", S.STORAGE),
    ("Table", S.STORAGE),
    ("Share", S.STORAGE),
    ("DataLake", S.STORAGE),
    ("FileSystem", S.STORAGE),
    ("ServiceBus", S.SERVICE_BUS),
    ("EventHub", S.EVENT_HUBS),
    ("Cosmos", S.COSMOS_DB),
    ("SearchIndex", S.AI_SEARCH),
    ("Search", S.AI_SEARCH),
    ("EventGrid", S.EVENT_GRID),
    ("AzureOpenAI", S.OPENAI),
    ("AsyncAzureOpenAI", S.OPENAI),
    ("OpenAI", S.OPENAI),
    ("TextAnalytics", S.COGNITIVE_SERVICES),
    ("DocumentAnalysis", S.COGNITIVE_SERVICES),
    ("DocumentModelAdministration", S.COGNITIVE_SERVICES),
    ("DocumentIntelligence", S.COGNITIVE_SERVICES),
    ("FormRecognizer", S.COGNITIVE_SERVICES),
    ("FormTraining", S.COGNITIVE_SERVICES),
    ("ImageAnalysis", S.COGNITIVE_SERVICES),
    ("ContentSafety", S.COGNITIVE_SERVICES),
    ("Translat", S.COGNITIVE_SERVICES),
    ("Speech", S.COGNITIVE_SERVICES),
    ("ComputerVision", S.COGNITIVE_SERVICES),
    ("Face", S.COGNITIVE_SERVICES),
    ("QuestionAnswering", S.COGNITIVE_SERVICES),
    ("ConversationAnalysis", S.COGNITIVE_SERVICES),
    ("ChatCompletions", S.COGNITIVE_SERVICES),
    ("Embeddings", S.COGNITIVE_SERVICES),
    ("Secret", S.KEY_VAULT),
    ("Certificate", S.KEY_VAULT),
    ("KeyClient", S.KEY_VAULT),
    ("WebPubSub", S.WEB_PUBSUB),
    ("ContainerRegistry", S.CONTAINER_REGISTRY),
    ("MetricsQuery", S.APPLICATION_INSIGHTS),
    ("LogsQuery", S.APPLICATION_INSIGHTS),
)


def service_for_class(name: str) -> ServiceType | None:
    """The Azure service of an SDK client class name (`BlobServiceClient` → storage)."""
    if name == "ContainerRegistryClient":
        return S.CONTAINER_REGISTRY
    for prefix, service in CLIENT_CLASS_PREFIXES:
        if name.startswith(prefix):
            return service
    return None


def is_client_class(name: str) -> bool:
    return (name.endswith("Client") or name in ("AzureOpenAI", "AsyncAzureOpenAI")) and (
        service_for_class(name) is not None
    )


# The kind of key a key credential holds for a service (API key for any other).
KEY_KINDS: dict[ServiceType, CredentialKind] = {
    S.STORAGE: K.ACCOUNT_KEY,
    S.SERVICE_BUS: K.SHARED_ACCESS_KEY,
    S.EVENT_HUBS: K.SHARED_ACCESS_KEY,
    S.EVENT_GRID: K.ACCESS_KEY,
    S.APP_CONFIGURATION: K.ACCESS_KEY,
    S.SIGNALR: K.ACCESS_KEY,
    S.WEB_PUBSUB: K.ACCESS_KEY,
    S.REDIS: K.ACCESS_KEY,
    S.COSMOS_DB: K.ACCOUNT_KEY,
}


def key_kind(service: ServiceType) -> CredentialKind:
    return KEY_KINDS.get(service, K.API_KEY)


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What a C# constructor, factory or builder method connects to."""

    service: ServiceType
    kind: CredentialKind
    conn_index: int = 0  # which argument holds the connection string


# C# client constructors (`new X(...)`).
CSHARP_CLIENTS: dict[str, ClientInfo] = {
    **{
        n: ClientInfo(S.STORAGE, K.ACCOUNT_KEY)
        for n in (
            "BlobServiceClient",
            "BlobContainerClient",
            "BlobClient",
            "BlockBlobClient",
            "AppendBlobClient",
            "PageBlobClient",
            "QueueServiceClient",
            "QueueClient",
            "TableServiceClient",
            "TableClient",
            "ShareServiceClient",
            "ShareClient",
            "DataLakeServiceClient",
            "DataLakeFileSystemClient",
        )
    },
    "ServiceBusClient": ClientInfo(S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    "ServiceBusAdministrationClient": ClientInfo(S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    "EventHubProducerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    "EventHubBufferedProducerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    "EventHubConsumerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY, 1),
    "EventProcessorClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY, 2),
    "CosmosClient": ClientInfo(S.COSMOS_DB, K.ACCOUNT_KEY),
    "ConfigurationClient": ClientInfo(S.APP_CONFIGURATION, K.ACCESS_KEY),
    "SecretClient": ClientInfo(S.KEY_VAULT, K.IDENTITY),
    "SqlConnection": ClientInfo(S.SQL, K.PASSWORD),
    "SqlConnectionStringBuilder": ClientInfo(S.SQL, K.PASSWORD),
    "NpgsqlConnection": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "NpgsqlDataSourceBuilder": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "MySqlConnection": ClientInfo(S.MYSQL, K.PASSWORD),
    "SearchClient": ClientInfo(S.AI_SEARCH, K.API_KEY),
    "SearchIndexClient": ClientInfo(S.AI_SEARCH, K.API_KEY),
    "SearchIndexerClient": ClientInfo(S.AI_SEARCH, K.API_KEY),
    "OpenAIClient": ClientInfo(S.OPENAI, K.API_KEY),
    "AzureOpenAIClient": ClientInfo(S.OPENAI, K.API_KEY),
    "EventGridPublisherClient": ClientInfo(S.EVENT_GRID, K.ACCESS_KEY),
}

# C# static factory methods: `Type.Method(` → client info.
CSHARP_FACTORIES: dict[str, ClientInfo] = {
    "ConnectionMultiplexer.Connect": ClientInfo(S.REDIS, K.ACCESS_KEY),
    "ConnectionMultiplexer.ConnectAsync": ClientInfo(S.REDIS, K.ACCESS_KEY),
    "NpgsqlDataSource.Create": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "CloudStorageAccount.Parse": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "CloudStorageAccount.TryParse": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
}

# C# extension / builder methods called on something (`options.UseSqlServer(conn)`).
CSHARP_METHODS: dict[str, ClientInfo] = {
    "UseSqlServer": ClientInfo(S.SQL, K.PASSWORD),
    "UseAzureSql": ClientInfo(S.SQL, K.PASSWORD),
    "UseNpgsql": ClientInfo(S.POSTGRESQL, K.PASSWORD),
    "UseMySql": ClientInfo(S.MYSQL, K.PASSWORD),
    "UseMySQL": ClientInfo(S.MYSQL, K.PASSWORD),
    "AddStackExchangeRedisCache": ClientInfo(S.REDIS, K.ACCESS_KEY),
    "AddBlobServiceClient": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "AddQueueServiceClient": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "AddTableServiceClient": ClientInfo(S.STORAGE, K.ACCOUNT_KEY),
    "AddServiceBusClient": ClientInfo(S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
    "AddServiceBusClientWithNamespace": ClientInfo(S.SERVICE_BUS, K.IDENTITY),
    "AddEventHubProducerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
    "AddEventHubProducerClientWithNamespace": ClientInfo(S.EVENT_HUBS, K.IDENTITY),
    "AddEventHubConsumerClient": ClientInfo(S.EVENT_HUBS, K.SHARED_ACCESS_KEY, 1),
    "AddEventHubConsumerClientWithNamespace": ClientInfo(S.EVENT_HUBS, K.IDENTITY),
}

CSHARP_KEY_CREDENTIALS = frozenset(
    {
        "AzureKeyCredential",
        "StorageSharedKeyCredential",
        "TableSharedKeyCredential",
        "AzureSasCredential",
        "AzureNamedKeyCredential",
        "ApiKeyCredential",
    }
)


# C# `TokenCredential` classes: a client built with one holds no secret of its own.
CSHARP_TOKEN_CREDENTIALS: tuple[str, ...] = (
    "DefaultAzureCredential",
    "ManagedIdentityCredential",
    "WorkloadIdentityCredential",
    "ChainedTokenCredential",
    "AzureCliCredential",
    "EnvironmentCredential",
    "ClientSecretCredential",
    "ClientCertificateCredential",
    "VisualStudioCredential",
    "AzureDeveloperCliCredential",
    "InteractiveBrowserCredential",
    "AzurePowerShellCredential",
    "OnBehalfOfCredential",
    "ClientAssertionCredential",
)

# Words on the line of a stand-alone C# `new AzureKeyCredential(...)` that tell its service.
CSHARP_KEY_CREDENTIAL_WORDS: tuple[tuple[str, ServiceType], ...] = (
    ("openai", S.OPENAI),
    ("search", S.AI_SEARCH),
    ("eventgrid", S.EVENT_GRID),
    ("event_grid", S.EVENT_GRID),
    ("topic", S.EVENT_GRID),
    ("cognitive", S.COGNITIVE_SERVICES),
    ("translator", S.COGNITIVE_SERVICES),
    ("speech", S.COGNITIVE_SERVICES),
    ("language", S.COGNITIVE_SERVICES),
)

# Key credentials and the position of the argument that holds the secret.
JAVASCRIPT_KEY_CREDENTIALS: dict[str, int] = {
    "AzureKeyCredential": 0,
    "AzureNamedKeyCredential": 1,
    "AzureSASCredential": 0,
    "StorageSharedKeyCredential": 1,
}
JAVA_KEY_CREDENTIALS: dict[str, int] = {
    "AzureKeyCredential": 0,
    "AzureNamedKeyCredential": 1,
    "AzureSasCredential": 0,
    "StorageSharedKeyCredential": 1,
}
SAS_CREDENTIALS = frozenset({"AzureSasCredential", "AzureSASCredential"})

# JavaScript clients whose constructor takes a connection string, and its position.
JAVASCRIPT_CONNECTION_STRING_ARG: dict[str, int] = {
    "ServiceBusClient": 0,
    "ServiceBusAdministrationClient": 0,
    "CosmosClient": 0,
    "EventHubProducerClient": 0,
    "WebPubSubServiceClient": 0,
    "EventHubConsumerClient": 1,
    "AppConfigurationClient": 0,
}

# Java credentials built by `new XBuilder().build()` that hold no secret.
JAVA_PASSWORDLESS_CREDENTIALS = frozenset(
    {
        "DefaultAzureCredential",
        "ManagedIdentityCredential",
        "WorkloadIdentityCredential",
        "AzureCliCredential",
        "AzureDeveloperCliCredential",
        "ChainedTokenCredential",
        "AzurePowerShellCredential",
        "InteractiveBrowserCredential",
    }
)

# Python key credentials: the position and keyword of the argument that holds the secret.
PYTHON_KEY_CREDENTIALS: dict[str, tuple[int, str]] = {
    "AzureKeyCredential": (0, "key"),
    "AzureNamedKeyCredential": (1, "key"),
    "AzureSasCredential": (0, "signature"),
    # msrest.authentication.CognitiveServicesCredentials(subscription_key): the key credential of the
    # legacy azure-cognitiveservices-* clients (msrest docs, `CognitiveServicesCredentials`).
    "CognitiveServicesCredentials": (0, "subscription_key"),
}

# Python database drivers: the connect call and the service behind it.
PYTHON_DB_CONNECT: dict[str, ServiceType] = {
    **{
        f: S.POSTGRESQL
        for f in (
            "psycopg2.connect",
            "psycopg.connect",
            "psycopg.AsyncConnection.connect",
            "psycopg_pool.ConnectionPool",
            "asyncpg.connect",
            "asyncpg.create_pool",
        )
    },
    **{
        f: S.MYSQL
        for f in ("pymysql.connect", "mysql.connector.connect", "MySQLdb.connect", "aiomysql.connect")
    },
    **{f: S.SQL for f in ("pyodbc.connect", "pymssql.connect", "aioodbc.connect")},
}
PYTHON_REDIS_CLIENTS = frozenset(
    {
        "redis.Redis",
        "redis.StrictRedis",
        "Redis",
        "StrictRedis",
        "redis.asyncio.Redis",
        "aioredis.Redis",
        "redis.cluster.RedisCluster",
        "RedisCluster",
    }
)
PYTHON_REDIS_FROM_URL = frozenset(
    {
        "redis.from_url",
        "redis.Redis.from_url",
        "Redis.from_url",
        "redis.StrictRedis.from_url",
        "aioredis.from_url",
        "redis.asyncio.from_url",
    }
)

# Azure Functions Python v2 binding decorators (`@app.<name>_trigger(...)`) and their service.
PYTHON_FUNCTION_DECORATORS: dict[str, ServiceType] = {
    "blob": S.STORAGE,
    "queue": S.STORAGE,
    "service_bus_queue": S.SERVICE_BUS,
    "service_bus_topic": S.SERVICE_BUS,
    "service_bus": S.SERVICE_BUS,
    "event_hub_message": S.EVENT_HUBS,
    "event_hub": S.EVENT_HUBS,
    "cosmos_db": S.COSMOS_DB,
    "table": S.STORAGE,
    "event_grid": S.EVENT_GRID,
}

# C# Functions binding attribute name (without `Attribute`) → service, default connection setting.
CSHARP_BINDINGS: dict[str, tuple[ServiceType, str | None]] = {
    **{
        n: (S.STORAGE, "AzureWebJobsStorage")
        for n in (
            "BlobTrigger",
            "BlobInput",
            "BlobOutput",
            "Blob",
            "QueueTrigger",
            "QueueOutput",
            "Queue",
            "TableInput",
            "TableOutput",
            "Table",
        )
    },
    **{
        n: (S.SERVICE_BUS, "AzureWebJobsServiceBus")
        for n in ("ServiceBusTrigger", "ServiceBusOutput", "ServiceBus")
    },
    **{n: (S.EVENT_HUBS, None) for n in ("EventHubTrigger", "EventHubOutput", "EventHub")},
    **{n: (S.COSMOS_DB, None) for n in ("CosmosDBTrigger", "CosmosDBInput", "CosmosDBOutput", "CosmosDB")},
    **{
        n: (S.SIGNALR, "AzureSignalRConnectionString")
        for n in (
            "SignalRTrigger",
            "SignalRConnectionInfoInput",
            "SignalROutput",
            "SignalRConnectionInfo",
            "SignalR",
        )
    },
    **{n: (S.EVENT_GRID, None) for n in ("EventGridOutput",)},
}

# Short attribute names that other libraries use too: only bindings in Functions code.
CSHARP_AMBIGUOUS_BINDINGS = frozenset(
    {"Blob", "Queue", "Table", "ServiceBus", "EventHub", "CosmosDB", "SignalR"}
)
