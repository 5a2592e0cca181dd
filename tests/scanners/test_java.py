"""Java / Kotlin handler."""

from __future__ import annotations

import json

from scanners.records import ConnectionStringAuditItem, CredentialKind, EvidenceRole, ServiceType, ValueClass
from tests.conftest import find_item as _find
from tests.conftest import scan_text
from tests.planted import assert_planted_found

STORAGE_KEY = (
    "Q2FuYXJ5SmF2YVN0b3JhZ2VLZXlDYW5hcnlKYXZhU3RvcmFnZUtleUNhbmFyeUphdmFTdG9yYWdlS2V5Q2FuYXJ5SmF2YQ=="
)
ENTRA_SECRET = "jvX8Q~CanaryJavaSecretCanaryJavaSecretCan1"
JDBC_PASSWORD = "CanaryJdbcPassw0rd"

SOURCE = f"""package com.contoso.orders;

public class Clients {{
    @Value("${{azure.servicebus.connection-string}}")
    private String sbConn;

    private static final String STORAGE = "DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={STORAGE_KEY};EndpointSuffix=core.windows.net";

    BlobServiceClient blob() {{
        return new BlobServiceClientBuilder()
            .connectionString(STORAGE)
            .buildClient();
    }}
    ServiceBusSenderClient sender() {{
        return new ServiceBusClientBuilder().connectionString(sbConn).sender().queueName("q").buildClient();
    }}
    CosmosClient cosmos() {{
        return new CosmosClientBuilder().endpoint(endpoint).key(System.getenv("COSMOS_KEY")).buildClient();
    }}
    TokenCredential sp() {{
        return new ClientSecretCredentialBuilder().tenantId(t).clientId(c).clientSecret("{ENTRA_SECRET}").build();
    }}
    SearchClient search() {{
        return new SearchClientBuilder().endpoint(e).credential(new AzureKeyCredential("<your-key>")).indexName("i").buildClient();
    }}
    EventHubProducerClient eh() {{
        return new EventHubClientBuilder().credential(ns, hub, new DefaultAzureCredentialBuilder().build()).buildProducerClient();
    }}
    Connection db() throws Exception {{
        return DriverManager.getConnection("jdbc:sqlserver://s.database.windows.net:1433;database=d", "app", "{JDBC_PASSWORD}");
    }}
}}
"""


def _items() -> list[ConnectionStringAuditItem]:
    return scan_text("src/main/java/com/contoso/orders/Clients.java", SOURCE)


def test_canaries_never_serialised() -> None:
    items = _items()
    assert_planted_found(items, SOURCE, STORAGE_KEY, ENTRA_SECRET, JDBC_PASSWORD)
    blob = json.dumps([i.to_json() for i in items])
    for canary in (STORAGE_KEY, ENTRA_SECRET, JDBC_PASSWORD):
        assert canary not in blob


def test_spring_value_lookup_and_builder_consumer() -> None:
    items = _items()
    lk = _find(items, 4, detector="java:lookup")
    assert lk.setting_name == "azure.servicebus.connection-string"
    consumer = _find(items, 15, detector="java:builder")
    assert consumer.service_type is ServiceType.SERVICE_BUS
    assert consumer.setting_name == "azure.servicebus.connection-string"
    assert consumer.value_class is ValueClass.REFERENCE
    assert consumer.evidence_role is EvidenceRole.CODE_CONSUMER


def test_constant_connection_string_found_where_written() -> None:
    item = _find(_items(), 7, service_type=ServiceType.STORAGE)
    assert item.value_class is ValueClass.SECRET
    assert item.endpoint.account == "contosodata"


def test_cosmos_key_from_getenv() -> None:
    items = _items()
    item = _find(items, 18, detector="java:builder")
    assert item.service_type is ServiceType.COSMOS_DB
    assert item.credential_kind is CredentialKind.ACCOUNT_KEY
    assert item.setting_name == "COSMOS_KEY"
    assert _find(items, 18, detector="java:lookup").setting_name == "COSMOS_KEY"


def test_client_secret_builder() -> None:
    item = _find(_items(), 21, service_type=ServiceType.ENTRA_ID)
    assert item.credential_kind is CredentialKind.CLIENT_SECRET
    assert item.value_class is ValueClass.SECRET


def test_key_credential_placeholder_in_search_builder() -> None:
    item = _find(_items(), 24)
    assert item.service_type is ServiceType.AI_SEARCH
    assert item.value_class is ValueClass.PLACEHOLDER


def test_passwordless_builder() -> None:
    item = _find(_items(), 27)
    assert item.service_type is ServiceType.EVENT_HUBS
    assert item.value_class is ValueClass.PASSWORDLESS


def test_jdbc_password_argument() -> None:
    item = _find(_items(), 30, detector="java:jdbc")
    assert item.service_type is ServiceType.SQL
    assert item.credential_kind is CredentialKind.PASSWORD
    assert item.value_class is ValueClass.SECRET


def test_kotlin_builder_without_new() -> None:
    src = (
        'val conn = System.getenv("AZURE_STORAGE_CONNECTION_STRING")\n'
        "val client = BlobServiceClientBuilder().connectionString(conn).buildClient()\n"
    )
    items = scan_text("App.kt", src)
    item = _find(items, 2, detector="java:builder")
    assert item.service_type is ServiceType.STORAGE
    assert item.setting_name == "AZURE_STORAGE_CONNECTION_STRING"
