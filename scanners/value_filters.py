"""Filters that tell a detector's candidate apart from a secret, kept apart from the detectors.

Detectors (the structured handlers, the line scanner, detect-secrets) propose values; these
filters say why a proposed value is not a credential at all, whatever proposed it:

* **metadata**: the value of a key that names or describes a secret rather than holding one
  (`publicKeyToken` of a .NET assembly binding, ARM `keyType`, `protectedAccountKeyName`,
  `secretName`, `secretRef`, a Cosmos DB `partitionKey` path, `AzureWebJobsSecretStorageType`,
  `UseDevelopmentStorage=false`, GitHub's `secrets: inherit`);
* **names**: a value that is itself a name: an environment-variable or setting name
  (`SB_SAMPLES_CONNECTIONSTRING`, `AzureWebJobsStorage`), an HTTP header name
  (`Aeg-Event-Type`), a PowerShell or shell variable (`$storageKey`);
* **test fakes**: values a test or a sample marks as fake (`fake-key-123`, `tempPassword`).

Each answer is a short reason (for notes and debugging), never the value.
"""

from __future__ import annotations

import base64
import binascii
import re

# Keys whose value describes a secret (its name, type, location or storage mode), never holds one.
METADATA_KEYS = frozenset(
    {
        "publickeytoken",  # .NET strong-name token of an assembly: public by design
        "keytype",  # ARM listKeys / regenerateKey parameter ("Primary", "Account")
        "keyname",
        "protectedaccountkeyname",  # Azure Media/Storage linked-account key *name*
        "secretname",
        "secretref",  # Container Apps: a reference to a secret by name
        "secretkeyref",
        "keyvaultsecretname",
        "partitionkey",  # Cosmos DB partition key path ("/customerId")
        "partitionkeypath",
        "partitionkeypaths",
        "azurewebjobssecretstoragetype",  # where Functions keeps its host keys ("Files", "Blob")
        "usedevelopmentstorage",
        "secrets",  # `secrets: inherit` of a reusable GitHub workflow
        "secretstoragetype",
        "authtype",
        "authenticationtype",
        "credentialtype",
        "keysource",
        "secrettype",
    }
)

_NAME_BEFORE_RE = re.compile(r"""([A-Za-z_][\w.\-]{0,80})["']?\s*(?::|=|=>)\s*["']?$""")
_ENV_NAME_RE = re.compile(
    r"[A-Z][A-Z0-9]*(?:[_.][A-Z0-9]+)+"
)  # SB_SAMPLES_CONNECTIONSTRING, SHARED.ACCESS.KEY
_HEADER_NAME_RE = re.compile(r"[A-Z][a-z]+(?:-[A-Z][A-Za-z]*){1,5}")  # Aeg-Event-Type
_VARIABLE_RE = re.compile(r"\$(?:env:)?[A-Za-z_][A-Za-z0-9_]*|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
_FAKE_RE = re.compile(r"^(?i:fake|temp|tmp|dummy|mock|stub|some)(?:[\W_]|[A-Z0-9]|$)")
_FAKE_WORD_RE = re.compile(r"(?i)(?:^|[\W_])(?:fake|dummy|mock)(?:[\W_]|$)")

# Names of settings that code keeps in constants (`StorageAccountKey = "AzureWebJobsStorage"`):
# a value equal to one of these is the name of the setting, not its content.
WELL_KNOWN_SETTING_NAMES = frozenset(
    {
        "azurewebjobsstorage",
        "azurewebjobsdashboard",
        "azurewebjobsservicebus",
        "azurewebjobseventhub",
        "azurewebjobscosmosdbconnectionstringname",
        "storageconnectionstring",
        "servicebusconnection",
        "servicebusconnectionstring",
        "eventhubconnectionstring",
        "cosmosdbconnection",
        "cosmosdbconnectionstring",
        "applicationinsights_connection_string",
        "appinsights_instrumentationkey",
        "website_contentazurefileconnectionstring",
    }
)


def name_before(line: str, value: str) -> str | None:
    """The key written just before the first occurrence of `value` on `line`, lower-cased."""
    pos = line.find(value)
    if pos <= 0:
        return None
    m = _NAME_BEFORE_RE.search(line[max(0, pos - 100) : pos])
    return m.group(1).lower().rsplit(".", 1)[-1].rsplit(":", 1)[-1] if m else None


def is_metadata_key(name: str | None) -> bool:
    if not name:
        return False
    n = name.strip().strip("\"'").lower().replace("-", "").replace("_", "")
    return n in METADATA_KEYS or n.rsplit(".", 1)[-1] in METADATA_KEYS


def looks_like_name(value: str) -> bool:
    """A value that is itself a name: environment variable, well-known setting, header, variable."""
    v = value.strip().strip("\"'")
    if not v or len(v) > 120:
        return False
    return bool(
        _ENV_NAME_RE.fullmatch(v)
        or v.lower() in WELL_KNOWN_SETTING_NAMES
        or _HEADER_NAME_RE.fullmatch(v)
        or _VARIABLE_RE.fullmatch(v)
    )


def looks_fake(value: str) -> bool:
    """A value a test or sample marks as fake: `fake-key`, `tempPassword1`, `my_dummy_secret`."""
    v = value.strip().strip("\"'")
    return bool(_FAKE_RE.match(v) or _FAKE_WORD_RE.search(v))


_BASE64_RE = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")


def base64_text(value: str) -> str | None:
    """The text a short base64 value encodes (a Kubernetes Secret's `data:`), None if it is not one."""
    v = value.strip().strip("\"'")
    if len(v) > 128 or len(v) % 4 or not _BASE64_RE.fullmatch(v):
        return None
    try:
        text = base64.b64decode(v, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if text.isprintable() else None


# Reasons that make a value a stand-in for a secret (a placeholder), not something else entirely.
STAND_IN_REASONS = frozenset({"test-fake", "base64 of a stand-in"})


def not_a_secret(line: str, value: str) -> str | None:
    """Why `value`, found on `line`, is not a credential; None when nothing says so."""
    if is_metadata_key(name_before(line, value)):
        return "metadata"
    decoded = base64_text(value)
    if decoded is not None and (looks_like_name(decoded) or looks_fake(decoded) or _is_filler(decoded)):
        return "base64 of a stand-in"
    if looks_like_name(value):
        return "name"
    if looks_fake(value):
        return "test-fake"
    return None


def _is_filler(text: str) -> bool:
    """A placeholder word (`password`, `changeme`), asked of the placeholder rules lazily: they
    import this module."""
    from scanners.placeholders import is_placeholder

    return is_placeholder(text)
