"""Consumers of secrets in Python, C# and Java/Scala code beyond the SDK client constructors:
settings-library reads, MSAL and password credentials, payload slots, implicit readers, SAS
signing, typed options objects, secrets printed, Scala connector maps."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from scanners.handlers import handlers_for
from scanners.handlers.secret_reads import secret_name
from scanners.records import ConnectionStringAuditItem, CredentialKind, ServiceType, ValueClass
from scanners.repository import RepositoryScanOptions, scan_repository
from tests.conftest import TEST_KEY, file_location, scan_text
from tests.planted import assert_planted_found

S = ServiceType
K = CredentialKind
V = ValueClass


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def _at(items: list[ConnectionStringAuditItem], text: str, needle: str) -> list[ConnectionStringAuditItem]:
    line = _line_of(text, needle)
    return [i for i in items if file_location(i).line == line]


def _consumer_at(items: list[ConnectionStringAuditItem], text: str, needle: str) -> ConnectionStringAuditItem:
    found = [i for i in _at(items, text, needle) if not i.detector.endswith(":lookup")]
    assert found, (
        f"no consumer on the line of {needle!r}: {[(file_location(i).line, i.detector) for i in items]}"
    )
    return found[0]


def test_secret_names_tell_keys_from_metadata() -> None:
    assert secret_name("STATE_STORE_KEY") == (S.GENERIC, K.API_KEY)
    assert secret_name("TextAnalyticsKey") == (S.GENERIC, K.API_KEY)
    assert secret_name("TEST_USER_PASSWORD") == (S.GENERIC, K.PASSWORD)
    assert secret_name("option.ConnectionString".split(".")[-1]) == (S.GENERIC, K.CONNECTION_STRING)
    assert secret_name("API_CLIENT_SECRET") == (S.ENTRA_ID, K.CLIENT_SECRET)
    for name in (
        "PartitionKey",
        "RowKey",
        "CancellationToken",
        "KeyVaultName",
        "ClientSecretName",
        "Key",
        "DEBUG",
    ):
        assert secret_name(name) is None, name


PY_SETTINGS = """\
from decouple import config
from environs import Env
import msal
from azure.identity import UsernamePasswordCredential

env = Env()
STORE_KEY: str = config("STATE_STORE_KEY", default="")
APP_SECRET: str = config("API_CLIENT_SECRET", default="")
TENANT: str = config("AAD_TENANT_ID", default="")
USER_PASSWORD = env.str("TEST_USER_PASSWORD")

app = msal.ConfidentialClientApplication(client_id=CLIENT_ID, client_credential=APP_SECRET, authority=AUTH)
cred = UsernamePasswordCredential(CLIENT_ID, USER_NAME, USER_PASSWORD)

def token(payload):
    payload["properties"]["client_secret"] = APP_SECRET
    body = {"grant_type": "client_credentials", "client_secret": APP_SECRET}
    return create_workspace(client_id=CLIENT_ID, client_secret=APP_SECRET)

def master(auth):
    return auth.get("masterKey")
"""


def test_python_settings_reads_msal_and_payload_slots_are_consumers(tmp_path: Path) -> None:
    items = scan_text("api/config.py", PY_SETTINGS)
    for needle in ('"STATE_STORE_KEY"', '"API_CLIENT_SECRET"', '"TEST_USER_PASSWORD"'):
        assert _consumer_at(items, PY_SETTINGS, needle).value_class is V.REFERENCE
    assert not _at(items, PY_SETTINGS, '"AAD_TENANT_ID"')  # an id, no secret
    msal_item = _consumer_at(items, PY_SETTINGS, "ConfidentialClientApplication")
    assert (msal_item.service_type, msal_item.credential_kind) == (S.ENTRA_ID, K.CLIENT_SECRET)
    assert _consumer_at(items, PY_SETTINGS, "UsernamePasswordCredential(").credential_kind is K.PASSWORD
    for needle in ('["client_secret"] =', '"client_secret": APP_SECRET', "client_secret=APP_SECRET"):
        assert _consumer_at(items, PY_SETTINGS, needle).service_type is S.ENTRA_ID
    assert _consumer_at(items, PY_SETTINGS, 'auth.get("masterKey")').service_type is S.COSMOS_DB
    # the settings reads survive linking (a plain lookup of an unknown name would not)
    (tmp_path / "config.py").write_text(PY_SETTINGS)
    linked = scan_repository(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=1)).items
    lines = {file_location(i).line for i in linked}
    assert _line_of(PY_SETTINGS, '"STATE_STORE_KEY"') in lines
    assert _line_of(PY_SETTINGS, '"TEST_USER_PASSWORD"') in lines


PY_LEGACY = """\
import logging
from applicationinsights import TelemetryClient
from applicationinsights.logging import LoggingHandler
from applicationinsights.exceptions import enable
from azure.cosmos.aio import CosmosClient as cosmos_client
from azure.cognitiveservices.search.autosuggest import AutoSuggestClient
from msrest.authentication import CognitiveServicesCredentials

instrumentation_key = INSTRUMENTATION_KEY_FROM_SETTINGS
enable(instrumentation_key)
tc = TelemetryClient(instrumentation_key)
handler = LoggingHandler(instrumentation_key, telemetry_channel=None)

endpoint = "<your Cosmos DB URI>"
key = "<your Cosmos DB primary key>"

async def run():
    async with cosmos_client(endpoint, credential=key) as client:
        pass

suggest = AutoSuggestClient(ENDPOINT, CognitiveServicesCredentials(SUBSCRIPTION_KEY))

try:
    run()
except ValueError, e:
    print "failed", e
"""


def test_python_legacy_sdks_import_aliases_and_python2_syntax() -> None:
    items = scan_text("samples/legacy.py", PY_LEGACY)
    for needle in ("enable(instrumentation_key)", "TelemetryClient(instrumentation_key)", "LoggingHandler("):
        item = _consumer_at(items, PY_LEGACY, needle)
        assert (item.service_type, item.value_class) == (S.APPLICATION_INSIGHTS, V.LOCATOR)
    # `cosmos_client` is CosmosClient imported under another name: the call is a consumer and the
    # key slot it is fed is a placeholder on its own line
    assert _consumer_at(items, PY_LEGACY, "cosmos_client(endpoint").service_type is S.COSMOS_DB
    slot = _at(items, PY_LEGACY, 'key = "<your')
    assert any(i.value_class is V.PLACEHOLDER and i.service_type is S.COSMOS_DB for i in slot), slot
    assert _consumer_at(items, PY_LEGACY, "CognitiveServicesCredentials(").value_class is V.REFERENCE


PY_OPENAI = """\
from openai import OpenAI
client = OpenAI(api_key=API_KEY, organization=ORG)
"""


def test_python_openai_key_is_third_party() -> None:
    items = scan_text("app/gen.py", PY_OPENAI)
    assert _consumer_at(items, PY_OPENAI, "api_key=API_KEY").service_type is S.THIRD_PARTY


PY_SECRET_FETCH = """\
class EnvHelper:
    def __init__(self, helper):
        self.BLOB_ACCOUNT_KEY = helper.get_secret_from_json(info.get("accountKey", ""))
        self.BLOB_ACCOUNT_NAME = helper.get_value("name")
"""


def test_python_secret_fetched_into_a_named_variable() -> None:
    items = scan_text("app/env_helper.py", PY_SECRET_FETCH)
    assert _consumer_at(items, PY_SECRET_FETCH, "self.BLOB_ACCOUNT_KEY").value_class is V.REFERENCE
    assert not _at(items, PY_SECRET_FETCH, "BLOB_ACCOUNT_NAME")


CS_CONSUMERS = """\
using Microsoft.Azure.WebJobs;
public class Startup
{
    public void ConfigureServices(IServiceCollection services)
    {
        services.AddMicrosoftIdentityWebAppAuthentication(Configuration)
                .EnableTokenAcquisitionToCallDownstreamApi(scopes)
                .AddInMemoryTokenCaches();
        var host = new JobHost();
        client = EventHubClient.Create(eventHubName);
        var queue = ServiceBusConnectionStringProperties.Parse(this.appConfig.OrdersServiceBusConnectionString).EntityPath;
        var provider = new TextProvider(locale, this.appConfig.TextAnalyticsKey, this.appConfig.TextAnalyticsEndpoint);
        var partition = this.appConfig.PartitionKey;
        var sas = builder.ToSasQueryParameters(sharedKeyCredential).ToString();
        var delegated = builder.ToSasQueryParameters(userDelegationKey, accountName).ToString();
        Console.WriteLine("Account SAS Token: " + sasToken.Query);
        Console.WriteLine("Enter the connection string:");
        string clientSecret = await Helpers.GetValueFromKeyvault(vaultUri, SecretName, credential);
        var vars = new Dictionary<string, string> { {"AzureAd__ClientSecret", clientSecret} };
        var tokenSecret = ConfigurationManager.AppSettings["oauth_token_secret"];
        var keywords = ConfigurationManager.AppSettings["twitter_keywords"];
        var manager = new ServiceManagerBuilder().WithOptions(option => { option.ConnectionString = conn; });
        var signing = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessKey));
    }
}
"""


def test_csharp_implicit_readers_sas_options_and_printed_secrets() -> None:
    items = scan_text("src/Startup.cs", CS_CONSUMERS)
    token = _consumer_at(items, CS_CONSUMERS, "EnableTokenAcquisitionToCallDownstreamApi")
    assert (token.service_type, token.setting_name) == (S.ENTRA_ID, "AzureAd:ClientSecret")
    assert _consumer_at(items, CS_CONSUMERS, "new JobHost()").setting_name == "AzureWebJobsStorage"
    assert _consumer_at(items, CS_CONSUMERS, "EventHubClient.Create").service_type is S.EVENT_HUBS
    parsed = [
        i for i in _at(items, CS_CONSUMERS, "ConnectionStringProperties.Parse") if "lookup" not in i.detector
    ]
    assert len(parsed) == 1 and parsed[0].service_type is S.SERVICE_BUS  # one finding for the line
    assert _consumer_at(items, CS_CONSUMERS, "this.appConfig.TextAnalyticsKey").value_class is V.REFERENCE
    assert not _at(items, CS_CONSUMERS, "this.appConfig.PartitionKey")
    assert (
        _consumer_at(items, CS_CONSUMERS, "ToSasQueryParameters(sharedKeyCredential)").credential_kind
        is K.SAS
    )
    assert not _at(items, CS_CONSUMERS, "ToSasQueryParameters(userDelegationKey")
    assert _consumer_at(items, CS_CONSUMERS, "Account SAS Token").value_class is V.REFERENCE
    assert not _at(items, CS_CONSUMERS, "Enter the connection string")
    assert _consumer_at(items, CS_CONSUMERS, "string clientSecret").service_type is S.ENTRA_ID
    assert _consumer_at(items, CS_CONSUMERS, '"AzureAd__ClientSecret"').service_type is S.ENTRA_ID
    assert _consumer_at(items, CS_CONSUMERS, '"oauth_token_secret"').detector == "csharp:setting-read"
    assert all("setting-read" not in i.detector for i in _at(items, CS_CONSUMERS, '"twitter_keywords"'))
    assert _consumer_at(items, CS_CONSUMERS, "option.ConnectionString").credential_kind is K.CONNECTION_STRING
    assert _consumer_at(items, CS_CONSUMERS, "new SymmetricSecurityKey").value_class is V.REFERENCE


SCALA_KEY = "Qm9ndXNDb3Ntb3NLZXlGb3JUZXN0aW5nT25seTEyMzQ1Njc4OTBBQkNERUZHSElKS0xNTk9QUVI="
SCALA = f"""\
import com.microsoft.azure.cosmosdb.spark.config.Config
val readConfig = Config(Map(
  "Endpoint" -> "<Endpoint>",
  "Masterkey" -> "[Enter Masterkey Here]",
  "Database" -> "TestDB"))
val writeConfig = Config(Map("Endpoint" -> endpoint, "Masterkey" -> "{SCALA_KEY}"))
val fromSecret = Map("Masterkey" -> dbutils.secrets.get("kv", "cosmos"))

object Connection {{
  val SB_CONNECTION_STRING_VAR = "SB_SAMPLES_CONNECTIONSTRING"
  def key(config: Config) = config.getOrElse[String](CosmosDBConfig.Masterkey, "")
  def client(config: Config) = new DocumentClient(
      config.host,
      config.authConfig.authKey,
      policy,
      level)
  def async(clientConfig: ClientConfig) = new AsyncDocumentClient.Builder()
      .withServiceEndpoint(clientConfig.host)
      .withMasterKeyOrResourceToken(clientConfig.key)
      .build()
  val conn = getOptionOrEnv(cl, "c", SB_CONNECTION_STRING_VAR)
}}
"""


def test_scala_connector_maps_and_consumers_go_through_the_java_handler() -> None:
    assert "java" in {h.name for h in handlers_for(PurePosixPath("src/main/scala/Connection.scala"))}
    items = scan_text("src/main/scala/Connection.scala", SCALA)
    slot = _at(items, SCALA, '"Masterkey" -> "[Enter')
    assert any(i.value_class is V.PLACEHOLDER and i.service_type is S.COSMOS_DB for i in slot), slot
    assert_planted_found(items, SCALA, SCALA_KEY)
    assert all(SCALA_KEY not in i.redacted_preview for i in items)
    assert _consumer_at(items, SCALA, '"Masterkey" -> dbutils').value_class is V.REFERENCE
    assert _consumer_at(items, SCALA, "CosmosDBConfig.Masterkey").service_type is S.COSMOS_DB
    assert _consumer_at(items, SCALA, "config.authConfig.authKey").service_type is S.COSMOS_DB
    assert _consumer_at(items, SCALA, "withMasterKeyOrResourceToken").service_type is S.COSMOS_DB
    conn = _consumer_at(items, SCALA, "getOptionOrEnv(")
    assert (conn.setting_name, conn.service_type) == ("SB_SAMPLES_CONNECTIONSTRING", S.SERVICE_BUS)


PY_PRINTED = """\
import os
import logging
logger = logging.getLogger(__name__)
HOST = os.getenv("COSMOS_HOST")
MASTER_KEY = os.getenv("COSMOS_MASTER_KEY")

def read_config():
    config = {"Endpoint": HOST, "Masterkey": MASTER_KEY, "Database": "db"}
    logger.info("read config: " + str(config))
    logger.info("connected to " + HOST)
    return config

for value in [HOST, MASTER_KEY]: print(value)
"""


def test_python_secrets_written_to_the_console_or_a_log() -> None:
    items = scan_text("samples/program.py", PY_PRINTED)
    logged = _consumer_at(items, PY_PRINTED, '"read config: "')
    assert (logged.detector, logged.service_type) == ("python-code:print", S.COSMOS_DB)
    assert _consumer_at(items, PY_PRINTED, "print(value)").detector == "python-code:print"
    assert not [i for i in _at(items, PY_PRINTED, '"connected to "') if i.detector == "python-code:print"]


CS_INDEXED = """\
var conn = ConfigurationManager.ConnectionStrings["Orders"].ConnectionString;
"""


def test_csharp_indexed_connection_strings_are_one_lookup_not_a_member_read() -> None:
    items = scan_text("src/Legacy.cs", CS_INDEXED)
    assert items, "the lookup itself is found"
    assert not [i for i in items if i.redacted_preview.startswith("ConfigurationManager.ConnectionStrings")]
