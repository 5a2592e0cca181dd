"""Precision: metadata keys, enum words, constants holding their own name, framed prompts, ARM and
Bicep expressions, vendor words inside other words, compiler XML docs and test fakes.

Every fixture plants a real-looking secret in the same file, so a filter that dropped everything
would fail.
"""

from __future__ import annotations

from pathlib import Path

from scanners.classifier import classify
from scanners.handlers.bicep_values import read_string
from scanners.pair_classifier import SHORT_KEY_NOTE
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import ServiceType, ValueClass
from scanners.repository import RepositoryScanOptions
from scanners.scan_job import run_scan
from scanners.setting_names import rule_for
from scanners.value_filters import is_keyboard_run, is_metadata_key, not_a_named_secret, not_a_secret
from tests.conftest import TEST_KEY, file_location, scan_text
from tests.planted import assert_planted_found

REAL = "Zq9vLw2XkP4rT7yB1nM6sD3fH8jC5gA0"  # a 32-character random-looking token
STORAGE_KEY = "Q7vK2mXp9LwR4tYb8NcZ1sDf6GhJ3kAe5UiO0pWq7EzXr2TyCv4BnM8lK1jH3gF6dS9aP5oI2uY7tR0eW4qZx6=="  # 88
SB_KEY = "Vb3Nm8Kq2Lw7Xp4Rt9Yc1Zs6Df0Gh5Jk3Ae8Uo2Pw4k="  # 44 characters


def _secret_lines(items: list) -> set[int]:  # type: ignore[type-arg]
    return {file_location(i).line for i in items if i.value_class is ValueClass.SECRET}


def test_key_words_that_name_or_describe_a_secret() -> None:
    for name in (
        "ResetPasswordPolicyId",
        "KeyvaultPasswordName",
        "TextKeySecretName",
        "resources:3:properties:encryption:services:blob:keyType",
        "Values:StorageKeyVersion",
        "api_key_header",
    ):
        assert is_metadata_key(name), name
    for name in ("StorageAccountKey", "smtpPassword", "ClientSecret", "PasswordCredentials"):
        assert not is_metadata_key(name), name
    assert not_a_named_secret("PasswordCredentials", "Auto") == "enum"
    assert not_a_named_secret("PasswordCredentials", REAL) is None
    assert not_a_named_secret("Masterkey", "masterkey") == "own-name"
    assert not_a_named_secret("CallbackUrl", "https://contoso.example/cb") == "locator"
    assert not_a_named_secret("CallbackUrl", "https://u:pw@contoso.example/cb") is None
    # The value also occurs inside its own name: the key is the one before the quoted value.
    assert not_a_secret("var TextKeySecretName = 'TextKey'", "TextKey") == "metadata"


def test_json_and_csharp_metadata_keys_are_not_secrets() -> None:
    text = (
        "{\n"
        '  "ResetPasswordPolicyId": "b2c_1_password_reset",\n'
        '  "PasswordCredentials": "Auto",\n'
        '  "DatabasePasswordSecretName": "DatabasePassword",\n'
        f'  "smtpPassword": "{REAL}"\n'
        "}\n"
    )
    items = scan_text("config/sample.json", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {5}
    cs = (
        "class Settings {\n"
        '    private const string VaultPasswordName = "app-login-password";\n'
        f'    private const string SmtpPassword = "{REAL}";\n'
        "}\n"
    )
    items = scan_text("src/Settings.cs", cs, generic=True)
    assert_planted_found(items, cs, REAL)
    assert _secret_lines(items) == {3}


def test_arm_key_type_under_a_joined_path_is_metadata() -> None:
    assert classify("Account", "resources:0:properties:encryption:services:blob:keyType") is None
    assert rule_for("resources_0_properties_encryption_services_blob_keytype") is not None  # the trap


def test_constant_holding_its_own_name() -> None:
    scala = f'object Config {{\n  val Masterkey = "masterkey"\n  val Other = "x"\n  val masterKey = "{REAL}"\n}}\n'
    own = classify("masterkey", "Masterkey")
    assert own is not None and own.value_class is ValueClass.PLACEHOLDER  # a slot, named by itself
    assert classify(REAL, "Masterkey") is not None
    items = scan_text("src/Config.scala", scala)
    assert_planted_found(items, scala, REAL)
    assert _secret_lines(items) == {4}


def test_framed_prompts_are_placeholders() -> None:
    for v in ("***ENTER YOUR KEY***", "****ADD YOUR CONNECTION STRING HERE ****", "*** YOUR HUB KEY ***"):
        assert is_placeholder(v), v
    assert not is_placeholder("**" + REAL + "**")
    assert is_placeholder(
        "[Replace with your host like so: <name>.redis.cache.windows.net:6380,password=Pw1,ssl=True]"
    )
    text = (
        "<configuration><appSettings>\n"
        '  <add key="EventHubConnectionString" value="***YOUR EVENT HUB CONNECTION STRING***" />\n'
        '  <add key="Microsoft.ServiceBus.ConnectionString" value="***ENTER YOUR KEY***"/>\n'
        f'  <add key="StorageConnectionString" value="DefaultEndpointsProtocol=https;AccountName=acct1;AccountKey={STORAGE_KEY}" />\n'
        "</appSettings></configuration>\n"
    )
    items = scan_text("Gen/App.config", text, generic=True)
    assert_planted_found(items, text, STORAGE_KEY)
    assert _secret_lines(items) == {4}


def test_arm_expressions_are_references_and_name_their_service() -> None:
    eh = (
        "[listKeys(concat('Microsoft.EventHub/namespaces/',variables('ns'),"
        "'/AuthorizationRules/RootManageSharedAccessKey'),'2017-04-01').primaryConnectionString]"
    )
    cosmos = "[listKeys(concat('Microsoft.DocumentDb/databaseAccounts/',variables('db')),'2016-03-31').primaryMasterKey]"
    assert is_reference(eh) and is_reference(cosmos)
    assert not is_reference("[[notAnExpression()]") and not is_reference("[your key]")
    c = classify(eh, "Microsoft.ServiceBus.ConnectionString")
    assert (
        c is not None and c.value_class is ValueClass.REFERENCE and c.service_type is ServiceType.EVENT_HUBS
    )
    c = classify(cosmos, "AccountKey")
    assert c is not None and c.value_class is ValueClass.REFERENCE and c.service_type is ServiceType.COSMOS_DB
    text = (
        "{\n"
        f'  "Microsoft.ServiceBus.ConnectionString": "{eh}",\n'
        f'  "AccountKey": "{cosmos}",\n'
        f'  "StorageKey": "{STORAGE_KEY}"\n'
        "}\n"
    )
    items = scan_text("deploy/settings.txt", text)  # no structured handler: the line scanner decides
    assert_planted_found(items, text, STORAGE_KEY)
    assert _secret_lines(items) == {4}


BICEP = """resource site 'Microsoft.Web/sites@2022-09-01' = {
  name: siteName
  properties: {
    siteConfig: {
      appSettings: [
        {
          name: 'AzureWebJobsStorage'
          value: 'DefaultEndpointsProtocol=https;AccountName=${acct};AccountKey=${listKeys(sa.id, providers('Microsoft.Storage', 'storageAccounts').apiVersions[0]).keys[0].value}'
        }
        {
          name: 'LegacyStorage'
          value: 'DefaultEndpointsProtocol=https;AccountName=acct2;AccountKey=__KEY__'
        }
      ]
    }
  }
}
"""


def test_bicep_strings_with_quoted_interpolations() -> None:
    line = BICEP.splitlines()[7]
    start = line.index("'") + 1
    assert read_string(line, start) == len(line) - 1  # not cut at `providers('`
    assert read_string("'a${'b'}c", 1) is None  # unclosed
    assert read_string("x: 'a${f('}')}b'", 4) == 15
    text = BICEP.replace("__KEY__", STORAGE_KEY)
    items = scan_text("infra/main.bicep", text)
    assert_planted_found(items, text, STORAGE_KEY)
    assert _secret_lines(items) == {12}
    wired = [i for i in items if file_location(i).line == 8 and i.service_type is ServiceType.STORAGE]
    assert wired and all(i.value_class is ValueClass.REFERENCE for i in wired)


def test_vendor_words_are_whole_words() -> None:
    assert rule_for("twitter_keywords") is None
    assert rule_for("TwitterConsumerKey") is not None
    assert rule_for("twitter_access_token_secret") is not None
    text = (
        "<configuration><appSettings>\n"
        '  <add key="twitter_keywords" value="Contoso launch,Fabrikam news" />\n'
        f'  <add key="twitter_consumer_secret" value="{REAL}" />\n'
        "</appSettings></configuration>\n"
    )
    items = scan_text("Client/App.config", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {3}


def test_filler_values_are_stand_ins() -> None:
    assert is_keyboard_run("abcdefg01234567890") and is_keyboard_run("qwerty123")
    assert not is_keyboard_run(REAL) and not is_keyboard_run("abc")
    assert not_a_named_secret("secret", "iamsecret") == "filler"
    assert not_a_named_secret("nested_secret", "iamanestedsecret") == "filler"
    assert not_a_named_secret("smtpPassword", "abcdefg01234567890") == "filler"
    assert not_a_named_secret("secret", "supercalifragilisticsecret") is None
    text = (
        "payload = {\n"
        '    "secret": "iamsecret",\n'
        '    "nested_secret": "iamanestedsecret",\n'
        '    "smtpPassword": "abcdefg01234567890",\n'
        f'    "apiPassword": "{REAL}",\n'
        "}\n"
    )
    items = scan_text("app/payload.py", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {5}
    placeholders = {file_location(i).line for i in items if i.value_class is ValueClass.PLACEHOLDER}
    assert {2, 3, 4} <= placeholders  # the slots are still inventoried


def test_xml_documentation_of_an_assembly_is_skipped(tmp_path: Path) -> None:
    doc = (
        '<?xml version="1.0"?>\n<doc>\n    <assembly>\n        <name>Contoso.Client</name>\n    </assembly>\n'
        "    <members>\n"
        '        <member name="P:Contoso.Client.Token">\n'
        "            <summary>Reads the AccountKey of a connection string.</summary>\n"
        '            <example>{"token":"a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6"}</example>\n'
        "        </member>\n    </members>\n</doc>\n"
    )
    jobs = tmp_path / "App_Data" / "jobs"
    jobs.mkdir(parents=True)
    (jobs / "Contoso.Client.xml").write_text(doc)
    cfg = f'<configuration><appSettings><add key="smtp_password" value="{REAL}" /></appSettings></configuration>\n'
    (tmp_path / "Web.config").write_text(cfg)
    result = run_scan(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=1))
    assert_planted_found(result.items, cfg, REAL)
    assert not [i for i in result.items if file_location(i).path.endswith(".xml")]
    skipped = [s for s in result.skipped if s.target.endswith("Contoso.Client.xml")]
    assert skipped and "XML documentation" in skipped[0].detail


def test_wrong_length_keys_in_test_files_are_fakes(tmp_path: Path) -> None:
    padded = "Endpoint=sb://test.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=testkey="
    short = "Endpoint=sb://unit.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=Kq2Lw7Xp4Rt9Yc1Zs6"
    real = f"Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={SB_KEY}"
    tests = tmp_path / "Tests"
    tests.mkdir()
    near = real[:-4]  # a near-length key: a load test's copy of a key is still used as one
    code = (
        f'public class QueueTests {{\n    Conn = "{padded}";\n    Other = "{real}";\n    Short = "{short}";\n'
        f'    Near = "{near}";\n}}\n'
    )
    (tests / "QueueTests.cs").write_text(code)
    (tmp_path / "settings.txt").write_text(f'ServiceBus = "{padded}"\nOther = "{short}"\n')
    result = run_scan(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=1))
    assert_planted_found(result.items, code, SB_KEY)
    by_place = {(file_location(i).path, file_location(i).line): i.value_class for i in result.items}
    assert by_place[("Tests/QueueTests.cs", 2)] is ValueClass.PLACEHOLDER
    assert by_place[("Tests/QueueTests.cs", 3)] is ValueClass.SECRET
    assert by_place[("Tests/QueueTests.cs", 4)] is ValueClass.PLACEHOLDER  # a test file's fake
    assert by_place[("Tests/QueueTests.cs", 5)] is ValueClass.SECRET
    # Outside a test file a far-short key is kept as a secret, with a note.
    assert by_place[("settings.txt", 1)] is ValueClass.SECRET
    assert by_place[("settings.txt", 2)] is ValueClass.SECRET
    noted = [i for i in result.items if file_location(i).path == "settings.txt"]
    assert all(SHORT_KEY_NOTE in i.notes for i in noted)
