"""JavaScript / TypeScript handler."""

from __future__ import annotations

import json

from scanners.records import ConnectionStringAuditItem, CredentialKind, EvidenceRole, ServiceType, ValueClass
from tests.conftest import find_item as _find
from tests.conftest import scan_text
from tests.planted import assert_planted_found

SB_KEY = "Q2FuYXJ5SnNTZXJ2aWNlQnVzS2V5Q2FuYXJ5MTIzNDU="
COSMOS_KEY = "CanaryJsCosmosKeyCanaryJsCosmosKey0123456789=="
SEARCH_KEY = "deadbeefdeadbeefdeadbeefdeadbeef"
SHARED_KEY = "CanaryJsSharedKeyCanaryJsSharedKey0123456789=="

SOURCE = f"""import {{ BlobServiceClient, StorageSharedKeyCredential }} from "@azure/storage-blob";
import {{ ServiceBusClient }} from "@azure/service-bus";
import {{ DefaultAzureCredential, ClientSecretCredential }} from "@azure/identity";

const connStr = process.env.AZURE_STORAGE_CONNECTION_STRING;
const blob = BlobServiceClient.fromConnectionString(connStr);
const sb = new ServiceBusClient(process.env["SERVICEBUS_CONNECTION"] ?? "Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={SB_KEY}");
const producer = new EventHubProducerClient("Endpoint=sb://eh1.servicebus.windows.net/;SharedAccessKeyName=p;SharedAccessKey=<your-key>", "hub");
const cosmos = new CosmosClient({{ endpoint: "https://c.documents.azure.com:443/", key: "{COSMOS_KEY}" }});
const cred = new ClientSecretCredential(tenantId, clientId, process.env.AZURE_CLIENT_SECRET);
const search = new SearchClient(endpoint, "idx", new AzureKeyCredential("{SEARCH_KEY}"));
const ai = new AzureOpenAI({{ apiKey: process.env.AZURE_OPENAI_API_KEY, endpoint, apiVersion }});
const shared = new StorageSharedKeyCredential("acct", "{SHARED_KEY}");
const modern = new BlobServiceClient(`https://${{account}}.blob.core.windows.net`, new DefaultAzureCredential());
const cosmosMi = new CosmosClient({{ endpoint, aadCredentials: new DefaultAzureCredential() }});
"""


def _items() -> list[ConnectionStringAuditItem]:
    return scan_text("src/clients.ts", SOURCE)


def test_canaries_never_serialised() -> None:
    items = _items()
    assert_planted_found(items, SOURCE, SB_KEY, COSMOS_KEY, SEARCH_KEY, SHARED_KEY)
    blob = json.dumps([i.to_json() for i in items])
    for canary in (SB_KEY, COSMOS_KEY, SEARCH_KEY, SHARED_KEY):
        assert canary not in blob


def test_from_connection_string_through_variable() -> None:
    item = _find(_items(), 6, detector="javascript:from-connection-string")
    assert item.service_type is ServiceType.STORAGE
    assert item.setting_name == "AZURE_STORAGE_CONNECTION_STRING"
    assert item.value_class is ValueClass.REFERENCE
    assert item.evidence_role is EvidenceRole.CODE_CONSUMER


def test_process_env_lookups() -> None:
    items = _items()
    lk = _find(items, 5, detector="javascript:lookup")
    assert lk.setting_name == "AZURE_STORAGE_CONNECTION_STRING"
    idx = _find(items, 7, detector="javascript:lookup")
    assert idx.setting_name == "SERVICEBUS_CONNECTION"


def test_service_bus_env_with_literal_default() -> None:
    items = _items()
    ref = _find(items, 7, value_class=ValueClass.REFERENCE, detector="javascript:ctor")
    assert ref.service_type is ServiceType.SERVICE_BUS
    secret = _find(items, 7, value_class=ValueClass.SECRET)
    assert secret.service_type is ServiceType.SERVICE_BUS
    assert secret.evidence_role is EvidenceRole.CODE_LITERAL


def test_event_hubs_placeholder() -> None:
    item = _find(_items(), 8)
    assert item.service_type is ServiceType.EVENT_HUBS
    assert item.value_class is ValueClass.PLACEHOLDER


def test_cosmos_object_key_and_key_credentials() -> None:
    items = _items()
    cosmos = _find(items, 9)
    assert cosmos.service_type is ServiceType.COSMOS_DB
    assert cosmos.credential_kind is CredentialKind.ACCOUNT_KEY
    assert cosmos.value_class is ValueClass.SECRET
    search = _find(items, 11)
    assert search.service_type is ServiceType.AI_SEARCH and search.value_class is ValueClass.SECRET
    shared = _find(items, 13)
    assert shared.service_type is ServiceType.STORAGE and shared.value_class is ValueClass.SECRET


def test_client_secret_and_openai_env() -> None:
    items = _items()
    sp = _find(items, 10, detector="javascript:ctor")
    assert sp.service_type is ServiceType.ENTRA_ID
    assert sp.setting_name == "AZURE_CLIENT_SECRET"
    ai = _find(items, 12, detector="javascript:ctor")
    assert ai.service_type is ServiceType.OPENAI and ai.setting_name == "AZURE_OPENAI_API_KEY"


def test_passwordless_clients() -> None:
    items = _items()
    assert _find(items, 14).value_class is ValueClass.PASSWORDLESS
    mi = _find(items, 15)
    assert mi.service_type is ServiceType.COSMOS_DB and mi.value_class is ValueClass.PASSWORDLESS


def test_destructured_env_lookup() -> None:
    src = "const { COSMOS_CONNECTION_STRING, PORT } = process.env;\n"
    names = {i.setting_name for i in scan_text("server.js", src) if i.detector == "javascript:lookup"}
    assert names == {"COSMOS_CONNECTION_STRING", "PORT"}


def test_unbalanced_source_does_not_crash() -> None:
    src = 'const c = BlobServiceClient.fromConnectionString(process.env.CONN, "a'
    items = scan_text("x.js", src)
    assert all(i.value_class is not ValueClass.SECRET for i in items)
