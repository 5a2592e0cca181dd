"""Python handler: SDK clients, credentials and env lookups found through the ast module."""

from __future__ import annotations

import json
from pathlib import Path

from scanners.records import ConnectionStringAuditItem, CredentialKind, EvidenceRole, ServiceType, ValueClass
from tests.conftest import file_location, scan_text
from tests.conftest import find_item as _find
from tests.planted import assert_planted_found, lines_holding

SB_KEY = "Q2FuYXJ5UHlTZXJ2aWNlQnVzS2V5Q2FuYXJ5MTIzNDU="
ENTRA_SECRET = "pyX8Q~CanaryPythonSecretCanaryPythonSecre1"
SEARCH_KEY = "c0ffee00c0ffee00c0ffee00c0ffee00"
PG_PASSWORD = "CanaryPgPassword!42"
SQL_PASSWORD = "CanarySqlPwd4242"

SOURCE = f'''
import os
import openai
import psycopg2
import pyodbc
import redis
from azure.core.credentials import AzureKeyCredential
from azure.identity import ClientSecretCredential, DefaultAzureCredential
from azure.search.documents import SearchClient
from azure.servicebus import ServiceBusClient
from azure.storage.blob import BlobServiceClient
from django.conf import settings

conn_str = os.getenv("AZURE_STORAGE_CONNECTION_STRING")
blob = BlobServiceClient.from_connection_string(conn_str)
bus = ServiceBusClient.from_connection_string(
    "Endpoint=sb://orders-ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={SB_KEY}"
)
cred = ClientSecretCredential(os.environ["AZURE_TENANT_ID"], os.environ["AZURE_CLIENT_ID"], "{ENTRA_SECRET}")
search = SearchClient("https://s.search.windows.net", "docs", AzureKeyCredential("{SEARCH_KEY}"))
modern = BlobServiceClient(account_url="https://acct.blob.core.windows.net", credential=DefaultAzureCredential())
pg = psycopg2.connect(host="pg.postgres.database.azure.com", user="app", password="{PG_PASSWORD}")
cache = redis.Redis(host="c.redis.cache.windows.net", port=6380, password=os.environ["REDIS_KEY"], ssl=True)
db = pyodbc.connect("Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:s.database.windows.net,1433;Database=d;Uid=u;Pwd={SQL_PASSWORD};")
openai.api_key = os.getenv("AZURE_OPENAI_API_KEY")
ai = AzureOpenAI(api_key="<your-key>", azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01")
queue = QueueServiceClient.from_connection_string(settings.QUEUE_CONNECTION)
'''


def _items() -> list[ConnectionStringAuditItem]:
    return scan_text("app/clients.py", SOURCE)


def test_canaries_never_serialised() -> None:
    items = _items()
    assert_planted_found(items, SOURCE, SB_KEY, ENTRA_SECRET, SEARCH_KEY, PG_PASSWORD, SQL_PASSWORD)
    blob = json.dumps([i.to_json() for i in items])
    for canary in (SB_KEY, ENTRA_SECRET, SEARCH_KEY, PG_PASSWORD, SQL_PASSWORD):
        assert canary not in blob


def test_from_connection_string_env_variable_is_reference_consumer() -> None:
    item = _find(_items(), 15, detector="python-code:from-connection-string")
    assert item.service_type is ServiceType.STORAGE
    assert item.value_class is ValueClass.REFERENCE
    assert item.evidence_role is EvidenceRole.CODE_CONSUMER
    assert item.setting_name == "AZURE_STORAGE_CONNECTION_STRING"
    assert "from_connection_string" in item.redacted_preview


def test_env_lookup_uses_lookup_method() -> None:
    item = _find(_items(), 14, detector="python-code:lookup")
    assert item.setting_name == "AZURE_STORAGE_CONNECTION_STRING"
    assert item.evidence_role is EvidenceRole.CODE_CONSUMER


def test_literal_service_bus_connection_string() -> None:
    item = _find(_items(), 17, service_type=ServiceType.SERVICE_BUS)
    assert item.value_class is ValueClass.SECRET
    assert item.evidence_role is EvidenceRole.CODE_LITERAL
    assert item.endpoint.namespace == "orders-ns"


def test_client_secret_credential_literal() -> None:
    item = _find(_items(), 19, service_type=ServiceType.ENTRA_ID)
    assert item.credential_kind is CredentialKind.CLIENT_SECRET
    assert item.value_class is ValueClass.SECRET


def test_azure_key_credential_takes_service_from_client() -> None:
    item = _find(_items(), 20, detector="python-code:ctor")
    assert item.service_type is ServiceType.AI_SEARCH
    assert item.credential_kind is CredentialKind.API_KEY
    assert item.value_class is ValueClass.SECRET


def test_default_azure_credential_is_passwordless() -> None:
    item = _find(_items(), 21)
    assert item.service_type is ServiceType.STORAGE
    assert item.value_class is ValueClass.PASSWORDLESS


def test_database_and_redis_clients() -> None:
    items = _items()
    pg = _find(items, 22, service_type=ServiceType.POSTGRESQL)
    assert pg.value_class is ValueClass.SECRET and pg.credential_kind is CredentialKind.PASSWORD
    red = _find(items, 23, detector="python-code:ctor")
    assert red.service_type is ServiceType.REDIS
    assert red.value_class is ValueClass.REFERENCE and red.setting_name == "REDIS_KEY"
    sql = _find(items, 24, service_type=ServiceType.SQL)
    assert sql.value_class is ValueClass.SECRET
    assert sql.endpoint.host == "s.database.windows.net"


def test_openai_assignment_and_placeholder_key() -> None:
    items = _items()
    assign = _find(items, 25, detector="python-code:assign")
    assert assign.service_type is ServiceType.OPENAI
    assert assign.setting_name == "AZURE_OPENAI_API_KEY"
    placeholder = _find(items, 26, service_type=ServiceType.OPENAI)
    assert placeholder.value_class is ValueClass.PLACEHOLDER


def test_settings_attribute_names_the_setting() -> None:
    item = _find(_items(), 27, detector="python-code:from-connection-string")
    assert item.service_type is ServiceType.STORAGE
    assert item.setting_name == "QUEUE_CONNECTION"


def test_previews_hold_no_string_literals() -> None:
    consumers = [i for i in _items() if i.evidence_role is EvidenceRole.CODE_CONSUMER]
    assert {file_location(i).line for i in consumers} & lines_holding(
        SOURCE, "https://"
    )  # a consumer with a URL literal
    for item in consumers:
        assert "https://" not in item.redacted_preview


def test_openai_without_key_reads_environment() -> None:
    # (the comment gives the file a prefilter anchor: the prefilter does not know "AzureOpenAI")
    src = "from openai import AzureOpenAI\n# key comes from AZURE_OPENAI_API_KEY\nc = AzureOpenAI(azure_endpoint=e, api_version=v)\n"
    item = _find(scan_text("a.py", src), 3, service_type=ServiceType.OPENAI)
    assert item.setting_name == "AZURE_OPENAI_API_KEY"
    assert item.value_class is ValueClass.REFERENCE


def test_openai_token_provider_is_passwordless() -> None:
    src = (
        "from openai import AzureOpenAI  # replaces the old api_key\n"
        "p = get_bearer_token_provider(DefaultAzureCredential(), scope)\n"
        "c = AzureOpenAI(azure_endpoint=e, azure_ad_token_provider=p)\n"
    )
    item = _find(scan_text("a.py", src), 3, service_type=ServiceType.OPENAI)
    assert item.value_class is ValueClass.PASSWORDLESS


def test_syntax_error_falls_back_to_line_scanner() -> None:
    src = f'def broken(:\n    conn = "Endpoint=sb://n.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey={SB_KEY}"\n'
    items = scan_text("broken.py", src)
    assert any(i.service_type is ServiceType.SERVICE_BUS and i.detector.startswith("line") for i in items)
    assert SB_KEY not in json.dumps([i.to_json() for i in items])


def test_unrelated_lookup_is_only_a_lookup() -> None:
    # Plain lookups are always reported with method "lookup"; linking drops the irrelevant ones.
    items = scan_text("util.py", "import os\nx = os.getenv('HOME')  # connection_string\nprint(x)\n")
    assert [i.detector for i in items] == ["python-code:lookup"]
    assert items[0].setting_name == "HOME" and items[0].value_class is ValueClass.REFERENCE


def test_lookup_only_files_take_the_fast_path_and_still_report(tmp_path: Path) -> None:
    from scanners.repository import RepositoryScanOptions, scan_repository
    from tests.conftest import TEST_KEY

    src = "import os\n\nHOME = os.environ['HOME']\nSECRET = os.getenv(\"AZURE_CLIENT_SECRET\")\n"
    items = scan_text("tools/env.py", src)
    lookups = [(file_location(i).line, i.setting_name) for i in items if i.detector == "python-code:lookup"]
    assert lookups == [(3, "HOME"), (4, "AZURE_CLIENT_SECRET")]
    (tmp_path / "env.py").write_text(src)
    linked = scan_repository(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=1, generic=False)).items
    assert [(file_location(i).line, i.setting_name) for i in linked] == [
        (4, "AZURE_CLIENT_SECRET")
    ]  # HOME is no connection


def test_functions_v2_binding_decorators_name_their_connections() -> None:
    src = (
        "import azure.functions as func\n"
        "app = func.FunctionApp()\n\n"
        '@app.queue_trigger(arg_name="msg", queue_name="orders", connection="OrdersQueue")\n'
        "def handle(msg): ...\n\n"
        '@app.blob_trigger(arg_name="b", path="uploads/{name}")\n'
        "def upload(b): ...\n\n"
        '@app.service_bus_queue_trigger(arg_name="m", queue_name="q", connection="Bus")\n'
        "def bus(m): ...\n"
    )
    found = {
        (file_location(i).line, i.setting_name, str(i.service_type))
        for i in scan_text("function_app.py", src)
        if i.detector == "python-code:binding"
    }
    assert found == {
        (4, "OrdersQueue", "storage"),
        (7, "AzureWebJobsStorage", "storage"),
        (10, "Bus", "service-bus"),
    }
