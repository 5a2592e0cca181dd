"""Redacted previews: the shape of a value with every secret part replaced by `***`.

Previews are built from an allow-list: only parts known to be non-secret (protocol, account
name, host, database, user name, options) are shown; every other value is masked.
"""

from __future__ import annotations

from urllib.parse import quote

from scanners.connection_strings import ParsedConnection

MASK = "***"
MAX_PREVIEW = 200

SHOWN_KEYS = frozenset(
    k.replace(" ", "")
    for k in (
        "defaultendpointsprotocol", "accountname", "endpointsuffix", "blobendpoint", "queueendpoint",
        "tableendpoint", "fileendpoint", "endpoint", "accountendpoint", "sharedaccesskeyname",
        "entitypath", "server", "data source", "datasource", "initial catalog", "database", "host",
        "port", "user id", "userid", "uid", "username", "user", "dbname", "sslmode", "ssl mode",
        "encrypt", "trustservercertificate", "connection timeout", "connect timeout",
        "authentication", "version", "authtype", "ingestionendpoint", "liveendpoint",
        "applicationid", "multipleactiveresultsets", "persist security info", "integrated security",
        "trusted_connection", "driver", "usedevelopmentstorage", "usedevelopmentemulator", "ssl",
        "abortconnect", "tenantid", "clientid", "databasename", "address", "addr", "aadaudience",
        "transporttype", "sslprotocols", "connecttimeout", "synctimeout", "pooling", "application name",
        "applicationintent", "multisubnetfailover", "authorization", "sv", "se", "sp", "spr", "st",
        "sr", "srt", "ss", "authenticationpluginclassname", "retrywrites", "replicaset",
        "maxidletimems", "appname", "tls", "authsource", "authmechanism",
    )
)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_PREVIEW else text[: MAX_PREVIEW - 1] + "…"


def _show(key: str, value: str) -> str:
    k = key.lower().replace(" ", "")
    if k in SHOWN_KEYS and len(value) <= 120:
        return value
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
