"""IaC that creates a secret or hands one on without writing its value: secure parameters, SAS
authorization rules, Key Vault secrets written from expressions, connection strings built with a
password, keys left on (Bicep and ARM), and Terraform that spreads a key through variables,
modules, outputs and locals."""

from __future__ import annotations

import json
import time

from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.records import FileLocation, ServiceType, ValueClass
from tests.conftest import TEST_KEY

S = ServiceType
V = ValueClass


def _items(rel: str, text: str) -> set[tuple[int, ValueClass, ServiceType, str]]:
    out = scan_bytes(rel, text.encode(), Fingerprinter(TEST_KEY), generic=False)
    return {
        (i.location.line, i.value_class, i.service_type, i.detector.split(":", 1)[1])
        for i in out.items
        if isinstance(i.location, FileLocation)
    }


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


BICEP = """\
@description('Key of the speech account.')
@secure()
param speechKey string

@secure()
param languageKey string = ''

@secure()
param sqlAdminPassword string

@secure()
param vmAdminUsername string = ''

@secure()
param completionQueueConnection string = ''

@secure()
param extraSettings object = {}

param tenantId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'kv-orders'
}

resource languageSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'language-key'
  properties: {
    value: (empty(languageKey) ? 'NONE' : languageKey)
  }
}

resource tenantSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'tenant'
  properties: {
    value: tenantId
  }
}

resource bus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = {
  name: 'sb-orders'
}

resource rootRule 'Microsoft.ServiceBus/namespaces/authorizationRules@2022-10-01-preview' = {
  parent: bus
  name: 'Sender'
  properties: {
    rights: [
      'Send'
    ]
  }
}

resource hubRule 'Microsoft.EventHub/namespaces/eventhubs/authorizationRules@2024-01-01' = {
  name: 'hub/listen'
  properties: {
    rights: [
      'Listen'
    ]
  }
}

resource search 'Microsoft.Search/searchServices@2023-11-01' = {
  name: 'srch-orders'
  properties: {
    disableLocalAuth: false
  }
}

resource site 'Microsoft.Web/sites@2023-01-01' = {
  name: 'app-orders'
  properties: {
    siteConfig: {
      appSettings: []
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2023-01-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    CompletionQueue: completionQueueConnection
    TenantId: tenantId
    OrdersDb: 'Server=tcp:orders.database.windows.net,1433;Initial Catalog=orders;User ID=app;Password=${sqlAdminPassword};'

  }
}
"""


def test_bicep_secret_slots_rules_and_vault_writes_are_reported() -> None:
    found = _items("infra/main.bicep", BICEP)
    at = {line for line, *_ in found}
    expected = {
        (_line(BICEP, "param speechKey"), V.REFERENCE, "secure-param"),
        (_line(BICEP, "param languageKey"), V.PLACEHOLDER, "secure-param"),
        (_line(BICEP, "(empty(languageKey)"), V.REFERENCE, "key-vault-secret"),
        (_line(BICEP, "Password=${sqlAdminPassword}"), V.REFERENCE, "secret-wiring"),
        (_line(BICEP, "namespaces/authorizationRules@"), V.REFERENCE, "sas-rule"),
        (_line(BICEP, "eventhubs/authorizationRules@"), V.REFERENCE, "sas-rule"),
        (_line(BICEP, "disableLocalAuth: false"), V.ADVISORY, "local-auth"),
        (_line(BICEP, "CompletionQueue: completionQueueConnection"), V.REFERENCE, "secure-param"),
    }
    assert expected <= {(line, cls, how) for line, cls, _, how in found}
    services = {line: service for line, _, service, _ in found}
    assert services[_line(BICEP, "namespaces/authorizationRules@")] is S.SERVICE_BUS
    assert services[_line(BICEP, "eventhubs/authorizationRules@")] is S.EVENT_HUBS
    assert services[_line(BICEP, "disableLocalAuth")] is S.AI_SEARCH
    assert services[_line(BICEP, "Password=${sqlAdminPassword}")] is S.SQL
    # A user name marked secure, a tenant id kept in the vault or a setting: no secret.
    assert _line(BICEP, "param vmAdminUsername") not in at
    assert _line(BICEP, "param extraSettings") not in at
    assert _line(BICEP, "    value: tenantId") not in at
    assert _line(BICEP, "TenantId: tenantId") not in at


ARM = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
        "speechKey": {"type": "securestring"},
        "languageKey": {"type": "securestring", "defaultValue": ""},
        "adminLogin": {"type": "securestring", "defaultValue": ""},
        "tenantId": {"type": "string"},
    },
    "resources": [
        {
            "type": "Microsoft.KeyVault/vaults/secrets",
            "apiVersion": "2023-07-01",
            "name": "[format('{0}/{1}', 'kv-orders', 'speech')]",
            "properties": {"value": "[parameters('speechKey')]"},
        },
        {
            "type": "Microsoft.KeyVault/vaults/secrets",
            "apiVersion": "2023-07-01",
            "name": "[format('{0}/{1}', 'kv-orders', 'tenant')]",
            "properties": {"value": "[parameters('tenantId')]"},
        },
        {
            "type": "Microsoft.ServiceBus/namespaces",
            "apiVersion": "2022-10-01-preview",
            "name": "sb-orders",
            "properties": {"disableLocalAuth": False},
            "resources": [
                {
                    "type": "authorizationRules",
                    "apiVersion": "2022-10-01-preview",
                    "name": "Sender",
                    "properties": {"rights": ["Send"]},
                }
            ],
        },
        {
            "type": "Microsoft.ServiceBus/namespaces/queues/authorizationRules",
            "apiVersion": "2022-10-01-preview",
            "name": "sb-orders/orders/Listen",
            "properties": {"rights": ["Listen"]},
        },
        {
            "type": "Microsoft.Web/sites",
            "apiVersion": "2023-01-01",
            "name": "app-orders",
            "properties": {
                "siteConfig": {
                    "appSettings": [
                        {
                            "name": "SpeechKey",
                            "value": "[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})', 'kv-orders', 'speech')]",
                        }
                    ]
                }
            },
        },
    ],
}


def test_arm_secure_parameters_rules_vault_writes_and_vault_references_are_reported() -> None:
    text = json.dumps(ARM, indent=2)
    found = {(line, cls, how) for line, cls, _, how in _items("infra/azuredeploy.json", text)}
    expected = {
        (_line(text, '"speechKey": {'), V.REFERENCE, "secure-param"),
        (_line(text, '"languageKey": {'), V.PLACEHOLDER, "secure-param"),
        (_line(text, "[parameters('speechKey')]"), V.REFERENCE, "key-vault-secret"),
        (_line(text, '"type": "authorizationRules"'), V.REFERENCE, "sas-rule"),
        (_line(text, "queues/authorizationRules"), V.REFERENCE, "sas-rule"),
        (_line(text, '"disableLocalAuth": false'), V.ADVISORY, "local-auth"),
        (_line(text, "@Microsoft.KeyVault(VaultName"), V.REFERENCE, "key-vault-reference"),
    }
    assert expected <= found
    at = {line for line, *_ in found}
    assert _line(text, '"adminLogin": {') not in at
    assert _line(text, "[parameters('tenantId')]") not in at


TERRAFORM = """\
module "monitor" {
  source = "./monitor"
}

module "airlock" {
  source                                 = "./airlock"
  servicebus                             = azurerm_servicebus_namespace.sb
  applicationinsights_connection_string  = module.monitor.app_insights_connection_string
  subnet_id                              = module.network.subnet_id
}

resource "azurerm_linux_web_app" "api" {
  app_settings = {
    "APPLICATIONINSIGHTS_CONNECTION_STRING" = module.monitor.app_insights_connection_string
    "LOG_LEVEL"                             = var.log_level
  }
}

locals {
  cloud_init = {
    app_insights_connection_string = var.app_insights_connection_string
  }
}

variable "app_insights_connection_string" {
  type = string
}

variable "servicebus" {
  type = object({
    id                                = string
    default_primary_connection_string = string
  })
}

resource "random_password" "vm" {
  length = 20
}

resource "azurerm_key_vault_secret" "api_secret" {
  name         = "api-client-secret"
  value        = var.api_client_secret
  key_vault_id = azurerm_key_vault.kv.id
}

resource "azurerm_key_vault_secret" "vm_password" {
  name         = "vm-password"
  value        = random_password.vm.result
  key_vault_id = azurerm_key_vault.kv.id
}

resource "azurerm_key_vault_secret" "api_client_id" {
  name         = "api-client-id"
  value        = var.api_client_id
  key_vault_id = azurerm_key_vault.kv.id
}

moved {
  from = azurerm_storage_account.old
  to   = azurerm_storage_account.orders
}

module "queues" {
  source = "./queues"
  queue  = azurerm_servicebus_queue.orders
}

output "app_insights_connection_string" {
  value     = module.monitor.app_insights_connection_string
  sensitive = true
}

output "kube_password" {
  value     = azurerm_kubernetes_cluster.main.kube_config[0].password
  sensitive = true
}

output "cosmos_list_url" {
  value = "https://management.azure.com${azurerm_cosmosdb_account.db.id}/listConnectionStrings?api-version=2021-04-15"
}
"""


def test_terraform_keys_handed_on_through_modules_variables_outputs_and_locals() -> None:
    found = _items("infra/main.tf", TERRAFORM)
    by_line = {line: (cls, service) for line, cls, service, _ in found}
    insights = [
        "applicationinsights_connection_string  = module",
        '"APPLICATIONINSIGHTS_CONNECTION_STRING" = module',
        "app_insights_connection_string = var.",
        'variable "app_insights_connection_string"',
        "value     = module.monitor.app_insights_connection_string",
    ]
    for needle in insights:
        assert by_line.get(_line(TERRAFORM, needle)) == (V.LOCATOR, S.APPLICATION_INSIGHTS), needle
    assert by_line.get(_line(TERRAFORM, "= azurerm_servicebus_namespace.sb")) == (V.REFERENCE, S.SERVICE_BUS)
    assert (
        by_line.get(_line(TERRAFORM, "default_primary_connection_string = string"), (None,))[0] is V.REFERENCE
    )
    assert by_line.get(_line(TERRAFORM, "value        = var.api_client_secret")) == (V.REFERENCE, S.ENTRA_ID)
    assert (
        by_line.get(_line(TERRAFORM, "value        = random_password.vm.result"), (None,))[0] is V.REFERENCE
    )
    assert by_line.get(_line(TERRAFORM, "kube_config[0].password"), (None,))[0] is V.REFERENCE
    assert by_line.get(_line(TERRAFORM, "listConnectionStrings?api-version"), (None,))[0] is V.REFERENCE
    # Ids and plain settings handed on are no secret.
    for needle in (
        "subnet_id",
        "var.log_level",
        "value        = var.api_client_id",
        "to   = azurerm_storage_account.orders",  # a `moved` block passes nothing
        "queue  = azurerm_servicebus_queue.orders",  # a queue's object holds no key
    ):
        assert _line(TERRAFORM, needle) not in by_line, needle


def test_hostile_templates_are_read_in_linear_time() -> None:
    # Decorators with no statement after them (the statement pattern re-read them from every
    # line), and a minified template with many rules on its one line (each item re-read the line).
    decorators = "@description('x')\n" * 40_000
    rule = '{"type": "Microsoft.ServiceBus/namespaces/authorizationRules", "name": "ns/r", "properties": {}}'
    minified = (
        '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",'
        ' "resources": [' + ",".join([rule] * 3000) + "]}"
    )
    started = time.monotonic()
    _items("infra/decorators.bicep", decorators)
    found = _items("infra/minified.json", minified)
    assert (1, V.REFERENCE, S.SERVICE_BUS, "sas-rule") in found
    assert time.monotonic() - started < 30  # about a second each on a quiet machine
