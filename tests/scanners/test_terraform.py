"""Terraform handler: attribute references, outputs, literal passwords, sensitive variables."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable

from scanners.key_wiring import is_key_wiring
from scanners.records import ConnectionStringAuditItem
from tests.conftest import file_location, scan_text
from tests.planted import assert_planted_found

VAR_CANARY = "Canary-Tf-Var-Pass-7781!"
PG_CANARY = "Canary-Pg-Pass-4412!"
SQL_CANARY = "Canary-Sql-Pass-5523!"
KEY_CANARY = base64.b64encode(b"canary-terraform-storage-key".ljust(64, b"%")).decode()

MAIN = f"""\
variable "db_admin_secret" {{
  type      = string
  sensitive = true
  default   = "{VAR_CANARY}"
}}

variable "region" {{
  default = "westeurope"
}}

resource "azurerm_storage_account" "sa" {{
  name                     = "stcanarytf"
  account_replication_type = "LRS"
}}

resource "azurerm_cognitive_account" "aoai" {{
  name = "aoai-canary"
  kind = "OpenAI"
}}

resource "azurerm_container_registry" "acr" {{
  name          = "acrcanary"
  admin_enabled = true
}}

resource "azurerm_postgresql_flexible_server" "pg" {{
  name                   = "pg-canary"
  administrator_login    = "pgadmin"
  administrator_password = "{PG_CANARY}"
}}

resource "azurerm_mssql_server" "sql" {{
  name                         = "sql-canary"
  administrator_login          = "sqladmin"
  administrator_login_password = "{SQL_CANARY}"
}}

resource "azurerm_linux_function_app" "fn" {{
  name                       = "fn-canary"
  storage_account_access_key = azurerm_storage_account.sa.primary_access_key
  # storage_account_access_key = azurerm_storage_account.sa.secondary_access_key
  storage_uses_managed_identity = false

  app_settings = {{
    "AzureWebJobsStorage"  = azurerm_storage_account.sa.primary_connection_string
    "ServiceBusConnection" = "${{azurerm_servicebus_namespace.sb.default_primary_connection_string}}"
    OPENAI_API_KEY         = azurerm_cognitive_account.aoai.primary_access_key
    "APPINSIGHTS_INSTRUMENTATIONKEY" = azurerm_application_insights.ai.instrumentation_key
    "LegacyStorage" = "DefaultEndpointsProtocol=https;AccountName=stcanarytf;AccountKey={KEY_CANARY};EndpointSuffix=core.windows.net"
  }}

  connection_string {{
    name  = "CosmosDb"
    type  = "Custom"
    value = azurerm_cosmosdb_account.db.primary_sql_connection_string
  }}
}}

output "storage_key" {{
  value     = azurerm_storage_account.sa.primary_access_key
  sensitive = true
}}

output "acr_password" {{
  value = azurerm_container_registry.acr.admin_password
}}

output "sp_secret" {{
  value     = azuread_application_password.app.value
  sensitive = true
}}
"""


def _line_of(text: str, needle: str) -> int:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def _named(items: Iterable[ConnectionStringAuditItem], name: str) -> list[ConnectionStringAuditItem]:
    return [i for i in items if i.setting_name == name]


def test_attribute_references_named_by_setting() -> None:
    items = scan_text("infra/main.tf", MAIN)
    ws = _named(items, "AzureWebJobsStorage")
    assert len(ws) == 1
    assert str(ws[0].service_type) == "storage"
    assert str(ws[0].value_class) == "reference" and is_key_wiring(ws[0])  # key wiring
    assert str(ws[0].evidence_role) == "iac-assignment"
    assert file_location(ws[0]).line == _line_of(MAIN, '"AzureWebJobsStorage"')
    assert "azurerm_storage_account.sa.primary_connection_string" in ws[0].redacted_preview
    sb = _named(items, "ServiceBusConnection")
    assert sb and str(sb[0].service_type) == "service-bus"
    assert str(_named(items, "OPENAI_API_KEY")[0].service_type) == "azure-openai"
    ai = [i for i in _named(items, "APPINSIGHTS_INSTRUMENTATIONKEY") if i.detector.startswith("terraform:")]
    assert ai and str(ai[0].value_class) == "locator"
    cosmos = _named(items, "CosmosDb")
    assert cosmos and str(cosmos[0].service_type) == "cosmos-db"
    assert file_location(cosmos[0]).line == _line_of(MAIN, "primary_sql_connection_string")
    key = _named(items, "storage_account_access_key")
    assert len(key) == 1  # the commented-out line is not a structured finding
    assert file_location(key[0]).line == _line_of(MAIN, "storage_account_access_key = azurerm")


def test_outputs_are_iac_output_with_sensitivity_note() -> None:
    items = scan_text("infra/main.tf", MAIN)
    outs = {i.setting_name: i for i in items if str(i.evidence_role) == "iac-output"}
    assert set(outs) == {"storage_key", "acr_password", "sp_secret"}
    assert any("marked sensitive" in n for n in outs["storage_key"].notes)
    assert any("not marked sensitive" in n for n in outs["acr_password"].notes)
    assert str(outs["acr_password"].credential_kind) == "admin-password"
    assert str(outs["sp_secret"].service_type) == "entra-id"
    assert str(outs["sp_secret"].credential_kind) == "client-secret"
    assert file_location(outs["storage_key"]).line == _line_of(MAIN, "value     = azurerm_storage_account")


def test_literal_passwords_are_secrets_with_service() -> None:
    items = scan_text("infra/main.tf", MAIN)
    pg = [i for i in _named(items, "administrator_password") if str(i.value_class) == "secret"]
    assert pg and str(pg[0].service_type) == "postgresql"
    assert file_location(pg[0]).line == _line_of(MAIN, "administrator_password =")
    sql = [i for i in _named(items, "administrator_login_password") if str(i.value_class) == "secret"]
    assert sql and str(sql[0].service_type) == "azure-sql"
    legacy = _named(items, "LegacyStorage")
    assert legacy and str(legacy[0].value_class) == "secret" and str(legacy[0].service_type) == "storage"


def test_sensitive_variable_default_and_acr_admin() -> None:
    items = scan_text("infra/main.tf", MAIN)
    var = _named(items, "db_admin_secret")
    assert any("has a default value" in i.redacted_preview and str(i.value_class) == "secret" for i in var)
    assert all(file_location(i).line == _line_of(MAIN, "default   =") for i in var)
    assert not _named(items, "region")
    acr = _named(items, "admin_enabled")
    assert acr and str(acr[0].service_type) == "container-registry"
    assert file_location(acr[0]).line == _line_of(MAIN, "admin_enabled")


def test_canaries_never_leak() -> None:
    items = scan_text("infra/main.tf", MAIN, generic=True)
    assert_planted_found(items, MAIN, VAR_CANARY, PG_CANARY, SQL_CANARY, KEY_CANARY)
    dumped = json.dumps([i.to_json() for i in items])
    for canary in (VAR_CANARY, PG_CANARY, SQL_CANARY, KEY_CANARY, KEY_CANARY[5:35]):
        assert canary not in dumped


def test_tfvars_literal_and_reference() -> None:
    text = """\
location           = "westeurope"
sql_admin_password = "Canary-Tfvars-Pass-2211!"
client_secret      = "changeme"
"""
    items = scan_text("env/prod.tfvars", text)
    pw = [i for i in _named(items, "sql_admin_password") if str(i.value_class) == "secret"]
    assert pw and file_location(pw[0]).line == 2
    assert all(str(i.value_class) != "secret" for i in _named(items, "client_secret"))
    assert not _named(items, "location")
    assert "Canary-Tfvars-Pass-2211!" not in json.dumps([i.to_json() for i in items])


def test_identity_based_settings_ignored() -> None:
    text = """\
resource "azurerm_linux_function_app" "fn" {
  storage_account_name          = azurerm_storage_account.sa.name
  storage_uses_managed_identity = true
  key_vault_reference_identity_id = azurerm_user_assigned_identity.id.id
  app_settings = {
    "AzureWebJobsStorage__accountName" = azurerm_storage_account.sa.name
  }
}
"""
    items = scan_text("main.tf", text)
    assert all(str(i.value_class) != "secret" for i in items)
