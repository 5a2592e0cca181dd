"""The audit record and everything it is made of.

`ConnectionStringAuditItem` is the one record every scanner produces and every later stage
(planner, emitters, reports) consumes.  It never holds a secret value: only a redacted preview
and a keyed fingerprint.
"""

from __future__ import annotations

import enum
import posixpath
from dataclasses import dataclass, field
from typing import Any

from scanners.estate_records import SiteInventory


class ServiceType(enum.StrEnum):
    STORAGE = "storage"
    SERVICE_BUS = "service-bus"
    EVENT_HUBS = "event-hubs"
    COSMOS_DB = "cosmos-db"
    COSMOS_MONGO = "cosmos-db-mongo"
    SQL = "azure-sql"
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"
    REDIS = "redis"
    APP_CONFIGURATION = "app-configuration"
    SIGNALR = "signalr"
    WEB_PUBSUB = "web-pubsub"
    EVENT_GRID = "event-grid"
    APPLICATION_INSIGHTS = "application-insights"
    OPENAI = "azure-openai"
    COGNITIVE_SERVICES = "ai-services"
    AI_SEARCH = "ai-search"
    CONTAINER_REGISTRY = "container-registry"
    ENTRA_ID = "entra-id"
    KEY_VAULT = "key-vault"
    THIRD_PARTY = "third-party"  # a credential of a service with no managed-identity path
    GENERIC = "generic"


class CredentialKind(enum.StrEnum):
    ACCOUNT_KEY = "account-key"
    SAS = "sas"
    SHARED_ACCESS_KEY = "shared-access-key"
    PASSWORD = "password"
    CLIENT_SECRET = "client-secret"
    API_KEY = "api-key"
    ACCESS_KEY = "access-key"
    INSTRUMENTATION_KEY = "instrumentation-key"
    ADMIN_PASSWORD = "admin-password"
    CONNECTION_STRING = "connection-string"
    SECRET_REFERENCE = "secret-reference"
    IDENTITY = "identity"
    GENERIC_SECRET = "generic-secret"
    NONE = "none"


class ValueClass(enum.StrEnum):
    SECRET = "secret"
    PLACEHOLDER = "placeholder"
    DEV_EMULATOR = "dev-emulator"
    REFERENCE = "reference"
    PASSWORDLESS = "passwordless"
    LOCATOR = "locator"
    ADVISORY = "advisory"


class EvidenceRole(enum.StrEnum):
    CONFIG_VALUE = "config-value"
    CODE_LITERAL = "code-literal"
    CODE_CONSUMER = "code-consumer"
    IAC_ASSIGNMENT = "iac-assignment"
    IAC_OUTPUT = "iac-output"
    CI_SCRIPT = "ci-script"
    LIVE_SETTING = "live-setting"
    IDENTITY_DESIGN = "identity-design"


class ManagedIdentitySupport(enum.StrEnum):
    YES = "yes"
    NO = "no"
    REVIEW = "review"


class Confidence(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class FileLocation:
    """A place in a file: `path` is relative to the scan root, POSIX style; `line` is 1-based."""

    path: str
    line: int
    column: int | None = None

    kind = "file"

    def sort_key(self) -> tuple[str, ...]:
        return ("file", self.path, f"{self.line:09d}", f"{self.column or 0:06d}")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "file", "path": self.path, "line": self.line}
        if self.column is not None:
            out["column"] = self.column
        return out


@dataclass(frozen=True, slots=True)
class AppServiceLocation:
    """A setting of an App Service or Functions app (or one of its slots)."""

    subscription: str
    resource_group: str
    site: str
    slot: str | None
    setting: str
    setting_kind: str = "app-setting"
    slot_setting: bool = False

    kind = "app-service"

    def sort_key(self) -> tuple[str, ...]:
        return (
            "app-service",
            self.subscription,
            self.resource_group.lower(),
            self.site.lower(),
            self.slot or "",
            self.setting_kind,
            self.setting,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "app-service",
            "subscription": self.subscription,
            "resource_group": self.resource_group,
            "site": self.site,
            "slot": self.slot,
            "setting": self.setting,
            "setting_kind": self.setting_kind,
            "slot_setting": self.slot_setting,
        }


Location = FileLocation | AppServiceLocation


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a credential points: never the credential itself."""

    host: str | None = None
    account: str | None = None
    namespace: str | None = None
    server: str | None = None
    database: str | None = None
    entity: str | None = None

    def is_empty(self) -> bool:
        return not any((self.host, self.account, self.namespace, self.server, self.database, self.entity))

    def to_json(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (
                ("host", self.host),
                ("account", self.account),
                ("namespace", self.namespace),
                ("server", self.server),
                ("database", self.database),
                ("entity", self.entity),
            )
            if v
        }


@dataclass(frozen=True, slots=True)
class ConnectionStringAuditItem:
    """One secret-based (or already passwordless) connection found somewhere."""

    location: Location
    service_type: ServiceType
    can_use_managed_identity: ManagedIdentitySupport
    recommended_replacement: str
    credential_kind: CredentialKind
    value_class: ValueClass
    evidence_role: EvidenceRole
    endpoint: Endpoint
    redacted_preview: str
    detector: str
    confidence: Confidence
    fingerprint: str
    setting_name: str | None = None
    notes: tuple[str, ...] = ()
    unit: str | None = None
    item_id: str = ""

    def sort_key(self) -> tuple[str, ...]:
        return (*self.location.sort_key(), self.detector, self.fingerprint)

    def to_json(self) -> dict[str, Any]:
        return {
            "Id": self.item_id,
            "Location": self.location.to_json(),
            "ServiceType": str(self.service_type),
            "CanUseManagedIdentity": str(self.can_use_managed_identity),
            "RecommendedReplacement": self.recommended_replacement,
            "CredentialKind": str(self.credential_kind),
            "ValueClass": str(self.value_class),
            "EvidenceRole": str(self.evidence_role),
            "Endpoint": self.endpoint.to_json(),
            "SettingName": self.setting_name,
            "RedactedPreview": self.redacted_preview,
            "Detector": self.detector,
            "Confidence": str(self.confidence),
            "Fingerprint": self.fingerprint,
            "Unit": self.unit,
            "Notes": list(self.notes),
        }


class SkipReason(enum.StrEnum):
    BINARY = "binary"
    TOO_LARGE = "too-large"
    UNREADABLE = "unreadable"
    NOT_UTF8 = "not-utf8"
    MALFORMED = "malformed"
    HOSTILE_XML = "hostile-xml"
    SYMLINK = "symlink"
    IGNORED = "gitignored"
    VENDORED = "vendored-or-generated"
    ERROR = "error"
    ACCESS_DENIED = "access-denied"
    NOT_FOUND = "not-found"
    THROTTLED = "throttled"
    SERVICE_ERROR = "service-error"
    UNSUPPORTED = "unsupported"
    TIMEOUT = "timeout"
    BINARY_WITH_KEYWORDS = "binary-with-keywords"
    PAGING_LOOP = "paging-loop"
    RESPONSE_TOO_LARGE = "response-too-large"
    UNTRUSTED_CERTIFICATE = "untrusted-certificate"


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """Something the scan did not read, or read only partly, and why."""

    target: str
    reason: SkipReason
    detail: str
    partial: bool = False

    def sort_key(self) -> tuple[str, str]:
        return (self.target, str(self.reason))

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "reason": str(self.reason),
            "detail": self.detail,
            "partial": self.partial,
        }


@dataclass(frozen=True, slots=True)
class AppLink:
    """A repository project and the App Service app it is deployed to, and what says so."""

    project: str  # the project directory ("." for the root)
    site: str  # the app's name as written (an IaC expression is kept as it is)
    source: str  # `path:line (how)`, e.g. `azure.yaml:5 (azd service api)`
    resource_group: str | None = None
    subscription: str | None = None

    def sort_key(self) -> tuple[str, ...]:
        return (self.project, self.site, self.source)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "site": self.site,
            "source": self.source,
            "resource_group": self.resource_group,
            "subscription": self.subscription,
        }


@dataclass(frozen=True, slots=True)
class ScanResult:
    items: tuple[ConnectionStringAuditItem, ...]
    skipped: tuple[SkippedItem, ...]
    files_scanned: int = 0
    bytes_scanned: int = 0
    root: str = ""
    stats: dict[str, int] = field(default_factory=dict)
    sites: tuple[SiteInventory, ...] = ()
    credential: str | None = None
    app_links: tuple[AppLink, ...] = ()  # repository projects and the apps they are deployed to


def app_of(item: ConnectionStringAuditItem) -> str:
    """The app an item belongs to, the one grouping the planner and the reports share: an estate
    site `subscription/resource_group/site` (its slots included), or the project directory of a
    repository item (its unit's project, else its file's folder; "." for the root)."""
    loc = item.location
    if isinstance(loc, AppServiceLocation):
        return f"{loc.subscription}/{loc.resource_group}/{loc.site}"
    if item.unit and "::" in item.unit:
        return item.unit.split("::", 1)[0]
    return posixpath.dirname(loc.path) or "."
