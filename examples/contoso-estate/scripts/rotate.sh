#!/usr/bin/env bash
# Rotate the uploads account key and push the new one to the web app. Run by hand each quarter.
set -euo pipefail

RG=contoso-prod
ACCOUNT=contosouploads

az storage account keys renew -g "$RG" -n "$ACCOUNT" --key primary --output none
NEW_KEY=$(az storage account keys list -g "$RG" -n "$ACCOUNT" --query "[0].value" -o tsv)
az webapp config appsettings set -g "$RG" -n contoso-web --settings "UploadsStorageKey=$NEW_KEY" --output none

# Smoke test with the break-glass key (kept here "temporarily").
az storage container list --account-name "$ACCOUNT" --account-key "CANARYshStoreFpom8rqNJVo84aSIjghddwKBnTcJRo4SrNxQEZNxPpk9gGx1JmGqEVHnrqLsqG9T6UcATKGnI==" --output table
