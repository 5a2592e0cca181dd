// Contoso Functions app and its storage.
targetScope = 'resourceGroup'

param location string = resourceGroup().location

@description('Administrator password of the reporting SQL server.')
@secure()
param sqlAdminPassword string = 'CANARY-bicep-Pw-5'

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: 'contosofuncstore'
  location: location
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-01-01' = {
  name: 'contoso-functions-plan'
  location: location
  sku: {
    name: 'EP1'
    tier: 'ElasticPremium'
  }
}

resource functionApp 'Microsoft.Web/sites@2023-01-01' = {
  name: 'contoso-functions'
  location: location
  kind: 'functionapp'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    siteConfig: {
      appSettings: [
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        {
          name: 'UploadsStorage'
          value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
        }
        {
          name: 'FUNCTIONS_EXTENSION_VERSION'
          value: '~4'
        }
      ]
    }
  }
}

resource sqlServer 'Microsoft.Sql/servers@2023-05-01-preview' = {
  name: 'contoso-sql-reporting'
  location: location
  properties: {
    administratorLogin: 'contosoadmin'
    administratorLoginPassword: sqlAdminPassword
  }
}

output storageAccountKey string = storage.listKeys().keys[0].value
