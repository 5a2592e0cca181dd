"""Sibling settings: a key found without an endpoint gets the endpoint of the setting beside it.

`AZURE_OPENAI_API_KEY` and `AZURE_OPENAI_ENDPOINT` in one `.env`, `"OpenAI": {"Endpoint", "ApiKey"}`
in appsettings.json, `spring.cloud.azure.storage.blob.account-name` / `account-key`, a compose
`environment:` block or a Kubernetes `env:` list: the two settings share a file, a section and a
stem (the name without its key or endpoint suffix).  The endpoint is read from the sibling's value
(a URL, a host name, or a bare account / namespace / server name), never from the key, and the item
says where it came from in its notes.  Only host names and resource names are kept: a sibling value
that carries user info or a query is ignored.

Code pairs them too, when it builds a client from an endpoint and a key: see
`scanners.code_siblings`, which reads settings and endpoints with this module's `settings_of` and
`endpoint_from_value`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import yaml

from scanners.records import ConnectionStringAuditItem, Endpoint, FileLocation, ServiceType, ValueClass
from scanners.service_catalog import first_label, is_local_host, service_for_host

S = ServiceType

# Longest first: `accountkey` must win over `key`.
_KEY_SUFFIXES = (
    "sharedaccesskey",
    "primaryaccesskey",
    "primarykey",
    "accountkey",
    "accesskey",
    "adminkey",
    "masterkey",
    "querykey",
    "apikey",
    "password",
    "credential",
    "secret",
    "key",
    "pwd",
)
_ENDPOINT_SUFFIXES = (
    "fullyqualifiednamespace",
    "endpointurl",
    "endpointuri",
    "loginserver",
    "accountname",
    "servicename",
    "servername",
    "hostname",
    "namespace",
    "endpoint",
    "account",
    "server",
    "host",
    "name",
    "url",
    "uri",
)
# The Endpoint field that names each service's resource when the sibling holds a bare name.
_NAME_FIELD = {
    S.STORAGE: "account",
    S.COSMOS_DB: "account",
    S.COSMOS_MONGO: "account",
    S.SERVICE_BUS: "namespace",
    S.EVENT_HUBS: "namespace",
    S.SQL: "server",
    S.POSTGRESQL: "server",
    S.MYSQL: "server",
    S.REDIS: "server",
}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,62}$")
_HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}$")
_LINE_RE = re.compile(r"""^\s*(?:export\s+)?([A-Za-z_][\w.\-]*)\s*[=:]\s*["']?([^"'\s#]*)""")
_ADD_KEY_RE = re.compile(r"""<add\s+key\s*=\s*["']([^"']+)["']\s+value\s*=\s*["']([^"']*)["']""", re.I)
_SECTION_RE = re.compile(r"[:.]|__")  # `Foo:Bar`, `foo.bar`, `Foo__Bar`


@dataclass(frozen=True, slots=True)
class Setting:
    section: str
    name: str  # the full name as the scanners spell it
    value: str


def _stem(leaf: str, suffixes: Sequence[str]) -> str | None:
    n = re.sub(r"[^a-z0-9]", "", leaf.lower())
    for s in suffixes:
        if n.endswith(s):
            return n[: -len(s)]
    return None


def _split(name: str) -> tuple[str, str]:
    parts = _SECTION_RE.split(name)
    return ":".join(parts[:-1]), parts[-1]


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[Setting]:
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                yield from _walk(v, (*path, str(k)))
            elif isinstance(v, (str, int)) and not isinstance(v, bool):
                yield Setting(":".join(path), str(k), str(v))
    elif isinstance(node, list):
        for entry in node:
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("name"), str)
                and ("value" in entry or "valueFrom" in entry)
            ):
                value = entry.get("value")
                if isinstance(value, str):  # a Kubernetes env list, an App Service settings array
                    yield Setting(":".join(path), entry["name"], value)
            elif isinstance(entry, str) and "=" in entry:  # a compose `environment:` list
                k, _, v = entry.partition("=")
                yield Setting(":".join(path), k.strip(), v.strip())
            elif isinstance(entry, (dict, list)):
                yield from _walk(entry, path)


def settings_of(path: str, text: str) -> list[Setting]:
    """The name/value settings of one config file, each with its section; [] when it is not a
    config file this module reads, or it does not parse."""
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    try:
        if lower.endswith(".json"):
            return list(_walk(json.loads(text), ()))
        if lower.endswith((".yml", ".yaml")):
            return [s for doc in yaml.safe_load_all(text) for s in _walk(doc, ())]
    except (ValueError, yaml.YAMLError, RecursionError):
        return []
    if lower.endswith(".config"):  # web.config / app.config `<appSettings>`: `<add key=".." value=".."/>`
        return [Setting(_split(k)[0], k, v) for k, v in _ADD_KEY_RE.findall(text)]
    if name.startswith(".env") or lower.endswith((".env", ".properties", ".ini", ".cfg")):
        out: list[Setting] = []
        for line in text.splitlines():
            m = _LINE_RE.match(line)
            if m:
                out.append(Setting(_split(m.group(1))[0], m.group(1), m.group(2)))
        return out
    return []


def endpoint_from_value(value: str, service: ServiceType) -> Endpoint | None:
    """The endpoint a sibling's value names: a URL's host, a host name, or a bare resource name
    (for the services whose resource is named by one); None for anything else."""
    v = value.strip()
    if not v or any(t in v for t in ("${", "{{", "<", "$(")):
        return None
    if "://" in v:
        parts = urlsplit(v)
        if parts.username or parts.password or parts.query:
            return None
        host = parts.hostname
    elif _HOST_RE.match(v):
        host = v
    elif _NAME_RE.match(v) and service in _NAME_FIELD:
        return Endpoint(**{_NAME_FIELD[service]: v.lower()})
    else:
        return None
    if not host or is_local_host(host):
        return None
    by_host = service_for_host(host)
    if by_host is not None and by_host is not service and {by_host, service} != {S.SERVICE_BUS, S.EVENT_HUBS}:
        return None  # the sibling names another service's host
    field = _NAME_FIELD.get(service)
    return Endpoint(host=host.lower(), **({field: first_label(host)} if field else {}))


def _find(item: ConnectionStringAuditItem, settings: Sequence[Setting]) -> tuple[Setting, Endpoint] | None:
    name = item.setting_name or ""
    own = next((s for s in settings if s.name.lower() == name.lower()), None)
    if own is None:
        section, leaf = _split(name)
        own = next(
            (s for s in settings if s.section.lower() == section.lower() and s.name.lower() == leaf.lower()),
            None,
        )
    if own is None:
        return None
    stem = _stem(_split(own.name)[1], _KEY_SUFFIXES)
    if stem is None:
        return None
    for s in settings:
        if s is own or s.section.lower() != own.section.lower():
            continue
        other = _stem(_split(s.name)[1], _ENDPOINT_SUFFIXES)
        if other is None or other != stem:
            continue
        endpoint = endpoint_from_value(s.value, item.service_type)
        if endpoint is not None:
            return s, endpoint
    return None


def with_sibling_endpoints(
    path: str, text: str, items: list[ConnectionStringAuditItem]
) -> list[ConnectionStringAuditItem]:
    """`items` with the endpoint of a sibling setting filled in where a key had none."""
    wanting = [
        i
        for i in items
        if i.setting_name
        and i.endpoint.is_empty()
        and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE)
        and isinstance(i.location, FileLocation)
    ]
    if not wanting:
        return items
    settings = settings_of(path, text)
    if not settings:
        return items
    resolved: dict[int, ConnectionStringAuditItem] = {}
    for i in wanting:
        found = _find(i, settings)
        if found is None:
            continue
        sibling, endpoint = found
        shown = f"{sibling.section}:{sibling.name}" if path.lower().endswith(".json") else sibling.name
        note = f"endpoint from the sibling setting {shown.lstrip(':')} in the same file"
        resolved[id(i)] = replace(i, endpoint=endpoint, notes=tuple(sorted({*i.notes, note})))
    return [resolved.get(id(i), i) for i in items]


def with_setting_siblings(
    settings: list[tuple[str, str]], items: list[ConnectionStringAuditItem]
) -> list[ConnectionStringAuditItem]:
    """The same for the app settings of one live app (`Foo__Endpoint` beside `Foo__ApiKey`,
    `X_ENDPOINT` beside `X_KEY`): `settings` are (name, value) pairs of that app or slot."""
    wanting = [
        i
        for i in items
        if i.setting_name
        and i.endpoint.is_empty()
        and i.value_class in (ValueClass.SECRET, ValueClass.REFERENCE)
    ]
    if not wanting:
        return items
    pool = [Setting(_split(n)[0], n, v) for n, v in settings]
    resolved: dict[int, ConnectionStringAuditItem] = {}
    for i in wanting:
        found = _find(i, pool)
        if found is not None:
            sibling, endpoint = found
            note = f"endpoint from the sibling app setting {sibling.name} of the same app"
            resolved[id(i)] = replace(i, endpoint=endpoint, notes=tuple(sorted({*i.notes, note})))
    return [resolved.get(id(i), i) for i in items]
