param(
    [string]$ResourceGroup = "contoso-prod"
)
$ErrorActionPreference = "Stop"

# Deployment service principal (to be replaced by a federated credential).
$env:AZURE_TENANT_ID = "7e1c9a52-3b4d-4f60-8a71-c2d3e4f50617"
$env:AZURE_CLIENT_ID = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"
$env:AZURE_CLIENT_SECRET = "abc8Q~CANARYdeployPsPmbpF8UPyhBAX1tS20L4"

az login --service-principal -u $env:AZURE_CLIENT_ID -p $env:AZURE_CLIENT_SECRET --tenant $env:AZURE_TENANT_ID | Out-Null
az deployment group create -g $ResourceGroup -f infra/azuredeploy.json
