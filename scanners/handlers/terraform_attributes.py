"""Which Terraform resource attributes hold a key, a password or a connection string (the
`azurerm` provider's attribute names), and which service a resource type hints at.  Facts for
`terraform.py`: an attribute reference to one of these (`azurerm_storage_account.x.primary_connection_string`)
copies a key at apply time.  Source: the "Attributes Reference" section of each resource's page in
the azurerm provider documentation (registry.terraform.io/providers/hashicorp/azurerm/latest/docs).
"""

from __future__ import annotations

import re

from scanners.records import CredentialKind, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass

_PAIR_KEYS = r"(?:default_)?(?:primary|secondary)_(?:key|connection_string)(?:_alias)?"
_ACCESS = r"(?:primary|secondary)_(?:access_key|connection_string)"

# (resource type pattern, attribute pattern, service, kind, value class)
ATTRIBUTES: tuple[tuple[re.Pattern[str], re.Pattern[str], ServiceType, CredentialKind, ValueClass], ...] = (
    tuple(
        (re.compile(rf"(?:{t})$"), re.compile(rf"(?:{a})$"), s, k, v)
        for t, a, s, k, v in (
            (
                "azurerm_storage_account",
                r"(?:primary|secondary)_(?:access_key|(?:blob_|queue_|table_|file_|dfs_|web_)?connection_string)",
                S.STORAGE,
                K.ACCOUNT_KEY,
                V.SECRET,
            ),
            (
                r"azurerm_storage_account_sas|azurerm_storage_account_blob_container_sas",
                "sas",
                S.STORAGE,
                K.SAS,
                V.SECRET,
            ),
            (r"azurerm_servicebus_\w+", _PAIR_KEYS, S.SERVICE_BUS, K.SHARED_ACCESS_KEY, V.SECRET),
            (r"azurerm_eventhub\w*", _PAIR_KEYS, S.EVENT_HUBS, K.SHARED_ACCESS_KEY, V.SECRET),
            (
                "azurerm_cosmosdb_account",
                r"(?:primary|secondary)_(?:readonly_)?mongodb_connection_string",
                S.COSMOS_MONGO,
                K.ACCOUNT_KEY,
                V.SECRET,
            ),
            (
                "azurerm_cosmosdb_account",
                r"(?:primary|secondary)_(?:readonly_)?(?:key|master_key|sql_connection_string)|connection_strings",
                S.COSMOS_DB,
                K.ACCOUNT_KEY,
                V.SECRET,
            ),
            (
                r"azurerm_redis_cache|azurerm_redis_enterprise_database|azurerm_managed_redis",
                r"(?:primary|secondary)_(?:access_key|connection_string)",
                S.REDIS,
                K.ACCESS_KEY,
                V.SECRET,
            ),
            (
                "azurerm_application_insights",
                r"instrumentation_key|connection_string",
                S.APPLICATION_INSIGHTS,
                K.INSTRUMENTATION_KEY,
                V.LOCATOR,
            ),
            (
                "azurerm_app_configuration",
                r"(?:primary|secondary)_(?:read|write)_key",
                S.APP_CONFIGURATION,
                K.ACCESS_KEY,
                V.SECRET,
            ),
            ("azurerm_signalr_service", _ACCESS, S.SIGNALR, K.ACCESS_KEY, V.SECRET),
            (r"azurerm_web_pubsub", _ACCESS, S.WEB_PUBSUB, K.ACCESS_KEY, V.SECRET),
            (
                "azurerm_search_service",
                r"(?:primary|secondary)_key|query_keys",
                S.AI_SEARCH,
                K.API_KEY,
                V.SECRET,
            ),
            (
                r"azurerm_cognitive_account|azurerm_ai_services",
                r"(?:primary|secondary)_access_key",
                S.COGNITIVE_SERVICES,
                K.API_KEY,
                V.SECRET,
            ),
            (
                "azurerm_container_registry",
                "admin_password",
                S.CONTAINER_REGISTRY,
                K.ADMIN_PASSWORD,
                V.SECRET,
            ),
            (
                r"azurerm_eventgrid_(?:topic|domain)",
                r"(?:primary|secondary)_access_key",
                S.EVENT_GRID,
                K.ACCESS_KEY,
                V.SECRET,
            ),
            (
                r"azuread_application_password|azuread_service_principal_password",
                "value",
                S.ENTRA_ID,
                K.CLIENT_SECRET,
                V.SECRET,
            ),
            (
                r"azurerm_mssql_server|azurerm_sql_server",
                "administrator_login_password",
                S.SQL,
                K.PASSWORD,
                V.SECRET,
            ),
            (
                r"azurerm_postgresql_\w*server",
                r"administrator_(?:login_)?password",
                S.POSTGRESQL,
                K.PASSWORD,
                V.SECRET,
            ),
            (r"azurerm_mysql_\w*server", r"administrator_(?:login_)?password", S.MYSQL, K.PASSWORD, V.SECRET),
            ("azurerm_key_vault_secret", "value", S.KEY_VAULT, K.SECRET_REFERENCE, V.REFERENCE),
        )
    )
)

HINT_BY_RESOURCE: tuple[tuple[re.Pattern[str], ServiceType], ...] = (
    (re.compile(r"azurerm_(mssql|sql)_"), S.SQL),
    (re.compile(r"azurerm_postgresql"), S.POSTGRESQL),
    (re.compile(r"azurerm_mysql"), S.MYSQL),
    (re.compile(r"azurerm_redis"), S.REDIS),
    (re.compile(r"azurerm_container_registry"), S.CONTAINER_REGISTRY),
    (re.compile(r"azurerm_cosmosdb"), S.COSMOS_DB),
    (re.compile(r"azuread_"), S.ENTRA_ID),
)
