"""HTTP requests in scripts that send a key: `curl -H "Ocp-Apim-Subscription-Key: ..."`,
`--header 'api-key: $KEY'`, `Invoke-RestMethod -Headers @{'aeg-sas-key' = $key}`,
`$headers.Add("Ocp-Apim-Subscription-Key", $key)`, `-H "Authorization: EndpointKey $2"` and
`?subscription-key=$KEY` in a URL.

Which header means which service is the table of `scanners.handlers.key_headers`.  A literal
value goes to the classifier with the header's service and kind (a `{subscription key}` or
`INSERT_..._HERE` slot is a placeholder, a real-looking key a secret); a variable, a script
argument (`$2`, `%1`, `$args[0]`) or an expression is a reference.  On a comment line only a
literal that is not a slot is reported (a key pasted into a comment is still a secret).
Previews hold the header name and variable names only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from scanners.evidence import Evidence, SourceFile
from scanners.handlers import key_headers
from scanners.handlers.key_headers import KeyHeader
from scanners.handlers.script_arguments import ROLE, unquote, variable
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, ServiceType, ValueClass
from scanners.third_party import vendor_in_code

S = ServiceType
V = ValueClass

_NAMES = key_headers.header_names_pattern()
_SCHEMES = "(?i:" + "|".join(re.escape(h.name) for h in key_headers.AUTHORIZATION_SCHEMES) + ")"
_PARAMETERS = "(?i:" + "|".join(re.escape(h.name) for h in key_headers.KEY_QUERY_PARAMETERS) + ")"

# `"Ocp-Apim-Subscription-Key: value"` inside one quoted argument (curl, wget, httpie, az rest).
_COLON_HEADER_RE = re.compile(r"""(["'])[ \t]*(""" + _NAMES + r""")[ \t]*:[ \t]*((?:(?!\1)[^\n])*)\1""")
# `"Authorization: EndpointKey value"`.
_AUTH_HEADER_RE = re.compile(
    r"""(["'])[ \t]*(?i:Authorization)[ \t]*:[ \t]*(""" + _SCHEMES + r""")[ \t]+((?:(?!\1)[^\n])*)\1"""
)
# PowerShell: `@{'api-key' = $key}`, `$headers.Add("api-key", $key)`, `$headers["api-key"] = $key`.
_PS_HEADER_RE = re.compile(
    r"""(["']?)(""" + _NAMES + r""")\1\]?[ \t]*[=,][ \t]*("(?:[^"`\n]|`.)*"|'[^'\n]*'|\$[\w:.\[\]]+)"""
)
_PS_AUTH_RE = re.compile(
    r"""(["']?)(?i:Authorization)\1\]?[ \t]*[=,][ \t]*(["'])[ \t]*(""" + _SCHEMES + r""")[ \t]+([^"'\n]*)\2"""
)
_QUERY_RE = re.compile(r"""[?&](""" + _PARAMETERS + r""")=([^&\s"'#;|)]*)""")
_FIELDS = "|".join(re.escape(h.name) for h in key_headers.KEY_RESPONSE_FIELDS)
# `"primaryEndpointKey": "..."`: a key in sample output pasted into the script (often a comment).
_FIELD_RE = re.compile(r"""["'](""" + _FIELDS + r""")["'][ \t]*:[ \t]*["']([^"'\n]{1,512})["']""", re.I)
_WORDS = tuple(
    {
        h.name.lower()
        for table in (
            key_headers.KEY_HEADERS,
            key_headers.AUTHORIZATION_SCHEMES,
            key_headers.KEY_QUERY_PARAMETERS,
            key_headers.KEY_RESPONSE_FIELDS,
        )
        for h in table
    }
)
_LEAD_VAR_RE = re.compile(r"\$\{?(?:env:)?([A-Za-z_]\w*)")
_POSITIONAL_RE = re.compile(r"""^(?:\$\{?(\d)\}?|%(\d)|\$args\[(\d)\])$""")


def requests(source: SourceFile, text: str, commented: Callable[[int], bool]) -> Iterator[Evidence]:
    """Key headers and key query parameters in the script `text` (continuations blanked)."""
    low = source.lower
    if not any(w in low for w in _WORDS):
        return
    for m in _COLON_HEADER_RE.finditer(text):
        entry = key_headers.header(m.group(2))
        if entry is not None:
            yield from _value(source, text, m.start(2), entry, m.group(3), commented)
    for m in _AUTH_HEADER_RE.finditer(text):
        entry = key_headers.scheme(m.group(2))
        if entry is not None:
            yield from _value(source, text, m.start(2), entry, m.group(3), commented)
    if source.path.suffix.lower() in (".ps1", ".psm1"):
        for m in _PS_HEADER_RE.finditer(text):
            entry = key_headers.header(m.group(2))
            if entry is not None:
                yield from _value(source, text, m.start(2), entry, m.group(3), commented)
        for m in _PS_AUTH_RE.finditer(text):
            entry = key_headers.scheme(m.group(3))
            if entry is not None:
                yield from _value(source, text, m.start(3), entry, m.group(4), commented)
    for m in _FIELD_RE.finditer(text):
        entry = key_headers.response_field(m.group(1))
        if entry is not None:
            yield from _value(source, text, m.start(1), entry, m.group(2), commented)
    for m in _QUERY_RE.finditer(text):
        entry = key_headers.query_parameter(m.group(1))
        if entry is not None and m.group(2):
            yield from _value(source, text, m.start(1), entry, m.group(2), commented)


def _service(entry: KeyHeader, text: str, at: int) -> ServiceType:
    """The service of the request around offset `at`: the header's own, or that of the URL on its
    command (the line and the few before it, where a command broken over lines starts)."""
    start = at
    for _ in range(4):
        start = text.rfind("\n", 0, start) if start > 0 else -1
        if start < 0:
            start = 0
            break
    end = text.find("\n", at)
    context = text[start : end if end >= 0 else len(text)]
    service = key_headers.service_of(entry, context)
    if service is S.COGNITIVE_SERVICES and vendor_in_code(context.lower()) is not None:
        return S.THIRD_PARTY  # `Ocp-Apim-Subscription-Key` sent to Bing Search, not Azure
    return service


def _value(
    source: SourceFile,
    text: str,
    at: int,
    entry: KeyHeader,
    raw: str,
    commented: Callable[[int], bool],
) -> Iterator[Evidence]:
    line = source.line_of(at)
    service = _service(entry, text, at)
    value = unquote(raw.strip())
    shown = f"{entry.name}: " if entry in key_headers.KEY_HEADERS else f"{entry.name} "
    if entry in key_headers.KEY_QUERY_PARAMETERS:
        shown = f"?{entry.name}="
    elif entry in key_headers.KEY_RESPONSE_FIELDS:
        shown = f'"{entry.name}": '
    positional = _POSITIONAL_RE.match(value)
    var = variable(value) if positional is None else None
    if positional is not None or var is not None or value.startswith("$"):
        if commented(at):
            return
        lead = _LEAD_VAR_RE.match(value)
        name = var if var and var != "file" else (lead.group(1) if lead else None)
        token = (
            f"${next(g for g in positional.groups() if g)} (script argument)"
            if positional
            else (f"${name}" if name else "$(...)")
        )
        yield Evidence(
            line=line,
            role=ROLE,
            name=name,
            service=service,
            kind=entry.kind,
            value_class=V.REFERENCE,
            preview=f"request {shown}{token}",
            note="sends a key with an HTTP request",
            confidence=Confidence.HIGH,
            method="http-key",
        )
        return
    if commented(at) and (is_placeholder(value) or is_reference(value)):
        return
    yield Evidence(
        line=line,
        role=ROLE,
        name=entry.name,
        value=value,
        service=service,
        kind=entry.kind,
        method="http-key",
        note="sends a key with an HTTP request",
    )
