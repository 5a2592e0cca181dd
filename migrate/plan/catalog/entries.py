"""The records of the service catalog: how a service authorizes an identity, its data roles, how
its local auth is turned off.  The table itself is `migrate.plan.catalog.services`."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from scanners.records import ServiceType
from scanners.service_catalog import ROLE_GUIDS


class AuthorizationSystem(enum.StrEnum):
    ARM_RBAC = "arm-rbac"
    COSMOS_SQL_RBAC = "cosmos-sql-rbac"
    SQL_CONTAINED_USER = "sql-contained-user"
    POSTGRES_ENTRA_ROLE = "postgres-entra-role"
    MYSQL_AAD_USER = "mysql-aad-user"
    REDIS_ACCESS_POLICY = "redis-access-policy"
    KEY_VAULT_RBAC = "key-vault-rbac"
    NONE = "none"


class Facet(enum.StrEnum):
    """The part of a service a grant is for (Storage has three data planes)."""

    DEFAULT = "default"
    BLOB = "blob"
    QUEUE = "queue"
    TABLE = "table"
    FUNCTIONS_HOST = "functions-host"


@dataclass(frozen=True, slots=True)
class Role:
    """A built-in ARM role (with GUID) or a data-plane role/statement (no GUID)."""

    name: str
    guid: str | None = None
    unverified: str | None = None


def arm_role(name: str) -> Role:
    """The built-in ARM role `name` with its GUID."""
    return Role(name, ROLE_GUIDS[name])


@dataclass(frozen=True, slots=True)
class DataRoles:
    facet: Facet
    read: tuple[Role, ...]
    write: tuple[Role, ...]
    endpoint: str | None = None  # endpoint-only value template, e.g. https://<account>.blob.core.windows.net
    functions_suffixes: tuple[str, ...] = ()  # identity-based setting forms for Functions
    note: str | None = None


@dataclass(frozen=True, slots=True)
class LocalAuth:
    """How to turn key/local auth off once nothing uses keys any more."""

    property: str
    command: str
    exceptions: tuple[str, ...] = ()
    unverified: str | None = None
    # The value of the ARM property (`property` up to any `=`, under `properties`) when local auth is off, for the services whose
    # local auth the guided migration turns off through ARM; None: the az command only.
    arm_off_value: bool | None = None
    # Where Azure shows how requests still authenticate (who still uses keys), to read before turning it off.
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    service: ServiceType
    display_name: str
    authorization: AuthorizationSystem
    resource_type: str | None  # ARM resource type for the scope, when the reference names it
    name_field: str  # Endpoint field that names the target resource
    roles: tuple[DataRoles, ...] = ()
    settings_value: str | None = None  # new value of the setting (no secret), non-Functions apps
    code_change: str | None = None
    precondition: str | None = None
    local_auth: LocalAuth | None = None
    rotation: str | None = None
    unverified: tuple[str, ...] = ()
    review_reason: str | None = None  # set when the planner must not plan this service

    def roles_for(self, facet: Facet) -> DataRoles | None:
        for r in self.roles:
            if r.facet is facet:
                return r
        return self.roles[0] if self.roles and facet is Facet.DEFAULT else None
