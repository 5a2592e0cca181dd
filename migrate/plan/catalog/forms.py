"""Setting names, identity-based value forms and command templates the plan writes (facts of
`shared/reference/azure-services.md`, like the table in `migrate.plan.catalog.services`)."""

from __future__ import annotations

import re

UNVERIFIED = "unverified: check before use"

# Setting names and forms ([DOC]/[SRC] facts of §0.1, §0.2, §1.3).
SUFFIX_SERVICE_URI = "__serviceUri"
SUFFIX_BLOB_SERVICE_URI = "__blobServiceUri"
SUFFIX_QUEUE_SERVICE_URI = "__queueServiceUri"
SUFFIX_FULLY_QUALIFIED_NAMESPACE = "__fullyQualifiedNamespace"
SUFFIX_ACCOUNT_ENDPOINT = "__accountEndpoint"
SUFFIX_CREDENTIAL = "__credential"
SUFFIX_CLIENT_ID = "__clientId"
CREDENTIAL_MANAGED_IDENTITY = "managedidentity"
HOST_STORAGE_ACCOUNT_NAME = "AzureWebJobsStorage__accountName"
HOST_STORAGE = "AzureWebJobsStorage"
CONTENT_SHARE_SETTING = "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"
# Read from the environment (an app setting), not from appsettings.json; the classic SDK needs
# TelemetryConfiguration.SetAzureTokenCredential instead [DOC Learn "Microsoft Entra authentication for
# Application Insights", tests/data/azure-services.md, traps section].
AI_AUTH_SETTING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
AI_AUTH_SYSTEM = "Authorization=AAD"
AI_AUTH_USER = "Authorization=AAD;ClientId=<uami-client-id>"
AZURE_CLIENT_ID = "AZURE_CLIENT_ID"
SP_CREDENTIAL_SETTINGS = (
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
)
# A service principal's app id and tenant leave together with its credential: DefaultAzureCredential
# (ManagedIdentityCredential) and SqlClient `Active Directory Default` take the managed identity's
# client id from AZURE_CLIENT_ID, so a stale app id breaks every token request (§0.1 and the traps
# section of tests/data/azure-services.md).
AZURE_TENANT_ID = "AZURE_TENANT_ID"
SP_IDENTITY_SETTINGS = (AZURE_CLIENT_ID, AZURE_TENANT_ID)
# Side by side: an identity-based setting goes next to the old one under a new name that the new
# code reads (the Functions-style `<NAME>__serviceUri` form where the service has one, §0.2/§1.3;
# otherwise `<NAME>` + this suffix); the old setting is removed only after verification.
SIDE_BY_SIDE_SUFFIX = "_Identity"
SQL_CONNECTION_SYSTEM = (
    "Server=tcp:<server>.database.windows.net,1433;Initial Catalog=<database>;Encrypt=True;"
    'TrustServerCertificate=False;Connection Timeout=30;Authentication="Active Directory Default";'
)
SQL_CONNECTION_USER = (
    "Server=tcp:<server>.database.windows.net,1433;Initial Catalog=<database>;Encrypt=True;"
    'TrustServerCertificate=False;Connection Timeout=30;Authentication="Active Directory Default";'
    "User Id=<uami-client-id>;"
)
OSSRDBMS_SCOPE = "https://ossrdbms-aad.database.windows.net/.default"

# Commands of the staged skeleton (§1.4, [CLI]).  Never `identity assign --scope`: with a scope it
# grants Contributor (§0.4).
IDENTITY_ASSIGN_SYSTEM = "az {cli} identity assign -g <resource-group> -n <app>{slot}"
IDENTITY_CREATE_USER = "az identity create -g <resource-group> -n {name}"
IDENTITY_ASSIGN_USER = (
    "az {cli} identity assign -g <resource-group> -n <app>{slot} --identities <{name} resource id>"
)
ARM_GRANT = (
    "az role assignment create --assignee-object-id {principal} --assignee-principal-type "
    "ServicePrincipal --role {guid} --scope {scope}"
)
COSMOS_GRANT = (
    "az cosmosdb sql role assignment create --account-name {resource} -g <target-resource-group> "
    '--scope "/" --principal-id {principal} --role-definition-id {guid}'
)
SQL_CREATE_USER = "CREATE USER [{name}] FROM EXTERNAL PROVIDER;"
SQL_ADD_ROLE = "ALTER ROLE {role} ADD MEMBER [{name}];"
PG_CREATE_PRINCIPAL = "select * from pgaadauth_create_principal('{name}', false, false);"
MYSQL_CREATE_USER = "SET aad_auth_validate_oids_in_tenant = OFF; CREATE AADUSER '{name}' IDENTIFIED BY '<client-id of {name}>';"
REDIS_GRANT = (
    'az redis access-policy-assignment create -g <target-resource-group> -n {resource} --access-policy-name "{role}" '
    "--policy-assignment-name {assignment} --object-id {principal} --object-id-alias {alias}"
)
SETTINGS_DELETE = (
    "az webapp config appsettings delete -g <resource-group> -n <app> --setting-names {names}{slot}"
)
CONNECTION_STRINGS_DELETE = (
    "az webapp config connection-string delete -g <resource-group> -n <app> --setting-names {names}{slot}"
)
# Until the app registration's credential is deleted (the last stage), a new client secret can be
# issued for it; `--append` keeps the other credentials [CLI: tests/data/az-command-table-2.91.0.json.gz;
# DOC https://learn.microsoft.com/cli/azure/ad/app/credential].
ENTRA_CREDENTIAL_RESET = "az ad app credential reset --id <application id of the service principal> --append"
SWAP_PREVIEW = "az webapp deployment slot swap -g <resource-group> -n <app> --slot {slot} --action preview"
SWAP = "az webapp deployment slot swap -g <resource-group> -n <app> --slot {slot} --action swap"
ENTRA_CREDENTIAL_DELETE = "az ad app credential delete"

# App Service connection-string types by service (`az webapp config connection-string set -t`).
CONNECTION_STRING_TYPES = {
    "azure-sql": "SQLAzure",
    "mysql": "MySql",
    "postgresql": "PostgreSQL",
    "cosmos-db": "DocDb",
    "service-bus": "ServiceBus",
    "event-hubs": "EventHub",
    "redis": "RedisCache",
}

_LITERAL_BAD = re.compile(r"^the |\(")


def is_literal(value: str) -> bool:
    """True for a value template that is a value (with <placeholders>), not a sentence."""
    return not _LITERAL_BAD.search(value)
