"""arm-templates handler."""

from __future__ import annotations

import json
from collections.abc import Iterable

from scanners.key_wiring import is_key_wiring
from scanners.records import ConnectionStringAuditItem, CredentialKind, EvidenceRole, ServiceType, ValueClass
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

CANARY_PW = "Vq7-Canary-Pa55word-K2m"
CANARY_KEY = "Qw3rTy7UiOp1AsDfGh2JkLzXcVbNm4QwErTyUiOp5AsDfGhJkL6ZxCvBnMqWeRtY8uIoPaSdFgHjKlZx9CvBnMa=="

TEMPLATE = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "sqlAdministratorLoginPassword": { "type": "securestring", "defaultValue": "@PW@" },
    "vmPassword": { "type": "secureString", "defaultValue": "zz-@PW@" },
    "emptySecret": { "type": "securestring", "defaultValue": "" },
    "storageName": { "type": "string", "defaultValue": "ordersdata" }
  },
  "variables": {
    "storageId": "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageName'))]"
  },
  "resources": [
    {
      "type": "Microsoft.Web/sites",
      "apiVersion": "2022-09-01",
      "name": "orders-func",
      "properties": {
        "siteConfig": {
          "appSettings": [
            { "name": "AzureWebJobsStorage", "value": "[concat('DefaultEndpointsProtocol=https;AccountName=', parameters('storageName'), ';AccountKey=', listKeys(variables('storageId'), '2022-09-01').keys[0].value)]" },
            { "name": "ServiceBusConnection", "value": "[listKeys(resourceId('Microsoft.ServiceBus/namespaces/authorizationRules', 'orders-bus', 'RootManageSharedAccessKey'), '2021-11-01').primaryConnectionString]" },
            { "name": "LiteralStorage", "value": "DefaultEndpointsProtocol=https;AccountName=literalacct;AccountKey=@KEY@" }
          ],
          "connectionStrings": [
            { "name": "Cosmos", "connectionString": "[listConnectionStrings(resourceId('Microsoft.DocumentDB/databaseAccounts', 'orders-db'), '2023-04-15').connectionStrings[0].connectionString]", "type": "Custom" }
          ]
        }
      }
    },
    {
      "type": "Microsoft.Web/sites/config",
      "name": "orders-func/appsettings",
      "properties": {
        "SEARCH_KEY": "[listAdminKeys(resourceId('Microsoft.Search/searchServices', 'orders-search'), '2022-09-01').primaryKey]",
        "DOCKER_REGISTRY_SERVER_PASSWORD": "[listCredentials(resourceId('Microsoft.ContainerRegistry/registries', 'ordersacr'), '2023-01-01-preview').passwords[0].value]"
      }
    }
  ],
  "outputs": {
    "redisKey": { "type": "string", "value": "[listKeys(resourceId('Microsoft.Cache/redis', 'orders-cache'), '2023-08-01').primaryKey]" }
  }
}
""".replace("@PW@", CANARY_PW).replace("@KEY@", CANARY_KEY)


def _items() -> list[ConnectionStringAuditItem]:
    return scan_text("infra/azuredeploy.json", TEMPLATE)


def _named(
    items: Iterable[ConnectionStringAuditItem], name: str, detector_part: str = "arm-templates"
) -> list[ConnectionStringAuditItem]:
    return [i for i in items if i.setting_name == name and detector_part in i.detector]


def test_list_keys_in_app_settings() -> None:
    items = _items()
    web = _named(items, "AzureWebJobsStorage")
    assert len(web) == 1
    assert web[0].service_type is ServiceType.STORAGE
    assert web[0].credential_kind is CredentialKind.ACCOUNT_KEY
    # a key copied at deploy time: key wiring (`reference`), not a secret value in the repository
    assert web[0].value_class is ValueClass.REFERENCE and is_key_wiring(web[0])
    assert web[0].evidence_role is EvidenceRole.IAC_ASSIGNMENT
    assert file_location(web[0]).line == 21
    sb = _named(items, "ServiceBusConnection")
    assert sb and sb[0].service_type is ServiceType.SERVICE_BUS and file_location(sb[0]).line == 22
    cosmos = _named(items, "ConnectionStrings:Cosmos")
    assert cosmos and cosmos[0].service_type is ServiceType.COSMOS_DB
    assert cosmos[0].value_class is ValueClass.REFERENCE and is_key_wiring(cosmos[0])


def test_site_config_resource_and_other_list_functions() -> None:
    items = _items()
    search = _named(items, "SEARCH_KEY")
    assert search and search[0].service_type is ServiceType.AI_SEARCH and file_location(search[0]).line == 35
    acr = _named(items, "DOCKER_REGISTRY_SERVER_PASSWORD")
    assert acr and acr[0].service_type is ServiceType.CONTAINER_REGISTRY
    assert acr[0].credential_kind is CredentialKind.ADMIN_PASSWORD


def test_outputs_are_iac_output() -> None:
    redis = _named(_items(), "redisKey")
    assert len(redis) == 1
    assert redis[0].service_type is ServiceType.REDIS
    assert redis[0].evidence_role is EvidenceRole.IAC_OUTPUT
    assert redis[0].value_class is ValueClass.REFERENCE and is_key_wiring(redis[0])
    assert file_location(redis[0]).line == 41


def test_literal_connection_string_named_after_app_setting() -> None:
    lit = _named(_items(), "LiteralStorage")
    assert lit and lit[0].value_class is ValueClass.SECRET
    assert lit[0].service_type is ServiceType.STORAGE and file_location(lit[0]).line == 23


def test_securestring_defaults() -> None:
    items = _items()
    sql = _named(items, "sqlAdministratorLoginPassword")
    assert sql and all(i.value_class is ValueClass.SECRET for i in sql)
    assert file_location(sql[0]).line == 5
    vm = _named(items, "vmPassword")
    generic = [i for i in vm if i.service_type is ServiceType.GENERIC]
    assert generic and generic[0].credential_kind is CredentialKind.PASSWORD
    assert generic[0].value_class is ValueClass.SECRET
    assert generic[0].redacted_preview == "securestring parameter vmPassword has a default value"
    assert not _named(items, "emptySecret")


def test_no_secret_in_output() -> None:
    items = _items()
    assert_planted_found(items, TEMPLATE, CANARY_PW, CANARY_KEY)
    out = json.dumps([i.to_json() for i in items])
    for canary in (CANARY_PW, CANARY_KEY, CANARY_KEY[:16]):
        assert canary not in out


def test_parameter_file_key_vault_reference_and_literal() -> None:
    text = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "adminPassword": {
      "reference": {
        "keyVault": { "id": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/orders-kv" },
        "secretName": "sql-admin"
      }
    },
    "storageConnection": { "value": "DefaultEndpointsProtocol=https;AccountName=paramacct;AccountKey=@KEY@" }
  }
}""".replace("@KEY@", CANARY_KEY)
    items = scan_text("infra/azuredeploy.parameters.json", text)
    ref = _named(items, "adminPassword")
    assert ref and ref[0].service_type is ServiceType.KEY_VAULT
    assert ref[0].value_class is ValueClass.REFERENCE
    assert file_location(ref[0]).line == 5
    conn = _named(items, "storageConnection")
    assert conn and conn[0].value_class is ValueClass.SECRET and file_location(conn[0]).line == 11
    assert CANARY_KEY not in json.dumps([i.to_json() for i in items])


def test_non_arm_json_is_left_to_json_config() -> None:
    items = scan_text(
        "config/settings.json", "{\"x\": \"[listKeys(variables('id'), '2019-06-01').keys[0].value]\"}"
    )
    assert not [i for i in items if "arm-templates" in i.detector]
