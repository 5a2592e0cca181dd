"""Classify one value (with its setting name, when known) as an Azure connection.

`classify(value, name)` answers: which service, which kind of credential, whether the value is a
real secret, a placeholder, a development-emulator value, a reference to a secret kept elsewhere
or already passwordless, where it points, and a redacted preview.  It returns None for values
that are not Azure connections at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scanners import redaction, setting_names
from scanners.connection_strings import ParsedConnection, parse_connection
from scanners.placeholders import (
    is_placeholder,
    is_reference,
    key_vault_reference,
    showable_placeholder,
)
from scanners.records import Confidence, CredentialKind, Endpoint, ServiceType, ValueClass
from scanners.service_catalog import first_label, is_local_host, service_for_host

S = ServiceType
K = CredentialKind
V = ValueClass

# Published development keys (documented by Microsoft; not secrets).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
COSMOS_EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)

ENTRA_SECRET_RE = re.compile(r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[78]Q~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])")
STORAGE_KEY_RE = re.compile(r"^[A-Za-z0-9+/]{86}==$")
SAS_KEY_RE = re.compile(r"^[A-Za-z0-9+/]{43}=$")
HEX32_RE = re.compile(r"^[0-9a-fA-F]{32}$")
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

_PASSWORDLESS_AUTH_RE = re.compile(
    r"^\s*(active\s*directory\s*(default|managed\s*identity|msi|integrated|interactive|"
    r"workload\s*identity|device\s*code\s*flow)|managed\s*identity|managedidentity|"
    r"activedirectory(default|msi|managedidentity|integrated|interactive))\s*$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Classification:
    service_type: ServiceType
    credential_kind: CredentialKind
    value_class: ValueClass
    endpoint: Endpoint
    redacted_preview: str
    confidence: Confidence
    method: str
    notes: tuple[str, ...] = ()
    # What the fingerprint is computed from: the secret itself, or the whole value when nothing
    # in it is secret.  Never serialised, never shown by repr().
    material: str = field(default="", repr=False)


def _secret_state(secret: str, local: bool = False) -> tuple[ValueClass, tuple[str, ...]]:
    if is_reference(secret):
        return V.REFERENCE, ()
    if is_placeholder(secret):
        return V.PLACEHOLDER, ()
    if local:
        return V.DEV_EMULATOR, ("local development endpoint: not a production secret",)
    return V.SECRET, ()


def _result(
    service: ServiceType,
    kind: CredentialKind,
    value_class: ValueClass,
    endpoint: Endpoint,
    preview: str,
    method: str,
    material: str,
    confidence: Confidence = Confidence.HIGH,
    notes: tuple[str, ...] = (),
) -> Classification:
    return Classification(
        service_type=service,
        credential_kind=kind,
        value_class=value_class,
        endpoint=endpoint,
        redacted_preview=preview,
        confidence=confidence,
        method=method,
        notes=notes,
        material=material,
    )


# ---------------------------------------------------------------- key=value connection strings


def _storage(p: ParsedConnection, value: str) -> Classification | None:
    preview = redaction.preview_pairs(p)
    if (p.get("usedevelopmentstorage") or "").lower() == "true":
        return _result(S.STORAGE, K.NONE, V.DEV_EMULATOR, Endpoint(account=AZURITE_ACCOUNT),
                       preview, "conn-string:storage", value.strip(),
                       notes=("Azurite / storage emulator",))
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
            return _result(S.STORAGE, K.ACCOUNT_KEY, V.DEV_EMULATOR, endpoint, preview,
                           "conn-string:storage", key, notes=("Azurite well-known key",))
        vc, notes = _secret_state(key, local)
        return _result(S.STORAGE, K.ACCOUNT_KEY, vc, endpoint, preview, "conn-string:storage",
                       key, notes=notes)
    sas = p.get("sharedaccesssignature")
    if sas is not None:
        sig = _sas_signature(sas) or sas
        vc, notes = _secret_state(sig, local)
        return _result(S.STORAGE, K.SAS, vc, endpoint, preview, "conn-string:storage-sas", sig,
                       notes=notes)
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
        return _result(service, K.SHARED_ACCESS_KEY, V.DEV_EMULATOR, endpoint, preview,
                       "conn-string:messaging", value.strip(), notes=("Service Bus emulator",))
    auth = p.get("authentication")
    if auth and _PASSWORDLESS_AUTH_RE.match(auth):
        return _result(service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview,
                       "conn-string:messaging", value.strip())
    key = p.get("sharedaccesskey")
    kind = K.SHARED_ACCESS_KEY
    if key is None:
        sas = p.get("sharedaccesssignature")
        if sas is None:
            return None
        key = _sas_signature(sas) or sas
        kind = K.SAS
    vc, more = _secret_state(key, is_local_host(host))
    return _result(service, kind, vc, endpoint, preview, "conn-string:messaging", key,
                   confidence, notes + more)


def _cosmos(p: ParsedConnection, value: str) -> Classification | None:
    ep = p.get("accountendpoint") or ""
    parsed_ep = parse_connection(ep)
    host = parsed_ep.host if parsed_ep else None
    endpoint = Endpoint(host=host, account=first_label(host) if not is_local_host(host) else None)
    preview = redaction.preview_pairs(p)
    key = p.get("accountkey")
    if key is None:
        return _result(S.COSMOS_DB, K.IDENTITY, V.PASSWORDLESS, endpoint, preview,
                       "conn-string:cosmos", value.strip(), Confidence.MEDIUM)
    if key.strip() == COSMOS_EMULATOR_KEY or (is_local_host(host) and parsed_ep and parsed_ep.port == 8081):
        return _result(S.COSMOS_DB, K.ACCOUNT_KEY, V.DEV_EMULATOR, endpoint, preview,
                       "conn-string:cosmos", key, notes=("Cosmos DB emulator well-known key",))
    vc, notes = _secret_state(key, is_local_host(host))
    return _result(S.COSMOS_DB, K.ACCOUNT_KEY, vc, endpoint, preview, "conn-string:cosmos", key,
                   notes=notes)


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
        return _result(service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview,
                       "conn-string:endpoint", value.strip())
    if auth == "azure.app" and p.has("clientsecret"):
        secret = p.get("clientsecret") or ""
        vc, notes = _secret_state(secret)
        return _result(service, K.CLIENT_SECRET, vc, endpoint, preview, "conn-string:endpoint",
                       secret, notes=notes)
    access_key = p.get("secret", "accesskey")
    if access_key is None:
        return None
    vc, notes = _secret_state(access_key, is_local_host(host))
    return _result(service, K.ACCESS_KEY, vc, endpoint, preview, "conn-string:endpoint", access_key,
                   notes=notes)


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
    return _result(S.APPLICATION_INSIGHTS, K.INSTRUMENTATION_KEY, vc, endpoint, preview,
                   "conn-string:app-insights", ikey,
                   notes=("a locator, not a credential, unless local authentication is required",))


_SQL_HINT_KEYS = {"initialcatalog", "trustservercertificate", "multipleactiveresultsets",
                  "encrypt", "integratedsecurity", "trusted_connection", "applicationintent",
                  "multisubnetfailover", "persistsecurityinfo"}


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
        elif p.form == "libpq" or "postgres" in driver or port == 5432 or hint == S.POSTGRESQL or (
            "host" in keys and not keys & _SQL_HINT_KEYS
        ) or "username" in keys:
            service = S.POSTGRESQL
        elif ("sslmode" in keys and "server" in keys and "uid" in keys):
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
    if auth and _PASSWORDLESS_AUTH_RE.match(auth) and not password:
        return _result(service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview,
                       "conn-string:database", value.strip())
    if (p.get("integratedsecurity") or p.get("trusted_connection") or "").lower() in (
        "true", "yes", "sspi",
    ):
        return _result(service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview,
                       "conn-string:database", value.strip(),
                       notes=("Windows integrated authentication: use Entra ID on Azure SQL",))
    if password is None:
        return None
    kind = K.PASSWORD
    svc = service
    if auth_l == "activedirectoryserviceprincipal":
        kind = K.CLIENT_SECRET
    vc, more = _secret_state(password, local)
    return _result(svc, kind, vc, endpoint, preview, "conn-string:database", password,
                   notes=notes + more)


def _from_pairs(p: ParsedConnection, value: str, hint: ServiceType | None) -> Classification | None:
    keys = p.keys()
    ep = (p.get("endpoint") or "").lower()
    if ep.startswith("sb://") or (
        keys & {"sharedaccesskeyname", "sharedaccesskey", "usedevelopmentemulator"} and "endpoint" in keys
    ):
        return _messaging(p, value, hint)
    if "accountendpoint" in keys:
        return _cosmos(p, value)
    if keys & {"accountkey", "accountname", "defaultendpointsprotocol", "blobendpoint",
               "queueendpoint", "tableendpoint", "fileendpoint", "usedevelopmentstorage",
               "sharedaccesssignature"}:
        return _storage(p, value)
    if "instrumentationkey" in keys:
        return _app_insights(p, value)
    if "endpoint" in keys and keys & {"accesskey", "secret", "authtype", "id"}:
        return _endpoint_keyed(p, value)
    if keys & {"server", "datasource", "host", "address", "addr", "hostaddr", "networkaddress"} and (
        keys & {"password", "pwd", "authentication", "integratedsecurity", "trusted_connection",
                "userid", "uid", "user", "username"}
    ):
        return _database(p, value, hint)
    if "authorization" in keys and (p.get("authorization") or "").lower() == "aad":
        return _result(S.APPLICATION_INSIGHTS, K.IDENTITY, V.PASSWORDLESS, Endpoint(),
                       redaction.preview_pairs(p), "conn-string:app-insights-auth", value.strip())
    return None


# ----------------------------------------------------------------------------------- URIs


def _from_uri(p: ParsedConnection, value: str, hint: ServiceType | None) -> Classification | None:
    scheme = p.scheme or ""
    host = p.host
    by_host = service_for_host(host)
    preview = redaction.preview_uri(p)
    local = is_local_host(host)
    sig = dict((k.lower(), v) for k, v in p.query).get("sig")
    if sig is not None:
        sas_service = by_host or hint or S.STORAGE
        sas_endpoint = Endpoint(host=host, account=first_label(host), entity=(p.path or "").strip("/") or None)
        vc, sas_notes = _secret_state(sig, local)
        if host and first_label(host) == AZURITE_ACCOUNT or (p.path or "").startswith("/" + AZURITE_ACCOUNT):
            vc, sas_notes = V.DEV_EMULATOR, ("Azurite",)
        return _result(sas_service, K.SAS, vc, sas_endpoint, preview, "uri:sas", sig, notes=sas_notes)
    service: ServiceType | None
    if scheme in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg", "postgresql+asyncpg"):
        service = S.POSTGRESQL
    elif scheme.startswith("mysql"):
        service = S.MYSQL
    elif scheme in ("sqlserver", "mssql", "mssql+pyodbc", "mssql+pymssql"):
        service = S.SQL
    elif scheme in ("mongodb", "mongodb+srv"):
        service = S.COSMOS_MONGO if by_host == S.COSMOS_MONGO or (host or "").endswith(".cosmos.azure.com") else S.GENERIC
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
    endpoint = Endpoint(host=host, server=first_label(host) if service in (S.SQL, S.POSTGRESQL, S.MYSQL, S.REDIS) else None,
                        account=first_label(host) if service == S.COSMOS_MONGO else None,
                        database=database)
    notes: tuple[str, ...] = ()
    if service == S.GENERIC:
        notes = ("MongoDB connection to a non-Azure host",)
    elif by_host is None and not local and service in (S.SQL, S.POSTGRESQL, S.MYSQL, S.REDIS):
        notes = ("not an Azure endpoint: Entra ID applies only to Azure-hosted services",)
    auth = (p.get("authentication", "authenticationpluginclassname") or "")
    if password is None:
        if auth and (_PASSWORDLESS_AUTH_RE.match(auth) or "azure.identity" in auth.lower()):
            return _result(service, K.IDENTITY, V.PASSWORDLESS, endpoint, preview, f"uri:{scheme}",
                           value.strip())
        return None
    kind = K.ACCESS_KEY if service == S.REDIS else K.SHARED_ACCESS_KEY if service in (S.SERVICE_BUS, S.EVENT_HUBS) else K.PASSWORD
    if service == S.COSMOS_MONGO:
        kind = K.ACCOUNT_KEY
    vc, more = _secret_state(password, local)
    return _result(service, kind, vc, endpoint, preview, f"uri:{scheme}", password,
                   notes=notes + more)


# ------------------------------------------------------------------------------ by name


def _identity_setting(name: str, value: str) -> Classification | None:
    split = setting_names.identity_suffix(name)
    if split is None:
        return None
    prefix, suffix = split
    service = setting_names.IDENTITY_SUFFIXES[suffix]
    parsed = parse_connection(value) if "://" in value else None
    host = parsed.host if parsed else (value.strip().lower() if "." in value and " " not in value.strip() else None)
    by_host = service_for_host(host)
    if by_host is not None:
        service = by_host
    hinted = setting_names.service_hint(prefix)
    if service == S.SERVICE_BUS and hinted == S.EVENT_HUBS:
        service = S.EVENT_HUBS
    if service is None:
        service = hinted or (S.STORAGE if setting_names.leaf(prefix) == "azurewebjobsstorage" else S.GENERIC)
    if suffix == "accountname":
        endpoint = Endpoint(account=value.strip().lower() or None)
    else:
        endpoint = Endpoint(host=host, account=first_label(host) if service in (S.STORAGE, S.COSMOS_DB) else None,
                            namespace=first_label(host) if service in (S.SERVICE_BUS, S.EVENT_HUBS) else None)
    shown = value.strip() if suffix not in ("clientid",) else value.strip()
    return _result(service, K.IDENTITY, V.PASSWORDLESS, endpoint,
                   redaction.preview_named(name, redaction.preview_plain(shown)),
                   "setting-name:identity", f"{name}={value.strip()}")


def _by_name(name: str, value: str, hint: ServiceType | None) -> Classification | None:
    rule = setting_names.rule_for(name)
    v = value.strip()
    if rule is None and hint in _PASSWORD_SERVICES and _GENERIC_PASSWORD_NAME_RE.search(setting_names.normalise(name)):
        rule = setting_names.NameRule(_GENERIC_PASSWORD_NAME_RE, hint, K.ADMIN_PASSWORD if "admin" in name.lower() else K.PASSWORD)
    if rule is None:
        if setting_names.is_connection_name(name) and is_placeholder(v):
            service = hint or setting_names.service_hint(name) or S.GENERIC
            return _result(service, K.CONNECTION_STRING, V.PLACEHOLDER, Endpoint(),
                           redaction.preview_named(name, v if showable_placeholder(v) else redaction.MASK),
                           "setting-name:connection", v, Confidence.MEDIUM)
        return None
    service, kind = rule.service, rule.kind
    if service in _PASSWORD_SERVICES and hint in _PASSWORD_SERVICES and hint != service:
        service = hint  # e.g. spring.datasource.password on a PostgreSQL JDBC URL
    stand_in = _stand_in(v, service, kind, name, "setting-name")
    if stand_in is not None:
        return stand_in
    endpoint_only = _endpoint_only(v)
    if endpoint_only is not None:
        # `SERVICEBUS_CONNECTION_STRING=ns.servicebus.windows.net`: an endpoint with no credential,
        # i.e. the identity-based form; the name alone does not make it a secret.
        host, by_host = endpoint_only
        return _result(by_host or service, K.IDENTITY, V.PASSWORDLESS, Endpoint(host=host, account=first_label(host)),
                       redaction.preview_named(name, redaction.preview_plain(v)), "setting-name:endpoint", v)
    if "://" in v and parse_connection(v) is not None:
        return None  # a URL of no known service, with no credential in it
    if len(v) < 6 or v.lower() in ("true", "false") or re.fullmatch(r"[\d.]+", v):
        return None
    confidence = Confidence.MEDIUM
    if kind == K.INSTRUMENTATION_KEY:
        return _result(service, kind, V.LOCATOR, Endpoint(), redaction.preview_named(name),
                       "setting-name", v, Confidence.HIGH if GUID_RE.match(v) else Confidence.MEDIUM,
                       notes=("a locator, not a credential, unless local authentication is required",))
    if (
        (service == S.STORAGE and STORAGE_KEY_RE.match(v))
        or (service in (S.SERVICE_BUS, S.EVENT_HUBS) and SAS_KEY_RE.match(v))
        or (service in (S.OPENAI, S.COGNITIVE_SERVICES, S.AI_SEARCH) and HEX32_RE.match(v))
        or (service == S.ENTRA_ID and ENTRA_SECRET_RE.fullmatch(v))
    ):
        confidence = Confidence.HIGH
    if service == S.STORAGE and v == AZURITE_KEY:
        return _result(service, kind, V.DEV_EMULATOR, Endpoint(account=AZURITE_ACCOUNT),
                       redaction.preview_named(name), "setting-name", v, notes=("Azurite well-known key",))
    return _result(service, kind, V.SECRET, Endpoint(), redaction.preview_named(name), "setting-name",
                   v, confidence)


_PASSWORD_SERVICES = frozenset({S.SQL, S.POSTGRESQL, S.MYSQL, S.REDIS, S.CONTAINER_REGISTRY})
_GENERIC_PASSWORD_NAME_RE = re.compile(r"(^|_)(admin(istrator)?_?(login_?)?)?(password|passwd|pwd)$|adminpassword$")


# ------------------------------------------------------------------------------- entry


def classify(value: str, name: str | None = None, hint: ServiceType | None = None,
             kind: CredentialKind | None = None) -> Classification | None:
    """Classify `value` (the setting named `name`, if known); None when it is no Azure connection.

    `hint` and `kind` come from a handler that knows what the value is from its context (the key
    argument of `AzureKeyCredential(...)`, `password=` of a driver call): with both, a bare value
    with no setting name is still classified.
    """
    v = value.strip()
    if len(v) > 16384:
        return None
    hint = hint or setting_names.service_hint(name)
    vault = key_vault_reference(v)
    if vault is not None:
        rule = setting_names.rule_for(name)
        service = rule.service if rule else S.KEY_VAULT
        kind = rule.kind if rule else K.SECRET_REFERENCE
        return _result(service, kind, V.REFERENCE,
                       Endpoint(host=f"{vault}.vault.azure.net" if vault else None, account=vault or None),
                       redaction.preview_plain(v), "key-vault-reference", v,
                       notes=("Key Vault reference: the secret still exists; migrate the target if it supports Entra ID",))
    if name:
        ident = _identity_setting(name, v)
        if ident is not None:
            return ident
    parsed = parse_connection(v) if ("=" in v or "://" in v) else None
    if parsed is not None:
        result = _from_uri(parsed, v, hint) if parsed.form in ("uri", "jdbc") else (
            _from_pairs(parsed, v, hint) if parsed.form in ("kv", "libpq") else _redis(parsed, v)
        )
        if result is not None:
            return result
    m = ENTRA_SECRET_RE.search(v)
    if m and (len(v) - len(m.group(0)) <= 2):
        return _result(S.ENTRA_ID, K.CLIENT_SECRET, V.SECRET, Endpoint(),
                       redaction.preview_named(name), "shape:entra-client-secret", m.group(0))
    if name:
        by_name = _by_name(name, v, hint)
        if by_name is not None or not (hint and kind):
            return by_name
    if hint and kind:
        return _by_context(v, hint, kind, name)
    return None


def _endpoint_only(v: str) -> tuple[str, ServiceType | None] | None:
    """(host, service) when `v` is just an Azure endpoint (bare host or URL) with no credential."""
    if "://" in v:
        parsed = parse_connection(v)
        if parsed is None or parsed.password is not None or parsed.query or parsed.pairs or not parsed.host:
            return None
        by_host = service_for_host(parsed.host)
        return (parsed.host, by_host) if by_host else None
    if re.fullmatch(r"[A-Za-z0-9.\-]+", v) and "." in v:
        by_host = service_for_host(v)
        return (v.lower(), by_host) if by_host else None
    return None


def _stand_in(v: str, service: ServiceType, kind: CredentialKind, name: str | None,
              method: str) -> Classification | None:
    """A reference to a secret kept elsewhere, or a placeholder; None for anything else."""
    if is_reference(v):
        return _result(service, kind, V.REFERENCE, Endpoint(),
                       redaction.preview_named(name, redaction.preview_plain(v)), method, v, Confidence.MEDIUM)
    if is_placeholder(v):
        return _result(service, kind, V.PLACEHOLDER, Endpoint(),
                       redaction.preview_named(name, v if showable_placeholder(v) else redaction.MASK),
                       method, v, Confidence.MEDIUM)
    return None


def _by_context(v: str, service: ServiceType, kind: CredentialKind, name: str | None) -> Classification | None:
    """A value whose meaning a handler established from the code around it."""
    preview = redaction.preview_named(name)
    stand_in = _stand_in(v, service, kind, name, "context")
    if stand_in is not None:
        return stand_in
    if len(v) < 6 or " " in v or "://" in v:
        return None
    if service == S.STORAGE and v == AZURITE_KEY:
        return _result(service, kind, V.DEV_EMULATOR, Endpoint(account=AZURITE_ACCOUNT), preview, "context", v,
                       notes=("Azurite well-known key",))
    if service == S.COSMOS_DB and v == COSMOS_EMULATOR_KEY:
        return _result(service, kind, V.DEV_EMULATOR, Endpoint(), preview, "context", v,
                       notes=("Cosmos DB emulator well-known key",))
    return _result(service, kind, V.SECRET, Endpoint(), preview, "context", v, Confidence.MEDIUM)


def _redis(p: ParsedConnection, value: str) -> Classification | None:
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
    vc, more = _secret_state(password, is_local_host(host))
    return _result(S.REDIS, K.ACCESS_KEY, vc, endpoint, preview, "conn-string:redis", password,
                   notes=notes + more)
