"""Precision: values that look like secrets but are metadata, names, fakes or published keys.

Each fixture also plants one real secret in the same file, so a filter that dropped everything
would fail the test.
"""

from __future__ import annotations

from pathlib import Path

from scanners.classification import AZURITE_KEY, COSMOS_EMULATOR_KEY
from scanners.records import ValueClass
from scanners.repository import RepositoryScanOptions
from scanners.scan_job import run_scan
from scanners.value_filters import looks_fake, looks_like_name, not_a_secret
from tests.conftest import TEST_KEY, file_location, scan_text
from tests.planted import assert_planted_found

REAL = "Zq9vLw2XkP4rT7yB1nM6sD3fH8jC5gA0"  # a 32-character random-looking token


def _secret_lines(items: list, path: str | None = None) -> set[int]:  # type: ignore[type-arg]
    return {file_location(i).line for i in items if i.value_class is ValueClass.SECRET}


def test_assembly_binding_public_key_tokens_are_not_secrets() -> None:
    text = f"""<?xml version="1.0"?>
<configuration>
  <appSettings>
    <add key="smtp_password" value="{REAL}" />
  </appSettings>
  <runtime>
    <assemblyBinding xmlns="urn:schemas-microsoft-com:asm.v1">
      <dependentAssembly>
        <assemblyIdentity name="Contoso.Json" publicKeyToken="3f4a9b2c7d1e8f60" culture="neutral" />
        <bindingRedirect oldVersion="0.0.0.0-9.0.0.0" newVersion="9.0.0.0" />
      </dependentAssembly>
      <dependentAssembly>
        <assemblyIdentity name="Contoso.Web" publicKeyToken="a1b2c3d4e5f60718" culture="neutral" />
      </dependentAssembly>
    </assemblyBinding>
  </runtime>
</configuration>
"""
    items = scan_text("web/Web.config", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {4}


def test_config_metadata_keys_are_not_secrets() -> None:
    text = f"""{{
  "keyType": "Primary",
  "protectedAccountKeyName": "StorageAccountKey1",
  "PartitionKey": "/CustomerIdentifier",
  "secretName": "orders-db-password",
  "secretRef": "cosmos-primary-key",
  "AzureWebJobsSecretStorageType": "Files",
  "smtp_password": "{REAL}"
}}
"""
    items = scan_text("config/settings.json", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {8}


def test_setting_and_header_names_held_in_constants_are_not_values() -> None:
    text = f"""public class Names {{
    static final String SB_ORDERS_CONNECTIONSTRING = "SB_ORDERS_CONNECTIONSTRING";
    static final String StorageAccountKey = "AzureWebJobsStorage";
    static final String EventGridSasKey = "Aeg-Sas-Key";
    static final String smtpPassword = "{REAL}";
}}
"""
    items = scan_text("src/Names.java", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {5}


def test_powershell_variables_and_test_fakes_are_not_secrets() -> None:
    assert looks_like_name("$storageKey") and looks_like_name("$env:SB_KEY")
    assert looks_fake("fake-access-key-123") and looks_fake("tempPassword1") and looks_fake("my_dummy_secret")
    assert not looks_fake(REAL) and not looks_like_name(REAL)
    assert not_a_secret('  <assemblyIdentity publicKeyToken="3f4a9b2c7d1e8f60" />', "3f4a9b2c7d1e8f60")
    text = f"""def test_client():
    password = "fake-password-for-tests"
    api_secret = "tempSecret12345"
    smtp_password = "{REAL}"
"""
    items = scan_text("tests/test_client.py", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {4}


def test_base64_of_a_placeholder_in_a_kubernetes_secret_is_not_a_secret() -> None:
    import base64

    real = base64.b64encode(REAL.encode()).decode()
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: queue\ndata:\n"
        f"  ORDER_QUEUE_PASSWORD: {base64.b64encode(b'password').decode()}\n"
        f"  SMTP_PASSWORD: {real}\n"
    )
    items = scan_text("k8s/secret.yaml", text, generic=True)
    assert_planted_found(items, text, real)
    assert _secret_lines(items) == {7}
    assert {file_location(i).line for i in items if i.value_class is ValueClass.PLACEHOLDER} == {6}


def test_placeholder_keys_inside_connection_strings_are_placeholders() -> None:
    text = (
        'sasl.jaas.config="org.apache.kafka.common.security.plain.PlainLoginModule required '
        'username=\\"$ConnectionString\\" password=\\"Endpoint=sb://ns1.servicebus.windows.net/;'
        'SharedAccessKeyName=XXXXXX;SharedAccessKey=XXXXXX\\";"\n'
        'password "Endpoint=sb://ns2.servicebus.windows.net/;SharedAccessKeyName={SHARED.ACCESS.KEY.NAME};'
        'SharedAccessKey={SHARED.ACCESS.KEY}"\n'
        f'smtp_password = "{REAL}"\n'
    )
    items = scan_text("conf/application.conf", text, generic=True)
    assert_planted_found(items, text, REAL)
    assert _secret_lines(items) == {3}
    assert {file_location(i).line for i in items if i.value_class is ValueClass.PLACEHOLDER} >= {1, 2}


def test_empty_slot_with_a_comment_and_inherited_secrets_are_not_secrets() -> None:
    compose = (
        "services:\n  web:\n    environment:\n"
        "      - AZURE_OPENAI_API_KEY= # only for key auth\n"
        f"      - SMTP_PASSWORD={REAL}\n"
    )
    items = scan_text("docker-compose.yml", compose, generic=True)
    slot = [i for i in items if i.setting_name == "AZURE_OPENAI_API_KEY"]
    assert slot and slot[0].value_class is ValueClass.PLACEHOLDER
    assert 4 not in _secret_lines(items)
    workflow = "jobs:\n  e2e:\n    uses: ./.github/workflows/e2e.yml\n    secrets: inherit\n"
    assert scan_text(".github/workflows/ci.yml", workflow, generic=True) == []


def test_runtime_fetches_are_references() -> None:
    text = (
        'psql "host=db1.postgres.database.azure.com user=$ADMIN dbname=app '
        'password=$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)"\n'
        "$env:SB_CONN = (Get-AzServiceBusKey -ResourceGroupName rg -Namespace ns -Name rule).PrimaryConnectionString\n"
    )
    items = scan_text("scripts/setup.ps1", text, generic=True)
    assert items and 1 not in _secret_lines(items)
    # The fetch itself is reported once (by the key-fetch rule), not again as a literal value.
    assert not [
        i for i in items if i.detector == "scripts:env-assignment" and i.value_class is ValueClass.SECRET
    ]


def test_published_emulator_key_has_one_class_across_a_scan(tmp_path: Path) -> None:
    """The Cosmos DB emulator key in a connection string, a CI variable, a README and a code
    fallback: `dev-emulator` everywhere, never `secret`."""
    (tmp_path / "appsettings.json").write_text(
        '{"ConnectionStrings": {"Cosmos": "AccountEndpoint=https://localhost:8081/;AccountKey='
        + COSMOS_EMULATOR_KEY
        + ';"}}\n'
    )
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        f"env:\n  COSMOS_KEY: {COSMOS_EMULATOR_KEY}\n  STORAGE_KEY: {AZURITE_KEY}\n"
    )
    (tmp_path / "README.md").write_text(f"Use the emulator key `{COSMOS_EMULATOR_KEY}` locally.\n")
    (tmp_path / "Program.cs").write_text(
        'var key = Environment.GetEnvironmentVariable("COSMOS_KEY") ?? "' + COSMOS_EMULATOR_KEY + '";\n'
        f'var smtpPassword = "{REAL}";\n'
    )
    result = run_scan(str(tmp_path), TEST_KEY, RepositoryScanOptions(jobs=1))
    emulator = [i for i in result.items if i.value_class is ValueClass.DEV_EMULATOR]
    assert {file_location(i).path for i in emulator} >= {"appsettings.json", ".github/workflows/ci.yml"}
    by_fp: dict[str, set[ValueClass]] = {}
    for i in result.items:
        by_fp.setdefault(i.fingerprint, set()).add(i.value_class)
    assert all(len(classes) == 1 for classes in by_fp.values()), by_fp
    secrets = [i for i in result.items if i.value_class is ValueClass.SECRET]
    assert [(file_location(i).path, file_location(i).line) for i in secrets] == [("Program.cs", 2)]
