"""What must be in place on a target before any grant to the app's identity can work: Microsoft Entra
admins and Entra authentication on the database servers, Entra authentication on Redis, and read
access to the Key Vaults that the app's Key Vault references name (with `keyVaultReferenceIdentity`
when the identity is user-assigned).  Facts as data: one record per kind, each with its command,
the check that prints something once it is in place, and the Microsoft source it comes from.

Placeholders in `<...>` are values only the user knows (the admin's name and object id, the MySQL
server's identity); `{server}`, `{vault}` and `{principal}` are filled by the planner.
"""

from __future__ import annotations

import enum
import shlex
from dataclasses import dataclass

from scanners.records import ServiceType


class PrerequisiteKind(enum.StrEnum):
    SQL_ENTRA_ADMIN = "sql-entra-admin"
    POSTGRES_ENTRA_AUTH = "postgres-entra-auth"
    POSTGRES_ENTRA_ADMIN = "postgres-entra-admin"
    MYSQL_SERVER_IDENTITY = "mysql-server-identity"
    MYSQL_ENTRA_ADMIN = "mysql-entra-admin"
    REDIS_ENTRA_AUTH = "redis-entra-auth"
    KEY_VAULT_SECRETS_USER = "key-vault-secrets-user"
    KEY_VAULT_GET_POLICY = "key-vault-get-policy"
    KEY_VAULT_ACCESS_UNKNOWN = "key-vault-access-unknown"
    KEY_VAULT_REFERENCE_IDENTITY = "key-vault-reference-identity"


@dataclass(frozen=True, slots=True)
class PrerequisiteFact:
    kind: PrerequisiteKind
    title: str  # with {server} / {vault}
    command: str | None  # az command template; None: by hand (notes say how)
    check: str | None  # prints something once it is in place
    why: str
    source: str


# Key Vault Secrets User: reads secret contents (what a Key Vault reference needs).
# [DOC learn.microsoft.com/azure/role-based-access-control/built-in-roles; tests/data/azure-services.md §2]
KEY_VAULT_SECRETS_USER_GUID = "4633458b-17de-408a-b874-0445c86b69e6"
# The Key Vault reference identity is a site property, written through ARM.
# [DOC articles/app-service/app-service-key-vault-references.md: `az rest --method PATCH` with
# properties.keyVaultReferenceIdentity; tests/data/azure-services.md, Key Vault row]
KEY_VAULT_REFERENCE_API_VERSION = "2021-01-01"
# Role assignment changes can take up to about 10 minutes to take effect (Azure Resource Manager
# caches them) [DOC learn.microsoft.com/azure/role-based-access-control/troubleshooting; older
# revisions and Microsoft Q&A 524792 said up to 30 minutes; tests/data/azure-services.md §0.3]: the
# scripts and the guided run wait this long by default (PROPAGATION_TIMEOUT overrides it).
PROPAGATION_TIMEOUT_S = 600
PROPAGATION_INTERVAL_S = 20

_Q = shlex.quote
_ADMIN = "-u <entra-admin-name> -i <entra-admin-object-id>"
# JMESPath JSON literals (`"..."`), not raw strings ('...'): the same word in bash and PowerShell.
_PG_AUTH_QUERY = '[authConfig][?activeDirectoryAuth==`"Enabled"`] | [0].activeDirectoryAuth'
_REDIS_AAD_QUERY = '[redisConfiguration][?"aad-enabled"==`"true"` || "aad-enabled"==`"True"`] | [0]'


FACTS: dict[PrerequisiteKind, PrerequisiteFact] = {
    f.kind: f
    for f in (
        PrerequisiteFact(
            PrerequisiteKind.SQL_ENTRA_ADMIN,
            "SQL server {server}: a Microsoft Entra admin",
            f"az sql server ad-admin create -g <target-resource-group> -s {{server}} {_ADMIN}",
            "az sql server ad-admin list -g <target-resource-group> -s {server} --query [0].sid -o tsv",
            "only a Microsoft Entra admin can run CREATE USER ... FROM EXTERNAL PROVIDER for the identity",
            "learn.microsoft.com/azure/azure-sql/database/authentication-aad-configure (az sql server "
            "ad-admin create); tests/data/azure-services.md §2 Azure SQL row [CLI 2.91.0]",
        ),
        PrerequisiteFact(
            PrerequisiteKind.POSTGRES_ENTRA_AUTH,
            "PostgreSQL server {server}: Microsoft Entra authentication enabled (password auth stays on)",
            "az postgres flexible-server update -g <target-resource-group> -n {server} "
            "--microsoft-entra-auth Enabled",
            "az postgres flexible-server show -g <target-resource-group> -n {server} "
            f"--query {_Q(_PG_AUTH_QUERY)} -o tsv",
            "Entra roles and tokens work only once the server accepts Microsoft Entra authentication; "
            "password authentication stays on until the last stage",
            "learn.microsoft.com/azure/postgresql/flexible-server/how-to-configure-sign-in-azure-ad-"
            "authentication; tests/data/azure-services.md §2 PostgreSQL row [CLI 2.91.0]",
        ),
        PrerequisiteFact(
            PrerequisiteKind.POSTGRES_ENTRA_ADMIN,
            "PostgreSQL server {server}: a Microsoft Entra admin",
            "az postgres flexible-server microsoft-entra-admin create -g <target-resource-group> "
            f"-s {{server}} {_ADMIN}",
            "az postgres flexible-server microsoft-entra-admin list -g <target-resource-group> "
            "-s {server} --query [0].objectId -o tsv",
            "pgaadauth_create_principal runs as a Microsoft Entra admin, connected to the postgres "
            "database (not the app's)",
            "learn.microsoft.com/azure/postgresql/flexible-server/how-to-manage-azure-ad-users; "
            "tests/data/azure-services.md §2 PostgreSQL row (the old ad-admin group is gone in 2.91.0)",
        ),
        PrerequisiteFact(
            PrerequisiteKind.MYSQL_SERVER_IDENTITY,
            "MySQL server {server}: a user-assigned identity of its own",
            "az mysql flexible-server identity assign -g <target-resource-group> -s {server} "
            "--identity <mysql-server-identity>",
            None,
            "the MySQL server reads Microsoft Entra ID through a user-assigned identity of its own; the "
            "Entra admin cannot be set without it",
            "learn.microsoft.com/cli/azure/mysql/flexible-server/identity; learn.microsoft.com/azure/"
            "mysql/flexible-server/how-to-azure-ad; tests/data/azure-services.md §2 MySQL row",
        ),
        PrerequisiteFact(
            PrerequisiteKind.MYSQL_ENTRA_ADMIN,
            "MySQL server {server}: a Microsoft Entra admin",
            f"az mysql flexible-server ad-admin create -g <target-resource-group> -s {{server}} {_ADMIN} "
            "--identity <mysql-server-identity>",
            "az mysql flexible-server ad-admin list -g <target-resource-group> -s {server} "
            "--query [0].sid -o tsv",
            "only the Microsoft Entra admin can run CREATE AADUSER for the identity",
            "learn.microsoft.com/azure/mysql/flexible-server/how-to-azure-ad; tests/data/azure-services.md "
            "§2 MySQL row [CLI 2.91.0: --identity is required]",
        ),
        PrerequisiteFact(
            PrerequisiteKind.REDIS_ENTRA_AUTH,
            "Redis cache {server}: Microsoft Entra authentication enabled (access keys stay on)",
            "az redis update -g <target-resource-group> -n {server} --set redisConfiguration.aad-enabled=true",
            f"az redis show -g <target-resource-group> -n {{server}} --query {_Q(_REDIS_AAD_QUERY)} -o tsv",
            "access policy assignments authorize Entra tokens only once Entra authentication is on; the "
            "cache nodes restart to load it (can take up to 30 minutes: choose a quiet time)",
            "learn.microsoft.com/azure/azure-cache-for-redis/cache-azure-active-directory-for-"
            "authentication; tests/data/azure-services.md §2 Redis row (redisConfiguration.aad-enabled)",
        ),
        PrerequisiteFact(
            PrerequisiteKind.KEY_VAULT_SECRETS_USER,
            "Key Vault {vault} (Azure RBAC): Key Vault Secrets User for {principal}",
            "az role assignment create --assignee-object-id {principal_id} --assignee-principal-type "
            f"ServicePrincipal --role {KEY_VAULT_SECRETS_USER_GUID} --scope <vault-id of {{vault}}>",
            f"az role assignment list --assignee-object-id {{principal_id}} --role {KEY_VAULT_SECRETS_USER_GUID} "
            "--scope <vault-id of {vault}> --query [0].id -o tsv",
            "the app's Key Vault references resolve with the new identity: it must read the secrets",
            "learn.microsoft.com/azure/app-service/app-service-key-vault-references (grant the identity "
            "Key Vault Secrets User); tests/data/azure-services.md §2 Key Vault row",
        ),
        PrerequisiteFact(
            PrerequisiteKind.KEY_VAULT_GET_POLICY,
            "Key Vault {vault} (access policies): get on secrets for {principal}",
            "az keyvault set-policy -n {vault} --object-id {principal_id} --secret-permissions get",
            None,
            "the app's Key Vault references resolve with the new identity: an access-policy vault needs a "
            "policy with get on secrets",
            "learn.microsoft.com/azure/app-service/app-service-key-vault-references (access policy with "
            "Get for secrets); learn.microsoft.com/cli/azure/keyvault#az-keyvault-set-policy",
        ),
        PrerequisiteFact(
            PrerequisiteKind.KEY_VAULT_ACCESS_UNKNOWN,
            "Key Vault {vault}: read access for {principal} (permission model not known)",
            None,
            None,
            "the scan could not read the vault's permission model: RBAC vaults need Key Vault Secrets User, "
            "access-policy vaults a policy with get on secrets (az keyvault show -n {vault} --query "
            "properties.enableRbacAuthorization)",
            "learn.microsoft.com/azure/app-service/app-service-key-vault-references",
        ),
        PrerequisiteFact(
            PrerequisiteKind.KEY_VAULT_REFERENCE_IDENTITY,
            "Key Vault references of {server} resolve as the user-assigned identity {principal}",
            "az rest --method PATCH --uri <app-id of {server}>?api-version="
            f"{KEY_VAULT_REFERENCE_API_VERSION} --body "
            + _Q(
                '{{"properties":{{"keyVaultReferenceIdentity":"<{principal} resource id>"}}}}'
            ),  # str.format
            None,
            "without keyVaultReferenceIdentity the references resolve as the system-assigned identity; set it "
            "only after the identity can read the vault (above), or the references stop resolving",
            "learn.microsoft.com/azure/app-service/app-service-key-vault-references (access vaults with a "
            "user-assigned identity); tests/data/azure-services.md §2 Key Vault row",
        ),
    )
}

# The prerequisites of a database or cache, by service, in the order they must run.
BY_SERVICE: dict[ServiceType, tuple[PrerequisiteKind, ...]] = {
    ServiceType.SQL: (PrerequisiteKind.SQL_ENTRA_ADMIN,),
    ServiceType.POSTGRESQL: (PrerequisiteKind.POSTGRES_ENTRA_AUTH, PrerequisiteKind.POSTGRES_ENTRA_ADMIN),
    ServiceType.MYSQL: (PrerequisiteKind.MYSQL_SERVER_IDENTITY, PrerequisiteKind.MYSQL_ENTRA_ADMIN),
    ServiceType.REDIS: (PrerequisiteKind.REDIS_ENTRA_AUTH,),
}

# The database a PostgreSQL Entra principal is created in (then GRANTs run in the app's database).
# [DOC articles/postgresql/flexible-server/how-to-manage-azure-ad-users.md; azure-services.md §2]
POSTGRES_ADMIN_DATABASE = "postgres"

__all__ = [
    "BY_SERVICE",
    "FACTS",
    "KEY_VAULT_REFERENCE_API_VERSION",
    "KEY_VAULT_SECRETS_USER_GUID",
    "POSTGRES_ADMIN_DATABASE",
    "PROPAGATION_INTERVAL_S",
    "PROPAGATION_TIMEOUT_S",
    "PrerequisiteFact",
    "PrerequisiteKind",
]
