"""Redacted previews: the shape of a value with every secret part replaced by `***`.

Previews are built from an allow-list: only parts known to be non-secret (protocol, account
name, host, database, user name, options) are shown; every other value is masked.  A shown value is
itself cleaned: a userinfo password and every query part not on the list (`sig=`) are masked,
whatever the setting's name.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from scanners.connection_strings import ParsedConnection

MASK = "***"
MAX_PREVIEW = 200

SHOWN_KEYS = frozenset(
    k.replace(" ", "")
    for k in (
        "defaultendpointsprotocol",
        "accountname",
        "endpointsuffix",
        "blobendpoint",
        "queueendpoint",
        "tableendpoint",
        "fileendpoint",
        "endpoint",
        "accountendpoint",
        "sharedaccesskeyname",
        "entitypath",
        "server",
        "data source",
        "datasource",
        "initial catalog",
        "database",
        "host",
        "port",
        "user id",
        "userid",
        "uid",
        "username",
        "user",
        "dbname",
        "sslmode",
        "ssl mode",
        "encrypt",
        "trustservercertificate",
        "connection timeout",
        "connect timeout",
        "authentication",
        "version",
        "authtype",
        "ingestionendpoint",
        "liveendpoint",
        "applicationid",
        "multipleactiveresultsets",
        "persist security info",
        "integrated security",
        "trusted_connection",
        "driver",
        "usedevelopmentstorage",
        "usedevelopmentemulator",
        "ssl",
        "abortconnect",
        "tenantid",
        "clientid",
        "databasename",
        "address",
        "addr",
        "aadaudience",
        "transporttype",
        "sslprotocols",
        "connecttimeout",
        "synctimeout",
        "pooling",
        "application name",
        "applicationintent",
        "multisubnetfailover",
        "authorization",
        "sv",
        "se",
        "sp",
        "spr",
        "st",
        "sr",
        "srt",
        "ss",
        "authenticationpluginclassname",
        "retrywrites",
        "replicaset",
        "maxidletimems",
        "appname",
        "tls",
        "authsource",
        "authmechanism",
    )
)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_PREVIEW else text[: MAX_PREVIEW - 1] + "…"


_USERINFO_PASSWORD_RE = re.compile(r"(//[^/?#@:\s]*):\S*@")  # to the last `@`: a password may hold `/?#`
_KEY_RUN_RE = re.compile(r"[A-Za-z0-9+/_-]{32,}={0,2}")
_INNER_PAIR_RE = re.compile(r"(^|[?&;])([^?&;=]*)=([^&;]*)")


def _without_credentials(value: str) -> str:
    """A shown value (an endpoint, a host) with any password in its userinfo and every query or
    inner `name=value` whose name is not shown masked: `https://u:***@host/?sv=2022-11-02&sig=***`."""
    value = _USERINFO_PASSWORD_RE.sub(lambda m: f"{m.group(1)}:{MASK}@", value)
    return _INNER_PAIR_RE.sub(
        lambda m: (
            m.group(0)
            if m.group(2).strip().lower().replace(" ", "") in SHOWN_KEYS
            else f"{m.group(1)}{m.group(2)}={MASK if m.group(3) else ''}"
        ),
        value,
    )


def _looks_like_a_key(value: str) -> bool:
    """A run of 32 or more base64 characters mixing upper case, lower case and digits."""
    return any(
        len(run) >= 32 and re.search("[A-Z]", run) and re.search("[a-z]", run) and re.search("[0-9]", run)
        for run in _KEY_RUN_RE.findall(value)
    )


def _show(key: str, value: str) -> str:
    k = key.lower().replace(" ", "")
    if k in SHOWN_KEYS and len(value) <= 120:
        shown = _without_credentials(value)
        if not _looks_like_a_key(shown):
            return shown
    return MASK if value else ""


def preview_pairs(parsed: ParsedConnection, sep: str = ";") -> str:
    return _clip(sep.join(f"{k}={_show(k, v)}" for k, v in parsed.pairs))


def preview_redis(parsed: ParsedConnection) -> str:
    head = parsed.host or ""
    if parsed.port:
        head += f":{parsed.port}"
    return _clip(",".join([head, *(f"{k}={_show(k, v)}" for k, v in parsed.pairs)]))


def preview_libpq(parsed: ParsedConnection) -> str:
    return _clip(" ".join(f"{k}={_show(k, v)}" for k, v in parsed.pairs))


def preview_uri(parsed: ParsedConnection) -> str:
    scheme = parsed.scheme or ""
    prefix = "jdbc:" if parsed.form == "jdbc" else ""
    auth = ""
    if parsed.username is not None or parsed.password is not None:
        user = quote(parsed.username or "", safe="")
        auth = f"{user}:{MASK}@" if parsed.password is not None else f"{user}@"
    host = parsed.host or ""
    port = f":{parsed.port}" if parsed.port else ""
    path = parsed.path or ""
    out = f"{prefix}{scheme}://{auth}{host}{port}{path}"
    if parsed.pairs:
        out += ";" + ";".join(f"{k}={_show(k, v)}" for k, v in parsed.pairs)
    if parsed.query:
        out += "?" + "&".join(f"{k}={_show(k, v)}" for k, v in parsed.query)
    return _clip(out)


def preview_named(name: str | None, shown_value: str | None = None) -> str:
    """`NAME=***`, or the value itself when it is known not to be secret."""
    value = MASK if shown_value is None else shown_value
    return _clip(f"{name}={value}" if name else value)


def preview_plain(value: str) -> str:
    """A value that holds no secret (reference, endpoint, placeholder), clipped."""
    return _clip(value.strip())
