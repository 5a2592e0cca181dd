"""ARM JSON templates and parameter files.

A template that calls `listKeys(...)` (or `listConnectionStrings`, `listAdminKeys`,
`listQueryKeys`, `listCredentials`) copies a key into the deployment: reported as a secret,
with the service taken from the resource type the call names.  `securestring` / `secureObject`
parameters with a literal default, parameter files with literal secrets, and parameter files that
reference Key Vault are reported too.  Every other string is offered to the classifier, named
after the app setting it fills when that can be told.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.classifier import classify
from scanners.evidence import Evidence, SourceFile
from scanners.handlers.arm_secret_resources import secret_resources
from scanners.handlers.azure_resource_types import provider_for
from scanners.handlers.iac_secret_wiring import (
    CONNECTOR_AUTH_TEXT,
    SECRET_AUTH_TYPES,
    SECRET_PROPERTIES,
    WIRED_PROPERTY_TEXT,
)
from scanners.handlers.json_config import MAX_VALUE, is_arm_text
from scanners.json_tokens import JArr, JObj, JStr, JValue, parse
from scanners.key_wiring import KEY_WIRING_CLASS
from scanners.placeholders import is_placeholder
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.setting_names import service_hint

S = ServiceType
K = CredentialKind

LIST_FUNC_RE = re.compile(
    r"\b(listKeys|listConnectionStrings|listAdminKeys|listQueryKeys|listCredentials)\s*\(", re.I
)
RESOURCE_TYPE_RE = re.compile(r"Microsoft\.[A-Za-z]+(?:/[A-Za-z]+)*", re.I)
VARIABLE_RE = re.compile(r"\b(variables|parameters)\s*\(\s*'([^']{1,200})'\s*\)", re.I)

# Keys whose string values are structure, never configuration.
STRUCTURAL_KEYS = frozenset(
    {
        "type",
        "apiversion",
        "location",
        "kind",
        "$schema",
        "contentversion",
        "dependson",
        "condition",
        "comments",
        "metadata",
        "scope",
    }
)
SECURE_TYPES = frozenset({"securestring", "secureobject"})
SETTING_ARRAYS = frozenset({"appsettings", "connectionstrings"})
_SECRET_PROPERTIES = frozenset(p.lower() for p in SECRET_PROPERTIES)
_SECRET_AUTH_TYPES = frozenset(t.lower() for t in SECRET_AUTH_TYPES)


class ArmTemplateHandler:
    name = "arm-templates"

    def matches(self, path: PurePosixPath) -> bool:
        return path.name.lower().endswith(".json")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        if not is_arm_text(source.text):
            return
        root = parse(source.text)
        if not isinstance(root, JObj):
            return
        scan = _Scan(source, root)
        yield from scan.run()
        yield from secret_resources(source, root)


class _Scan:
    def __init__(self, source: SourceFile, root: JObj) -> None:
        self.source = source
        self.root = root
        self.is_params_file = bool(
            re.search(r"deploymentParameters\.json#", root.get_str("$schema") or "", re.I)
        )

    def line(self, node: JValue) -> int:
        return self.source.line_of(node.offset)

    def run(self) -> Iterator[Evidence]:
        # (path, node, setting name override, is output)
        todo: list[tuple[tuple[str, ...], JValue, str | None, bool]] = [((), self.root, None, False)]
        while todo:
            path, node, override, output = todo.pop()
            if isinstance(node, JStr):
                yield from self.string(path, node, override, output)
            elif isinstance(node, JArr):
                for i in range(len(node.items) - 1, -1, -1):
                    todo.append(((*path, str(i)), node.items[i], None, output))
            elif isinstance(node, JObj):
                if len(path) == 1 and path[0].lower() == "parameters":
                    yield from self.parameters(node)
                    continue
                children = self.children(path, node, output)
                todo.extend(reversed(children))

    def children(
        self, path: tuple[str, ...], node: JObj, output: bool
    ) -> list[tuple[tuple[str, ...], JValue, str | None, bool]]:
        out: list[tuple[tuple[str, ...], JValue, str | None, bool]] = []
        parent = path[-2].lower() if len(path) >= 2 else ""
        # `appSettings: [{name, value}]` / `connectionStrings: [{name, connectionString}]`
        setting = None
        if parent in SETTING_ARRAYS and path[-1].isdigit():
            literal = node.get_str("name")
            if literal and not literal.startswith("["):
                setting = literal if parent == "appsettings" else f"ConnectionStrings:{literal}"
        # `Microsoft.Web/sites/config` named `appsettings` / `connectionstrings`
        config_kind = self.site_config_kind(node)
        for key, _, value in node.pairs:
            k = key.lower()
            child_output = output or k == "outputs"
            override = None
            if k in STRUCTURAL_KEYS and isinstance(value, JStr):
                continue
            if len(path) == 2 and path[0].lower() == "outputs" and k == "value":
                override = path[1]
            if setting and k in ("value", "connectionstring"):
                override = setting
            if config_kind and k == "properties" and isinstance(value, JObj):
                for name, _, v in value.pairs:
                    if config_kind == "appsettings":
                        out.append(((*path, key, name), v, name, child_output))
                    elif isinstance(v, JObj):
                        cs_name = f"ConnectionStrings:{name}"
                        for sub, _, sv in v.pairs:
                            out.append(
                                (
                                    (*path, key, name, sub),
                                    sv,
                                    cs_name if sub.lower() == "value" else None,
                                    child_output,
                                )
                            )
                    else:
                        out.append(((*path, key, name), v, f"ConnectionStrings:{name}", child_output))
                continue
            out.append(((*path, key), value, override, child_output))
        return out

    @staticmethod
    def site_config_kind(node: JObj) -> str | None:
        rtype = (node.get_str("type") or "").lower()
        if not (rtype.endswith("/config") or rtype == "config"):
            return None
        name = (node.get_str("name") or "").lower().rstrip("')] ")
        for kind in ("appsettings", "connectionstrings"):
            if name.endswith(kind):
                return kind
        return None

    def string(
        self, path: tuple[str, ...], node: JStr, override: str | None, output: bool
    ) -> Iterator[Evidence]:
        value = node.value
        if not path or len(value) > MAX_VALUE:
            return
        name = override or ":".join(path)
        role = EvidenceRole.IAC_OUTPUT if output else EvidenceRole.IAC_ASSIGNMENT
        m = LIST_FUNC_RE.search(value)
        if m:
            yield self.list_call(m.group(1), value, name, role, self.line(node))
            return
        wiring = self.secret_wiring(path[-1], value)
        if wiring is not None:
            yield Evidence(
                line=self.line(node),
                role=role,
                name=name,
                service=S.GENERIC,
                kind=K.PASSWORD,
                value_class=ValueClass.REFERENCE,
                preview=wiring,
                method="secret-wiring",
            )
            return
        yield Evidence(line=self.line(node), role=role, name=name, value=value, method="arm")
        if path[-1].lower() == "securevalue" and not (is_placeholder(value) or value.startswith("[")):
            yield Evidence(
                line=self.line(node),
                role=role,
                name=name,
                service=S.GENERIC,
                kind=K.PASSWORD,
                value_class=ValueClass.SECRET,
                preview="secure environment variable is set to a literal value",
                method="secure-value-literal",
            )

    @staticmethod
    def secret_wiring(key: str, value: str) -> str | None:
        """The preview of a property that hands a secret on from an expression (`"adminPassword":
        "[parameters('p')]"`) or connects with a secret (Service Connector `authType`), else None."""
        k = key.lower()
        if value.startswith("[") and k in _SECRET_PROPERTIES:
            return WIRED_PROPERTY_TEXT
        if k == "authtype" and value.lower() in _SECRET_AUTH_TYPES:
            return CONNECTOR_AUTH_TEXT
        return None

    def resource_type_in(self, expr: str, depth: int = 0) -> str | None:
        m = RESOURCE_TYPE_RE.search(expr)
        if m:
            return m.group(0)
        if depth > 3:
            return None
        for vm in VARIABLE_RE.finditer(expr):
            section = self.root.get(vm.group(1))
            if not isinstance(section, JObj):
                continue
            target = section.get(vm.group(2))
            if isinstance(target, JObj):  # a parameter: look at its default
                target = target.get("defaultValue")
            if isinstance(target, JStr):
                found = self.resource_type_in(target.value, depth + 1)
                if found:
                    return found
        return None

    def list_call(self, func: str, value: str, name: str, role: EvidenceRole, line: int) -> Evidence:
        rtype = self.resource_type_in(value)
        found = provider_for(rtype) if rtype else None
        if found is None:
            service = service_hint(name) or (
                S.CONTAINER_REGISTRY if func.lower() == "listcredentials" else S.GENERIC
            )
            kind = K.ADMIN_PASSWORD if service == S.CONTAINER_REGISTRY else K.GENERIC_SECRET
        else:
            service, kind = found
        if func.lower() in ("listadminkeys", "listquerykeys"):
            service, kind = S.AI_SEARCH, K.API_KEY
        shown_type = rtype if rtype and re.fullmatch(r"[A-Za-z./]{1,120}", rtype) else "resource"
        where = "output" if role is EvidenceRole.IAC_OUTPUT else "deployment"
        return Evidence(
            line=line,
            role=role,
            name=name,
            service=service,
            kind=kind,
            value_class=KEY_WIRING_CLASS,
            preview=f"{func}({shown_type})",
            note=f"{func}() copies a key of the resource into the {where}",
            method="list-keys",
        )

    def parameters(self, section: JObj) -> Iterator[Evidence]:
        for pname, _, spec in section.pairs:
            if not isinstance(spec, JObj):
                continue
            ptype = (spec.get_str("type") or "").lower()
            default = spec.get("defaultValue")
            if ptype in SECURE_TYPES and default is not None:
                yield from self.secure_default(pname, default)
                continue
            ref = spec.get("reference")
            if isinstance(ref, JObj) and isinstance(ref.get("keyVault"), JObj):
                yield Evidence(
                    line=self.line(spec),
                    role=EvidenceRole.IAC_ASSIGNMENT,
                    name=pname,
                    service=S.KEY_VAULT,
                    kind=K.SECRET_REFERENCE,
                    value_class=ValueClass.REFERENCE,
                    preview=f"parameter {pname} is read from Key Vault",
                    method="keyvault-reference",
                )
                continue
            # Plain parameters: their values (parameter files) and defaults (templates).
            for key in ("value", "defaultValue"):
                v = spec.get(key)
                if isinstance(v, JStr):
                    yield from self.string(("parameters", pname, key), v, pname, False)
                elif isinstance(v, (JObj, JArr)):
                    yield from self.nested_strings(("parameters", pname, key), v)

    def nested_strings(self, path: tuple[str, ...], node: JValue) -> Iterator[Evidence]:
        todo: list[tuple[tuple[str, ...], JValue]] = [(path, node)]
        while todo:
            p, n = todo.pop()
            if isinstance(n, JStr):
                yield from self.string(p, n, None, False)
            elif isinstance(n, JObj):
                todo.extend(((*p, k), v) for k, _, v in reversed(n.pairs))
            elif isinstance(n, JArr):
                todo.extend(((*p, str(i)), v) for i, v in reversed(list(enumerate(n.items))))

    def secure_default(self, pname: str, default: JValue) -> Iterator[Evidence]:
        if isinstance(default, JStr):
            value = default.value
            if not value.strip() or value.strip().startswith("["):
                return  # empty, or an expression such as [newGuid()]
            line = self.line(default)
            yield Evidence(
                line=line, role=EvidenceRole.IAC_ASSIGNMENT, name=pname, value=value, method="secure-default"
            )
            if classify(value, pname) is not None:
                return
            value_class = ValueClass.PLACEHOLDER if is_placeholder(value) else ValueClass.SECRET
        elif isinstance(default, JObj) and default.pairs:
            line = self.line(default)
            value_class = ValueClass.SECRET
        else:
            return
        yield Evidence(
            line=line,
            role=EvidenceRole.IAC_ASSIGNMENT,
            name=pname,
            service=S.GENERIC,
            kind=K.PASSWORD,
            value_class=value_class,
            preview=f"securestring parameter {pname} has a default value",
            method="secure-default",
        )
