"""How the code uses a target, as facts the grants step reads: the consumption forms that only read
(a configuration provider, a Key Vault reference) and the ARM scope of an entity (container, queue,
topic, event hub) when the scan names it.

Sources: App Configuration's configuration providers (`AddAzureAppConfiguration`, Python
`azure.appconfiguration.provider.load`) only read key-values and Key Vault references through them:
Learn "Use managed identities to access App Configuration" grants App Configuration Data Reader.  A
Key Vault reference (`@Microsoft.KeyVault(...)`) and the `AddAzureKeyVault` configuration provider only
read secrets: Learn "Use Key Vault references" and "Azure Key Vault configuration provider in ASP.NET
Core" grant Key Vault Secrets User.  Entity scopes are the child resource ids of the built-in role
pages ("Assign an Azure role for access to blob data": a container scope is
`.../storageAccounts/<a>/blobServices/default/containers/<c>`; Service Bus and Event Hubs accept a
queue, topic or event hub as scope: Learn "Authenticate a managed identity with Microsoft Entra ID to
access Azure Service Bus resources", "... Event Hubs resources").
"""

from __future__ import annotations

import re

from migrate.plan.catalog.entries import Facet
from scanners.records import ServiceType

S = ServiceType

# Consumption forms that only read, per service (matched on the scan's redacted preview).
READ_ONLY_FORMS: dict[ServiceType, re.Pattern[str]] = {
    S.APP_CONFIGURATION: re.compile(
        r"AddAzureAppConfiguration|AzureAppConfigurationProvider|appconfiguration\.provider|"
        r"\bload\s*\(|GetConfigurationSetting|get_configuration_setting",
    ),
    S.KEY_VAULT: re.compile(
        r"@Microsoft\.KeyVault\(|AddAzureKeyVault|\bGetSecret(Async)?\b|\bget_secret\b|SecretReference"
    ),
}

# Child resource path of an entity under the target's resource id, per (service, facet); `{entity}`.
ENTITY_SCOPES: dict[tuple[ServiceType, Facet], tuple[str, str]] = {
    (S.STORAGE, Facet.BLOB): ("container", "/blobServices/default/containers/{entity}"),
    (S.STORAGE, Facet.QUEUE): ("queue", "/queueServices/default/queues/{entity}"),
    (S.STORAGE, Facet.TABLE): ("table", "/tableServices/default/tables/{entity}"),
    (S.EVENT_HUBS, Facet.DEFAULT): ("event hub", "/eventhubs/{entity}"),
}
# Service Bus: a queue or a topic, by what the code names (catalog.access_rules.TOPIC_HINT_RE).
SERVICE_BUS_SCOPES = {"queue": "/queues/{entity}", "topic": "/topics/{entity}"}

_ENTITY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,259}$")


def entity_name(raw: str | None, service: ServiceType, facet: Facet) -> str | None:
    """The first path segment of an entity the scan named, when it is a plain resource name."""
    if not raw:
        return None
    name = raw.strip("/").split("/", 1)[0]
    if service is S.STORAGE and facet is Facet.FUNCTIONS_HOST:
        return None
    return name if _ENTITY_NAME.match(name) and "{" not in name else None


# Data-plane calls per service, read or write, as they appear on a client in the consuming file
# (.NET and Python SDK method names, case-insensitive prefixes).  Navigation calls
# (GetBlobContainerClient, get_queue_client) are neither.  A write anywhere wins over reads.
_VERBS: dict[ServiceType, tuple[str, str]] = {
    S.STORAGE: (
        r"download|openread|open_read|readto|read_all|get_blob_properties|getproperties|get_properties|"
        r"getblobs|list_blobs|exists|receivemessage|receive_message|peekmessage|peek_message|queryentit|"
        r"query_entit|getentit|get_entit|list_entit",
        r"upload|openwrite|open_write|delete|create_?(?:container|blob|queue|table|entity|ifnotexists|if_not_exists)|set_|setmetadata|sethttpheaders|stage_block|stageblock|"
        r"commit|copy|startcopy|append|sendmessage|send_message|updatemessage|update_message|addentity|"
        r"upsert|updateentity|update_entity|submit_transaction|submittransaction",
    ),
    S.SERVICE_BUS: (
        r"createreceiver|createprocessor|createsessionprocessor|get_queue_receiver|"
        r"get_subscription_receiver|receive|peek|complete|abandon|dead_?letter|defer|renew",
        r"createsender|get_queue_sender|get_topic_sender|send|schedule|cancelscheduled|cancel_scheduled",
    ),
    S.EVENT_HUBS: (
        r"receive|readevents|read_events|startprocessing|start_processing",
        r"send|createbatch|create_batch",
    ),
    S.APP_CONFIGURATION: (
        r"getconfigurationsetting|get_configuration_setting|list_configuration_settings|"
        r"getconfigurationsettings|getsnapshot|get_snapshot",
        r"setconfigurationsetting|set_configuration_setting|addconfigurationsetting|add_configuration_setting|"
        r"deleteconfigurationsetting|delete_configuration_setting|setreadonly|set_read_only|createsnapshot",
    ),
    S.KEY_VAULT: (
        r"getsecret|get_secret|getpropertiesofsecrets|list_properties_of_secrets|getdeletedsecret",
        r"setsecret|set_secret|startdeletesecret|begin_delete_secret|delete_secret|purge|updatesecretproperties|"
        r"update_secret_properties|restore|recover",
    ),
    S.COSMOS_DB: (
        r"readitem|read_item|query_items|getitemqueryiterator|read_all_items|readmany|read_many",
        r"createitem|create_item|upsert|replaceitem|replace_item|deleteitem|delete_item|patchitem|patch_item|"
        r"createcontainer|create_container|createdatabase|create_database|transactionalbatch|execute_item_batch",
    ),
}
DATA_CALLS: dict[ServiceType, tuple[re.Pattern[str], re.Pattern[str]]] = {
    service: (re.compile(rf"^(?:{r})", re.I), re.compile(rf"^(?:{w})", re.I))
    for service, (r, w) in _VERBS.items()
}
