"""JSON configuration files (appsettings*.json, local.settings.json, any other `*.json`).

Every string value is offered to the classifier under its hierarchical setting name: the key
path joined with `:` (`ConnectionStrings:Storage`), the way .NET configuration names it.  In
`local.settings.json` the `Values` section holds plain app settings, so its prefix is dropped.
ARM templates are left to the `arm-templates` handler.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.json_tokens import JArr, JObj, JStr, JValue, parse
from scanners.records import EvidenceRole

ARM_MARKER_RE = re.compile(r"deployment(?:Template|Parameters)\.json#", re.IGNORECASE)

MAX_VALUE = 16384


def is_arm_text(text: str) -> bool:
    return ARM_MARKER_RE.search(text, 0, 4096) is not None or ARM_MARKER_RE.search(text) is not None


# `type` values of App Service connection strings (`az webapp config connection-string list`).
CONNECTION_TYPES = frozenset(
    {
        "sqlazure",
        "sqlserver",
        "mysql",
        "postgresql",
        "custom",
        "rediscache",
        "docdb",
        "eventhub",
        "servicebus",
        "notificationhub",
        "apihub",
    }
)


def pair_name(node: JObj) -> str | None:
    """The setting an App Service style `{name, value}` / `{name, connectionString}` item sets."""
    name = node.get_str("name")
    if not name or name.startswith("[") or len(name) > 200:
        return None
    if node.get("connectionString") is not None:
        return f"ConnectionStrings:{name}"
    if node.get("value") is None:
        return None
    if (node.get_str("type") or "").lower() in CONNECTION_TYPES:
        return f"ConnectionStrings:{name}"
    return name


def iter_named_strings(root: JValue | None) -> Iterator[tuple[tuple[str, ...], str | None, JStr]]:
    """Every string value with its key path, and the setting name when a `{name, value}` item
    says which setting the value belongs to."""
    if root is None:
        return
    todo: list[tuple[tuple[str, ...], JValue, str | None]] = [((), root, None)]
    while todo:
        path, node, override = todo.pop()
        if isinstance(node, JStr):
            yield path, override, node
        elif isinstance(node, JObj):
            named = pair_name(node)
            for key, _, value in reversed(node.pairs):
                k = key.lower()
                sub = named if named and k in ("value", "connectionstring") else None
                todo.append(((*path, key), value, sub))
        elif isinstance(node, JArr):
            for i in range(len(node.items) - 1, -1, -1):
                todo.append(((*path, str(i)), node.items[i], None))


def setting_name(path: tuple[str, ...], local_settings: bool) -> str:
    if local_settings and len(path) > 1 and path[0].lower() == "values":
        path = path[1:]
    return ":".join(path)


class JsonConfigHandler:
    name = "json-config"

    def matches(self, path: PurePosixPath) -> bool:
        return path.name.lower().endswith(".json")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        if is_arm_text(source.text):
            return
        tree = parse(source.text)
        local = source.name_lower == "local.settings.json"
        for path, override, node in iter_named_strings(tree):
            if not path or len(node.value) > MAX_VALUE:
                continue
            yield Evidence(
                line=source.line_of(node.offset),
                role=EvidenceRole.CONFIG_VALUE,
                name=override or setting_name(path, local),
                value=node.value,
                method="json",
            )
