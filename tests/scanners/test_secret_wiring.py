"""IaC that creates, passes on or exposes secrets, and code calls that carry a secret by what they are."""

from __future__ import annotations

from scanners.records import ConnectionStringAuditItem, ServiceType, ValueClass
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

S = ServiceType
V = ValueClass
REAL = "Zq9vLw2XkP4rT7yB1nM6sD3fH8jC5gA0"


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def _classes_at(items: list[ConnectionStringAuditItem], line: int) -> set[tuple[ServiceType, ValueClass]]:
    return {(i.service_type, i.value_class) for i in items if file_location(i).line == line}


TF = """\
resource "random_password" "db_admin" {
  length = 24
}

resource "azuread_application_password" "app" {
  application_id = azuread_application.app.id
}

resource "azurerm_postgresql_flexible_server" "db" {
  administrator_password = random_password.db_admin.result
  authentication {
    password_auth_enabled = true
  }
}

resource "azurerm_kubernetes_cluster" "aks" {
  service_principal {
    client_id     = var.client_id
    client_secret = var.client_secret
  }
}

variable "client_secret" {
  type      = string
  sensitive = true
}

output "kube_admin_config" {
  value     = azurerm_kubernetes_cluster.aks.kube_admin_config_raw
  sensitive = true
}

output "workspace_key" {
  value = azurerm_log_analytics_workspace.law.primary_shared_key
}
"""


def test_terraform_secret_wiring_is_inventoried_without_a_secret() -> None:
    items = scan_text("infra/main.tf", TF, generic=True)
    for needle in (
        'resource "random_password"',
        'resource "azuread_application_password"',
        "administrator_password",
        "password_auth_enabled",
        "client_secret = var",
        'variable "client_secret"',
        "kube_admin_config_raw",
        "primary_shared_key",
    ):
        assert _classes_at(items, _line_of(TF, needle)), needle
    assert (S.ENTRA_ID, V.REFERENCE) in _classes_at(items, _line_of(TF, "client_secret = var"))
    wiring = [i for i in items if i.detector == "terraform:secret-wiring"]
    assert wiring and all(i.value_class is not V.SECRET for i in wiring)


BICEP = f"""\
@secure()
param vmAdminPassword string = ''
param registryPassword string

resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {{
  name: 'jumpbox'
  properties: {{
    osProfile: {{
      adminPassword: !empty(vmAdminPassword) ? vmAdminPassword : '{REAL}'
    }}
  }}
}}

resource app 'Microsoft.App/containerApps@2023-05-01' = {{
  name: 'api'
  properties: {{
    configuration: {{
      secrets: [
        {{
          name: 'registry-password'
          value: registryPassword
        }}
      ]
      registries: [
        {{
          server: 'contoso.azurecr.io'
          passwordSecretRef: 'registry-password'
        }}
      ]
    }}
  }}
}}
"""


def test_bicep_secret_wiring_and_literal_fallback() -> None:
    items = scan_text("infra/main.bicep", BICEP, generic=True)
    assert_planted_found(items, BICEP, REAL)
    assert (S.GENERIC, V.PLACEHOLDER) in _classes_at(items, _line_of(BICEP, "param vmAdminPassword"))
    assert (S.GENERIC, V.REFERENCE) in _classes_at(items, _line_of(BICEP, "value: registryPassword"))
    assert (S.CONTAINER_REGISTRY, V.REFERENCE) in _classes_at(items, _line_of(BICEP, "passwordSecretRef"))


CSHARP = """\
var app = ConfidentialClientApplicationBuilder.Create(clientId).WithClientSecret(secret).Build();
var cred = new ClientCredential(clientId, clientSecret);
var config = new ProducerConfig { SaslPassword = connectionString };
client.DefaultRequestHeaders.Add("Ocp-Apim-Subscription-Key", key);
request.Headers.Add("aeg-sas-key", topicKey);
var vision = new ComputerVisionClient(new ApiKeyServiceClientCredentials(visionKey));
var docs = new DocumentClient(new Uri(endpoint), authKey);
app.MapAzureSignalR(GetType().FullName);
var shared = new StorageSharedKeyCredential(accountName, accountKey);
"""


def test_code_calls_that_carry_a_secret() -> None:
    items = scan_text("src/Program.cs", CSHARP)
    expected = {
        "WithClientSecret": S.ENTRA_ID,
        "new ClientCredential": S.ENTRA_ID,
        "SaslPassword": S.EVENT_HUBS,
        "Ocp-Apim-Subscription-Key": S.COGNITIVE_SERVICES,
        "aeg-sas-key": S.EVENT_GRID,
        "ApiKeyServiceClientCredentials": S.COGNITIVE_SERVICES,
        "DocumentClient": S.COSMOS_DB,
        "MapAzureSignalR": S.SIGNALR,
        "StorageSharedKeyCredential": S.STORAGE,
    }
    for needle, service in expected.items():
        assert (service, V.REFERENCE) in _classes_at(items, _line_of(CSHARP, needle)), needle
    js = "const svc = azure.createBlobService();\nappInsights.setup(process.env.APPLICATIONINSIGHTS_CONNECTION_STRING);\n"
    js_items = scan_text("src/app.js", js)
    blob = [i for i in js_items if file_location(i).line == 1]
    assert blob and blob[0].setting_name == "AZURE_STORAGE_CONNECTION_STRING"
    assert (S.APPLICATION_INSIGHTS, V.LOCATOR) in _classes_at(js_items, 2)
    java = (
        "RedisURI uri = RedisURI.builder().withHost(host).withPassword(password).build();\njedis.auth(pw);\n"
    )
    assert all(_classes_at(scan_text("src/Cache.java", java), n) == {(S.REDIS, V.REFERENCE)} for n in (1, 2))
    py = (
        "key = helper.get_secret('AZURE_SEARCH_KEY')\n"
        "params = AzureOpenAIVectorizerParameters(resource_url=url, api_key=azure_openai_key)\n"
    )
    py_items = scan_text("app/search.py", py)
    assert (S.AI_SEARCH, V.REFERENCE) in _classes_at(py_items, 1)
    assert (S.OPENAI, V.REFERENCE) in _classes_at(py_items, 2)


def test_razor_page_that_appends_a_sas_token() -> None:
    page = '<img src=@(String.Format("{0}/{1}?{2}", Settings.Value?.ContainerUrl, item.Photo, Settings.Value?.BlobSasToken)) />\n'
    items = scan_text("Pages/Index.cshtml", page)
    assert [(i.service_type, i.value_class) for i in items] == [(S.STORAGE, V.REFERENCE)]


BICEP_HAND_ON = f"""\
param adminPassword string
param spSecret string
resource seed 'Microsoft.Resources/deploymentScripts@2023-08-01' = {{
  name: 'seed-db'
  kind: 'AzureCLI'
  properties: {{
    environmentVariables: [
      {{
        name: 'DB_PASSWORD'
        secureValue: adminPassword
      }}
      {{
        name: 'API_TOKEN'
        secureValue: '{REAL}'
      }}
      {{
        name: 'REGION'
        value: 'westeurope'
      }}
    ]
  }}
}}
resource link 'Microsoft.ServiceLinker/linkers@2022-05-01' = {{
  name: 'db-link'
  scope: web
  properties: {{
    authInfo: {{
      authType: 'secret'
      name: 'dbadmin'
    }}
  }}
}}
resource identityLink 'Microsoft.ServiceLinker/linkers@2022-05-01' = {{
  name: 'storage-link'
  scope: web
  properties: {{
    authInfo: {{
      authType: 'systemAssignedIdentity'
    }}
  }}
}}
resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {{
  name: 'aks1'
  properties: {{
    servicePrincipalProfile: {{
      clientId: '00000000-0000-0000-0000-000000000001'
      secret: spSecret
    }}
    windowsProfile: {{
      adminUsername: 'azureuser'
      adminPassword: adminPassword
    }}
  }}
}}
"""


def test_bicep_deployment_script_service_connector_and_aks_hand_secrets_on() -> None:
    items = scan_text("infra/platform.bicep", BICEP_HAND_ON)
    assert_planted_found(items, BICEP_HAND_ON, REAL)
    wired = {
        file_location(i).line
        for i in items
        if i.value_class is V.REFERENCE and i.detector == "bicep:secret-wiring"
    }
    for needle in (
        "secureValue: adminPassword",
        "authType: 'secret'",
        "secret: spSecret",
        "adminPassword: adminPassword",
    ):
        assert _line_of(BICEP_HAND_ON, needle) in wired, needle
    assert _line_of(BICEP_HAND_ON, "authType: 'systemAssignedIdentity'") not in wired  # identity-based
    literal = [
        i
        for i in items
        if i.value_class is V.SECRET and file_location(i).line == _line_of(BICEP_HAND_ON, REAL)
    ]
    assert literal and all(REAL not in i.redacted_preview for i in literal)
    assert not [i for i in items if file_location(i).line == _line_of(BICEP_HAND_ON, "'westeurope'")]


ARM_HAND_ON = f"""\
{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "adminPassword": {{ "type": "securestring" }}, "spSecret": {{ "type": "securestring" }} }},
  "resources": [
    {{
      "type": "Microsoft.Resources/deploymentScripts",
      "apiVersion": "2023-08-01",
      "name": "seed",
      "properties": {{
        "environmentVariables": [
          {{ "name": "DB_PASSWORD", "secureValue": "[parameters('adminPassword')]" }},
          {{ "name": "API_TOKEN", "secureValue": "{REAL}" }}
        ]
      }}
    }},
    {{
      "type": "Microsoft.ServiceLinker/linkers",
      "apiVersion": "2022-05-01",
      "name": "db-link",
      "properties": {{ "authInfo": {{ "authType": "accessKey" }} }}
    }},
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "aks1",
      "properties": {{
        "servicePrincipalProfile": {{ "clientId": "00000000-0000-0000-0000-000000000001", "secret": "[parameters('spSecret')]" }},
        "windowsProfile": {{ "adminUsername": "azureuser", "adminPassword": "[parameters('adminPassword')]" }}
      }}
    }}
  ]
}}
"""


def test_arm_deployment_script_service_connector_and_aks_hand_secrets_on() -> None:
    items = scan_text("infra/azuredeploy.json", ARM_HAND_ON)
    assert_planted_found(items, ARM_HAND_ON, REAL)
    wired = {
        file_location(i).line
        for i in items
        if i.value_class is V.REFERENCE and i.detector == "arm-templates:secret-wiring"
    }
    for needle in (
        '"secureValue": "[parameters',
        '"authType": "accessKey"',
        '"secret": "[parameters',
        '"adminPassword": "[parameters',
    ):
        assert _line_of(ARM_HAND_ON, needle) in wired, needle
    literal = [
        i for i in items if i.value_class is V.SECRET and file_location(i).line == _line_of(ARM_HAND_ON, REAL)
    ]
    assert literal and all(REAL not in i.redacted_preview for i in literal)
