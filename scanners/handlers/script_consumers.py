"""Script lines that use a secret without holding it: secrets printed to the log, connection
strings and keys pushed into App Service settings, Application Insights keys read from Azure.

Previews hold command words and variable names only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
ROLE = EvidenceRole.CI_SCRIPT

_HOLDER_NAME_RE_TEXT = (
    r"\w*(?:KEY|SECRET|PASSWORD|PASSWD|PWD|CONNECTION_?STRING|CONN_?STR|[Kk]ey|[Ss]ecret|[Pp]assword)\w*"
)
_PRINT_RE = re.compile(
    r"\b(?:echo|Write-Host|Write-Output|printf)\b[^\n|>]*?\$(?:env:)?\{?(" + _HOLDER_NAME_RE_TEXT + r")\}?",
    re.I,
)
# `$PWD` / `$pwd`: the current directory in POSIX shells and PowerShell, not a password.
_SHELL_LOCATIONS = frozenset({"pwd", "oldpwd"})
_CONN_SET_RE = re.compile(r"\baz\s+webapp\s+config\s+connection-string\s+set\b[^\n]*", re.I)
_CONN_TYPE_RE = re.compile(r"(?:-t|--connection-string-type)\s+[\"']?(\w+)")
_CONN_TYPES: dict[str, ServiceType] = {
    "sqlazure": S.SQL,
    "sqlserver": S.SQL,
    "mysql": S.MYSQL,
    "postgresql": S.POSTGRESQL,
    "rediscache": S.REDIS,
    "docdb": S.COSMOS_DB,
    "servicebus": S.SERVICE_BUS,
    "eventhub": S.EVENT_HUBS,
}
_SETTINGS_SET_RE = re.compile(r"\baz\s+(?:webapp|functionapp)\s+config\s+appsettings\s+set\b[^\n]*", re.I)
_SETTING_PAIR_RE = re.compile(r"""["']?([A-Za-z_][\w:.\-]*)=["']?\$\{?(\w+)""")
# `jq ".properties.outputs.sendConnectionString.value"`: a secret read out of deployment outputs.
_JQ_SECRET_RE = re.compile(
    r"""\bjq\b[^\n|]*?\.(\w*(?:[Cc]onnection[Ss]tring|[Pp]rimaryKey|[Ss]econdaryKey|[Aa]ccountKey|[Ss]ecret|"""
    r"""[Pp]assword)\w*)"""
)
_INSIGHTS_READ_RE = re.compile(
    r"\baz\s+(?:resource|monitor\s+app-insights\s+component)\s+show\b[^\n]*InstrumentationKey", re.I
)


def consumers(source: SourceFile, text: str, commented: Callable[[int], bool]) -> Iterator[Evidence]:
    """Evidence for the script `text` (continuations already blanked) of `source`."""
    for m in _PRINT_RE.finditer(text):
        if commented(m.start()):
            continue
        var = m.group(1)
        if var.lower() in _SHELL_LOCATIONS:
            continue
        rule = setting_names.rule_for(var)
        yield Evidence(
            line=source.line_of(m.start()),
            role=ROLE,
            name=var,
            service=rule.service if rule else (setting_names.service_hint(var) or S.GENERIC),
            kind=rule.kind if rule else K.GENERIC_SECRET,
            value_class=V.REFERENCE,
            preview=f"{m.group(0).split()[0]} ${var}",
            note="prints a secret to the console or the CI log",
            method="prints-secret",
        )
    for m in _CONN_SET_RE.finditer(text):
        if commented(m.start()):
            continue
        t = _CONN_TYPE_RE.search(m.group(0))
        at = m.group(0).find("--settings")  # the place of the connection strings themselves
        yield Evidence(
            line=source.line_of(m.start() + max(at, 0)),
            role=ROLE,
            service=_CONN_TYPES.get(t.group(1).lower(), S.GENERIC) if t else S.GENERIC,
            kind=K.CONNECTION_STRING,
            value_class=V.REFERENCE,
            preview="az webapp config connection-string set",
            method="app-setting-set",
        )
    for m in _SETTINGS_SET_RE.finditer(text):
        if commented(m.start()):
            continue
        for pair in _SETTING_PAIR_RE.finditer(m.group(0)):
            rule = setting_names.rule_for(pair.group(1))
            if rule is None:
                continue
            yield Evidence(
                line=source.line_of(m.start() + pair.start()),
                role=ROLE,
                name=pair.group(1),
                service=rule.service,
                kind=rule.kind,
                value_class=V.LOCATOR if rule.kind is K.INSTRUMENTATION_KEY else V.REFERENCE,
                preview=f"appsettings set {pair.group(1)}=${pair.group(2)}",
                method="app-setting-set",
            )
    for m in _INSIGHTS_READ_RE.finditer(text):
        if commented(m.start()):
            continue
        yield Evidence(
            line=source.line_of(m.start()),
            role=ROLE,
            service=S.APPLICATION_INSIGHTS,
            kind=K.INSTRUMENTATION_KEY,
            value_class=V.LOCATOR,
            preview="az ... show --query InstrumentationKey",
            method="key-read",
        )
    for m in _JQ_SECRET_RE.finditer(text):
        if commented(m.start()):
            continue
        field = m.group(1)
        yield Evidence(
            line=source.line_of(m.start()),
            role=ROLE,
            service=setting_names.service_hint(field) or S.GENERIC,
            kind=K.CONNECTION_STRING if "onnection" in field else K.ACCESS_KEY,
            value_class=V.REFERENCE,
            preview=f"jq .{field}",
            note="reads a secret out of command or deployment output",
            method="output-read",
        )
