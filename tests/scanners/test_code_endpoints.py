"""Clients the code builds from an endpoint and a key: the key's consumer item gets the endpoint (a URL
literal's host), or the setting the endpoint is read from, resolved after the scan from the project's
config files or from the estate app the project is deployed to."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from scanners.code_siblings import with_estate_endpoints
from scanners.records import (
    AppLink,
    AppServiceLocation,
    ConnectionStringAuditItem,
    Endpoint,
    ServiceType,
    ValueClass,
)
from scanners.repository import RepositoryScanOptions, scan_repository
from scanners.siblings import with_setting_siblings
from tests.conftest import REPO, TEST_KEY, file_location, scan_text
from tests.planted import assert_planted_found

S = ServiceType
FIXTURE = REPO / "tests" / "fixtures" / "repos" / "code-endpoints"
SEARCH_KEY = "CANARYc0de5earchKeyAa11Bb22Cc33Dd44Ee55"
TOPIC_KEY = "CANARYt0picKeyZz99Yy88Xx77Ww66Vv55Uu44Tt33Ss22Rr11="

CSHARP = f"""using Azure;

public class Clients
{{
    public Clients(IConfiguration cfg)
    {{
        var docs = new SearchClient(new Uri("https://shop-docs.search.windows.net/"), "docs", new AzureKeyCredential("{SEARCH_KEY}"));
        string ordersEndpoint = cfg["Orders:SearchEndpoint"];
        var orders = new SearchClient(new Uri(ordersEndpoint), "orders", new AzureKeyCredential(cfg["Orders:SearchKey"]));
        var cosmos = new CosmosClient(Environment.GetEnvironmentVariable("SHOP_COSMOS_ENDPOINT"), Environment.GetEnvironmentVariable("SHOP_COSMOS_KEY"));
        var lang = new TextAnalyticsClient(new Uri("https://shop-lang.cognitiveservices.azure.com/"), new AzureKeyCredential(cfg["Language:Key"]));
        var sas = new SearchClient(new Uri("https://shop-x.search.windows.net/?sig=abc"), "x", new AzureKeyCredential(cfg["X:Key"]));
    }}
}}
"""

PYTHON = f"""import os
from azure.core.credentials import AzureKeyCredential
from azure.eventgrid import EventGridPublisherClient
from azure.search.documents import SearchClient
from openai import AzureOpenAI

TOPIC = os.environ["SHOP_TOPIC_ENDPOINT"]

def build():
    events = EventGridPublisherClient(TOPIC, AzureKeyCredential("{TOPIC_KEY}"))
    credential = AzureKeyCredential(os.getenv("SHOP_SEARCH_KEY"))
    search = SearchClient(endpoint="https://shop-py.search.windows.net", index_name="i", credential=credential)
    oai = AzureOpenAI(azure_endpoint=os.environ.get("SHOP_OPENAI_ENDPOINT"), api_key=os.environ["SHOP_OPENAI_KEY"], api_version="2024-06-01")
    return events, search, oai
"""


def _at(items: list[ConnectionStringAuditItem], line: int) -> ConnectionStringAuditItem:
    found = [
        i for i in items if file_location(i).line == line and i.value_class is not ValueClass.PASSWORDLESS
    ]
    assert found, line
    return next((i for i in found if i.notes), found[0])


def _no_key(items: list[ConnectionStringAuditItem], *values: str) -> None:
    text = json.dumps([i.to_json() for i in items])
    assert not any(v in text for v in values)


def test_csharp_client_literal_endpoint_and_endpoint_setting() -> None:
    items = scan_text("src/Shop/Clients.cs", CSHARP)
    assert_planted_found(items, CSHARP, SEARCH_KEY)
    docs = _at(items, 7)  # a literal key with a literal endpoint: the host, never the key
    assert docs.value_class is ValueClass.SECRET and docs.endpoint.host == "shop-docs.search.windows.net"
    assert "endpoint from the URL the code passes to the client (code: src/Shop/Clients.cs:7)" in docs.notes
    orders = _at(items, 9)  # a local variable assigned from configuration
    assert orders.setting_name == "Orders:SearchKey" and orders.endpoint.is_empty()
    assert "endpoint from the setting Orders:SearchEndpoint (code: src/Shop/Clients.cs:9)" in orders.notes
    cosmos = _at(items, 10)  # CosmosClient(endpoint, key)
    assert cosmos.service_type is S.COSMOS_DB
    assert "endpoint from the setting SHOP_COSMOS_ENDPOINT (code: src/Shop/Clients.cs:10)" in cosmos.notes
    lang = _at(items, 11)  # a client the handler has no table entry for: found around the credential
    assert lang.service_type is S.COGNITIVE_SERVICES
    assert lang.endpoint.host == "shop-lang.cognitiveservices.azure.com"
    sas = _at(items, 12)  # a URL with a query is never taken
    assert sas.endpoint.is_empty() and not any(n.startswith("endpoint from") for n in sas.notes)
    _no_key(items, SEARCH_KEY, "sig=abc")


def test_python_client_literal_endpoint_and_endpoint_setting() -> None:
    items = scan_text("src/shop/clients.py", PYTHON)
    assert_planted_found(items, PYTHON, TOPIC_KEY)
    events = _at(items, 10)  # a module-level name assigned from os.environ
    assert events.value_class is ValueClass.SECRET and events.service_type is S.EVENT_GRID
    assert "endpoint from the setting SHOP_TOPIC_ENDPOINT (code: src/shop/clients.py:10)" in events.notes
    search = _at(items, 11)  # the credential held in a variable, passed to the client later
    assert search.endpoint.host == "shop-py.search.windows.net"
    oai = _at(items, 13)
    assert "endpoint from the setting SHOP_OPENAI_ENDPOINT (code: src/shop/clients.py:13)" in oai.notes
    _no_key(items, TOPIC_KEY)


def _scan(root: Path) -> dict[str, ConnectionStringAuditItem]:
    result = scan_repository(str(root), TEST_KEY, RepositoryScanOptions(jobs=1))
    return {i.setting_name or "": i for i in result.items if i.notes}


def test_endpoint_setting_resolved_from_the_projects_config_files() -> None:
    items = _scan(FIXTURE)
    chat = items["Chat:ApiKey"]
    assert chat.endpoint.host == "catalog-chat.openai.azure.com"
    assert (
        "endpoint from the value of the setting Chat:Endpoint in src/Catalog/appsettings.json" in chat.notes
    )
    assert items["Products:SearchKey"].endpoint.host == "catalog-products.search.windows.net"
    cosmos = items["INDEX_COSMOS_KEY"]
    assert cosmos.endpoint.account == "indexer-docs"
    assert "endpoint from the value of the setting INDEX_COSMOS_URL in src/indexer/.env" in cosmos.notes
    assert items["AZURE_OPENAI_API_KEY"].endpoint.host == "indexer-oai.openai.azure.com"


def test_endpoint_setting_left_open_when_files_disagree_or_another_project_sets_it(tmp_path: Path) -> None:
    for project, endpoint in (
        ("a", "https://one.search.windows.net"),
        ("b", "https://two.search.windows.net"),
    ):
        (tmp_path / project).mkdir()
        (tmp_path / project / "requirements.txt").write_text("azure-search-documents\n")
        (tmp_path / project / ".env").write_text(f"SEARCH_ENDPOINT={endpoint}\n")
    (tmp_path / "a" / "prod.env").write_text("SEARCH_ENDPOINT=https://three.search.windows.net\n")
    code = (
        "import os\nfrom azure.core.credentials import AzureKeyCredential\n"
        "from azure.search.documents import SearchClient\n"
        'c = SearchClient(os.environ["SEARCH_ENDPOINT"], "i", AzureKeyCredential(os.environ["SEARCH_KEY"]))\n'
    )
    (tmp_path / "a" / "app.py").write_text(code)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "requirements.txt").write_text("azure-search-documents\n")
    (tmp_path / "c" / "app.py").write_text(code)
    result = scan_repository(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=1))
    keys = [i for i in result.items if i.setting_name == "SEARCH_KEY" and i.notes]
    assert {file_location(i).path for i in keys} == {"a/app.py", "c/app.py"}
    for i in keys:  # `a`: two of its files disagree; `c`: only project `b` sets the endpoint
        assert i.endpoint.is_empty()
        assert any(n.startswith("endpoint from the setting SEARCH_ENDPOINT (code: ") for n in i.notes)


def _estate_key(site: str) -> ConnectionStringAuditItem:
    """A live app's search key whose endpoint came from its sibling app setting."""
    [item] = [
        i
        for i in scan_text("x/.env", f"ORDERS_SEARCH_KEY={SEARCH_KEY}\n")
        if i.value_class is ValueClass.SECRET
    ]
    location = AppServiceLocation("sub-1", "rg-shop", site, None, "Orders__SearchKey")
    live = replace(item, location=location, setting_name="Orders__SearchKey", service_type=S.AI_SEARCH)
    settings = [
        ("Orders__SearchEndpoint", "https://shop-orders.search.windows.net"),
        ("Orders__SearchKey", "x"),
    ]
    [live] = with_setting_siblings(settings, [live])
    assert live.endpoint.host == "shop-orders.search.windows.net"
    return live


def test_endpoint_setting_resolved_from_the_estate_app_the_project_is_deployed_to() -> None:
    code = next(i for i in scan_text("src/Shop/Clients.cs", CSHARP) if i.setting_name == "Orders:SearchKey")
    code = replace(code, unit="src/Shop::orders_searchkey")
    link = AppLink("src/Shop", "shop-web", "azure.yaml:4 (azd service shop)")
    resolved = with_estate_endpoints([code, _estate_key("shop-web")], [link])[0]
    assert resolved.endpoint == Endpoint(host="shop-orders.search.windows.net")
    assert (
        "endpoint from the app setting Orders:SearchEndpoint of the estate app rg-shop/shop-web"
        in resolved.notes
    )
    # another app's setting is not this project's
    other = with_estate_endpoints([code, _estate_key("billing-web")], [link])[0]
    assert other.endpoint.is_empty()
    _no_key([resolved, other], SEARCH_KEY)
