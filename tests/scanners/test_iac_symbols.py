"""IaC symbols: a key a template fetches names its resource (type and name), through params, vars,
`existing` resources, `resourceId(...)` and Terraform resource blocks."""

from __future__ import annotations

import json

from scanners.key_wiring import is_key_wiring
from scanners.records import ConnectionStringAuditItem, ServiceType
from tests.conftest import scan_text

BICEP = """\
param prefix string = 'contoso'
param storageName string = '${prefix}iacstore'
param searchName string
var busName = 'contoso-iac-bus'

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageName
  location: 'westeurope'
}

resource search 'Microsoft.Search/searchServices@2023-11-01' existing = {
  name: searchName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2023-04-15' existing = {
  name: 'contoso-iac-cosmos'
}

resource hubs 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: 'contoso-iac-hubs'
  resource sendRule 'authorizationRules' existing = {
    name: 'send'
  }
}

resource site 'Microsoft.Web/sites@2023-01-01' = {
  name: 'contoso-iac-web'
  properties: {
    siteConfig: {
      appSettings: [
        {
          name: 'STORAGE'
          value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'
        }
        {
          name: 'BUS'
          value: listKeys(resourceId('Microsoft.ServiceBus/namespaces/authorizationRules', busName, 'send'), '2022-10-01-preview').primaryConnectionString
        }
        {
          name: 'SEARCH_KEY'
          value: search.listAdminKeys().primaryKey
        }
        {
          name: 'HUBS'
          value: sendRule.listKeys().primaryConnectionString
        }
        {
          name: 'COSMOS_KEY'
          value: listKeys(cosmos.id, '2023-04-15').primaryMasterKey
        }
      ]
    }
  }
}
"""

TERRAFORM = """\
variable "store_name" {
  type    = string
  default = "contosotfstore"
}

locals {
  bus = "contoso-tf-bus"
}

resource "azurerm_storage_account" "main" {
  name                     = var.store_name
  resource_group_name      = "rg"
  location                 = "westeurope"
}

resource "azurerm_servicebus_namespace" "bus" {
  name = local.bus
}

resource "azurerm_servicebus_namespace_authorization_rule" "send" {
  name         = "send"
  namespace_id = azurerm_servicebus_namespace.bus.id
}

resource "azurerm_eventhub_namespace" "hubs" {
  name = "hubs-${var.env}"
}

resource "azurerm_linux_web_app" "api" {
  name = "contoso-tf-api"
  app_settings = {
    "STORAGE" = azurerm_storage_account.main.primary_connection_string
    "BUS"     = azurerm_servicebus_namespace_authorization_rule.send.primary_connection_string
    "HUBS"    = azurerm_eventhub_namespace.hubs.default_primary_connection_string
  }
}
"""


def _by_setting(items: list[ConnectionStringAuditItem]) -> dict[str, ConnectionStringAuditItem]:
    return {i.setting_name: i for i in items if i.setting_name and is_key_wiring(i)}


def test_bicep_keys_resolve_to_their_resources() -> None:
    items = _by_setting(scan_text("infra/main.bicep", BICEP))
    assert items["STORAGE"].endpoint.account == "contosoiacstore"  # params with defaults, interpolated
    assert items["BUS"].endpoint.namespace == "contoso-iac-bus"  # resourceId() with a var
    assert items["COSMOS_KEY"].endpoint.account == "contoso-iac-cosmos"  # listKeys(sym.id) of `existing`
    assert items["HUBS"].endpoint.namespace == "contoso-iac-hubs"  # a nested child resource's key
    assert any("Microsoft.ServiceBus/namespaces 'contoso-iac-bus'" in n for n in items["BUS"].notes)
    # a param without a default: the name is not in the template; the type and expression are kept
    search = items["SEARCH_KEY"]
    assert search.service_type is ServiceType.AI_SEARCH and search.endpoint.is_empty()
    assert any(
        "Microsoft.Search/searchServices named by the expression searchName" in n for n in search.notes
    )


def test_terraform_attributes_resolve_to_the_resource_block() -> None:
    items = _by_setting(scan_text("infra/main.tf", TERRAFORM))
    assert items["STORAGE"].endpoint.account == "contosotfstore"  # var with a default
    assert items["BUS"].endpoint.namespace == "contoso-tf-bus"  # the rule's namespace_id, a local
    hubs = items["HUBS"]
    assert hubs.endpoint.is_empty()
    assert any('named by the expression "hubs-${var.env}"' in n for n in hubs.notes)


def test_arm_template_parameters_default() -> None:
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "parameters": {"storageName": {"type": "string", "defaultValue": "contosoarmstore"}},
        "resources": [
            {
                "type": "Microsoft.Web/sites",
                "name": "contoso-arm-web",
                "properties": {
                    "siteConfig": {
                        "appSettings": [
                            {
                                "name": "STORAGE_KEY",
                                "value": "[listKeys(resourceId('Microsoft.Storage/storageAccounts', "
                                "parameters('storageName')), '2023-01-01').keys[0].value]",
                            }
                        ]
                    }
                },
            }
        ],
    }
    items = scan_text("infra/azuredeploy.json", json.dumps(template, indent=2))
    secret = [i for i in items if is_key_wiring(i) and i.service_type is ServiceType.STORAGE]
    assert secret, "the ARM handler found the listKeys() call"
    assert all(i.endpoint.account == "contosoarmstore" for i in secret)
