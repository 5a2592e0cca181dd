"""Reads of a secret-bearing setting or field by name, in any language.

`setting_names.rule_for` knows the Azure names (`AZURE_CLIENT_SECRET`, `ServiceBusConnection`,
`MasterKey`).  Code also reads secrets under names of its own: `config("STATE_STORE_KEY")`,
`this.appConfig.TextAnalyticsKey`, `settings.TEST_USER_PASSWORD`.  A name whose last word says it
holds a key, secret, password, token or connection string is such a read: `secret_name` says what it
holds, `read_evidence` reports the read as a consumer (method `setting-read`, kept by linking, unlike
a plain `lookup` of a name nothing else knows).
"""

from __future__ import annotations

import re
from functools import lru_cache

from scanners import setting_names
from scanners.evidence import Evidence
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind

_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# The last word(s) of a name that hold a credential, and the kind each holds.
_ENDINGS: tuple[tuple[re.Pattern[str], CredentialKind], ...] = (
    (re.compile(r"(^|_)(connection_?string|conn_?str(ing)?)s?$"), K.CONNECTION_STRING),
    (re.compile(r"(^|_)(password|passwd|pwd)$"), K.PASSWORD),
    (re.compile(r"(^|_)secret$"), K.GENERIC_SECRET),
    (
        re.compile(r"_(api_?key|subscription_?key|access_?key|account_?key|master_?key|auth_?key|key)$"),
        K.API_KEY,
    ),
    (re.compile(r"_token$"), K.GENERIC_SECRET),
)
# Words before `key` / `token` that make the name no credential (`PartitionKey`, `CancellationToken`).
_NOT_SECRET_RE = re.compile(
    r"(^|_)(partition|row|public|sort|cache|hash|foreign|primary_index|lookup|dictionary|map|idempotency|"
    r"cancellation|continuation|page|next|refresh_page|csrf|xsrf|anti_forgery|id|name|type|path|file|"
    r"vault|field|column|header|prefix|version|secret_name|key_name|setting)_(key|token)$"
    r"|_(name|id|uri|url|endpoint|path|file|type|header|length|size|version|enabled|expiry|expires)$"
)


@lru_cache(maxsize=8192)
def words(name: str) -> str:
    """`TextAnalyticsKey` / `text-analytics.key` → `text_analytics_key`."""
    return setting_names.normalise(_CAMEL_RE.sub("_", name.strip()))


@lru_cache(maxsize=8192)
def secret_name(name: str | None) -> tuple[ServiceType, CredentialKind] | None:
    """(service, kind) of the secret a setting or field named `name` holds, or None."""
    if not name or len(name) > 120:
        return None
    rule = setting_names.rule_for(name)
    if rule is not None:
        return rule.service, rule.kind
    n = words(name)
    if _NOT_SECRET_RE.search(n):
        return None
    for pattern, kind in _ENDINGS:
        if pattern.search(n):
            return setting_names.service_hint(name) or S.GENERIC, kind
    return None


def read_evidence(line: int, name: str, preview: str, note: str | None = None) -> Evidence | None:
    """A consumer reading the secret setting or field `name` (None when the name holds no secret)."""
    facts = secret_name(name)
    if facts is None:
        return None
    return Evidence(
        line=line,
        role=EvidenceRole.CODE_CONSUMER,
        name=name,
        service=facts[0],
        kind=facts[1],
        value_class=ValueClass.REFERENCE,
        preview=preview,
        note=note,
        method="setting-read",
    )
