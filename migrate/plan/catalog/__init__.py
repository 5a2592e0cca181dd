"""The catalog of Azure facts the planner (and the emitters and the guided migration) ask: one
place, four parts.  `entries` holds the record types, `services` the table of services as data,
`forms` the setting names, value forms and command templates, `platform` the platform settings that
keep their secret (the Functions content share), `hosting` what is not an App Service app (local
endpoints, IaC, Kubernetes), `access_rules` the shared access rules of Service Bus and Event Hubs;
this module adds the lookups and is
the one name the rest of the code imports (`from migrate.plan import catalog as cat`).
"""

from __future__ import annotations

from migrate.plan.catalog.access_rules import (
    NAMESPACE_DEFAULT_RULE,
    RULE_KEYS,
    RULE_NAME_RE,
    RULE_RENEW_COMMANDS,
    TOPIC_HINT_RE,
    RuleLevel,
    rule_level,
)
from migrate.plan.catalog.bindings import (
    BINDING_ROLES,
    SIGNALR_SERVICE_OWNER,
    BindingKind,
    BindingRoles,
    binding_roles,
    is_binding,
)
from migrate.plan.catalog.consumers import (
    CONSUMER_BLOCKERS,
    BlockerScope,
    ConsumerBlocker,
    blockers_of,
    untouchable_value,
)
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
    AI_AUTH_SETTING,
    AI_AUTH_SYSTEM,
    AI_AUTH_USER,
    ARM_GRANT,
    AZURE_CLIENT_ID,
    AZURE_TENANT_ID,
    CONNECTION_STRING_TYPES,
    CONNECTION_STRINGS_DELETE,
    CONTENT_SHARE_SETTING,
    COSMOS_GRANT,
    CREDENTIAL_MANAGED_IDENTITY,
    ENTRA_CREDENTIAL_DELETE,
    ENTRA_CREDENTIAL_RESET,
    HOST_STORAGE,
    HOST_STORAGE_ACCOUNT_NAME,
    IDENTITY_ASSIGN_SYSTEM,
    IDENTITY_ASSIGN_USER,
    IDENTITY_CREATE_USER,
    MYSQL_CREATE_USER,
    OSSRDBMS_SCOPE,
    PG_CREATE_PRINCIPAL,
    REDIS_GRANT,
    SETTINGS_DELETE,
    SIDE_BY_SIDE_SUFFIX,
    SP_CREDENTIAL_SETTINGS,
    SP_IDENTITY_SETTINGS,
    SQL_ADD_ROLE,
    SQL_CONNECTION_SYSTEM,
    SQL_CONNECTION_USER,
    SQL_CREATE_USER,
    SUFFIX_ACCOUNT_ENDPOINT,
    SUFFIX_BLOB_SERVICE_URI,
    SUFFIX_CLIENT_ID,
    SUFFIX_CREDENTIAL,
    SUFFIX_FULLY_QUALIFIED_NAMESPACE,
    SUFFIX_QUEUE_SERVICE_URI,
    SUFFIX_SERVICE_URI,
    SWAP,
    SWAP_PREVIEW,
    UNVERIFIED,
    is_literal,
)
from migrate.plan.catalog.hosting import (
    HOSTING_REVIEW,
    LOCAL_ENDPOINT_REVIEW,
    Hosting,
    hosting_of,
    is_local_endpoint,
)
from migrate.plan.catalog.optional import OPTIONAL_SERVICES, OPTIONAL_SKIP_NOTE
from migrate.plan.catalog.platform import (
    CI_PIPELINE_REVIEW,
    PLATFORM_EXCEPTIONS,
    PlatformException,
    platform_exception,
)
from migrate.plan.catalog.prerequisites import (
    KEY_VAULT_SECRETS_USER_GUID,
    POSTGRES_ADMIN_DATABASE,
    PROPAGATION_INTERVAL_S,
    PROPAGATION_TIMEOUT_S,
    PrerequisiteKind,
)
from migrate.plan.catalog.services import (
    BLOB_TRIGGER_ROLES,
    CATALOG,
    KEY_GRANTING_ROLES,
    ROTATION_COMMANDS,
)
from migrate.plan.catalog.tenants import (
    FIC_CREATE,
    GRAPH_APP_ROLE_ASSIGN,
    GRAPH_EVIDENCE,
    GRAPH_ROLES_OF_SP,
    IDENTITY_WEB_CLIENT_CREDENTIALS,
    MI_AS_FIC_CONFIG,
    UNVERIFIED_FIC,
    SecretUse,
    secret_use,
    tenants_in,
)
from migrate.plan.catalog.usage import (
    DATA_CALLS,
    ENTITY_SCOPES,
    READ_ONLY_FORMS,
    SERVICE_BUS_SCOPES,
    entity_name,
)
from scanners.records import ServiceType

__all__ = [
    "OPTIONAL_SERVICES",
    "OPTIONAL_SKIP_NOTE",
    "FIC_CREATE",
    "GRAPH_APP_ROLE_ASSIGN",
    "GRAPH_EVIDENCE",
    "GRAPH_ROLES_OF_SP",
    "IDENTITY_WEB_CLIENT_CREDENTIALS",
    "MI_AS_FIC_CONFIG",
    "SecretUse",
    "UNVERIFIED_FIC",
    "secret_use",
    "tenants_in",
    "BlockerScope",
    "CONSUMER_BLOCKERS",
    "ConsumerBlocker",
    "blockers_of",
    "untouchable_value",
    "BINDING_ROLES",
    "BindingKind",
    "BindingRoles",
    "DATA_CALLS",
    "ENTITY_SCOPES",
    "READ_ONLY_FORMS",
    "SERVICE_BUS_SCOPES",
    "SIGNALR_SERVICE_OWNER",
    "binding_roles",
    "entity_name",
    "is_binding",
    "AI_AUTH_SETTING",
    "AI_AUTH_SYSTEM",
    "AI_AUTH_USER",
    "ARM_GRANT",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AuthorizationSystem",
    "BLOB_TRIGGER_ROLES",
    "CATALOG",
    "CI_PIPELINE_REVIEW",
    "CONNECTION_STRINGS_DELETE",
    "CONNECTION_STRING_TYPES",
    "CONTENT_SHARE_SETTING",
    "COSMOS_GRANT",
    "CREDENTIAL_MANAGED_IDENTITY",
    "DataRoles",
    "ENTRA_CREDENTIAL_DELETE",
    "ENTRA_CREDENTIAL_RESET",
    "Facet",
    "HOSTING_REVIEW",
    "HOST_STORAGE",
    "HOST_STORAGE_ACCOUNT_NAME",
    "Hosting",
    "IDENTITY_ASSIGN_SYSTEM",
    "IDENTITY_ASSIGN_USER",
    "IDENTITY_CREATE_USER",
    "KEY_GRANTING_ROLES",
    "KEY_VAULT_SECRETS_USER_GUID",
    "LOCAL_ENDPOINT_REVIEW",
    "LocalAuth",
    "MYSQL_CREATE_USER",
    "NAMESPACE_DEFAULT_RULE",
    "OSSRDBMS_SCOPE",
    "PG_CREATE_PRINCIPAL",
    "POSTGRES_ADMIN_DATABASE",
    "PROPAGATION_INTERVAL_S",
    "PROPAGATION_TIMEOUT_S",
    "PrerequisiteKind",
    "PLATFORM_EXCEPTIONS",
    "PlatformException",
    "REDIS_GRANT",
    "ROTATION_COMMANDS",
    "RULE_KEYS",
    "RULE_NAME_RE",
    "RULE_RENEW_COMMANDS",
    "Role",
    "RuleLevel",
    "SETTINGS_DELETE",
    "SIDE_BY_SIDE_SUFFIX",
    "SP_CREDENTIAL_SETTINGS",
    "SP_IDENTITY_SETTINGS",
    "SQL_ADD_ROLE",
    "SQL_CONNECTION_SYSTEM",
    "SQL_CONNECTION_USER",
    "SQL_CREATE_USER",
    "SUFFIX_ACCOUNT_ENDPOINT",
    "SUFFIX_BLOB_SERVICE_URI",
    "SUFFIX_CLIENT_ID",
    "SUFFIX_CREDENTIAL",
    "SUFFIX_FULLY_QUALIFIED_NAMESPACE",
    "SUFFIX_QUEUE_SERVICE_URI",
    "SUFFIX_SERVICE_URI",
    "SWAP",
    "SWAP_PREVIEW",
    "ServiceEntry",
    "TOPIC_HINT_RE",
    "UNVERIFIED",
    "arm_local_auth",
    "arm_role",
    "entry",
    "hosting_of",
    "is_literal",
    "is_local_endpoint",
    "platform_exception",
    "roles_used",
    "rule_level",
    "setting_names_used",
]


def entry(service: ServiceType) -> ServiceEntry:
    return CATALOG[service]


def roles_used() -> list[Role]:
    """Every role the catalog can put into a plan, in a stable order."""
    seen: dict[tuple[str, str | None], Role] = {(r.name, r.guid): r for r in BLOB_TRIGGER_ROLES}
    for b in BINDING_ROLES:
        for _facet, role in b.roles:
            seen.setdefault((role.name, role.guid), role)
    for e in CATALOG.values():
        for dr in e.roles:
            for role in (*dr.read, *dr.write):
                seen.setdefault((role.name, role.guid), role)
    return [seen[k] for k in sorted(seen, key=lambda k: (k[0], k[1] or ""))]


def setting_names_used() -> list[str]:
    """Every setting name or setting form the catalog can put into a plan."""
    names = {
        SUFFIX_SERVICE_URI,
        SUFFIX_BLOB_SERVICE_URI,
        SUFFIX_QUEUE_SERVICE_URI,
        SUFFIX_FULLY_QUALIFIED_NAMESPACE,
        SUFFIX_ACCOUNT_ENDPOINT,
        SUFFIX_CREDENTIAL,
        SUFFIX_CLIENT_ID,
        HOST_STORAGE_ACCOUNT_NAME,
        CONTENT_SHARE_SETTING,
        AI_AUTH_SETTING,
        AZURE_CLIENT_ID,
        AZURE_TENANT_ID,
        *SP_CREDENTIAL_SETTINGS,
    }
    for e in CATALOG.values():
        for dr in e.roles:
            names.update(dr.functions_suffixes)
    return sorted(names)


def arm_local_auth(service: str) -> tuple[str, str, bool] | None:
    """(ARM resource type, property under `properties`, its value when local auth is off) for a service
    whose local auth the guided migration can turn off through ARM; None for the others."""
    try:
        e = CATALOG[ServiceType(service)]
    except (ValueError, KeyError):
        return None
    if e.local_auth is None or e.local_auth.arm_off_value is None or e.resource_type is None:
        return None
    return e.resource_type, e.local_auth.property.split("=", 1)[0], e.local_auth.arm_off_value
