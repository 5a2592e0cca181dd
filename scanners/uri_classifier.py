"""Classify connection URIs (`postgresql://user:pass@host/db`, `rediss://:key@host`, JDBC URLs, SAS
URLs with a `sig=`) by their scheme and host."""

from __future__ import annotations

from scanners import redaction
from scanners.classification import (
    AZURITE_ACCOUNT,
    PASSWORDLESS_AUTH_RE,
    Classification,
    classified,
    secret_state,
)
from scanners.connection_strings import ParsedConnection
from scanners.records import CredentialKind, Endpoint, ServiceType, ValueClass
from scanners.service_catalog import first_label, is_local_host, service_for_host

S = ServiceType
K = CredentialKind
V = ValueClass


def classify_uri(p: ParsedConnection, value: str, hint: ServiceType | None) -> Classification | None:
    scheme = p.scheme or ""
    host = p.host
    by_host = service_for_host(host)
    preview = redaction.preview_uri(p)
    local = is_local_host(host)
    sig = dict((k.lower(), v) for k, v in p.query).get("sig")
    if sig is not None:
        sas_service = by_host or hint or S.STORAGE
        sas_endpoint = Endpoint(
            host=host, account=first_label(host), entity=(p.path or "").strip("/") or None
        )
        vc, sas_notes = secret_state(sig, local)
        if host and first_label(host) == AZURITE_ACCOUNT or (p.path or "").startswith("/" + AZURITE_ACCOUNT):
            vc, sas_notes = V.DEV_EMULATOR, ("Azurite",)
        return classified(sas_service, K.SAS, vc, sas_endpoint, preview, "uri:sas", sig, notes=sas_notes)
    service: ServiceType | None
    if scheme in (
        "postgres",
        "postgresql",
        "postgresql+psycopg2",
        "postgresql+psycopg",
        "postgresql+asyncpg",
    ):
        service = S.POSTGRESQL
    elif scheme.startswith("mysql"):
        service = S.MYSQL
    elif scheme in ("sqlserver", "mssql", "mssql+pyodbc", "mssql+pymssql"):
        service = S.SQL
    elif scheme in ("mongodb", "mongodb+srv"):
        service = (
            S.COSMOS_MONGO
            if by_host == S.COSMOS_MONGO or (host or "").endswith(".cosmos.azure.com")
            else S.GENERIC
        )
    elif scheme in ("redis", "rediss"):
        service = S.REDIS
    elif scheme in ("amqp", "amqps"):
        service = by_host if by_host in (S.SERVICE_BUS, S.EVENT_HUBS) else None
        if service == S.SERVICE_BUS and hint == S.EVENT_HUBS:
            service = S.EVENT_HUBS
    elif scheme in ("http", "https"):
        service = by_host
    else:
        service = None
    if service is None:
        return None
    password = p.password
    if password is None:
        password = p.get("password", "pwd")
    if scheme in ("redis", "rediss") and password is None and p.username:
        password = p.username  # redis://key@host form
    database = None
    if p.path and p.path.strip("/") and service in (S.POSTGRESQL, S.MYSQL, S.COSMOS_MONGO, S.GENERIC):
        database = p.path.strip("/").split("/")[0] or None
    if service == S.SQL:
        database = p.get("databasename", "database")
    endpoint = Endpoint(
        host=host,
        server=first_label(host) if service in (S.SQL, S.POSTGRESQL, S.MYSQL, S.REDIS) else None,
        account=first_label(host) if service == S.COSMOS_MONGO else None,
        database=database,
    )
    notes: tuple[str, ...] = ()
    if service == S.GENERIC:
        notes = ("MongoDB connection to a non-Azure host",)
    elif by_host is None and not local and service in (S.SQL, S.POSTGRESQL, S.MYSQL, S.REDIS):
        notes = ("not an Azure endpoint: Entra ID applies only to Azure-hosted services",)
    auth = p.get("authentication", "authenticationpluginclassname") or ""
    if password is None:
        if auth and (PASSWORDLESS_AUTH_RE.match(auth) or "azure.identity" in auth.lower()):
            return classified(
                service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview, f"uri:{scheme}", value.strip()
            )
        return None
    kind = (
        K.ACCESS_KEY
        if service == S.REDIS
        else K.SHARED_ACCESS_KEY
        if service in (S.SERVICE_BUS, S.EVENT_HUBS)
        else K.PASSWORD
    )
    if service == S.COSMOS_MONGO:
        kind = K.ACCOUNT_KEY
    vc, more = secret_state(password, local)
    return classified(service, kind, vc, endpoint, preview, f"uri:{scheme}", password, notes=notes + more)
