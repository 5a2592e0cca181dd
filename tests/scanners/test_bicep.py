"""Bicep handler: key-fetching expressions, outputs, secure parameter defaults."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from scanners.records import ConnectionStringAuditItem
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

PASS_CANARY = "Canary-Bicep-Pass-9931!"
KEY_CANARY = base64.b64encode(b"canary-bicep-storage-key-".ljust(64, b"#")).decode()
assert len(KEY_CANARY) == 88 and KEY_CANARY.endswith("==")

MAIN = f"""\
param location string = resourceGroup().location

@description('SQL administrator password')
@secure()
param sqlAdminPassword string = '{PASS_CANARY}'

@secure()
param emptyDefault string = ''

resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = {{
  name: 'stcanarybicep'
  location: location
}}

resource sbns 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {{
  name: 'sb-canary'
  resource rootRule 'authorizationRules' existing = {{
    name: 'RootManageSharedAccessKey'
  }}
}}

resource aoai 'Microsoft.CognitiveServices/accounts@2023-05-01' = {{
  name: 'aoai-canary'
  location: location
  kind: 'OpenAI'
}}

resource appi 'Microsoft.Insights/components@2020-02-02' = {{
  name: 'appi-canary'
  location: location
  kind: 'web'
}}

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {{
  name: 'acrcanary'
  location: location
  properties: {{
    adminUserEnabled: true
  }}
}}

resource func 'Microsoft.Web/sites@2022-09-01' = {{
  name: 'func-canary'
  location: location
  properties: {{
    siteConfig: {{
      appSettings: [
        {{
          name: 'AzureWebJobsStorage'
          value: 'DefaultEndpointsProtocol=https;AccountName=${{sa.name}};AccountKey=${{sa.listKeys().keys[0].value}}'
        }}
        {{
          name: 'ServiceBusConnection'
          value: sbns::rootRule.listKeys().primaryConnectionString
        }}
        {{
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appi.properties.ConnectionString
        }}
        {{
          name: 'Legacy'
          value: 'DefaultEndpointsProtocol=https;AccountName=stcanarybicep;AccountKey={KEY_CANARY}'
        }}
      ]
    }}
  }}
}}

resource cfg 'Microsoft.Web/sites/config@2022-09-01' = {{
  parent: func
  name: 'appsettings'
  properties: {{
    OPENAI_API_KEY: aoai.listKeys().key1
    OtherStorage: listKeys(resourceId('Microsoft.Storage/storageAccounts', 'other'), '2023-01-01').keys[0].value
    ThirdStorage: listKeys(sa.id, '2023-01-01').keys[0].value
  }}
}}

// output oldKey string = sa.listKeys().keys[0].value
output storageKey string = sa.listKeys().keys[0].value

@secure()
output registryPassword string = acr.listCredentials().passwords[0].value
"""


def _by(items: Iterable[ConnectionStringAuditItem], **want: object) -> list[dict[str, Any]]:
    out = []
    for i in items:
        j = i.to_json()
        if all(j.get(k) == v for k, v in want.items()):
            out.append(j)
    return out


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_list_keys_into_app_setting_is_named_and_located() -> None:
    items = scan_text("infra/main.bicep", MAIN)
    hits = _by(items, SettingName="AzureWebJobsStorage", Detector="bicep:list-keys")
    assert len(hits) == 1
    h = hits[0]
    assert h["ServiceType"] == "storage"
    assert h["CredentialKind"] == "account-key"
    assert h["ValueClass"] == "reference"  # key wiring: the key is copied at deploy time
    assert h["EvidenceRole"] == "iac-assignment"
    assert h["Location"]["line"] == _line_of(MAIN, "AccountKey=${sa.listKeys()")
    assert "sa.listKeys()" in h["RedactedPreview"]


def test_services_resolved_from_resource_types() -> None:
    items = scan_text("infra/main.bicep", MAIN)
    by_name = {i.setting_name: i for i in items if i.detector.startswith("bicep:")}
    assert str(by_name["ServiceBusConnection"].service_type) == "service-bus"
    assert str(by_name["ServiceBusConnection"].credential_kind) == "shared-access-key"
    assert str(by_name["OPENAI_API_KEY"].service_type) == "azure-openai"
    assert str(by_name["OtherStorage"].service_type) == "storage"
    assert str(by_name["ThirdStorage"].service_type) == "storage"
    ai = by_name["APPLICATIONINSIGHTS_CONNECTION_STRING"]
    assert str(ai.service_type) == "application-insights"
    assert str(ai.value_class) == "locator"
    acr = by_name["adminUserEnabled"]
    assert str(acr.service_type) == "container-registry"
    assert str(acr.credential_kind) == "admin-password"


def test_outputs_are_iac_output_with_history_note() -> None:
    items = scan_text("infra/main.bicep", MAIN)
    outs = _by(items, EvidenceRole="iac-output")
    assert {o["SettingName"] for o in outs} == {"storageKey", "registryPassword"}
    key = next(o for o in outs if o["SettingName"] == "storageKey")
    assert key["Location"]["line"] == _line_of(MAIN, "output storageKey")
    assert any("deployment history" in n for n in key["Notes"])
    reg = next(o for o in outs if o["SettingName"] == "registryPassword")
    assert reg["ServiceType"] == "container-registry"
    assert any("@secure()" in n for n in reg["Notes"])
    # the commented-out output is not a structured finding
    assert not _by(items, SettingName="oldKey")


def test_secure_param_default_is_secret_and_empty_default_is_not() -> None:
    items = scan_text("infra/main.bicep", MAIN)
    line = _line_of(MAIN, "param sqlAdminPassword")
    hits = [i for i in items if i.setting_name == "sqlAdminPassword"]
    assert hits and all(file_location(i).line == line for i in hits)
    # The name says SQL, so the recognised finding stands and the generic twin is dropped.
    assert [(str(i.service_type), str(i.value_class)) for i in hits] == [("azure-sql", "secret")]
    empty = [i for i in items if i.setting_name == "emptyDefault"]
    assert all(str(i.value_class) != "secret" for i in empty)


def test_secure_param_default_with_an_unknown_name_is_a_generic_secret() -> None:
    text = "@secure()\nparam deployToken string = 'Zq9-CANARY-deploy-token-7781'\n"
    hits = [i for i in scan_text("infra/other.bicep", text) if i.setting_name == "deployToken"]
    assert any(str(i.value_class) == "secret" and "has a default value" in i.redacted_preview for i in hits)
    assert "CANARY" not in json.dumps([i.to_json() for i in hits])


def test_literal_storage_key_found_and_canaries_never_leak() -> None:
    items = scan_text("infra/main.bicep", MAIN, generic=True)
    legacy = [i for i in items if i.setting_name == "Legacy"]
    assert legacy and str(legacy[0].value_class) == "secret"
    assert str(legacy[0].service_type) == "storage"
    assert_planted_found(items, MAIN, PASS_CANARY, KEY_CANARY)
    dumped = json.dumps([i.to_json() for i in items])
    assert PASS_CANARY not in dumped
    assert KEY_CANARY not in dumped
    assert KEY_CANARY[10:40] not in dumped


def test_unknown_symbol_and_key_vault_reference_in_bicepparam() -> None:
    params = """\
using './main.bicep'

param sqlAdminPassword = az.getSecret('0000-sub', 'rg-kv', 'kv-canary', 'sql-admin-password')
param adminPassword = 'Canary-Param-Pass-0042!'
param location = 'westeurope'
"""
    items = scan_text("infra/main.bicepparam", params)
    ref = [i for i in items if str(i.service_type) == "key-vault"]
    assert ref and str(ref[0].value_class) == "reference"
    assert ref[0].setting_name == "sqlAdminPassword"
    assert file_location(ref[0]).line == 3
    lit = [i for i in items if i.setting_name == "adminPassword"]
    assert lit and str(lit[0].value_class) == "secret" and file_location(lit[0]).line == 4
    assert not [i for i in items if i.setting_name == "location"]
    assert "Canary-Param-Pass-0042!" not in json.dumps([i.to_json() for i in items])


def test_list_keys_on_parameter_id_guesses_service_from_name() -> None:
    text = """\
param storageAccountId string
var conn = 'DefaultEndpointsProtocol=https;AccountKey=${listKeys(storageAccountId, '2023-01-01').keys[0].value}'
"""
    items = [i for i in scan_text("m.bicep", text) if i.detector == "bicep:list-keys"]
    assert len(items) == 1
    assert str(items[0].service_type) == "storage"
    assert items[0].setting_name == "conn"
    assert file_location(items[0]).line == 2


def test_identity_settings_are_not_secrets() -> None:
    text = """\
resource sa 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {
  name: 'st'
}
resource site 'Microsoft.Web/sites@2022-09-01' = {
  name: 'f'
  identity: { type: 'SystemAssigned' }
  properties: {
    siteConfig: {
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: sa.name }
      ]
    }
  }
}
"""
    items = scan_text("m.bicep", text)
    assert all(str(i.value_class) != "secret" for i in items)
    ident = [i for i in items if i.setting_name == "AzureWebJobsStorage__accountName"]
    assert len(ident) == 1
    assert str(ident[0].value_class) == "passwordless"
    assert str(ident[0].service_type) == "storage"
    assert file_location(ident[0]).line == 10
