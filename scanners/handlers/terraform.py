"""Terraform configurations and variable files (`*.tf`, `*.tfvars`).

Regex-based, over the whole text.  Finds:
- references to key-bearing attributes (`azurerm_storage_account.sa.primary_access_key`, ...)
  assigned to app settings, connection strings, other resources or outputs;
- literal secrets in HCL (`administrator_login_password = "..."`, literal connection strings in
  `app_settings`), handed to the classifier with a service hint from the enclosing resource;
- `variable` blocks marked `sensitive = true` with a literal `default`;
- `admin_enabled = true` on container registries.
Previews are built from identifiers only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers import iac_secret_wiring
from scanners.handlers.lexing import (
    HCL,
    Statement,
    direct_matches,
    enclosing_objects,
    object_end,
    statement_at,
    statements,
)
from scanners.handlers.terraform_attributes import ATTRIBUTES, HINT_BY_RESOURCE
from scanners.key_wiring import KEY_WIRING_CLASS
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.setting_names import rule_for

S = ServiceType
K = CredentialKind
V = ValueClass

OUTPUT_NOTE = "output not marked sensitive: shown in plan/apply logs and stored in clear text in the state"
SENSITIVE_OUTPUT_NOTE = "output marked sensitive: hidden from logs, but stored in clear text in the state"
STATE_NOTE = "the key is read into the Terraform state in clear text"

_TOP_RE = re.compile(
    r"(?P<dec>)^(?P<kw>resource|data|output|variable|locals|module|provider|terraform|moved|import|check)\b"
    r'(?:\s+"(?P<name>[^"\n]*)")?(?:\s+"(?P<label2>[^"\n]*)")?',
    re.M,
)
_REF_RE = re.compile(
    r"(?<![\w.])(data\.)?((?:azurerm|azuread)_\w+)\.([A-Za-z_][\w-]*)(?:\[[^\]\n]{0,60}\])?\.([a-z_]+)\b"
)
_KEY_RE = re.compile(r'(?:^|[{,])[ \t]*(?:"([^"\n]{1,200})"|([A-Za-z_][\w\-]*))\s*=(?!=)', re.M)
_NAME_ATTR_RE = re.compile(r'(?:^|[{,])[ \t]*name\s*=\s*"([^"$\n]{1,200})"', re.M)
_LITERAL_RE = re.compile(
    r'(?:^|[{,])[ \t]*(?:"([^"\n]{1,200})"|([A-Za-z_][\w\-]*))\s*=\s*"((?:[^"\\\n]|\\.){1,4096})"', re.M
)
_SECRETISH_RE = re.compile(r"passw|pwd|secret|(?:^|_)key$|token|sas|connection", re.I)
_PASSWORDISH_RE = re.compile(r"passw|pwd|secret", re.I)
_SENSITIVE_RE = re.compile(r"^\s*sensitive\s*=\s*true\b", re.M)
_DEFAULT_RE = re.compile(r'^\s*default\s*=\s*"((?:[^"\\\n]|\\.)*)"', re.M)
_ADMIN_ENABLED_RE = re.compile(r"^[ \t]*admin_enabled\s*=\s*true\b", re.M)
_KIND_OPENAI_RE = re.compile(r'^\s*kind\s*=\s*"OpenAI"', re.M | re.I)
_VALUE_KEYS = frozenset({"value", "connection_string"})
_TRAILING_IDENT_RE = re.compile(r"(?<![\w\-])[A-Za-z_][\w\-]*\Z")
_SKIP_LITERAL_KEYS = frozenset(
    {
        "name",
        "location",
        "resource_group_name",
        "type",
        "kind",
        "sku_name",
        "source",
        "version",
        "account_tier",
        "account_replication_type",
    }
)
_SETTING_BLOCKS = frozenset(
    {
        "app_settings",
        "connection_string",
        "settings",
        "environment_variables",
        "env",
        "secret",
        "secure_environment_variables",
    }
)


def _literal_ok(value: str) -> bool:
    return not (is_placeholder(value) or is_reference(value) or "${" in value or "%{" in value)


class TerraformHandler:
    name = "terraform"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in (".tf", ".tfvars")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        text = HCL.mask_comments(source.text)
        stmts = statements(text, _TOP_RE)
        starts = [s.start for s in stmts]
        labels = {m.start(): (m.group("name") or "", m.group("label2") or "") for m in _TOP_RE.finditer(text)}
        yield from self._references(source, text, stmts, starts, labels)
        yield from self._literals(source, text, stmts, starts, labels)
        yield from self._variables(source, text, stmts)
        yield from iac_secret_wiring.terraform(source)
        for m in _ADMIN_ENABLED_RE.finditer(text):
            st = statement_at(stmts, starts, m.start())
            if st is None or st.keyword != "resource" or not st.name.startswith("azurerm_container_registry"):
                continue
            yield Evidence(
                line=source.line_of(m.end()),
                role=EvidenceRole.IAC_ASSIGNMENT,
                name="admin_enabled",
                service=S.CONTAINER_REGISTRY,
                kind=K.ADMIN_PASSWORD,
                value_class=V.SECRET,
                preview=f"{st.name}.{labels[st.start][1]} admin user enabled",
                confidence=Confidence.HIGH,
                method="acr-admin-user",
            )

    def _references(
        self,
        source: SourceFile,
        text: str,
        stmts: list[Statement],
        starts: list[int],
        labels: dict[int, tuple[str, str]],
    ) -> Iterator[Evidence]:
        openai = self._openai_accounts(text, stmts, labels)
        for m in _REF_RE.finditer(text):
            data, rtype, rname, attr = m.group(1), m.group(2), m.group(3), m.group(4)
            rule = next((r for r in ATTRIBUTES if r[0].match(rtype) and r[1].match(attr)), None)
            if rule is None:
                continue
            _, _, service, kind, vclass = rule
            carries_key = vclass is V.SECRET  # the attribute holds a key: wiring, not a value here
            if carries_key:
                vclass = KEY_WIRING_CLASS
            if service is S.COGNITIVE_SERVICES and (rtype, rname) in openai:
                service = S.OPENAI
            target = f"{'data.' if data else ''}{rtype}.{rname}.{attr}"
            st = statement_at(stmts, starts, m.start())
            line = source.line_of(m.start())
            if st is not None and st.keyword == "output":
                body = text[st.start : st.end]
                sensitive = bool(_SENSITIVE_RE.search(body))
                note = None if not carries_key else (SENSITIVE_OUTPUT_NOTE if sensitive else OUTPUT_NOTE)
                yield Evidence(
                    line=line,
                    role=EvidenceRole.IAC_OUTPUT,
                    name=st.name,
                    service=service,
                    kind=kind,
                    value_class=vclass,
                    preview=f"output {st.name}{' (sensitive)' if sensitive else ''} = {target}",
                    note=note,
                    confidence=Confidence.HIGH,
                    method="attribute-reference",
                )
                continue
            name, parent = self._setting_name(text, m.start())
            if name is None and st is not None and st.keyword == "locals":
                name, parent = None, "locals"
            owner = ""
            if st is not None and st.keyword in ("resource", "data", "module"):
                owner = f"{st.name}.{labels[st.start][1]}" if st.keyword != "module" else f"module.{st.name}"
            where = (
                parent
                if parent in _SETTING_BLOCKS or not owner
                else f"{owner}{'.' + parent if parent else ''}"
            )
            preview = f"{where + ' ' if where else ''}{name + ' = ' if name else ''}{target}"
            note = STATE_NOTE if data and carries_key else None
            yield Evidence(
                line=line,
                role=EvidenceRole.IAC_ASSIGNMENT,
                name=name,
                service=service,
                kind=kind,
                value_class=vclass,
                preview=preview,
                note=note,
                confidence=Confidence.HIGH,
                method="attribute-reference",
            )

    @staticmethod
    def _openai_accounts(
        text: str, stmts: list[Statement], labels: dict[int, tuple[str, str]]
    ) -> set[tuple[str, str]]:
        out: set[tuple[str, str]] = set()
        for st in stmts:
            if st.keyword == "resource" and st.name in ("azurerm_cognitive_account", "azurerm_ai_services"):
                if _KIND_OPENAI_RE.search(text, st.start, st.end):
                    out.add((st.name, labels[st.start][1]))
        return out

    @staticmethod
    def _setting_name(text: str, pos: int) -> tuple[str | None, str | None]:
        objects = enclosing_objects(text, pos)
        if not objects:
            line_start = text.rfind("\n", 0, pos) + 1
            m = re.match(r'[ \t]*"?([A-Za-z_][\w.\-:]*)"?\s*=', text[line_start:pos])
            return (m.group(1) if m else None), None
        inner = objects[0]
        keys = direct_matches(text, inner, pos, _KEY_RE)
        key = (keys[-1].group(1) or keys[-1].group(2)) if keys else None
        parent = TerraformHandler._parent_key(text, inner)
        if key is not None and key.lower() not in _VALUE_KEYS:
            return key, parent
        names = direct_matches(text, inner, object_end(text, inner), _NAME_ATTR_RE)
        if names:
            return names[0].group(1), parent
        return key, parent

    @staticmethod
    def _parent_key(text: str, brace: int) -> str | None:
        head = text[max(0, brace - 200) : brace].rstrip()
        for wrapper in ("merge(", "tomap("):
            if head.endswith(wrapper):
                head = head[: -len(wrapper)].rstrip()
        if head.endswith("="):
            head = head[:-1].rstrip()
        if head.endswith('"'):
            return None  # a block label: `resource "type" "name" {`
        m = _TRAILING_IDENT_RE.search(head[-120:])
        return m.group(0) if m else None

    def _literals(
        self,
        source: SourceFile,
        text: str,
        stmts: list[Statement],
        starts: list[int],
        labels: dict[int, tuple[str, str]],
    ) -> Iterator[Evidence]:
        tfvars = source.path.suffix.lower() == ".tfvars"
        for m in _LITERAL_RE.finditer(text):
            key = m.group(1) or m.group(2)
            value = m.group(3).replace('\\"', '"').replace("\\\\", "\\")
            st = statement_at(stmts, starts, m.start())
            if st is not None and st.keyword in ("variable", "output", "terraform", "provider"):
                continue
            rtype = st.name if st is not None and st.keyword in ("resource", "data") else ""
            name = key
            if key.lower() in _VALUE_KEYS:
                objects = enclosing_objects(text, m.end(), levels=1)
                if objects:
                    found = direct_matches(text, objects[0], object_end(text, objects[0]), _NAME_ATTR_RE)
                    if found:
                        name = found[0].group(1)
            if key.lower() in _SKIP_LITERAL_KEYS:
                continue
            if not (
                tfvars
                or rule_for(name) is not None
                or _SECRETISH_RE.search(name)
                or _SECRETISH_RE.search(key)
                or "=" in value
                or "://" in value
            ):
                continue
            hint = next((s for p, s in HINT_BY_RESOURCE if p.match(rtype)), None)
            line = source.line_of(m.start(3))
            yield Evidence(
                line=line,
                role=EvidenceRole.IAC_ASSIGNMENT,
                name=name,
                value=value,
                service=hint,
                method="hcl-literal",
            )
            if (
                _PASSWORDISH_RE.search(key)
                and rule_for(name) is None
                and _literal_ok(value)
                and "://" not in value
                and ";" not in value
            ):
                kind = K.CLIENT_SECRET if "secret" in key.lower() else K.PASSWORD
                owner = f"{rtype}.{labels[st.start][1]} " if rtype and st is not None else ""
                yield Evidence(
                    line=line,
                    role=EvidenceRole.IAC_ASSIGNMENT,
                    name=name,
                    service=hint or S.GENERIC,
                    kind=kind,
                    value_class=V.SECRET,
                    preview=f"{owner}{key} is a literal value",
                    confidence=Confidence.HIGH,
                    method="hcl-literal",
                )

    def _variables(self, source: SourceFile, text: str, stmts: list[Statement]) -> Iterator[Evidence]:
        for st in stmts:
            if st.keyword != "variable" or not st.name:
                continue
            body = text[st.start : st.end]
            d = _DEFAULT_RE.search(body)
            if d is None:
                continue
            sensitive = bool(_SENSITIVE_RE.search(body))
            value = d.group(1)
            line = source.line_of(st.start + d.start(1))
            if not (sensitive or _SECRETISH_RE.search(st.name)):
                continue
            yield Evidence(
                line=line,
                role=EvidenceRole.IAC_ASSIGNMENT,
                name=st.name,
                value=value,
                method="variable-default",
            )
            if sensitive and _literal_ok(value):
                yield Evidence(
                    line=line,
                    role=EvidenceRole.IAC_ASSIGNMENT,
                    name=st.name,
                    service=S.GENERIC,
                    kind=K.PASSWORD,
                    value_class=V.SECRET,
                    preview=f"sensitive variable {st.name} has a default value",
                    confidence=Confidence.HIGH,
                    method="variable-default",
                )
