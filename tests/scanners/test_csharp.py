"""csharp handler."""

from __future__ import annotations

import json
from collections.abc import Iterable

from scanners.handlers.csharp_arguments import mask_comments, split_args
from scanners.records import ConnectionStringAuditItem, CredentialKind, EvidenceRole, ServiceType, ValueClass
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found, lines_holding

CANARY_PW = "Canary-Sql-Pa55-4471"
CANARY_SEARCH = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CANARY_ENTRA = "kQ48Q~Zm3nB5vC7xL9pO1iU2yT4rE6wQ8aS0dFg"

CODE = f"""using Azure.Identity;
using Azure.Storage.Blobs;

namespace Orders;

public class Startup
{{
    private readonly IConfiguration _configuration;

    public void Configure(IConfiguration configuration)
    {{
        var blobs = new BlobServiceClient(configuration.GetConnectionString("Storage"));
        var busConn = Environment.GetEnvironmentVariable("SERVICEBUS_CONNECTION");
        var bus = new ServiceBusClient(busConn);
        var busMi = new ServiceBusClient("orders-bus.servicebus.windows.net", new DefaultAzureCredential());
        var cosmos = new CosmosClient(_configuration["Cosmos:Endpoint"], _configuration["Cosmos:Key"]);
        var search = new SearchClient(new Uri(searchEndpoint), "orders", new AzureKeyCredential("{CANARY_SEARCH}"));
        using var sql = new SqlConnection("Server=tcp:orders-sql.database.windows.net;Database=orders;User ID=app;Password={CANARY_PW};");
        var sp = new ClientSecretCredential(tenantId, clientId, "{CANARY_ENTRA}");
        var redis = await ConnectionMultiplexer.ConnectAsync(_configuration["Redis"]);
        var processor = new EventProcessorClient(checkpoints, "$Default", _configuration.GetConnectionString("Events"), "orders");
        var credential = new ManagedIdentityCredential();
        var tables = new TableServiceClient(new Uri(tableEndpoint), credential);
        var vault = new SecretClient(new Uri(vaultUri), credential);
        // var old = new QueueClient(_configuration["OldQueue"], "q");
        var legacy = CloudStorageAccount.Parse(_configuration["LegacyStorage"]);
    }}
}}

public static class Functions
{{
    [FunctionName("Resize")]
    public static void Run(
        [BlobTrigger("images/{{name}}")] Stream image,
        [ServiceBusTrigger("orders", Connection = "OrdersBus")] string message,
        [CosmosDBTrigger("db", "items", Connection = "%CosmosConn%")] IReadOnlyList<Item> items)
    {{
    }}
}}
"""


def _items() -> list[ConnectionStringAuditItem]:
    return scan_text("src/Orders/Startup.cs", CODE)


def _at(
    items: Iterable[ConnectionStringAuditItem], line: int, detector: str | None = None
) -> list[ConnectionStringAuditItem]:
    return [
        i for i in items if file_location(i).line == line and (detector is None or i.detector == detector)
    ]


def test_connection_string_consumers_and_lookups() -> None:
    items = _items()
    blob = _at(items, 12, "csharp:ctor")
    assert len(blob) == 1
    assert blob[0].service_type is ServiceType.STORAGE
    assert blob[0].value_class is ValueClass.REFERENCE
    assert blob[0].setting_name == "ConnectionStrings:Storage"
    assert blob[0].evidence_role is EvidenceRole.CODE_CONSUMER
    assert blob[0].redacted_preview == 'new BlobServiceClient(GetConnectionString("Storage"))'
    lookup = _at(items, 12, "csharp:lookup")
    assert lookup and lookup[0].setting_name == "ConnectionStrings:Storage"
    bus = _at(items, 14, "csharp:ctor")
    assert bus and bus[0].service_type is ServiceType.SERVICE_BUS
    assert bus[0].setting_name == "SERVICEBUS_CONNECTION"  # followed through the variable
    env = _at(items, 13, "csharp:lookup")
    assert env and env[0].setting_name == "SERVICEBUS_CONNECTION"
    assert env[0].service_type is ServiceType.SERVICE_BUS
    cosmos = _at(items, 16, "csharp:ctor")
    assert cosmos and cosmos[0].service_type is ServiceType.COSMOS_DB
    assert cosmos[0].setting_name == "Cosmos:Key"
    assert cosmos[0].credential_kind is CredentialKind.ACCOUNT_KEY
    redis = _at(items, 20, "csharp:factory")
    assert redis and redis[0].service_type is ServiceType.REDIS and redis[0].setting_name == "Redis"
    events = _at(items, 21, "csharp:ctor")
    assert events and events[0].service_type is ServiceType.EVENT_HUBS
    assert events[0].setting_name == "ConnectionStrings:Events"
    legacy = _at(items, 26, "csharp:factory")
    assert legacy and legacy[0].service_type is ServiceType.STORAGE
    assert legacy[0].setting_name == "LegacyStorage"


def test_passwordless_clients() -> None:
    items = _items()
    mi = _at(items, 15, "csharp:ctor")
    assert mi and mi[0].value_class is ValueClass.PASSWORDLESS
    assert mi[0].service_type is ServiceType.SERVICE_BUS
    tables = _at(items, 23, "csharp:ctor")
    assert tables and tables[0].value_class is ValueClass.PASSWORDLESS
    vault = _at(items, 24, "csharp:ctor")
    assert vault and vault[0].service_type is ServiceType.KEY_VAULT
    assert vault[0].value_class is ValueClass.PASSWORDLESS


def test_literal_secrets() -> None:
    items = _items()
    search = _at(items, 17, "csharp:ctor")
    assert search and search[0].service_type is ServiceType.AI_SEARCH
    assert search[0].value_class is ValueClass.SECRET
    assert search[0].evidence_role is EvidenceRole.CODE_LITERAL
    sql = [i for i in _at(items, 18) if i.detector.startswith("csharp")]
    assert sql and sql[0].service_type is ServiceType.SQL and sql[0].value_class is ValueClass.SECRET
    sp = [i for i in _at(items, 19) if i.detector.startswith("csharp")]
    assert sp and sp[0].service_type is ServiceType.ENTRA_ID
    assert sp[0].credential_kind is CredentialKind.CLIENT_SECRET
    assert sp[0].value_class is ValueClass.SECRET


def test_commented_out_code_is_not_a_consumer() -> None:
    assert not [i for i in _at(_items(), 25) if i.detector.startswith("csharp")]


def test_function_bindings() -> None:
    items = [i for i in _items() if i.detector == "csharp:binding"]
    by_name = {i.setting_name: i for i in items}
    assert by_name["AzureWebJobsStorage"].service_type is ServiceType.STORAGE
    assert file_location(by_name["AzureWebJobsStorage"]).line == 34
    assert by_name["OrdersBus"].service_type is ServiceType.SERVICE_BUS
    assert file_location(by_name["OrdersBus"]).line == 35
    assert by_name["CosmosConn"].service_type is ServiceType.COSMOS_DB
    assert all(i.evidence_role is EvidenceRole.CODE_CONSUMER for i in items)


def test_previews_never_hold_literals() -> None:
    items = _items()
    assert_planted_found(items, CODE, CANARY_PW, CANARY_SEARCH, CANARY_ENTRA)
    literal_lines = lines_holding(CODE, "orders-bus.servicebus") | lines_holding(CODE, "$Default")
    assert len(literal_lines) == 2
    assert literal_lines <= {file_location(i).line for i in items if i.detector == "csharp:ctor"}
    out = json.dumps([i.to_json() for i in items])
    for canary in (CANARY_PW, CANARY_SEARCH, CANARY_ENTRA, "orders-bus.servicebus", "$Default"):
        assert canary not in out


def test_standalone_key_credential_and_unused_lookup() -> None:
    code = f"""class C {{
    void M() {{
        var openAiKey = new AzureKeyCredential("{CANARY_SEARCH}");
        var fromConfig = new AzureKeyCredential(config["Search:ApiKey"]);
        var unrelated = config["Logging:Level"];
    }}
}}"""
    items = scan_text("src/Keys.cs", code)
    first = [i for i in items if file_location(i).line == 3 and i.detector == "csharp:ctor"]
    assert first and first[0].service_type is ServiceType.OPENAI
    assert first[0].value_class is ValueClass.SECRET
    second = [i for i in items if file_location(i).line == 4 and i.detector == "csharp:ctor"]
    assert second and second[0].value_class is ValueClass.REFERENCE
    assert second[0].setting_name == "Search:ApiKey"
    assert second[0].service_type is ServiceType.AI_SEARCH
    assert CANARY_SEARCH not in json.dumps([i.to_json() for i in items])


def test_split_args_and_mask_comments() -> None:
    text = 'f(a, "x, (y)", g(b, c), @"q""r", \'c\', name: value)'
    split = split_args(text, 1)
    assert split is not None
    args, end = split
    assert args == ["a", '"x, (y)"', "g(b, c)", '@"q""r"', "'c'", "value"]
    assert end == len(text)
    assert split_args("f(a, b", 1) is None
    masked = mask_comments('a = "// not a comment"; // comment\n/* b\n c */ d')
    assert '"// not a comment"' in masked and "comment\n" not in masked.split(";", 1)[1]
    assert masked.count("\n") == 2 and masked.endswith(" d")


def test_builder_extension_methods() -> None:
    code = """var builder = WebApplication.CreateBuilder(args);
builder.Services.AddDbContext<OrdersDb>(o => o.UseSqlServer(builder.Configuration.GetConnectionString("OrdersDb")));
builder.Services.AddStackExchangeRedisCache(options =>
{
    options.Configuration = builder.Configuration.GetConnectionString("Redis");
});
builder.Services.AddAzureClients(b => b.AddServiceBusClientWithNamespace("orders-bus.servicebus.windows.net"));
builder.Services.AddSingleton(new SecretClient(new Uri(builder.Configuration["KeyVault:VaultUri"]!), new DefaultAzureCredential()));
"""
    items = scan_text("src/Program.cs", code)
    calls = {file_location(i).line: i for i in items if i.detector == "csharp:call"}
    assert calls[2].service_type is ServiceType.SQL and calls[2].setting_name == "ConnectionStrings:OrdersDb"
    assert calls[2].value_class is ValueClass.REFERENCE
    assert calls[3].service_type is ServiceType.REDIS and calls[3].setting_name == "ConnectionStrings:Redis"
    assert calls[7].value_class is ValueClass.PASSWORDLESS
    vault = [i for i in items if file_location(i).line == 8 and i.detector == "csharp:ctor"]
    assert vault[0].redacted_preview == (
        'new SecretClient(new Uri(Configuration["KeyVault:VaultUri"]), new DefaultAzureCredential())'
    )
    assert "orders-bus" not in json.dumps([i.to_json() for i in items])


def test_entity_framework_table_attribute_is_no_binding() -> None:
    code = """using System.ComponentModel.DataAnnotations.Schema;
[Table("Orders")]
public class Order { public int Id { get; set; } }
"""
    assert not [i for i in scan_text("src/Order.cs", code) if i.detector == "csharp:binding"]
    functions = """using Microsoft.Azure.WebJobs;
public static class F {
    [FunctionName("Save")]
    public static void Run([QueueTrigger("in")] string m, [Table("orders", Connection = "TablesConn")] out Order o) { o = null; }
}
"""
    found = {i.setting_name: i for i in scan_text("src/F.cs", functions) if i.detector == "csharp:binding"}
    assert (
        found["TablesConn"].service_type is ServiceType.STORAGE
        and file_location(found["TablesConn"]).line == 4
    )
    assert file_location(found["AzureWebJobsStorage"]).line == 4
