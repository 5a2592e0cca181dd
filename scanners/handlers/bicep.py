"""Bicep templates and parameter files (`*.bicep`, `*.bicepparam`).

Regex-based, over the whole text: resource declarations give each symbol its type, then every
key-fetching call (`sa.listKeys()`, `listKeys(sa.id, ...)`, `listKeys(resourceId('Microsoft...'))`,
`cosmos.listConnectionStrings()`, `acr.listCredentials()`, `search.listAdminKeys()` ...) becomes
evidence that a key is materialised into an app setting, a variable or a deployment output.
No literal value is ever copied into a preview: previews are built from identifiers only.
The values a template writes itself (secure parameter defaults, literals, identity-based settings)
are read by `bicep_values`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers import bicep_values, iac_secret_wiring
from scanners.handlers.azure_resource_types import LIST_KEYS_KINDS, service_for_type, service_from_identifier
from scanners.handlers.bicep_values import NAME_PROP_RE, VALUE_KEYS
from scanners.handlers.lexing import (
    BICEP,
    Statement,
    direct_matches,
    enclosing_objects,
    object_end,
    statement_at,
    statements,
)
from scanners.key_wiring import KEY_WIRING_CLASS, KEY_WIRING_METHODS
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind

OUTPUT_NOTE = "deployment outputs are stored in the deployment history in clear text: do not output keys"
SECURE_OUTPUT_NOTE = "output is marked @secure(): not kept in deployment history, but the key still exists"
VAULT_COPY_NOTE = "key copied into a Key Vault secret: the key itself still exists"

_RESOURCE_RE = re.compile(
    r"^[ \t]*resource\s+([A-Za-z_]\w*)\s+'([^'@]+)(?:@[^']*)?'\s+(?:existing\s*)?=", re.M
)
# At most 32 decorator lines are taken with a statement: unbounded, a file of decorators with no
# statement after them was re-read from every line (quadratic).
_TOP_RE = re.compile(
    r"(?P<dec>(?:^[ \t]*@[^\n]*\n){0,32}+)^(?P<kw>resource|output|param|var|module|type|func|import|"
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
_KEY_RE = re.compile(r"(?:^|[{,])[ \t]*(?:'([^'\n]{1,200})'|([A-Za-z_][\w]*))\s*:(?!:)", re.M)


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
                KEY_WIRING_CLASS,
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

        yield from bicep_values.parameters(source, text)
        yield from bicep_values.literals(source, text)
        yield from bicep_values.identity_settings(source, text, types, self._service_of)

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
        carries_key = method in KEY_WIRING_METHODS  # a key copied at deploy time (not a value here)
        if st is not None and st.keyword == "output":
            secure = "@secure()" in st.decorators.replace(" ", "")
            if carries_key:
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
            note = VAULT_COPY_NOTE if carries_key else None
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
        if key is not None and key.lower() not in VALUE_KEYS:
            return key, parent
        for start in objects:
            names = direct_matches(text, start, object_end(text, start), NAME_PROP_RE)
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
