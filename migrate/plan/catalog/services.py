"""The service facts the planner uses, as data in one table: how each service authorizes a managed
identity, which built-in role (or data-plane statement) reads and which writes, the identity-based
setting forms, how to turn key/local auth off afterwards and the known exceptions.

Every fact comes from `shared/reference/azure-services.md`.  Role names and GUIDs come from
`scanners.service_catalog.ROLE_GUIDS` (pinned by tests against the reference); setting names and
role pairs used here are pinned again by `tests/migrate/plan/test_catalog.py` against a fixture written
by hand from the reference.  Anything the reference marks [U] carries an `unverified` text that the
plan repeats as "unverified: check before use".
"""

from __future__ import annotations

from migrate.plan.catalog.entries import (
    AuthorizationSystem,
    DataRoles,
    Facet,
    LocalAuth,
    Role,
    ServiceEntry,
    arm_role,
)
from migrate.plan.catalog.forms import (
    OSSRDBMS_SCOPE,
    SQL_CONNECTION_SYSTEM,
    SUFFIX_ACCOUNT_ENDPOINT,
    SUFFIX_FULLY_QUALIFIED_NAMESPACE,
    SUFFIX_SERVICE_URI,
)
from migrate.plan.catalog.platform import PLATFORM_EXCEPTIONS
from scanners.records import ServiceType
from scanners.service_catalog import ROLE_GUIDS

_STORAGE_DISABLE = LocalAuth(
    "allowSharedKeyAccess=false",
    "az storage account update -g <target-resource-group> -n {resource} --allow-shared-key-access false",
    (
        *(e.reason for e in PLATFORM_EXCEPTIONS if e.service is ServiceType.STORAGE and e.keeps_local_auth),
        "Blocks SAS tokens too.",
    ),
    arm_off_value=False,
    # [DOC] Learn "Prevent Shared Key authorization for an Azure Storage account" (reference, traps
    # section; the dimension values are [U]).
    evidence="Azure Monitor metric Transactions of the account split by the Authentication dimension shows "
    "requests still signed with an account key or SAS (unverified: check before use: dimension values)",
)

CATALOG: dict[ServiceType, ServiceEntry] = {
    e.service: e
    for e in (
        ServiceEntry(
            ServiceType.STORAGE,
            "Azure Storage",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.Storage/storageAccounts",
            "account",
            roles=(
                DataRoles(
                    Facet.BLOB,
                    (arm_role("Storage Blob Data Reader"),),
                    (arm_role("Storage Blob Data Contributor"),),
                    "https://<account>.blob.core.windows.net",
                    (SUFFIX_SERVICE_URI,),
                ),
                DataRoles(
                    Facet.QUEUE,
                    (arm_role("Storage Queue Data Reader"), arm_role("Storage Queue Data Message Processor")),
                    (arm_role("Storage Queue Data Message Sender"),),
                    "https://<account>.queue.core.windows.net",
                    (SUFFIX_SERVICE_URI,),
                    "queue trigger: Queue Data Reader + Message Processor; output: Message Sender",
                ),
                DataRoles(
                    Facet.TABLE,
                    (arm_role("Storage Table Data Reader"),),
                    (arm_role("Storage Table Data Contributor"),),
                    "https://<account>.table.core.windows.net",
                    (),
                ),
                DataRoles(
                    Facet.FUNCTIONS_HOST,
                    (arm_role("Storage Blob Data Owner"),),
                    (arm_role("Storage Blob Data Owner"),),
                    None,
                    (),
                    "Functions host storage needs Storage Blob Data Owner (more if AzureWebJobsStorage is "
                    "reused for triggers or queues)",
                ),
            ),
            settings_value="https://<account>.blob.core.windows.net",
            code_change="build the client from the account endpoint and a TokenCredential "
            "(DefaultAzureCredential) instead of the connection string / key / SAS",
            local_auth=_STORAGE_DISABLE,
            rotation="regenerate both account keys (az storage account keys renew)",
            unverified=("az storage account keys renew",),
        ),
        ServiceEntry(
            ServiceType.SERVICE_BUS,
            "Azure Service Bus",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.ServiceBus/namespaces",
            "namespace",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("Azure Service Bus Data Receiver"),),
                    (arm_role("Azure Service Bus Data Sender"),),
                    "<namespace>.servicebus.windows.net",
                    (SUFFIX_FULLY_QUALIFIED_NAMESPACE,),
                ),
            ),
            settings_value="<namespace>.servicebus.windows.net",
            code_change="build ServiceBusClient from the fully qualified namespace and a TokenCredential",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az servicebus namespace update -g <target-resource-group> -n {resource} "
                "--disable-local-auth true",
                arm_off_value=True,
            ),
            rotation="regenerate the shared access policy keys that were in use",
        ),
        ServiceEntry(
            ServiceType.EVENT_HUBS,
            "Azure Event Hubs",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.EventHub/namespaces",
            "namespace",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("Azure Event Hubs Data Receiver"),),
                    (arm_role("Azure Event Hubs Data Sender"),),
                    "<namespace>.servicebus.windows.net",
                    (SUFFIX_FULLY_QUALIFIED_NAMESPACE,),
                    "event processors also need blob roles on the checkpoint store",
                ),
            ),
            settings_value="<namespace>.servicebus.windows.net",
            code_change="build the producer/consumer client from the fully qualified namespace, the hub name "
            "and a TokenCredential",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az eventhubs namespace update -g <target-resource-group> -n {resource} "
                "--disable-local-auth true",
                arm_off_value=True,
            ),
            rotation="regenerate the shared access policy keys that were in use",
        ),
        ServiceEntry(
            ServiceType.COSMOS_DB,
            "Azure Cosmos DB for NoSQL",
            AuthorizationSystem.COSMOS_SQL_RBAC,
            "Microsoft.DocumentDB/databaseAccounts",
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (Role("Cosmos DB Built-in Data Reader", ROLE_GUIDS["Cosmos DB Built-in Data Reader"]),),
                    (
                        Role(
                            "Cosmos DB Built-in Data Contributor",
                            ROLE_GUIDS["Cosmos DB Built-in Data Contributor"],
                        ),
                    ),
                    "https://<account>.documents.azure.com:443/",
                    (SUFFIX_ACCOUNT_ENDPOINT,),
                    "data-plane only: creating databases/containers needs an ARM role",
                ),
            ),
            settings_value="https://<account>.documents.azure.com:443/",
            code_change="build CosmosClient from the account endpoint and a TokenCredential",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az cosmosdb update -g <target-resource-group> -n {resource} --disable-local-auth true",
                ("disableLocalAuth is allowed only for SQL (NoSQL) API accounts.",),
                arm_off_value=True,
            ),
            rotation="regenerate the account keys that were in use",
        ),
        ServiceEntry(
            ServiceType.COSMOS_MONGO,
            "Azure Cosmos DB for MongoDB",
            AuthorizationSystem.NONE,
            None,
            "account",
            review_reason="Cosmos DB for MongoDB: MongoDB drivers cannot authenticate with Microsoft Entra ID; keep "
            "the secret in Key Vault (read by the app's identity) and rotate it, or review a move "
            "to the NoSQL API",
        ),
        ServiceEntry(
            ServiceType.SQL,
            "Azure SQL Database",
            AuthorizationSystem.SQL_CONTAINED_USER,
            None,
            "server",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (Role("db_datareader"),),
                    (Role("db_datareader"), Role("db_datawriter")),
                    None,
                    (),
                    "db_ddladmin only if the app changes the schema",
                ),
            ),
            settings_value=SQL_CONNECTION_SYSTEM,
            code_change="no code change with Microsoft.Data.SqlClient: only the connection string changes "
            "(pyodbc: Authentication=ActiveDirectoryMsi)",
            precondition="the server needs a Microsoft Entra admin to run CREATE USER ... FROM EXTERNAL PROVIDER",
            local_auth=LocalAuth(
                "azureADOnlyAuthentication",
                "az sql server ad-only-auth enable -g <target-resource-group> -n {resource}",
            ),
            rotation="change the SQL login password that was in use, then drop the login",
        ),
        ServiceEntry(
            ServiceType.POSTGRESQL,
            "Azure Database for PostgreSQL flexible server",
            AuthorizationSystem.POSTGRES_ENTRA_ROLE,
            None,
            "server",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (Role("GRANT SELECT (user-defined)"),),
                    (Role("GRANT … (user-defined: what the app writes)"),),
                    None,
                    (),
                ),
            ),
            code_change=f"get a token for {OSSRDBMS_SCOPE} and use it as the password (refresh per new "
            "connection); the user name is the identity's role name",
            precondition="connect to the postgres database as the Microsoft Entra admin",
            local_auth=LocalAuth(
                "passwordAuth=Disabled",
                "az postgres flexible-server update -g <target-resource-group> -n {resource} "
                "--microsoft-entra-auth Enabled --password-auth Disabled",
            ),
            rotation="change the password of the database user that was in use",
        ),
        ServiceEntry(
            ServiceType.MYSQL,
            "Azure Database for MySQL flexible server",
            AuthorizationSystem.MYSQL_AAD_USER,
            None,
            "server",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (Role("GRANT SELECT (user-defined)"),),
                    (Role("GRANT … (user-defined: what the app writes)"),),
                    None,
                    (),
                ),
            ),
            code_change=f"get a token for {OSSRDBMS_SCOPE} and send it as the password over the clear-text "
            "plugin with TLS",
            local_auth=LocalAuth(
                "aad_auth_only=ON",
                "az mysql flexible-server parameter set -g <target-resource-group> -s {resource} "
                "--name aad_auth_only --value ON",
            ),
            rotation="change the password of the database user that was in use",
            unverified=(
                "for a system-assigned identity, whether IDENTIFIED BY takes the client (application) id "
                "or the object id",
            ),
        ),
        ServiceEntry(
            ServiceType.REDIS,
            "Azure Cache for Redis",
            AuthorizationSystem.REDIS_ACCESS_POLICY,
            "Microsoft.Cache/Redis",
            "server",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (Role("Data Reader", unverified="exact --access-policy-name string"),),
                    (Role("Data Contributor", unverified="exact --access-policy-name string"),),
                    None,
                    (),
                ),
            ),
            code_change="authenticate with Microsoft Entra ID (Microsoft.Azure.StackExchangeRedis / redis-entraid) "
            "instead of the access key",
            local_auth=LocalAuth(
                "disableAccessKeyAuthentication=true",
                "az redis update -g <target-resource-group> -n {resource} "
                "--set disableAccessKeyAuthentication=true",
                unverified="exact --set path",
            ),
            rotation="regenerate the access keys that were in use",
            unverified=("object id as the Redis user name",),
        ),
        ServiceEntry(
            ServiceType.APP_CONFIGURATION,
            "Azure App Configuration",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.AppConfiguration/configurationStores",
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("App Configuration Data Reader"),),
                    (arm_role("App Configuration Data Owner"),),
                    "https://<account>.azconfig.io",
                    (),
                ),
            ),
            settings_value="https://<account>.azconfig.io",
            code_change="connect with the endpoint and a TokenCredential",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az appconfig update -g <target-resource-group> -n {resource} --disable-local-auth true",
                arm_off_value=True,
            ),
            rotation="regenerate the access keys that were in use",
        ),
        ServiceEntry(
            ServiceType.SIGNALR,
            "Azure SignalR Service",
            AuthorizationSystem.ARM_RBAC,
            None,
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("SignalR App Server"),),
                    (arm_role("SignalR App Server"),),
                    None,
                    (),
                ),
            ),
            settings_value="Endpoint=https://<account>.service.signalr.net;AuthType=azure.msi;Version=1.0;",
            code_change="no code change: the connection string switches to AuthType=azure.msi",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az signalr update -g <target-resource-group> -n {resource} --disable-local-auth true",
            ),
            rotation="regenerate the access keys that were in use",
            unverified=(
                "ClientId=<client-id> in the SignalR connection string for a user-assigned identity",
            ),
        ),
        ServiceEntry(
            ServiceType.WEB_PUBSUB,
            "Azure Web PubSub",
            AuthorizationSystem.ARM_RBAC,
            None,
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (
                        Role(
                            "Web PubSub Service Owner", unverified="the reference gives only a truncated GUID"
                        ),
                    ),
                    (
                        Role(
                            "Web PubSub Service Owner", unverified="the reference gives only a truncated GUID"
                        ),
                    ),
                    None,
                    (),
                ),
            ),
            code_change="build WebPubSubServiceClient(endpoint, hub, credential)",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "set properties.disableLocalAuth=true (the CLI is an extension)",
                unverified="command",
            ),
            rotation="regenerate the access keys that were in use",
        ),
        ServiceEntry(
            ServiceType.EVENT_GRID,
            "Azure Event Grid",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.EventGrid/topics",
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("EventGrid Data Sender"),),
                    (arm_role("EventGrid Data Sender"),),
                    None,
                    (),
                ),
            ),
            code_change="build EventGridPublisherClient(endpoint, credential) with a TokenCredential",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az resource update --ids <topic resource id> --set properties.disableLocalAuth=true",
                unverified="az resource update form",
            ),
            rotation="regenerate the topic access keys that were in use",
        ),
        ServiceEntry(
            ServiceType.APPLICATION_INSIGHTS,
            "Application Insights",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.Insights/components",
            "host",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (),
                    (
                        Role(
                            "Monitoring Metrics Publisher",
                            ROLE_GUIDS["Monitoring Metrics Publisher"],
                            unverified="the role-to-Application-Insights mapping",
                        ),
                    ),
                    None,
                    (),
                ),
            ),
            code_change="keep the connection string as a locator; set APPLICATIONINSIGHTS_AUTHENTICATION_STRING as "
            "an app setting (read from the environment by auto-instrumentation and the OpenTelemetry "
            "exporter), or pass credential= to the SDK; the classic SDK (Microsoft.ApplicationInsights) "
            "also needs TelemetryConfiguration.SetAzureTokenCredential(credential) in code",
            local_auth=LocalAuth(
                "DisableLocalAuth=true",
                "az resource update --ids <component resource id> --set properties.DisableLocalAuth=true",
                unverified="casing accepted by az resource update",
            ),
        ),
        ServiceEntry(
            ServiceType.OPENAI,
            "Azure OpenAI",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.CognitiveServices/accounts",
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("Cognitive Services OpenAI User"),),
                    (arm_role("Cognitive Services OpenAI User"),),
                    None,
                    (),
                    "inference needs only Cognitive Services OpenAI User",
                ),
            ),
            code_change="use azure_ad_token_provider=get_bearer_token_provider(credential, "
            '"https://cognitiveservices.azure.com/.default") instead of api_key',
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az resource update --ids <account resource id> --set properties.disableLocalAuth=true",
                ("Azure OpenAI Studio requires key access and will not function if key access is disabled.",),
                unverified="az resource update form",
            ),
            rotation="regenerate both API keys",
            unverified=(
                "token scope https://cognitiveservices.azure.com/.default",
                "custom subdomain endpoint",
            ),
        ),
        ServiceEntry(
            ServiceType.COGNITIVE_SERVICES,
            "Azure AI services",
            AuthorizationSystem.ARM_RBAC,
            "Microsoft.CognitiveServices/accounts",
            "account",
            review_reason="Azure AI services: the generic Cognitive Services User role can also list keys; "
            "choose the service-specific data role by hand",
        ),
        ServiceEntry(
            ServiceType.AI_SEARCH,
            "Azure AI Search",
            AuthorizationSystem.ARM_RBAC,
            None,
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("Search Index Data Reader"),),
                    (arm_role("Search Index Data Contributor"),),
                    None,
                    (),
                ),
            ),
            code_change="build SearchClient(endpoint, index_name, credential) instead of AzureKeyCredential",
            precondition="enable RBAC on the search service first: az search service update -g <target-resource-group> "
            "-n <service> --auth-options aadOrApiKey --aad-auth-failure-mode http401WithBearerChallenge",
            local_auth=LocalAuth(
                "disableLocalAuth",
                "az search service update -g <target-resource-group> -n {resource} --disable-local-auth true",
                (
                    "clear --auth-options first: disableLocalAuth cannot be true while "
                    "dataPlaneAuthOptions are defined",
                ),
            ),
            rotation="regenerate the admin keys and delete query keys that were in use",
            unverified=("--aad-auth-failure-mode enum value",),
        ),
        ServiceEntry(
            ServiceType.CONTAINER_REGISTRY,
            "Azure Container Registry",
            AuthorizationSystem.ARM_RBAC,
            None,
            "account",
            roles=(DataRoles(Facet.DEFAULT, (arm_role("AcrPull"),), (arm_role("AcrPush"),), None, ()),),
            code_change="pull with the app's identity: az webapp config set -g <resource-group> -n <app> --acr-use-identity true "
            "--acr-identity '[system]' (or the user-assigned identity's resource id)",
            local_auth=LocalAuth(
                "adminUserEnabled=false", "az acr update -n {resource} --admin-enabled false"
            ),
            rotation="regenerate the admin passwords",
            unverified=("DOCKER_REGISTRY_SERVER_PASSWORD / DOCKER_REGISTRY_SERVER_USERNAME setting names",),
        ),
        ServiceEntry(
            ServiceType.ENTRA_ID,
            "Microsoft Entra ID (service principal secret)",
            AuthorizationSystem.NONE,
            None,
            "host",
            code_change="replace ClientSecretCredential with ManagedIdentityCredential / DefaultAzureCredential "
            "(CI: workload identity federation)",
            rotation="delete the Entra app credential (az ad app credential delete)",
            unverified=("az ad app credential delete",),
        ),
        ServiceEntry(
            ServiceType.KEY_VAULT,
            "Azure Key Vault",
            AuthorizationSystem.KEY_VAULT_RBAC,
            None,
            "account",
            roles=(
                DataRoles(
                    Facet.DEFAULT,
                    (arm_role("Key Vault Secrets User"),),
                    (arm_role("Key Vault Secrets Officer"),),
                    "https://<account>.vault.azure.net/",
                    (),
                ),
            ),
            code_change="read the secret with SecretClient(vault_url, credential)",
            precondition="the vault must use the RBAC permission model; if it uses access policies move it to "
            "RBAC first: az keyvault update -g <target-resource-group> -n <vault> "
            "--enable-rbac-authorization true",
            local_auth=None,
        ),
        ServiceEntry(
            ServiceType.THIRD_PARTY,
            "Third-party service",
            AuthorizationSystem.NONE,
            None,
            "host",
            review_reason="third-party credential: no managed-identity replacement; move to Key Vault and "
            "reference it (a Key Vault reference read with the app's identity), then rotate it",
        ),
        ServiceEntry(
            ServiceType.GENERIC,
            "Unrecognised secret",
            AuthorizationSystem.NONE,
            None,
            "host",
            review_reason="generic or third-party secret: identify the service before planning",
        ),
    )
}


def _both(template: str, first: str, second: str) -> tuple[str, str]:
    return template.format(key=first, resource="{resource}"), template.format(
        key=second, resource="{resource}"
    )


# Key rotation commands per service, `{resource}` filled with the target's name.  The command
# shapes (command, flags, enum values) are checked against the azure-cli 2.91.0 command table by
# tests/migrate/emit/test_az_commands.py; what each key name means is the CLI's documented choice.
ROTATION_COMMANDS: dict[ServiceType, tuple[str, ...]] = {
    ServiceType.STORAGE: _both(
        "az storage account keys renew -g <target-resource-group> --account-name {resource} --key {key}",
        "primary",
        "secondary",
    ),
    ServiceType.SERVICE_BUS: _both(
        "az servicebus namespace authorization-rule keys renew -g <target-resource-group> --namespace-name "
        "{resource} -n <authorization rule name> --key {key}",
        "PrimaryKey",
        "SecondaryKey",
    ),
    ServiceType.EVENT_HUBS: _both(
        "az eventhubs namespace authorization-rule keys renew -g <target-resource-group> --namespace-name "
        "{resource} --name <authorization rule name> --key {key}",
        "PrimaryKey",
        "SecondaryKey",
    ),
    ServiceType.COSMOS_DB: _both(
        "az cosmosdb keys regenerate -g <target-resource-group> -n {resource} --key-kind {key}",
        "primary",
        "secondary",
    ),
    ServiceType.REDIS: _both(
        "az redis regenerate-keys -g <target-resource-group> -n {resource} --key-type {key}",
        "Primary",
        "Secondary",
    ),
    ServiceType.APP_CONFIGURATION: (
        "az appconfig credential regenerate -g <target-resource-group> -n {resource} --id <access key id>",
    ),
    ServiceType.SIGNALR: _both(
        "az signalr key renew -g <target-resource-group> -n {resource} --key-type {key}",
        "primary",
        "secondary",
    ),
    ServiceType.AI_SEARCH: _both(
        "az search admin-key renew -g <target-resource-group> --service-name {resource} --key-kind {key}",
        "primary",
        "secondary",
    ),
    ServiceType.CONTAINER_REGISTRY: _both(
        "az acr credential renew -n {resource} --password-name {key}", "password", "password2"
    ),
    ServiceType.OPENAI: _both(
        "az cognitiveservices account keys regenerate -g <target-resource-group> -n {resource} --key-name {key}",
        "Key1",
        "Key2",
    ),
    ServiceType.EVENT_GRID: _both(
        "az eventgrid topic key regenerate -g <target-resource-group> -n {resource} --key-name {key}",
        "key1",
        "key2",
    ),
}

# Functions blob trigger: blob data role plus a queue data role (the trigger uses queues) [DOC §1.3].
# The blob trigger's roles, as its binding page names them (catalog.bindings: Storage Blob Data Owner
# and Storage Queue Data Contributor).
BLOB_TRIGGER_ROLES: tuple[Role, ...] = (
    arm_role("Storage Blob Data Owner"),
    arm_role("Storage Queue Data Contributor"),
)

# Roles that hand out keys (or everything): the planner never proposes them.
KEY_GRANTING_ROLES = (
    "Storage Account Contributor",
    "Contributor",
    "Owner",
    "Reader and Data Access",
    "Cognitive Services Contributor",
    "Cognitive Services User",
)
