"""Bicep templates and parameter files (`*.bicep`, `*.bicepparam`).

Regex-based, over the whole text: resource declarations give each symbol its type, then every
key-fetching call (`sa.listKeys()`, `listKeys(sa.id, ...)`, `listKeys(resourceId('Microsoft...'))`,
`cosmos.listConnectionStrings()`, `acr.listCredentials()`, `search.listAdminKeys()` ...) becomes
evidence that a key is materialised into an app setting, a variable or a deployment output.
No literal value is ever copied into a preview: previews are built from identifiers only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers import iac_secret_wiring
from scanners.handlers.azure_resource_types import LIST_KEYS_KINDS, service_for_type, service_from_identifier
from scanners.handlers.lexing import (
    BICEP,
    Statement,
    direct_matches,
    enclosing_objects,
    object_end,
    statement_at,
    statements,
)
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.setting_names import IDENTITY_SUFFIXES, identity_suffix, leaf, rule_for, service_hint

S = ServiceType
K = CredentialKind

OUTPUT_NOTE = "deployment outputs are stored in the deployment history in clear text: do not output keys"
SECURE_OUTPUT_NOTE = "output is marked @secure(): not kept in deployment history, but the key still exists"
VAULT_COPY_NOTE = "key copied into a Key Vault secret: the key itself still exists"

_RESOURCE_RE = re.compile(
    r"^[ \t]*resource\s+([A-Za-z_]\w*)\s+'([^'@]+)(?:@[^']*)?'\s+(?:existing\s*)?=", re.M
)
_TOP_RE = re.compile(
    r"(?P<dec>(?:^[ \t]*@[^\n]*\n)*)^(?P<kw>resource|output|param|var|module|type|func|import|"
    r"metadata|targetScope|using|extension)\b(?:\s+(?P<name>[A-Za-z_]\w*))?",
    re.M,
)
_KIND_OPENAI_RE = re.compile(r"^\s*kind:\s*'OpenAI'", re.M | re.I)
_KIND_MONGO_RE = re.compile(r"^\s*kind:\s*'MongoDB'", re.M | re.I)

_FETCH_FUNCS = (
    r"listKeys|listConnectionStrings|listCredentials|listAdminKeys|listQueryKeys|"
    r"listAccountSas|listServiceSas|listSecrets|listKeyValue|listAuthKeys"
)
# `sym.listKeys(`
_METHOD_FETCH_RE = re.compile(r"\b([A-Za-z_]\w*)(?:\[[^\]\n]{0,40}\])?\s*\.\s*(" + _FETCH_FUNCS + r")\s*\(")
# `listKeys(sym.id, ...)`, `listKeys(resourceId('Microsoft...', ...), ...)`, `listKeys(someId, ...)`
_FUNC_FETCH_RE = re.compile(r"(?<![.\w])(" + _FETCH_FUNCS + r")\s*\(\s*([^\n]{0,300})")
_RESOURCE_ID_TYPE_RE = re.compile(
    r"^\s*(?:\w+\.)?(?:resourceId|extensionResourceId|subscriptionResourceId)\s*\("
    r"[^)]*?'((?:Microsoft|microsoft)\.[A-Za-z]+/[^']+)'"
)
_SYMBOL_ID_RE = re.compile(r"^\s*([A-Za-z_]\w*)(?:\[[^\]\n]{0,40}\])?\.id\b")
_PLAIN_ARG_RE = re.compile(r"^\s*([A-Za-z_]\w*)\s*[,)]")
_INSIGHTS_RE = re.compile(
    r"\b([A-Za-z_]\w*)(?:\[[^\]\n]{0,40}\])?\.properties\.(InstrumentationKey|ConnectionString)\b"
)
_REFERENCE_INSIGHTS_RE = re.compile(
    r"\breference\(([^\n]{0,300}?)\)\.(?:properties\.)?(InstrumentationKey|ConnectionString)\b"
)
_GET_SECRET_RE = re.compile(
    r"\b(?:([A-Za-z_]\w*)\s*\.\s*getSecret|az\s*\.\s*getSecret)\s*\(([^\n)]{0,300})\)"
)
_ACR_ADMIN_RE = re.compile(r"\badminUserEnabled\s*:\s*true\b")
_SECURE_PARAM_RE = re.compile(
    r"@secure\(\)(?:\s*@[\w.]+\((?:[^()'\n]|'(?:[^'\\\n]|\\.)*')*\))*\s*param\s+([A-Za-z_]\w*)\s+string\s*=\s*"
    r"'((?:[^'\\\n]|\\.)*)'"
)
_BICEPPARAM_RE = re.compile(r"^[ \t]*param\s+([A-Za-z_]\w*)\s*=\s*'((?:[^'\\\n]|\\.)*)'", re.M)
_SECRETISH_NAME_RE = re.compile(r"passw|pwd|secret|token|(^|_)key$|Key$", re.I)
_KEY_RE = re.compile(r"(?:^|[{,])[ \t]*(?:'([^'\n]{1,200})'|([A-Za-z_][\w]*))\s*:(?!:)", re.M)
_NAME_PROP_RE = re.compile(r"(?:^|[{,])[ \t]*name\s*:\s*'([^'$\n]{1,200})'", re.M)
_VALUE_KEYS = frozenset({"value", "connectionstring", "secretvalue"})
_LITERAL_RE = re.compile(
    r"(?:^|[{,])[ \t]*(?:'([^'\n]{1,200})'|([A-Za-z_]\w*))\s*:\s*'((?:[^'\\\n]|\\.){3,4096})'", re.M
)
# `{ name: 'X__accountName', value: <expression> }` and `X__fullyQualifiedNamespace: <expression>`
_IDENTITY_PAIR_RE = re.compile(
    r"\bname\s*:\s*'([^'$\n]{1,200}__[A-Za-z]+)'\s*(?:,\s*|\n\s*)value\s*:\s*([A-Za-z_][\w.()\[\]:]{0,200})"
)
_IDENTITY_PROP_RE = re.compile(
    r"(?:^|[{,])[ \t]*(?:'([^'$\n]{1,200}__[A-Za-z]+)'|([A-Za-z_]\w*__[A-Za-z]+))\s*:\s*([A-Za-z_][\w.()\[\]:]{0,200})",
    re.M,
)
_SKIP_LITERAL_KEYS = frozenset({"name", "location", "kind", "type", "scope", "dependson", "tier", "sku"})
_LITERAL_WORTH_RE = re.compile(r"=|://|passw|pwd|secret|key|token|connection", re.I)


@dataclass(frozen=True, slots=True)
class _Fetch:
    pos: int
    symbol: str
    func: str
    service: ServiceType | None
    confidence: Confidence


class BicepHandler:
    name = "bicep"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in (".bicep", ".bicepparam")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        raw = source.text
        text = BICEP.mask_comments(raw)
        types = self._resource_types(text)
        stmts = statements(text, _TOP_RE)
        starts = [s.start for s in stmts]
        seen: set[tuple[int, str, str]] = set()
        yield from iac_secret_wiring.bicep(source)

        for fetch in self._fetches(text, types):
            key = (source.line_of(fetch.pos), fetch.symbol, fetch.func)
            if key in seen:
                continue
            seen.add(key)
            service = fetch.service or S.GENERIC
            kind = LIST_KEYS_KINDS.get(service, K.ACCESS_KEY)
            if fetch.func in ("listAccountSas", "listServiceSas"):
                kind = K.SAS
            yield self._materialised(
                source,
                text,
                stmts,
                starts,
                fetch.pos,
                service,
                kind,
                ValueClass.SECRET,
                f"{fetch.symbol}.{fetch.func}()",
                "list-keys",
                fetch.confidence,
            )

        for m in _INSIGHTS_RE.finditer(text):
            rtype = types.get(m.group(1))
            if rtype is None or service_for_type(rtype) is not S.APPLICATION_INSIGHTS:
                continue
            yield self._materialised(
                source,
                text,
                stmts,
                starts,
                m.start(),
                S.APPLICATION_INSIGHTS,
                K.INSTRUMENTATION_KEY,
                ValueClass.LOCATOR,
                f"{m.group(1)}.properties.{m.group(2)}",
                "app-insights",
                Confidence.HIGH,
            )
        for m in _REFERENCE_INSIGHTS_RE.finditer(text):
            arg = m.group(1)
            sm = _SYMBOL_ID_RE.match(arg)
            rm = _RESOURCE_ID_TYPE_RE.match(arg)
            rtype = types.get(sm.group(1)) if sm else (rm.group(1) if rm else None)
            if "insights" not in (rtype or arg).lower():
                continue
            yield self._materialised(
                source,
                text,
                stmts,
                starts,
                m.start(),
                S.APPLICATION_INSIGHTS,
                K.INSTRUMENTATION_KEY,
                ValueClass.LOCATOR,
                f"reference().{m.group(2)}",
                "app-insights",
                Confidence.HIGH,
            )

        for m in _GET_SECRET_RE.finditer(text):
            if (
                m.group(1)
                and m.group(1) != "az"
                and types.get(m.group(1), "microsoft.keyvault/vaults").lower() != "microsoft.keyvault/vaults"
            ):
                continue
            secret = re.findall(r"'([A-Za-z0-9-]{1,127})'", m.group(2))
            shown = f"getSecret({secret[-1]})" if secret else "getSecret()"
            target = f"{m.group(1)}.{shown}" if m.group(1) else f"az.{shown}"
            yield self._materialised(
                source,
                text,
                stmts,
                starts,
                m.start(),
                S.KEY_VAULT,
                K.SECRET_REFERENCE,
                ValueClass.REFERENCE,
                target,
                "key-vault-get-secret",
                Confidence.HIGH,
            )

        for m in _ACR_ADMIN_RE.finditer(text):
            st = statement_at(stmts, starts, m.start())
            rtype = types.get(st.name, "") if st and st.keyword == "resource" else ""
            if service_for_type(rtype) is not S.CONTAINER_REGISTRY:
                continue
            yield Evidence(
                line=source.line_of(m.start()),
                role=EvidenceRole.IAC_ASSIGNMENT,
                name="adminUserEnabled",
                service=S.CONTAINER_REGISTRY,
                kind=K.ADMIN_PASSWORD,
                value_class=ValueClass.SECRET,
                preview=f"{st.name if st else 'registry'} admin user enabled",
                confidence=Confidence.HIGH,
                method="acr-admin-user",
            )

        yield from self._parameters(source, text)
        yield from self._literals(source, text)
        yield from self._identity_settings(source, text, types)

    @staticmethod
    def _resource_types(text: str) -> dict[str, str]:
        types: dict[str, str] = {}
        last_full = ""
        for m in _RESOURCE_RE.finditer(text):
            sym, rtype = m.group(1), m.group(2)
            if "/" in rtype and "." in rtype.split("/", 1)[0]:
                if m.start() == text.rfind("\n", 0, m.start()) + 1:  # top level
                    last_full = rtype
            elif last_full:
                rtype = f"{last_full}/{rtype}"  # nested child resource
            types[sym] = rtype
            if service_for_type(rtype) is S.COGNITIVE_SERVICES or service_for_type(rtype) is S.COSMOS_DB:
                body = text[m.end() : object_end(text, text.find("{", m.end()), 4000)]
                if _KIND_OPENAI_RE.search(body):
                    types[sym] = rtype + "#openai"
                elif _KIND_MONGO_RE.search(body):
                    types[sym] = rtype + "#mongo"
        return types

    @staticmethod
    def _service_of(rtype: str) -> ServiceType | None:
        if rtype.endswith("#openai"):
            return S.OPENAI
        if rtype.endswith("#mongo"):
            return S.COSMOS_MONGO
        return service_for_type(rtype)

    def _fetches(self, text: str, types: dict[str, str]) -> Iterator[_Fetch]:
        for m in _METHOD_FETCH_RE.finditer(text):
            sym = m.group(1)
            if sym == "az":
                continue
            rtype = types.get(sym)
            if rtype is not None:
                yield _Fetch(
                    m.start(), sym, m.group(2), self._service_of(rtype) or S.GENERIC, Confidence.HIGH
                )
            else:
                yield _Fetch(m.start(), sym, m.group(2), service_from_identifier(sym), Confidence.MEDIUM)
        for m in _FUNC_FETCH_RE.finditer(text):
            func, arg = m.group(1), m.group(2)
            sm = _SYMBOL_ID_RE.match(arg)
            if sm:
                rtype = types.get(sm.group(1))
                service = self._service_of(rtype) if rtype else service_from_identifier(sm.group(1))
                yield _Fetch(
                    m.start(), sm.group(1), func, service, Confidence.HIGH if rtype else Confidence.MEDIUM
                )
                continue
            rm = _RESOURCE_ID_TYPE_RE.match(arg)
            if rm:
                yield _Fetch(m.start(), "resourceId", func, service_for_type(rm.group(1)), Confidence.HIGH)
                continue
            pm = _PLAIN_ARG_RE.match(arg)
            symbol = pm.group(1) if pm else "expression"
            yield _Fetch(
                m.start(), symbol, func, service_from_identifier(symbol) if pm else None, Confidence.MEDIUM
            )

    def _materialised(
        self,
        source: SourceFile,
        text: str,
        stmts: list[Statement],
        starts: list[int],
        pos: int,
        service: ServiceType,
        kind: CredentialKind,
        value_class: ValueClass,
        target: str,
        method: str,
        confidence: Confidence,
    ) -> Evidence:
        st = statement_at(stmts, starts, pos)
        line = source.line_of(pos)
        note: str | None = None
        if st is not None and st.keyword == "output":
            secure = "@secure()" in st.decorators.replace(" ", "")
            if value_class is ValueClass.SECRET:
                note = SECURE_OUTPUT_NOTE if secure else OUTPUT_NOTE
            return Evidence(
                line=line,
                role=EvidenceRole.IAC_OUTPUT,
                name=st.name,
                service=service,
                kind=kind,
                value_class=value_class,
                preview=f"output {st.name} = {target}",
                note=note,
                confidence=confidence,
                method=method,
            )
        name, context = self._setting_name(text, pos)
        if name is None and st is not None and st.keyword in ("var", "param") and st.name:
            name, context = st.name, st.keyword
        if (
            st is not None
            and st.keyword == "resource"
            and "keyvault/vaults/secrets" in text[st.start : st.start + 200].lower()
        ):
            note = VAULT_COPY_NOTE if value_class is ValueClass.SECRET else None
            context = "Key Vault secret"
        preview = f"{context + ' ' if context else ''}{name + ' = ' if name else ''}{target}"
        return Evidence(
            line=line,
            role=EvidenceRole.IAC_ASSIGNMENT,
            name=name,
            service=service,
            kind=kind,
            value_class=value_class,
            preview=preview,
            note=note,
            confidence=confidence,
            method=method,
        )

    @staticmethod
    def _setting_name(text: str, pos: int) -> tuple[str | None, str | None]:
        """The app setting / property the expression at `pos` is assigned to, and its parent key."""
        objects = enclosing_objects(text, pos)
        if not objects:
            return None, None
        inner = objects[0]
        keys = [m for m in direct_matches(text, inner, pos, _KEY_RE)]
        key = (keys[-1].group(1) or keys[-1].group(2)) if keys else None
        parent = BicepHandler._parent_key(text, inner)
        if key is not None and key.lower() not in _VALUE_KEYS:
            return key, parent
        for start in objects:
            names = direct_matches(text, start, object_end(text, start), _NAME_PROP_RE)
            if names:
                return names[0].group(1), BicepHandler._parent_key(text, start)
        return key, parent

    @staticmethod
    def _parent_key(text: str, brace: int) -> str | None:
        head = text[max(0, brace - 200) : brace].rstrip()
        if head.endswith("["):
            head = head[:-1].rstrip()
        if not head.endswith(":"):
            return None
        m = re.search(r"(?<!\w)[A-Za-z_]\w*\Z", head[:-1].rstrip()[-120:])
        return m.group(0) if m else None

    def _identity_settings(self, source: SourceFile, text: str, types: dict[str, str]) -> Iterator[Evidence]:
        """Identity-based settings whose value is an expression (literals go to the classifier)."""
        found = [(m.group(1), m.group(2), m.start(2)) for m in _IDENTITY_PAIR_RE.finditer(text)]
        found += [
            (m.group(1) or m.group(2), m.group(3), m.start(3)) for m in _IDENTITY_PROP_RE.finditer(text)
        ]
        for name, expr, pos in found:
            split = identity_suffix(name)
            if split is None:
                continue
            prefix, suffix = split
            symbol = re.split(r"[.\[(:]", expr, maxsplit=1)[0]
            rtype = types.get(symbol)
            service = self._service_of(rtype) if rtype else None
            if service not in (S.STORAGE, S.SERVICE_BUS, S.EVENT_HUBS, S.COSMOS_DB):
                service = IDENTITY_SUFFIXES.get(suffix)
                hinted = service_hint(prefix)
                if service is S.SERVICE_BUS and hinted is S.EVENT_HUBS:
                    service = S.EVENT_HUBS
                if service is None:
                    service = hinted or (S.STORAGE if leaf(prefix) == "azurewebjobsstorage" else S.GENERIC)
            yield Evidence(
                line=source.line_of(pos),
                role=EvidenceRole.IAC_ASSIGNMENT,
                name=name,
                service=service,
                kind=K.IDENTITY,
                value_class=ValueClass.PASSWORDLESS,
                preview=f"{name} = {re.sub(r'[^A-Za-z0-9_.()]', '', expr)[:80]}",
                confidence=Confidence.HIGH,
                method="identity-setting",
            )

    def _literals(self, source: SourceFile, text: str) -> Iterator[Evidence]:
        """String literals assigned to object properties: app settings, connection strings."""
        for m in _LITERAL_RE.finditer(text):
            key = m.group(1) or m.group(2)
            value = m.group(3).replace("\\'", "'")
            if key.lower() in _SKIP_LITERAL_KEYS:
                continue
            if not (_LITERAL_WORTH_RE.search(key) or _LITERAL_WORTH_RE.search(value)):
                continue
            name = key
            if key.lower() in _VALUE_KEYS:
                objects = enclosing_objects(text, m.start(3), levels=1)
                if objects:
                    names = direct_matches(text, objects[0], object_end(text, objects[0]), _NAME_PROP_RE)
                    if names:
                        name = names[0].group(1)
            yield Evidence(
                line=source.line_of(m.start(3)),
                role=EvidenceRole.IAC_ASSIGNMENT,
                name=name,
                value=value,
                method="literal",
            )

    def _parameters(self, source: SourceFile, text: str) -> Iterator[Evidence]:
        for m in _SECURE_PARAM_RE.finditer(text):
            name, value = m.group(1), m.group(2)
            line = source.line_of(m.start(1))
            yield Evidence(
                line=line,
                role=EvidenceRole.IAC_ASSIGNMENT,
                name=name,
                value=value,
                method="secure-param-default",
            )
            if not (is_placeholder(value) or is_reference(value) or "${" in value):
                yield Evidence(
                    line=line,
                    role=EvidenceRole.IAC_ASSIGNMENT,
                    name=name,
                    service=S.GENERIC,
                    kind=K.PASSWORD,
                    value_class=ValueClass.SECRET,
                    preview=f"secure parameter {name} has a default value",
                    confidence=Confidence.HIGH,
                    method="secure-param-default",
                )
        if source.path.suffix.lower() != ".bicepparam":
            return
        for m in _BICEPPARAM_RE.finditer(text):
            name, value = m.group(1), m.group(2)
            line = source.line_of(m.start(1))
            yield Evidence(
                line=line, role=EvidenceRole.IAC_ASSIGNMENT, name=name, value=value, method="bicepparam"
            )
            if (
                _SECRETISH_NAME_RE.search(name)
                and rule_for(name) is None
                and not (is_placeholder(value) or is_reference(value) or "${" in value)
            ):
                yield Evidence(
                    line=line,
                    role=EvidenceRole.IAC_ASSIGNMENT,
                    name=name,
                    service=S.GENERIC,
                    kind=K.PASSWORD,
                    value_class=ValueClass.SECRET,
                    preview=f"parameter {name} is set to a literal value",
                    confidence=Confidence.MEDIUM,
                    method="bicepparam",
                )
