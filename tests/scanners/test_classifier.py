"""The connection-string classifier, service by service."""

from __future__ import annotations

import pytest

from scanners.classifier import AZURITE_KEY, COSMOS_EMULATOR_KEY, classify
from scanners.records import CredentialKind as K
from scanners.records import ServiceType as S
from scanners.records import ValueClass as V

STORAGE_KEY = "CANARYst0rageKey" + "A1b2C3d4" * 8 + "xyzXYZ=="  # 88 chars, base64 shaped
assert len(STORAGE_KEY) == 88
SB_KEY = "CANARYsbKey0123456789abcdefghijklmnopqrstu="


CASES = [
    # (value, name, service, kind, value_class)
    (
        f"DefaultEndpointsProtocol=https;AccountName=contosoprod;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net",
        None,
        S.STORAGE,
        K.ACCOUNT_KEY,
        V.SECRET,
    ),
    (
        f"defaultendpointsprotocol=https;accountname=contosoprod;ACCOUNTKEY={STORAGE_KEY}",
        None,
        S.STORAGE,
        K.ACCOUNT_KEY,
        V.SECRET,
    ),
    (
        "BlobEndpoint=https://contoso.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=CANARYsig%3D",
        None,
        S.STORAGE,
        K.SAS,
        V.SECRET,
    ),
    (
        "https://contoso.blob.core.windows.net/c/file.txt?sv=2022-11-02&se=2030-01-01&sp=r&sig=CANARYsas%2Bsig%3D",
        None,
        S.STORAGE,
        K.SAS,
        V.SECRET,
    ),
    ("UseDevelopmentStorage=true", "AzureWebJobsStorage", S.STORAGE, K.NONE, V.DEV_EMULATOR),
    (
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
        None,
        S.STORAGE,
        K.ACCOUNT_KEY,
        V.DEV_EMULATOR,
    ),
    (
        "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=<your-account-key>",
        None,
        S.STORAGE,
        K.ACCOUNT_KEY,
        V.PLACEHOLDER,
    ),
    (
        "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=${STORAGE_KEY}",
        None,
        S.STORAGE,
        K.ACCOUNT_KEY,
        V.PLACEHOLDER,
    ),
    (
        f"Endpoint=sb://contoso-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={SB_KEY}",
        "ServiceBus",
        S.SERVICE_BUS,
        K.SHARED_ACCESS_KEY,
        V.SECRET,
    ),
    (
        f"Endpoint=sb://contoso-eh.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={SB_KEY};EntityPath=telemetry",
        "EventHubConnection",
        S.EVENT_HUBS,
        K.SHARED_ACCESS_KEY,
        V.SECRET,
    ),
    (
        "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;",
        None,
        S.SERVICE_BUS,
        K.SHARED_ACCESS_KEY,
        V.DEV_EMULATOR,
    ),
    (
        f"AccountEndpoint=https://contoso-cosmos.documents.azure.com:443/;AccountKey={STORAGE_KEY};",
        None,
        S.COSMOS_DB,
        K.ACCOUNT_KEY,
        V.SECRET,
    ),
    (
        f"AccountEndpoint=https://localhost:8081/;AccountKey={COSMOS_EMULATOR_KEY}",
        None,
        S.COSMOS_DB,
        K.ACCOUNT_KEY,
        V.DEV_EMULATOR,
    ),
    (
        "mongodb://contoso-mongo:CANARYmongoKey==@contoso-mongo.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=globaldb",
        None,
        S.COSMOS_MONGO,
        K.ACCOUNT_KEY,
        V.SECRET,
    ),
    (
        "Server=tcp:contoso-sql.database.windows.net,1433;Initial Catalog=orders;User ID=app;Password=CANARY-sql-Pw-1;Encrypt=True;",
        None,
        S.SQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "Driver={ODBC Driver 18 for SQL Server};Server=tcp:contoso-sql.database.windows.net,1433;Database=orders;Uid=app;Pwd={CANARY;odbc};Encrypt=yes;",
        None,
        S.SQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "jdbc:sqlserver://contoso-sql.database.windows.net:1433;database=orders;user=app@contoso-sql;password=CANARYjdbc1;encrypt=true;",
        None,
        S.SQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "Server=tcp:contoso-sql.database.windows.net,1433;Initial Catalog=orders;Authentication=Active Directory Default;",
        None,
        S.SQL,
        K.IDENTITY,
        V.PASSWORDLESS,
    ),
    (
        "Server=tcp:contoso-sql.database.windows.net;Database=orders;Authentication=Active Directory Service Principal;User Id=appid;Password=CANARYspSecret1",
        None,
        S.SQL,
        K.CLIENT_SECRET,
        V.SECRET,
    ),
    (
        "host=contoso-pg.postgres.database.azure.com port=5432 dbname=app user=app password=CANARYpg1 sslmode=require",
        None,
        S.POSTGRESQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "postgresql://app:CANARYpg2@contoso-pg.postgres.database.azure.com:5432/app?sslmode=require",
        None,
        S.POSTGRESQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "Host=contoso-pg.postgres.database.azure.com;Database=app;Username=app;Password=CANARYnpgsql",
        None,
        S.POSTGRESQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "Server=contoso-mysql.mysql.database.azure.com;Port=3306;Database=shop;Uid=app;Pwd=CANARYmysql;SslMode=Required;",
        None,
        S.MYSQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "mysql://app:CANARYmysql2@contoso-mysql.mysql.database.azure.com:3306/shop",
        None,
        S.MYSQL,
        K.PASSWORD,
        V.SECRET,
    ),
    (
        "contoso.redis.cache.windows.net:6380,password=CANARYredis1=,ssl=True,abortConnect=False",
        None,
        S.REDIS,
        K.ACCESS_KEY,
        V.SECRET,
    ),
    ("rediss://:CANARYredis2@contoso.redis.cache.windows.net:6380/0", None, S.REDIS, K.ACCESS_KEY, V.SECRET),
    (
        "Endpoint=https://contoso-cfg.azconfig.io;Id=AbCd-l0-s0:CANARYid;Secret=CANARYappcfg=",
        None,
        S.APP_CONFIGURATION,
        K.ACCESS_KEY,
        V.SECRET,
    ),
    (
        "Endpoint=https://contoso-sr.service.signalr.net;AccessKey=CANARYsignalr=;Version=1.0;",
        None,
        S.SIGNALR,
        K.ACCESS_KEY,
        V.SECRET,
    ),
    (
        "Endpoint=https://contoso-sr.service.signalr.net;AuthType=azure.msi;Version=1.0;",
        None,
        S.SIGNALR,
        K.IDENTITY,
        V.PASSWORDLESS,
    ),
    (
        "Endpoint=https://contoso-wps.webpubsub.azure.com;AccessKey=CANARYwps=;Version=1.0;",
        None,
        S.WEB_PUBSUB,
        K.ACCESS_KEY,
        V.SECRET,
    ),
    (
        "InstrumentationKey=0f0e0d0c-1111-2222-3333-444455556666;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        V.LOCATOR,
    ),
    (
        "0f0e0d0c-1111-2222-3333-444455556666",
        "APPINSIGHTS_INSTRUMENTATIONKEY",
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        V.LOCATOR,
    ),
    (
        "Authorization=AAD",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        S.APPLICATION_INSIGHTS,
        K.IDENTITY,
        V.PASSWORDLESS,
    ),
    ("0123456789abcdef0123456789abcdef", "AZURE_OPENAI_API_KEY", S.OPENAI, K.API_KEY, V.SECRET),
    ("0123456789abcdef0123456789abcdef", "AzureSearch:AdminKey", S.AI_SEARCH, K.API_KEY, V.SECRET),
    (
        "0123456789abcdef0123456789abcdef",
        "Ocp-Apim-Subscription-Key",
        S.COGNITIVE_SERVICES,
        K.API_KEY,
        V.SECRET,
    ),
    ("CANARYeventgridKey0123456789abcdefghijkl=", "EventGrid:TopicKey", S.EVENT_GRID, K.ACCESS_KEY, V.SECRET),
    (
        "CANARYacrPassw0rd+abc",
        "DOCKER_REGISTRY_SERVER_PASSWORD",
        S.CONTAINER_REGISTRY,
        K.ADMIN_PASSWORD,
        V.SECRET,
    ),
    (
        "abc8Q~CANARYdefghijklmnopqrstuvwxyz01234",
        "AZURE_CLIENT_SECRET",
        S.ENTRA_ID,
        K.CLIENT_SECRET,
        V.SECRET,
    ),
    ("abc8Q~CANARYdefghijklmnopqrstuvwxyz01234", "SomethingElse", S.ENTRA_ID, K.CLIENT_SECRET, V.SECRET),
    ("<client-secret>", "AZURE_CLIENT_SECRET", S.ENTRA_ID, K.CLIENT_SECRET, V.PLACEHOLDER),
    ("", "AZURE_CLIENT_SECRET", S.ENTRA_ID, K.CLIENT_SECRET, V.PLACEHOLDER),
    ("#{ClientSecret}#", "AZURE_CLIENT_SECRET", S.ENTRA_ID, K.CLIENT_SECRET, V.PLACEHOLDER),
    ("{{ client_secret }}", "AZURE_CLIENT_SECRET", S.ENTRA_ID, K.CLIENT_SECRET, V.PLACEHOLDER),
    ("$(ClientSecret)", "AZURE_CLIENT_SECRET", S.ENTRA_ID, K.CLIENT_SECRET, V.PLACEHOLDER),
    ("xxxxxxxx", "AZURE_CLIENT_SECRET", S.ENTRA_ID, K.CLIENT_SECRET, V.PLACEHOLDER),
    ("${{ secrets.AZURE_CLIENT_SECRET }}", "AZURE_CLIENT_SECRET", S.ENTRA_ID, K.CLIENT_SECRET, V.REFERENCE),
    (
        "@Microsoft.KeyVault(SecretUri=https://contoso-kv.vault.azure.net/secrets/sql-password/)",
        "SqlPassword",
        S.SQL,
        K.PASSWORD,
        V.REFERENCE,
    ),
    (
        "@Microsoft.KeyVault(VaultName=contoso-kv;SecretName=storage)",
        "Unrelated",
        S.KEY_VAULT,
        K.SECRET_REFERENCE,
        V.REFERENCE,
    ),
    (
        "https://contoso.queue.core.windows.net",
        "OrdersQueue__serviceUri",
        S.STORAGE,
        K.IDENTITY,
        V.PASSWORDLESS,
    ),
    (
        "contoso-bus.servicebus.windows.net",
        "ServiceBusConnection__fullyQualifiedNamespace",
        S.SERVICE_BUS,
        K.IDENTITY,
        V.PASSWORDLESS,
    ),
    (
        "contoso-eh.servicebus.windows.net",
        "EventHubConnection__fullyQualifiedNamespace",
        S.EVENT_HUBS,
        K.IDENTITY,
        V.PASSWORDLESS,
    ),
    ("managedidentity", "CosmosDb__credential", S.COSMOS_DB, K.IDENTITY, V.PASSWORDLESS),
    ("contosostore", "AzureWebJobsStorage__accountName", S.STORAGE, K.IDENTITY, V.PASSWORDLESS),
    (
        "Server=localhost,1433;Database=dev;User Id=sa;Password=CANARYlocal1!",
        None,
        S.SQL,
        K.PASSWORD,
        V.DEV_EMULATOR,
    ),
]


@pytest.mark.parametrize(("value", "name", "service", "kind", "value_class"), CASES)
def test_classifies(value: str, name: str | None, service: S, kind: K, value_class: V) -> None:
    c = classify(value, name)
    assert c is not None, f"not recognised: {name}"
    assert (c.service_type, c.credential_kind, c.value_class) == (service, kind, value_class)


@pytest.mark.parametrize(
    ("value", "name", "service", "kind", "value_class"), [c for c in CASES if "CANARY" in c[0]]
)
def test_preview_never_holds_the_secret(
    value: str, name: str | None, service: S, kind: K, value_class: V
) -> None:
    c = classify(value, name)
    assert c is not None
    assert (c.service_type, c.value_class) == (service, value_class)  # the planted value was recognised
    assert "CANARY" not in c.redacted_preview
    assert "CANARY" not in repr(c)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("https://contoso.blob.core.windows.net/container", "BlobUrl"),
        ("Information", "Logging:LogLevel:Default"),
        ("hello world", None),
        ("Server=myhost;Database=x", None),  # no credential at all
        ("true", "FeatureFlags:NewUi"),
        ("12345", "AZURE_CLIENT_SECRET"),
    ],
)
def test_not_a_connection(value: str, name: str | None) -> None:
    assert classify(value, name) is None


def test_endpoint_is_extracted_without_secret() -> None:
    c = classify(
        "Server=tcp:contoso-sql.database.windows.net,1433;Initial Catalog=orders;User ID=app;Password=CANARYx1"
    )
    assert c is not None
    assert c.endpoint.server == "contoso-sql"
    assert c.endpoint.database == "orders"
    assert c.value_class is V.SECRET
    assert "CANARY" not in str(c.endpoint.to_json())


def test_non_azure_database_is_flagged_for_review() -> None:
    c = classify("Server=db.example.org;Database=x;User Id=app;Password=CANARYext1")
    assert c is not None and c.value_class is V.SECRET
    assert any("not an Azure endpoint" in n for n in c.notes)


def test_service_bus_vs_event_hubs_ambiguity_is_stated() -> None:
    c = classify(
        f"Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey={SB_KEY};EntityPath=x",
        "Conn",
    )
    assert c is not None
    assert c.service_type is S.SERVICE_BUS
    assert str(c.confidence) == "medium"
    assert c.notes


@pytest.mark.parametrize(
    ("value", "name", "service"),
    [
        ("contoso-bus.servicebus.windows.net", "SERVICEBUS_CONNECTION_STRING", S.SERVICE_BUS),
        ("https://contoso.blob.core.windows.net", "AZURE_STORAGE_CONNECTION_STRING", S.STORAGE),
        ("https://contoso-cosmos.documents.azure.com:443/", "CosmosConnection", S.COSMOS_DB),
    ],
)
def test_endpoint_only_value_under_a_secret_name_is_passwordless(value: str, name: str, service: S) -> None:
    c = classify(value, name)
    assert c is not None
    assert (c.service_type, c.value_class) == (service, V.PASSWORDLESS)
