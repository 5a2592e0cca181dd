"""The migration plan as records: what `secretless plan` decides, per application and per target.

Frozen, slotted dataclasses and closed `StrEnum`s; `to_json()` everywhere gives plain JSON with
keys in a fixed order (the CLI also sorts keys).  No record holds a secret value: settings carry
value *templates* with placeholders such as `<client-id>`, filled only with endpoint parts the scan
already showed (account, namespace, server).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import Any

PLAN_SCHEMA_VERSION = 1


def _value(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return str(v.value)
    if isinstance(v, tuple | list):
        return [_value(x) for x in v]
    if hasattr(v, "to_json"):
        return v.to_json()
    return v


class _Record:
    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        return {f.name: _value(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


class IdentityKind(enum.StrEnum):
    SYSTEM_ASSIGNED = "system-assigned"
    USER_ASSIGNED = "user-assigned"


class AppKind(enum.StrEnum):
    """What an application of the plan is: only estate apps can be migrated by `secretless migrate`."""

    APP_SERVICE = "app-service"
    FUNCTION_APP = "function-app"
    REPOSITORY_PROJECT = "repository-project"
    KUBERNETES_WORKLOAD = "kubernetes-workload"  # pods on AKS: Workload ID, by hand / the emitted scripts


class Access(enum.StrEnum):
    READ = "read"
    WRITE = "write"


class Basis(enum.StrEnum):
    INFERRED = "inferred"
    ASSUMED = "assumed"


class SettingAction(enum.StrEnum):
    ADD = "add"
    REPLACE = "replace"
    REMOVE = "remove"
    KEEP = "keep"


class StageName(enum.StrEnum):
    INVENTORY = "inventory"
    ENABLE_IDENTITY = "enable-identity"
    GRANT_ROLES = "grant-roles"
    CHANGE_IN_STAGING = "change-code-and-settings-in-staging"
    VERIFY = "verify"
    SWAP = "swap"
    REMOVE_SECRETS = "remove-secrets"
    DISABLE_LOCAL_AUTH = "disable-local-auth-and-rotate-keys"


STAGE_ORDER: tuple[StageName, ...] = tuple(StageName)


class ReviewReason(enum.StrEnum):
    MONGO_API = "cosmos-mongo-api"
    UNRECOGNISED = "generic-or-third-party"
    NO_SAFE_ROLE = "no-safe-built-in-role"
    NO_ENDPOINT = "no-endpoint"
    PLACEHOLDER_ONLY = "placeholder-only"
    DEV_EMULATOR_ONLY = "dev-emulator-only"
    CANNOT_MIGRATE = "cannot-migrate"
    PLATFORM_EXCEPTION = "platform-exception"
    INFRASTRUCTURE_AS_CODE = "infrastructure-as-code"  # IaC writes the settings of the apps it deploys
    KUBERNETES = "kubernetes"  # pods need workload identity, not an App Service identity


@dataclass(frozen=True, slots=True)
class Principal(_Record):
    """One identity that receives grants: the app's (or a slot's) system identity, or a user-assigned one."""

    name: str  # display name: `<app>`, `<app>/slots/<slot>` or the user-assigned identity's name
    slot: str | None
    object_id: str  # the principal id when the scan knows it, else a placeholder


@dataclass(frozen=True, slots=True)
class IdentityDecision(_Record):
    kind: IdentityKind
    name: str
    existing: bool
    rule: str
    assumptions: tuple[str, ...]
    client_id_required: bool
    client_id_selection: tuple[str, ...]
    principals: tuple[Principal, ...]


@dataclass(frozen=True, slots=True)
class Grant(_Record):
    unit: str
    principal: str
    slot: str | None
    authorization: str
    role: str
    role_guid: str | None
    scope: str
    narrower_scope: str | None
    access: Access
    basis: Basis
    reason: str
    statement: str
    unverified: str | None = None
    optional: bool = False  # telemetry: skipped with a note when its target is unknown, never blocks


@dataclass(frozen=True, slots=True)
class SettingChange(_Record):
    unit: str
    where: str  # app-setting | connection-string | <file path>
    slot: str | None
    setting: str
    action: SettingAction
    value_template: str | None
    sticky: bool
    stage: StageName
    reason: str


@dataclass(frozen=True, slots=True)
class CodeChange(_Record):
    unit: str
    location: str  # path:line
    detector: str
    change: str
    evidence: str  # the scan's redacted preview of the call site


@dataclass(frozen=True, slots=True)
class Removal(_Record):
    unit: str | None
    what: str
    where: str
    stage: StageName
    why: str
    command: str | None = None


@dataclass(frozen=True, slots=True)
class Risk(_Record):
    code: str
    text: str
    unit: str | None = None
    unverified: bool = False


@dataclass(frozen=True, slots=True)
class LocalAuthChange(_Record):
    service: str
    resource: str
    property: str
    command: str | None  # None when it must not be done (or not by this plan)
    blocked_reason: str | None  # why not; set whenever command is None
    exceptions: tuple[str, ...]
    rotation: str | None  # None when the keys must not be rotated (blocked)
    shared_with: tuple[str, ...]  # other apps of this plan that use the same resource
    unverified: str | None = None
    # Key-based consumers the scan knows that this plan does not move (needs review, CI and test
    # files, platform settings, apps outside the plan): while any is left, local auth stays on.
    remaining_consumers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Prerequisite(_Record):
    """Something a target needs before a grant to the app's identity works (an Entra admin, Entra auth
    on the server or cache, read access to a Key Vault the app's references name): in the grant stage,
    before the grants.  Facts come from `migrate.plan.catalog.prerequisites`."""

    kind: str  # a `PrerequisiteKind`
    target: str  # the server, cache or vault (or the app, for keyVaultReferenceIdentity)
    title: str
    command: str | None  # an `az` command with <placeholders>; None: by hand (`why` says how)
    check: str | None  # prints something once it is in place
    why: str
    source: str
    principal: str | None = None  # the identity it is for (Key Vault access)
    slot: str | None = None


@dataclass(frozen=True, slots=True)
class Stage(_Record):
    name: StageName
    order: int
    steps: tuple[str, ...]
    gate: str


@dataclass(frozen=True, slots=True)
class SharedAccessRule(_Record):
    """A shared access rule (Service Bus, Event Hubs) whose key a unit's connection string holds: its
    keys are renewed where the rule lives (`level`: namespace, queue, topic or eventhub)."""

    name: str
    level: str
    entity: str | None  # the queue, topic or event hub of an entity-level rule
    assumed: bool = False  # the level is inferred (EntityPath, code), not read from Azure


@dataclass(frozen=True, slots=True)
class UnitPlan(_Record):
    unit: str
    service: str
    resource: str
    endpoint: dict[str, str]
    facets: tuple[str, ...]
    access: Access
    basis: Basis
    access_evidence: tuple[str, ...]
    item_ids: tuple[str, ...]
    locations: tuple[str, ...]
    notes: tuple[str, ...]
    access_rules: tuple[SharedAccessRule, ...] = ()


@dataclass(frozen=True, slots=True)
class AppPlan(_Record):
    app: str
    kind: AppKind
    slots: tuple[str, ...]
    identity: IdentityDecision
    units: tuple[UnitPlan, ...]
    grants: tuple[Grant, ...]
    settings: tuple[SettingChange, ...]
    code_changes: tuple[CodeChange, ...]
    removals: tuple[Removal, ...]
    local_auth: tuple[LocalAuthChange, ...]
    risks: tuple[Risk, ...]
    stages: tuple[Stage, ...]
    prerequisites: tuple[Prerequisite, ...] = ()  # before the grants, in this order


@dataclass(frozen=True, slots=True)
class ReviewItem(_Record):
    app: str
    unit: str
    service: str
    reason: ReviewReason
    detail: str
    action_needed: bool
    item_ids: tuple[str, ...]
    locations: tuple[str, ...]
    resolution: str = ""  # the input that would resolve it (a setting, an option, a file)


@dataclass(frozen=True, slots=True)
class DoneItem(_Record):
    app: str
    unit: str
    service: str
    detail: str
    item_ids: tuple[str, ...]
    locations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan(_Record):
    apps: tuple[AppPlan, ...]
    needs_review: tuple[ReviewItem, ...]
    already_passwordless: tuple[DoneItem, ...]
    schema_version: int = PLAN_SCHEMA_VERSION
    tool: str = "secretless"

    def summary(self) -> dict[str, int]:
        return {
            "apps": len(self.apps),
            "units": sum(len(a.units) for a in self.apps),
            "grants": sum(len(a.grants) for a in self.apps),
            "setting_changes": sum(len(a.settings) for a in self.apps),
            "code_changes": sum(len(a.code_changes) for a in self.apps),
            "removals": sum(len(a.removals) for a in self.apps),
            "risks": sum(len(a.risks) for a in self.apps),
            "needs_review": len(self.needs_review),
            "already_passwordless": len(self.already_passwordless),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "tool": self.tool,
            "apps": [a.to_json() for a in self.apps],
            "needs_review": [r.to_json() for r in self.needs_review],
            "already_passwordless": [d.to_json() for d in self.already_passwordless],
            "summary": self.summary(),
        }


def dumps(plan: Plan) -> str:
    """The plan as JSON text: sorted keys, stable order, trailing newline."""
    import json

    return json.dumps(plan.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
