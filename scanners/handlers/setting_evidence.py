"""Evidence for one `key = value` setting read from a settings file, with Spring's special cases.

The flat settings files (.env, .properties, .ini) and the YAML handler read settings as entries
`(line, key, value)`; each becomes evidence named by its key, classified by the framework.  A few
Spring keys that hold secrets but whose names the shared name rules do not know
(`spring.datasource.password`) carry a service hint, taken from the datasource URL when the file
has one, and Spring's passwordless switches (`spring.datasource.azure.passwordless-enabled=true`)
are reported as passwordless.
"""

from __future__ import annotations

import re

from scanners.evidence import Evidence
from scanners.handlers.code_evidence import literal_evidence
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

MAX_VALUE = 16384

# (line, key, value)
Entry = tuple[int, str, str]

# Spring keys that hold a secret but whose names the shared name rules do not recognise.
_SPRING_DB_PASSWORD_RE = re.compile(
    r"^spring\.(?:datasource(?:\.[\w-]+)?|r2dbc|flyway|liquibase)\.password$", re.I
)
_SPRING_PASSWORDLESS_RE = re.compile(
    r"^spring\.(?:[\w.\-\[\]]+\.)?(?:azure\.passwordless-enabled|credential\.managed-identity-enabled)$", re.I
)
_SPRING_SERVICE_WORDS: tuple[tuple[str, ServiceType], ...] = (
    ("storage", S.STORAGE),
    ("servicebus", S.SERVICE_BUS),
    ("eventhubs", S.EVENT_HUBS),
    ("cosmos", S.COSMOS_DB),
    ("keyvault", S.KEY_VAULT),
    ("appconfiguration", S.APP_CONFIGURATION),
    ("redis", S.REDIS),
)


def _db_service(url: str | None) -> ServiceType | None:
    if not url:
        return None
    low = url.lower()
    if "sqlserver" in low:
        return S.SQL
    if "postgres" in low:
        return S.POSTGRESQL
    if "mysql" in low or "mariadb" in low:
        return S.MYSQL
    return None


def _spring_service(key: str, db: ServiceType | None) -> ServiceType:
    low = key.lower()
    if ".datasource." in low or ".r2dbc." in low:
        return db or S.GENERIC
    for word, service in _SPRING_SERVICE_WORDS:
        if word in low:
            return service
    return S.ENTRA_ID


def datasource_service(entries: list[Entry]) -> ServiceType | None:
    """The database a Spring datasource points at, from its `*.url` entries."""
    urls = {k.lower(): v for _, k, v in entries if k.lower().endswith((".url", ".jdbc-url", ".jdbcurl"))}
    db = None
    for key in ("spring.datasource.url", "spring.r2dbc.url"):
        db = db or _db_service(urls.get(key))
    for url in urls.values():
        db = db or _db_service(url)
    return db


def entry_evidence(
    line: int,
    key: str,
    value: str,
    db: ServiceType | None,
    role: EvidenceRole = R.CONFIG_VALUE,
    note: str | None = None,
) -> Evidence | None:
    """Evidence for one `key = value` setting, with the Spring special cases applied."""
    if len(value) > MAX_VALUE or not key:
        return None
    if _SPRING_PASSWORDLESS_RE.match(key):
        if value.strip().lower() != "true":
            return None
        return Evidence(
            line=line,
            role=role,
            name=key,
            service=_spring_service(key, db),
            kind=K.IDENTITY,
            value_class=V.PASSWORDLESS,
            preview=f"{key}=true",
            method="spring-passwordless",
        )
    if _SPRING_DB_PASSWORD_RE.match(key):
        service = db or S.GENERIC
        note = note or (None if db else "database password: confirm the database is Azure-hosted")
        ev = literal_evidence(
            line, value, key, service, K.PASSWORD, f"{key}=***", "spring", role=role, note=note
        )
        if ev is not None and db is None and ev.value is None:
            ev = Evidence(
                line=ev.line,
                role=ev.role,
                name=ev.name,
                service=ev.service,
                kind=ev.kind,
                value_class=ev.value_class,
                preview=ev.preview,
                method=ev.method,
                note=ev.note,
                confidence=Confidence.LOW,
            )
        return ev
    return Evidence(line=line, role=role, name=key, value=value, note=note)
