"""The values a Bicep template writes itself: `@secure()` parameters with a default, `.bicepparam`
values, string literals assigned to properties (app settings, connection strings) and identity-based
settings whose value is an expression.  The key-fetching expressions are `bicep.py`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from scanners.evidence import Evidence, SourceFile
from scanners.handlers.lexing import direct_matches, enclosing_objects, object_end
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.setting_names import IDENTITY_SUFFIXES, identity_suffix, leaf, rule_for, service_hint

S = ServiceType
K = CredentialKind

_SECURE_PARAM_RE = re.compile(
    r"@secure\(\)(?:\s*@[\w.]+\((?:[^()'\n]|'(?:[^'\\\n]|\\.)*')*\))*\s*param\s+([A-Za-z_]\w*)\s+string\s*=\s*"
    r"'((?:[^'\\\n]|\\.)*)'"
)
_BICEPPARAM_RE = re.compile(r"^[ \t]*param\s+([A-Za-z_]\w*)\s*=\s*'((?:[^'\\\n]|\\.)*)'", re.M)
_SECRETISH_NAME_RE = re.compile(r"passw|pwd|secret|token|(^|_)key$|Key$", re.I)
NAME_PROP_RE = re.compile(r"(?:^|[{,])[ \t]*name\s*:\s*'([^'$\n]{1,200})'", re.M)
VALUE_KEYS = frozenset({"value", "connectionstring", "secretvalue", "securevalue"})
# `key: '` of a property whose value is a string; the string itself is read by `read_string`.
_LITERAL_RE = re.compile(r"(?:^|[{,])[ \t]*(?:'([^'\n]{1,200})'|([A-Za-z_]\w*))\s*:\s*'(?!'')", re.M)
MIN_LITERAL, MAX_LITERAL = 3, 4096
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


def identity_settings(
    source: SourceFile, text: str, types: dict[str, str], service_of: Callable[[str], ServiceType | None]
) -> Iterator[Evidence]:
    """Identity-based settings whose value is an expression (literals go to the classifier)."""
    found = [(m.group(1), m.group(2), m.start(2)) for m in _IDENTITY_PAIR_RE.finditer(text)]
    found += [(m.group(1) or m.group(2), m.group(3), m.start(3)) for m in _IDENTITY_PROP_RE.finditer(text)]
    for name, expr, pos in found:
        split = identity_suffix(name)
        if split is None:
            continue
        prefix, suffix = split
        symbol = re.split(r"[.\[(:]", expr, maxsplit=1)[0]
        rtype = types.get(symbol)
        service = service_of(rtype) if rtype else None
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


def read_string(text: str, start: int, limit: int = MAX_LITERAL) -> int | None:
    """The offset of the quote that closes the one-line Bicep string whose body starts at `start`,
    or None (no close on the line, or longer than `limit`).  An interpolation `${ ... }` is read
    as an expression: its braces nest and its own strings (`providers('Microsoft.Storage', ...)`,
    which may interpolate again) do not close the outer string."""
    stack = ["s"]  # s: string body, e: interpolation expression, b: a brace inside an expression
    i, end = start, min(len(text), start + limit + 1)
    while i < end:
        c = text[i]
        if c == "\n":
            return None
        top = stack[-1]
        if top == "s":
            if c == "\\":
                i += 2
                continue
            if c == "'":
                stack.pop()
                if not stack:
                    return i
            elif c == "$" and text.startswith("{", i + 1):
                stack.append("e")
                i += 2
                continue
        elif c == "'":
            stack.append("s")
        elif c == "{":
            stack.append("b")
        elif c == "}":
            stack.pop()
        i += 1
    return None


def literals(source: SourceFile, text: str) -> Iterator[Evidence]:
    """String literals assigned to object properties: app settings, connection strings."""
    pos = 0
    while (m := _LITERAL_RE.search(text, pos)) is not None:
        close = read_string(text, m.end())
        if close is None:
            pos = m.end()
            continue
        pos = close + 1
        if close - m.end() < MIN_LITERAL:
            continue
        key = m.group(1) or m.group(2)
        value = text[m.end() : close].replace("\\'", "'")
        value_start = m.end()
        if key.lower() in _SKIP_LITERAL_KEYS:
            continue
        secure = key.lower() == "securevalue"  # a deployment script's secure environment variable
        if not (secure or _LITERAL_WORTH_RE.search(key) or _LITERAL_WORTH_RE.search(value)):
            continue
        name = key
        if key.lower() in VALUE_KEYS:
            objects = enclosing_objects(text, value_start, levels=1)
            if objects:
                names = direct_matches(text, objects[0], object_end(text, objects[0]), NAME_PROP_RE)
                if names:
                    name = names[0].group(1)
        yield Evidence(
            line=source.line_of(value_start),
            role=EvidenceRole.IAC_ASSIGNMENT,
            name=name,
            value=value,
            method="literal",
        )
        if secure and _literal(value):
            yield _literal_secret(
                source.line_of(value_start),
                name,
                f"secure environment variable {name} is set to a literal value",
                "secure-value-literal",
            )


def parameters(source: SourceFile, text: str) -> Iterator[Evidence]:
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
        if _literal(value):
            yield _literal_secret(
                line, name, f"secure parameter {name} has a default value", "secure-param-default"
            )
    if source.path.suffix.lower() != ".bicepparam":
        return
    for m in _BICEPPARAM_RE.finditer(text):
        name, value = m.group(1), m.group(2)
        line = source.line_of(m.start(1))
        yield Evidence(
            line=line, role=EvidenceRole.IAC_ASSIGNMENT, name=name, value=value, method="bicepparam"
        )
        if _SECRETISH_NAME_RE.search(name) and rule_for(name) is None and _literal(value):
            yield _literal_secret(
                line, name, f"parameter {name} is set to a literal value", "bicepparam", Confidence.MEDIUM
            )


def _literal(value: str) -> bool:
    """A value written in the template itself: not a slot, a reference or an interpolation."""
    return not (is_placeholder(value) or is_reference(value) or "${" in value)


def _literal_secret(
    line: int, name: str, preview: str, method: str, confidence: Confidence = Confidence.HIGH
) -> Evidence:
    """A password-like value written in the template (the value itself is reported beside it)."""
    return Evidence(
        line=line,
        role=EvidenceRole.IAC_ASSIGNMENT,
        name=name,
        service=S.GENERIC,
        kind=K.PASSWORD,
        value_class=ValueClass.SECRET,
        preview=preview,
        confidence=confidence,
        method=method,
    )
