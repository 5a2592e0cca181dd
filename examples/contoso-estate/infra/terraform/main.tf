terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.110"
    }
  }
}

provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "ingest" {
  name     = "contoso-ingest"
  location = "westeurope"
}

resource "azurerm_storage_account" "ingest" {
  name                     = "contosoingest"
  resource_group_name      = azurerm_resource_group.ingest.name
  location                 = azurerm_resource_group.ingest.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_service_plan" "ingest" {
  name                = "contoso-ingest-plan"
  resource_group_name = azurerm_resource_group.ingest.name
  location            = azurerm_resource_group.ingest.location
  os_type             = "Linux"
  sku_name            = "P1v3"
}

resource "azurerm_linux_web_app" "ingest" {
  name                = "contoso-ingest"
  resource_group_name = azurerm_resource_group.ingest.name
  location            = azurerm_resource_group.ingest.location
  service_plan_id     = azurerm_service_plan.ingest.id

  site_config {}

  app_settings = {
    "AZURE_STORAGE_CONNECTION_STRING" = azurerm_storage_account.ingest.primary_connection_string
    "AZURE_OPENAI_ENDPOINT"           = "https://contoso-openai.openai.azure.com/"
  }
}

resource "azurerm_mssql_server" "reporting" {
  name                         = "contoso-sql-reporting"
  resource_group_name          = azurerm_resource_group.ingest.name
  location                     = azurerm_resource_group.ingest.location
  version                      = "12.0"
  administrator_login          = "contosoadmin"
  administrator_login_password = "CANARY-tf-sql-Pw-4"
}

resource "azurerm_cosmosdb_account" "catalog" {
  name                = "contoso-catalog"
  resource_group_name = azurerm_resource_group.ingest.name
  location            = azurerm_resource_group.ingest.location
  offer_type          = "Standard"

  consistency_policy {
    consistency_level = "Session"
  }

  geo_location {
    location          = "westeurope"
    failover_priority = 0
  }
}

resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = azurerm_resource_group.ingest.name
  location            = azurerm_resource_group.ingest.location
  sku                 = "Standard"
  admin_enabled       = true
}

output "cosmos_primary_key" {
  value     = azurerm_cosmosdb_account.catalog.primary_key
  sensitive = true
}
