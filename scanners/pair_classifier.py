"""Classify key=value connection strings (`AccountName=...;AccountKey=...`, `Server=...;Password=...`,
libpq `host=... password=...`, StackExchange.Redis `host:6380,password=...`) by the keys they hold."""

from __future__ import annotations

import re

from scanners import redaction
from scanners.classification import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    COSMOS_EMULATOR_KEY,
    PASSWORDLESS_AUTH_RE,
    Classification,
    classified,
    secret_state,
)
from scanners.connection_strings import ParsedConnection, parse_connection
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, Endpoint, ServiceType, ValueClass
from scanners.service_catalog import first_label, is_local_host, service_for_host

S = ServiceType
K = CredentialKind
V = ValueClass


# The length of every real key of a kind: Service Bus / Event Hubs SAS rule keys are 256-bit and
# storage and Cosmos DB account keys 512-bit, written in base64 (44 and 88 characters).  A value
# under half that length is no cut or edited copy of a key but a typed stand-in (`testkey=`), which
# is what a test file holds (`scanners.consistency.test_fakes`).
KEY_LENGTHS = {"messaging": 44, "storage": 88, "cosmos": 88}
SHORT_KEY_NOTE = "far shorter than a real key of this kind: a typed stand-in, not a working key"


def _key_state(key: str, local: bool, family: str) -> tuple[ValueClass, tuple[str, ...]]:
    """`secret_state` of a key, noting when its length rules out a real key of `family`."""
    vc, notes = secret_state(key, local)
    if vc is V.SECRET and len(key.strip()) < KEY_LENGTHS[family] // 2:
        notes = (*notes, SHORT_KEY_NOTE)
    return vc, notes


def _storage(p: ParsedConnection, value: str) -> Classification | None:
    preview = redaction.preview_pairs(p)
    if (p.get("usedevelopmentstorage") or "").lower() == "true":
        return classified(
            S.STORAGE,
            K.NONE,
            V.DEV_EMULATOR,
            Endpoint(account=AZURITE_ACCOUNT),
            preview,
            "conn-string:storage",
            value.strip(),
            notes=("Azurite / storage emulator",),
        )
    account = (p.get("accountname") or "").lower() or None
    blob = p.get("blobendpoint", "queueendpoint", "tableendpoint", "fileendpoint")
    host = None
    if blob:
        bp = parse_connection(blob)
        host = bp.host if bp else None
        if not account and host and service_for_host(host) == S.STORAGE:
            account = first_label(host)
    suffix = p.get("endpointsuffix")
    if not host and account:
        host = f"{account}.blob.{suffix or 'core.windows.net'}"
    endpoint = Endpoint(host=host, account=account)
    local = account == AZURITE_ACCOUNT or is_local_host(host)
    key = p.get("accountkey")
    if key is not None:
        if key.strip() == AZURITE_KEY or account == AZURITE_ACCOUNT:
            return classified(
                S.STORAGE,
                K.ACCOUNT_KEY,
                V.DEV_EMULATOR,
                endpoint,
                preview,
                "conn-string:storage",
                key,
                notes=("Azurite well-known key",),
            )
        vc, notes = _key_state(key, local, "storage")
        return classified(
            S.STORAGE, K.ACCOUNT_KEY, vc, endpoint, preview, "conn-string:storage", key, notes=notes
        )
    sas = p.get("sharedaccesssignature")
    if sas is not None:
        sig = _sas_signature(sas) or sas
        vc, notes = secret_state(sig, local)
        return classified(
            S.STORAGE, K.SAS, vc, endpoint, preview, "conn-string:storage-sas", sig, notes=notes
        )
    for name in ("blobendpoint", "queueendpoint", "tableendpoint", "fileendpoint"):
        signature = _sas_signature(p.get(name) or "")  # `BlobEndpoint=https://...?sv=...&sig=...`: a SAS
        if signature:
            vc, notes = secret_state(signature, local)
            return classified(
                S.STORAGE, K.SAS, vc, endpoint, preview, "conn-string:storage-sas", signature, notes=notes
            )
    return None


def _sas_signature(text: str) -> str | None:
    m = re.search(r"(?:^|[?&])sig=([^&\s]+)", text)
    return m.group(1) if m else None


def _messaging(p: ParsedConnection, value: str, hint: ServiceType | None) -> Classification | None:
    ep = p.get("endpoint") or ""
    parsed_ep = parse_connection(ep)
    host = parsed_ep.host if parsed_ep else None
    entity = p.get("entitypath")
    service = S.EVENT_HUBS if hint == S.EVENT_HUBS else S.SERVICE_BUS
    confidence = Confidence.HIGH if hint in (S.EVENT_HUBS, S.SERVICE_BUS) or not entity else Confidence.MEDIUM
    notes: tuple[str, ...] = ()
    if confidence is Confidence.MEDIUM:
        notes = ("Service Bus and Event Hubs share this format: confirm which service it is",)
    endpoint = Endpoint(host=host, namespace=first_label(host), entity=entity)
    preview = redaction.preview_pairs(p)
    if (p.get("usedevelopmentemulator") or "").lower() == "true":
        return classified(
            service,
            K.SHARED_ACCESS_KEY,
            V.DEV_EMULATOR,
            endpoint,
            preview,
            "conn-string:messaging",
            value.strip(),
            notes=("Service Bus emulator",),
        )
    auth = p.get("authentication")
    if auth and PASSWORDLESS_AUTH_RE.match(auth):
        return classified(
            service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview, "conn-string:messaging", value.strip()
        )
    key = p.get("sharedaccesskey")
    kind = K.SHARED_ACCESS_KEY
    if key is None:
        sas = p.get("sharedaccesssignature")
        if sas is None:
            return None
        key = _sas_signature(sas) or sas
        kind = K.SAS
    vc, more = (
        _key_state(key, is_local_host(host), "messaging")
        if kind is K.SHARED_ACCESS_KEY
        else (secret_state(key, is_local_host(host)))
    )
    return classified(
        service, kind, vc, endpoint, preview, "conn-string:messaging", key, confidence, notes + more
    )


def _cosmos(p: ParsedConnection, value: str) -> Classification | None:
    ep = p.get("accountendpoint") or ""
    parsed_ep = parse_connection(ep)
    host = parsed_ep.host if parsed_ep else None
    endpoint = Endpoint(host=host, account=first_label(host) if not is_local_host(host) else None)
    preview = redaction.preview_pairs(p)
    key = p.get("accountkey")
    if key is None:
        return classified(
            S.COSMOS_DB,
            K.IDENTITY,
            V.PASSWORDLESS,
            endpoint,
            preview,
            "conn-string:cosmos",
            value.strip(),
            Confidence.MEDIUM,
        )
    if key.strip() == COSMOS_EMULATOR_KEY or (is_local_host(host) and parsed_ep and parsed_ep.port == 8081):
        return classified(
            S.COSMOS_DB,
            K.ACCOUNT_KEY,
            V.DEV_EMULATOR,
            endpoint,
            preview,
            "conn-string:cosmos",
            key,
            notes=("Cosmos DB emulator well-known key",),
        )
    vc, notes = _key_state(key, is_local_host(host), "cosmos")
    return classified(
        S.COSMOS_DB, K.ACCOUNT_KEY, vc, endpoint, preview, "conn-string:cosmos", key, notes=notes
    )


def _endpoint_keyed(p: ParsedConnection, value: str) -> Classification | None:
    """App Configuration, SignalR, Web PubSub: `Endpoint=https://...;(Id=;Secret=|AccessKey=)`."""
    ep = p.get("endpoint") or ""
    parsed_ep = parse_connection(ep)
    host = parsed_ep.host if parsed_ep else None
    service = service_for_host(host)
    if service is None:
        if p.has("accesskey") and (p.get("version") or p.has("authtype")):
            service = S.SIGNALR
        elif p.has("id") and p.has("secret"):
            service = S.APP_CONFIGURATION
        else:
            return None
    if service not in (S.APP_CONFIGURATION, S.SIGNALR, S.WEB_PUBSUB):
        return None
    endpoint = Endpoint(host=host, account=first_label(host))
    preview = redaction.preview_pairs(p)
    auth = (p.get("authtype") or "").lower()
    if auth in ("azure", "azure.msi"):
        return classified(
            service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview, "conn-string:endpoint", value.strip()
        )
    if auth == "azure.app" and p.has("clientsecret"):
        secret = p.get("clientsecret") or ""
        vc, notes = secret_state(secret)
        return classified(
            service, K.CLIENT_SECRET, vc, endpoint, preview, "conn-string:endpoint", secret, notes=notes
        )
    access_key = p.get("secret", "accesskey")
    if access_key is None:
        return None
    vc, notes = secret_state(access_key, is_local_host(host))
    return classified(
        service, K.ACCESS_KEY, vc, endpoint, preview, "conn-string:endpoint", access_key, notes=notes
    )


def _app_insights(p: ParsedConnection, value: str) -> Classification:
    ingest = p.get("ingestionendpoint")
    parsed_ep = parse_connection(ingest) if ingest else None
    endpoint = Endpoint(host=parsed_ep.host if parsed_ep else None)
    ikey = p.get("instrumentationkey") or ""
    preview = redaction.preview_pairs(p)
    if is_placeholder(ikey):
        vc = V.PLACEHOLDER
    elif is_reference(ikey):
        vc = V.REFERENCE
    else:
        vc = V.LOCATOR
    return classified(
        S.APPLICATION_INSIGHTS,
        K.INSTRUMENTATION_KEY,
        vc,
        endpoint,
        preview,
        "conn-string:app-insights",
        ikey,
        notes=("a locator, not a credential, unless local authentication is required",),
    )


_SQL_HINT_KEYS = {
    "initialcatalog",
    "trustservercertificate",
    "multipleactiveresultsets",
    "encrypt",
    "integratedsecurity",
    "trusted_connection",
    "applicationintent",
    "multisubnetfailover",
    "persistsecurityinfo",
}


def _database(p: ParsedConnection, value: str, hint: ServiceType | None) -> Classification | None:
    raw_host = p.get("server", "datasource", "host", "address", "addr", "networkaddress", "hostaddr")
    keys = p.keys()
    host = None
    port: int | None = None
    if raw_host:
        h = raw_host.strip()
        h = re.sub(r"^(tcp|np|lpc):", "", h, flags=re.I)
        if "," in h:
            h, _, port_s = h.partition(",")
            port = int(port_s) if port_s.strip().isdigit() else None
        elif re.search(r":\d+$", h):
            h, _, port_s = h.rpartition(":")
            port = int(port_s)
        host = h.split("\\")[0].strip().lower() or None
    port_value = p.get("port")
    if port_value and port_value.isdigit():
        port = int(port_value)
    service = service_for_host(host)
    driver = (p.get("driver") or "").lower()
    if service not in (S.SQL, S.POSTGRESQL, S.MYSQL):
        if "mysql" in driver or port == 3306 or hint == S.MYSQL:
            service = S.MYSQL
        elif (
            p.form == "libpq"
            or "postgres" in driver
            or port == 5432
            or hint == S.POSTGRESQL
            or ("host" in keys and not keys & _SQL_HINT_KEYS)
            or "username" in keys
        ):
            service = S.POSTGRESQL
        elif "sslmode" in keys and "server" in keys and "uid" in keys:
            service = S.MYSQL
        else:
            service = S.SQL
    database = p.get("database", "initialcatalog", "dbname")
    endpoint = Endpoint(host=host, server=first_label(host) if host else None, database=database)
    preview = redaction.preview_pairs(p, ";" if p.form != "libpq" else " ")
    if p.form == "libpq":
        preview = redaction.preview_libpq(p)
    local = is_local_host(host)
    notes: tuple[str, ...] = ()
    if host and service_for_host(host) is None and not local:
        notes = ("not an Azure endpoint: Entra ID applies only to Azure-hosted databases",)
    auth = p.get("authentication") or ""
    auth_l = auth.lower().replace(" ", "")
    password = p.get("password", "pwd")
    if auth and PASSWORDLESS_AUTH_RE.match(auth) and not password:
        return classified(
            service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview, "conn-string:database", value.strip()
        )
    if (p.get("integratedsecurity") or p.get("trusted_connection") or "").lower() in (
        "true",
        "yes",
        "sspi",
    ):
        return classified(
            service,
            K.IDENTITY,
            V.PASSWORDLESS,
            endpoint,
            preview,
            "conn-string:database",
            value.strip(),
            notes=("Windows integrated authentication: use Entra ID on Azure SQL",),
        )
    if password is None:
        return None
    kind = K.PASSWORD
    svc = service
    if auth_l == "activedirectoryserviceprincipal":
        kind = K.CLIENT_SECRET
    vc, more = secret_state(password, local)
    return classified(svc, kind, vc, endpoint, preview, "conn-string:database", password, notes=notes + more)


def classify_pairs(p: ParsedConnection, value: str, hint: ServiceType | None) -> Classification | None:
    keys = p.keys()
    ep = (p.get("endpoint") or "").lower()
    if ep.startswith("sb://") or (
        keys & {"sharedaccesskeyname", "sharedaccesskey", "usedevelopmentemulator"} and "endpoint" in keys
    ):
        return _messaging(p, value, hint)
    if "accountendpoint" in keys:
        return _cosmos(p, value)
    if keys & {
        "accountkey",
        "accountname",
        "defaultendpointsprotocol",
        "blobendpoint",
        "queueendpoint",
        "tableendpoint",
        "fileendpoint",
        "usedevelopmentstorage",
        "sharedaccesssignature",
    }:
        return _storage(p, value)
    if "instrumentationkey" in keys:
        return _app_insights(p, value)
    if "endpoint" in keys and keys & {"accesskey", "secret", "authtype", "id"}:
        return _endpoint_keyed(p, value)
    if keys & {"server", "datasource", "host", "address", "addr", "hostaddr", "networkaddress"} and (
        keys
        & {
            "password",
            "pwd",
            "authentication",
            "integratedsecurity",
            "trusted_connection",
            "userid",
            "uid",
            "user",
            "username",
        }
    ):
        return _database(p, value, hint)
    if "authorization" in keys and (p.get("authorization") or "").lower() == "aad":
        return classified(
            S.APPLICATION_INSIGHTS,
            K.IDENTITY,
            V.PASSWORDLESS,
            Endpoint(),
            redaction.preview_pairs(p),
            "conn-string:app-insights-auth",
            value.strip(),
        )
    return None


def classify_redis(p: ParsedConnection, value: str) -> Classification | None:
    password = p.get("password")
    host = p.host
    by_host = service_for_host(host)
    if by_host not in (S.REDIS, None):
        return None
    endpoint = Endpoint(host=host, server=first_label(host))
    preview = redaction.preview_redis(p)
    if password is None:
        return None
    notes: tuple[str, ...] = ()
    if by_host is None and not is_local_host(host):
        notes = ("not an Azure endpoint: Entra ID applies only to Azure-hosted services",)
    vc, more = secret_state(password, is_local_host(host))
    return classified(
        S.REDIS, K.ACCESS_KEY, vc, endpoint, preview, "conn-string:redis", password, notes=notes + more
    )
