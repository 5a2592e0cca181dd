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
* **test fakes**: values a test or a sample marks as fake (`fake-key-123`, `tempPassword`);
* **what key and value say together** (`not_a_named_secret`): a key whose last word is a
  name/id/type word (`KeyvaultPasswordName`, `ResetPasswordPolicyId`), a one-word enum value
  (`"PasswordCredentials": "Auto"`), a constant holding its own name (`Masterkey = "masterkey"`),
  a value that spells its key word (`"secret": "iamsecret"`) or a keyboard/alphabet run.

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

# The last word of a key that makes its value a name or a description of a secret, not the
# secret: `...SecretName`, `...PolicyId`, `...KeyType`, `...Version`.  (`Uri`/`Url` keys are in
# URL_LAST_WORDS: a URL may carry a secret in its user info or query.)
METADATA_LAST_WORDS = frozenset(
    {
        "name",
        "names",
        "id",
        "ids",
        "type",
        "types",
        "kind",
        "mode",
        "version",
        "length",
        "expiry",
        "expiration",
        "expires",
        "ttl",
        "format",
        "algorithm",
        "label",
        "ref",
        "count",
        "size",
        "enabled",
        "policy",
        "scope",
        "header",
    }
)
URL_LAST_WORDS = frozenset({"uri", "url", "endpoint"})
# A URL with something secret in it: user info (`user:pass@`) or a signature/key in its query.
_URL_SECRET_RE = re.compile(
    r"://[^/@\s]*@|[?&;](?:sig|code|key|password|pwd|token|secret|accountkey|sharedaccesskey)=", re.I
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
    """The key written just before `value` on `line` (its first occurrence after a separator)."""
    pos = line.find(value) if value else -1
    for _ in range(8):  # the value may also occur inside its own name (`XKeySecretName = 'XKey'`)
        if pos == -1:
            return None
        m = _NAME_BEFORE_RE.search(line[max(0, pos - 100) : pos]) if pos else None
        if m:
            return m.group(1)
        pos = line.find(value, pos + 1)
    return None


def is_metadata_key(name: str | None) -> bool:
    """A key whose value names or describes a secret: one of METADATA_KEYS, or a key whose last
    word is a name/id/type word (`ResetPasswordPolicyId`, `KeyvaultPasswordName`, `XKeySecretName`,
    `resources:3:properties:keyType`).  The leaf of a `:` `.` `/` `__` path is what counts."""
    if not name:
        return False
    leaf = _leaf(name)
    n = leaf.lower().replace("-", "").replace("_", "")
    if n in METADATA_KEYS:
        return True
    words = key_words(leaf)
    return len(words) >= 2 and words[-1] in METADATA_LAST_WORDS


def _exact_metadata(name: str | None) -> str | None:
    if not name:
        return None
    return "metadata" if _leaf(name).lower().replace("-", "").replace("_", "") in METADATA_KEYS else None


def _leaf(name: str) -> str:
    return re.split(r"__|[:./\\]", name.strip().strip("\"'"))[-1]


_WORD_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def key_words(name: str) -> list[str]:
    """The lower-cased words of a key: camelCase, snake_case, kebab-case (`ClientSecretName` ->
    client, secret, name)."""
    return [w.lower() for w in _WORD_RE.findall(name)]


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
STAND_IN_REASONS = frozenset({"test-fake", "base64 of a stand-in", "filler", "own-name"})


def not_a_secret(line: str, value: str, by_shape: bool = False) -> str | None:
    """Why `value`, found on `line`, is not a credential; None when nothing says so.  A value
    found `by_shape` (a vendor token's own pattern, `AKIA...`) is what its shape says whatever
    its key is called, so only the exact metadata keys apply to it (as detect-secrets'
    `is_likely_id_string` spares its regex plugins)."""
    name = name_before(line, value)
    named = _exact_metadata(name) if by_shape else not_a_named_secret(name, value)
    if named is not None:
        return named
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


def not_a_named_secret(name: str | None, value: str) -> str | None:
    """Why the value of key `name` is no credential, by what the key and the value say together:
    `metadata` (the key names or describes a secret), `locator` (a URL with no secret in it under
    a `...Uri`/`...Url`/`...Endpoint` key), `enum` (a one-word mode such as `Auto`),
    `own-name` (a constant holding its own name: `Masterkey = "masterkey"`), `filler` (a value
    that spells its key word, `"secret": "iamsecret"`, or a keyboard/alphabet/digit run).  None
    when nothing says so.  `own-name` and `filler` are stand-ins: the slot is still inventoried."""
    v = value.strip().strip("\"'")
    if not name or not v:
        return None
    if is_metadata_key(name):
        return "metadata"
    words = key_words(_leaf(name))
    if words and words[-1] in URL_LAST_WORDS and not _URL_SECRET_RE.search(v):
        return "locator"
    if _ENUM_WORD_RE.fullmatch(v):
        return "enum"
    squeezed = _squeeze(v)
    if squeezed and _IDENTIFIER_RE.fullmatch(v) and squeezed == _squeeze(_leaf(name)):
        return "own-name"
    if spells_key_word(words, squeezed) or is_keyboard_run(v):
        return "filler"
    return None


# One capitalised word: the value of an enum-like setting (`Auto`, `None`, `Files`, `Account`).
_ENUM_WORD_RE = re.compile(r"[A-Z][a-z]{1,11}")
_IDENTIFIER_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.:\-]*")
_CREDENTIAL_WORDS = frozenset({"secret", "password", "passwd", "pwd", "key", "token", "pass"})
MAX_FILLER = 5  # letters around a key word in a value that only spells it (`iam`, `my`, `test`)


def _squeeze(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def spells_key_word(words: list[str], squeezed: str) -> bool:
    """`iamsecret` for `secret`, `iamanestedsecret` for `nested_secret`, `mypassword` for
    `password`: the value is its key's credential words plus a few letters of filler."""
    if not words or words[-1] not in _CREDENTIAL_WORDS or not squeezed.isalpha():
        return False
    for start in range(len(words)):
        spelled = "".join(words[start:])
        pos = squeezed.find(spelled)
        if pos != -1 and len(squeezed) - len(spelled) <= MAX_FILLER:
            return True
    return False


_RUNS = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789012345678901234567890",
    "9876543210987654321",
    "qwertyuiopasdfghjklzxcvbnm",
    "1234567890",
)
_RUN_RE = re.compile(r"[a-z]+|\d+")


def is_keyboard_run(value: str) -> bool:
    """A value made of alphabet, digit or keyboard-row runs (`abcdefg0123456789`, `qwerty123`):
    typed filler, never a generated key.  (detect-secrets' `is_sequential_string` asks the same
    of a whole string; this takes a value run by run.)"""
    v = value.strip().lower()
    if len(v) < 6 or not v.isalnum():
        return False
    runs = _RUN_RE.findall(v)
    return len(runs) <= 3 and all(len(r) >= 3 and any(r in seq for seq in _RUNS) for r in runs)
