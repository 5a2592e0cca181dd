"""Classify one value (with its setting name, when known) as an Azure connection.

`classify(value, name)` answers: which service, which kind of credential, whether the value is a
real secret, a placeholder, a development-emulator value, a reference to a secret kept elsewhere
or already passwordless, where it points, and a redacted preview.  It returns None for values
that are not Azure connections at all.
"""

from __future__ import annotations

import re

from scanners import redaction, setting_names
from scanners.classification import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    COSMOS_EMULATOR_KEY,
    Classification,
    classified,
)
from scanners.connection_strings import parse_connection
from scanners.handlers.azure_resource_types import service_for_type
from scanners.pair_classifier import classify_pairs, classify_redis
from scanners.placeholders import is_placeholder, is_reference, key_vault_reference, showable_placeholder
from scanners.records import Confidence, CredentialKind, Endpoint, ServiceType, ValueClass
from scanners.service_catalog import first_label, service_for_host
from scanners.uri_classifier import classify_uri
from scanners.value_filters import looks_like_name, not_a_named_secret

S = ServiceType
K = CredentialKind
V = ValueClass

__all__ = ["AZURITE_KEY", "COSMOS_EMULATOR_KEY", "Classification", "classify"]

ENTRA_SECRET_RE = re.compile(
    r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[78]Q~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])"
)
STORAGE_KEY_RE = re.compile(r"^[A-Za-z0-9+/]{86}==$")
SAS_KEY_RE = re.compile(r"^[A-Za-z0-9+/]{43}=$")
HEX32_RE = re.compile(r"^[0-9a-fA-F]{32}$")
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _identity_setting(name: str, value: str) -> Classification | None:
    split = setting_names.identity_suffix(name)
    if split is None:
        return None
    prefix, suffix = split
    service = setting_names.IDENTITY_SUFFIXES[suffix]
    parsed = parse_connection(value) if "://" in value else None
    host = (
        parsed.host
        if parsed
        else (value.strip().lower() if "." in value and " " not in value.strip() else None)
    )
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
        endpoint = Endpoint(
            host=host,
            account=first_label(host) if service in (S.STORAGE, S.COSMOS_DB) else None,
            namespace=first_label(host) if service in (S.SERVICE_BUS, S.EVENT_HUBS) else None,
        )
    shown = value.strip() if suffix not in ("clientid",) else value.strip()
    return classified(
        service,
        K.IDENTITY,
        V.PASSWORDLESS,
        endpoint,
        redaction.preview_named(name, redaction.preview_plain(shown)),
        "setting-name:identity",
        f"{name}={value.strip()}",
    )


def _by_name(name: str, value: str, hint: ServiceType | None) -> Classification | None:
    v = value.strip()
    why = not_a_named_secret(name, v)
    if why in _NOT_A_CONNECTION:
        return None  # `SecretName`, `keyType: Account`, `PasswordCredentials: Auto`: no credential
    rule = setting_names.rule_for(name)
    if (
        rule is None
        and hint in _PASSWORD_SERVICES
        and _GENERIC_PASSWORD_NAME_RE.search(setting_names.normalise(name))
    ):
        rule = setting_names.NameRule(
            _GENERIC_PASSWORD_NAME_RE, hint, K.ADMIN_PASSWORD if "admin" in name.lower() else K.PASSWORD
        )
    if rule is None:
        if is_placeholder(v) and _SLOT_NAME_RE.search(setting_names.normalise(name)):
            # `AuthorizationKey = ""`, `COHERE_API_KEY=your-key`: a slot a key still has to fill.
            return classified(
                hint or setting_names.service_hint(name) or S.GENERIC,
                K.API_KEY if "key" in name.lower() else K.PASSWORD,
                V.PLACEHOLDER,
                Endpoint(),
                redaction.preview_named(name, v if showable_placeholder(v) else redaction.MASK),
                "setting-name:slot",
                v,
                Confidence.LOW,
            )
        if setting_names.is_connection_name(name) and is_placeholder(v):
            service = hint or setting_names.service_hint(name) or S.GENERIC
            return classified(
                service,
                K.CONNECTION_STRING,
                V.PLACEHOLDER,
                Endpoint(),
                redaction.preview_named(name, v if showable_placeholder(v) else redaction.MASK),
                "setting-name:connection",
                v,
                Confidence.MEDIUM,
            )
        return None
    service, kind = rule.service, rule.kind
    if service in _PASSWORD_SERVICES and hint in _PASSWORD_SERVICES and hint != service:
        service = hint  # e.g. spring.datasource.password on a PostgreSQL JDBC URL
    service = _expression_service(v) or service
    stand_in = _stand_in(v, service, kind, name, "setting-name")
    if stand_in is not None:
        return stand_in
    if why in _STAND_IN:  # `"secret": "iamsecret"`, `Masterkey = "masterkey"`: typed filler in a slot
        return classified(
            service,
            kind,
            V.PLACEHOLDER,
            Endpoint(),
            redaction.preview_named(name),
            "setting-name",
            v,
            Confidence.LOW,
        )
    endpoint_only = _endpoint_only(v)
    if endpoint_only is not None:
        # `SERVICEBUS_CONNECTION_STRING=ns.servicebus.windows.net`: an endpoint with no credential,
        # i.e. the identity-based form; the name alone does not make it a secret.
        host, by_host = endpoint_only
        return classified(
            by_host or service,
            K.IDENTITY,
            V.PASSWORDLESS,
            Endpoint(host=host, account=first_label(host)),
            redaction.preview_named(name, redaction.preview_plain(v)),
            "setting-name:endpoint",
            v,
        )
    if "://" in v and parse_connection(v) is not None:
        return None  # a URL of no known service, with no credential in it
    if looks_like_name(v):
        return None  # a constant holding a setting, variable or header name, not its value
    if len(v) < 6 or v.lower() in ("true", "false") or re.fullmatch(r"[\d.]+", v):
        return None
    confidence = Confidence.MEDIUM
    if kind == K.INSTRUMENTATION_KEY:
        return classified(
            service,
            kind,
            V.LOCATOR,
            Endpoint(),
            redaction.preview_named(name),
            "setting-name",
            v,
            Confidence.HIGH if GUID_RE.match(v) else Confidence.MEDIUM,
            notes=("a locator, not a credential, unless local authentication is required",),
        )
    if (
        (service == S.STORAGE and STORAGE_KEY_RE.match(v))
        or (service in (S.SERVICE_BUS, S.EVENT_HUBS) and SAS_KEY_RE.match(v))
        or (service in (S.OPENAI, S.COGNITIVE_SERVICES, S.AI_SEARCH) and HEX32_RE.match(v))
        or (service == S.ENTRA_ID and ENTRA_SECRET_RE.fullmatch(v))
    ):
        confidence = Confidence.HIGH
    if service == S.STORAGE and v == AZURITE_KEY:
        return classified(
            service,
            kind,
            V.DEV_EMULATOR,
            Endpoint(account=AZURITE_ACCOUNT),
            redaction.preview_named(name),
            "setting-name",
            v,
            notes=("Azurite well-known key",),
        )
    return classified(
        service, kind, V.SECRET, Endpoint(), redaction.preview_named(name), "setting-name", v, confidence
    )


# What `value_filters.not_a_named_secret` says of a value that makes it no connection at all.
_NOT_A_CONNECTION = frozenset({"metadata", "enum"})
# ... and what makes it a stand-in that still marks the slot (`InstrumentationKey = "instrumentation-key"`).
_STAND_IN = frozenset({"filler", "own-name"})
# `Microsoft.EventHub/namespaces/...` inside an ARM or Bicep expression: the resource type wins over
# what the setting's name suggests (`Microsoft.ServiceBus.ConnectionString` for an Event Hub).
_RESOURCE_TYPE_RE = re.compile(r"Microsoft\.[A-Za-z]+/[A-Za-z]+", re.I)


def _expression_service(v: str) -> ServiceType | None:
    """The service of the resource type an expression value names (`[listKeys(concat(
    'Microsoft.DocumentDb/databaseAccounts/', ...))]`), when the value is an expression."""
    if not (v.startswith("[") or "${" in v) or "Microsoft." not in v:
        return None
    m = _RESOURCE_TYPE_RE.search(v)
    return service_for_type(m.group(0)) if m else None


# A name that says which credential a slot holds (`AuthorizationKey`, `COHERE_API_KEY`), not a bare
# `key` / `password` variable of ordinary code.
_SLOT_NAME_RE = re.compile(
    r"(?:^|_)[a-z0-9_]*(?:api|account|access|auth|authorization|shared|master|subscription|topic|client|"
    r"admin|primary|secondary|storage|service|search|openai|sas|function|app|db|database|sql|redis|"
    r"queue|registry|cosmos|bus|hub|speech|vision)_?(?:key|secret|password)$"
)
_PASSWORD_SERVICES = frozenset({S.SQL, S.POSTGRESQL, S.MYSQL, S.REDIS, S.CONTAINER_REGISTRY})
_GENERIC_PASSWORD_NAME_RE = re.compile(
    r"(^|_)(admin(istrator)?_?(login_?)?)?(password|passwd|pwd)$|adminpassword$"
)


def classify(
    value: str, name: str | None = None, hint: ServiceType | None = None, kind: CredentialKind | None = None
) -> Classification | None:
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
        return classified(
            service,
            kind,
            V.REFERENCE,
            Endpoint(host=f"{vault}.vault.azure.net" if vault else None, account=vault or None),
            redaction.preview_plain(v),
            "key-vault-reference",
            v,
            notes=(
                "Key Vault reference: the secret still exists; migrate the target if it supports Entra ID",
            ),
        )
    known = _published_key(v, name, hint, kind)
    if known is not None:
        return known
    if name:
        ident = _identity_setting(name, v)
        if ident is not None:
            return ident
    parsed = parse_connection(v) if ("=" in v or "://" in v) else None
    if parsed is not None:
        result = (
            classify_uri(parsed, v, hint)
            if parsed.form in ("uri", "jdbc")
            else (
                classify_pairs(parsed, v, hint)
                if parsed.form in ("kv", "libpq")
                else classify_redis(parsed, v)
            )
        )
        if result is not None:
            return result
    m = ENTRA_SECRET_RE.search(v)
    if m and (len(v) - len(m.group(0)) <= 2):
        return classified(
            S.ENTRA_ID,
            K.CLIENT_SECRET,
            V.SECRET,
            Endpoint(),
            redaction.preview_named(name),
            "shape:entra-client-secret",
            m.group(0),
        )
    if name:
        by_name = _by_name(name, v, hint)
        if by_name is not None or not (hint and kind):
            return by_name
    if hint and kind:
        return _by_context(v, hint, kind, name)
    return None


_LOCAL_PASSWORD_NAME_RE = re.compile(r"(^|_)(pass|password|passwd|pwd|secret)$")


def classify_local_password(value: str, name: str | None) -> Classification | None:
    """A password of a container that a compose file runs next to the app (`RABBITMQ_DEFAULT_PASS`,
    `--password` of a database container): `dev-emulator`, found so that the inventory is
    complete; None when the name is no password's or the value is a stand-in."""
    if not name or not _LOCAL_PASSWORD_NAME_RE.search(setting_names.normalise(name)):
        return None
    v = value.strip()
    stand_in = _stand_in(v, S.GENERIC, K.PASSWORD, name, "local-container")
    if stand_in is not None:
        return stand_in
    if len(v) < 3 or looks_like_name(v):
        return None
    return classified(
        S.GENERIC,
        K.PASSWORD,
        V.DEV_EMULATOR,
        Endpoint(),
        redaction.preview_named(name),
        "local-container",
        v,
        notes=("docker-compose: a local container's password, not a production secret",),
    )


def _published_key(
    v: str, name: str | None, hint: ServiceType | None, kind: CredentialKind | None
) -> Classification | None:
    """A key Microsoft publishes for its local emulators is `dev-emulator` wherever it appears,
    whatever names it (a CI variable, a README, a code fallback): one value, one class."""
    if v == COSMOS_EMULATOR_KEY:
        service, note = S.COSMOS_DB, "Cosmos DB emulator well-known key"
        endpoint = Endpoint()
    elif v == AZURITE_KEY:
        service, note = S.STORAGE, "Azurite well-known key"
        endpoint = Endpoint(account=AZURITE_ACCOUNT)
    else:
        return None
    return classified(
        service,
        kind or K.ACCOUNT_KEY,
        V.DEV_EMULATOR,
        endpoint,
        redaction.preview_named(name),
        "published-key",
        v,
        notes=(note,),
    )


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


def _stand_in(
    v: str, service: ServiceType, kind: CredentialKind, name: str | None, method: str
) -> Classification | None:
    """A reference to a secret kept elsewhere, or a placeholder; None for anything else."""
    if is_reference(v):
        return classified(
            service,
            kind,
            V.REFERENCE,
            Endpoint(),
            redaction.preview_named(name, redaction.preview_plain(v)),
            method,
            v,
            Confidence.MEDIUM,
        )
    if is_placeholder(v):
        return classified(
            service,
            kind,
            V.PLACEHOLDER,
            Endpoint(),
            redaction.preview_named(name, v if showable_placeholder(v) else redaction.MASK),
            method,
            v,
            Confidence.MEDIUM,
        )
    return None


def _by_context(
    v: str, service: ServiceType, kind: CredentialKind, name: str | None
) -> Classification | None:
    """A value whose meaning a handler established from the code around it."""
    preview = redaction.preview_named(name)
    stand_in = _stand_in(v, service, kind, name, "context")
    if stand_in is not None:
        return stand_in
    if len(v) < 6 or " " in v or "://" in v or looks_like_name(v):
        return None
    if service == S.STORAGE and v == AZURITE_KEY:
        return classified(
            service,
            kind,
            V.DEV_EMULATOR,
            Endpoint(account=AZURITE_ACCOUNT),
            preview,
            "context",
            v,
            notes=("Azurite well-known key",),
        )
    if service == S.COSMOS_DB and v == COSMOS_EMULATOR_KEY:
        return classified(
            service,
            kind,
            V.DEV_EMULATOR,
            Endpoint(),
            preview,
            "context",
            v,
            notes=("Cosmos DB emulator well-known key",),
        )
    return classified(service, kind, V.SECRET, Endpoint(), preview, "context", v, Confidence.MEDIUM)
