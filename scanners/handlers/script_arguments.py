"""Reading the values that scripts pass to commands and assign to variables.

A value is either a variable the script reads (`$VAR`, `${VAR}`, `$env:VAR`, `%VAR%`, `$(VAR)`,
`${{ secrets.X }}`), which becomes a reference named by the variable, or a literal, which goes to
the classifier; when the shared name rules do not know the flag or name of a literal that is not
a placeholder, it is also reported as a secret.  Command substitutions (`$(az ...)`) are left to
the key-fetch rules.  Previews hold command words, flags and variable names only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanners.evidence import Evidence
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.setting_names import rule_for

S = ServiceType
K = CredentialKind
V = ValueClass
ROLE = EvidenceRole.CI_SCRIPT

VALUE = r"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s;|&)]+)"""
LOGIN_SECRET_RE = re.compile(r"(?:^|\s)(-p|--password|--client-secret|--secret)(?:\s+|=)" + VALUE)
_STORAGE_ARG_RE = re.compile(r"(?:^|\s)(--account-key|--sas-token|--connection-string)(?:\s+|=)" + VALUE)
ADMIN_PASSWORD_ARG_RE = re.compile(
    r"(?:^|\s)(--admin-password|--administrator-login-password)(?:\s+|=)" + VALUE
)
_VAR_RE = re.compile(
    r"""^(?:\$\{?([A-Za-z_]\w*)\}?|\$env:([A-Za-z_]\w*)|%([A-Za-z_]\w*)%|\$\(([A-Za-z_]\w*)\)|"""
    r"""\$\{\{\s*([\w.\-]+)\s*\}\}|\$\(\s*cat\s+[^)]*\))$"""
)
_NAME_ONLY_RE = re.compile(r"[^A-Za-z0-9_\-]")


def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def variable(value: str) -> str | None:
    """The variable a value reads (`$X`, `"${X}"`, `$env:X`, `%X%`, `$(X)`), or None if literal."""
    m = _VAR_RE.match(unquote(value).strip())
    if m is None:
        return None
    return next((g for g in m.groups() if g), "file")


def login_arguments(line: int, cmd: str, group: str) -> Iterator[Evidence]:
    """The secrets of `az login` (a password or a service principal's secret) or `az acr login`."""
    sp = bool(re.search(r"--service-principal\b", cmd))
    prefix = "az acr login" if group == "acr" else "az login --service-principal" if sp else "az login"
    for a in LOGIN_SECRET_RE.finditer(cmd):
        if group == "acr":
            yield from secret_argument(
                line,
                prefix,
                a.group(1),
                a.group(2),
                S.CONTAINER_REGISTRY,
                K.ADMIN_PASSWORD,
                "DOCKER_REGISTRY_SERVER_PASSWORD",
            )
        elif sp or a.group(1) in ("--client-secret", "--secret"):
            yield from secret_argument(
                line, prefix, a.group(1), a.group(2), S.ENTRA_ID, K.CLIENT_SECRET, "az login --client-secret"
            )
        else:
            yield from secret_argument(line, prefix, a.group(1), a.group(2), S.ENTRA_ID, K.PASSWORD, None)


def storage_arguments(line: int, cmd: str) -> Iterator[Evidence]:
    """The `--account-key`, `--sas-token` and `--connection-string` arguments of an `az` command."""
    for a in _STORAGE_ARG_RE.finditer(cmd):
        flag = a.group(1)
        kind = K.SAS if flag == "--sas-token" else K.ACCOUNT_KEY
        name = {
            "--account-key": "account-key",
            "--sas-token": "sas-token",
            "--connection-string": "AZURE_STORAGE_CONNECTION_STRING",
        }[flag]
        yield from secret_argument(line, "az storage", flag, a.group(2), S.STORAGE, kind, name)


def secret_argument(
    line: int, prefix: str, flag: str, raw: str, service: ServiceType, kind: CredentialKind, name: str | None
) -> Iterator[Evidence]:
    """Evidence for the value `raw` of a command's secret-bearing `flag`."""
    var = variable(raw)
    if var is not None:
        yield Evidence(
            line=line,
            role=ROLE,
            name=var,
            service=service,
            kind=kind,
            value_class=V.REFERENCE,
            preview=f"{prefix} {flag} ${_NAME_ONLY_RE.sub('', var)}",
            confidence=Confidence.HIGH,
            method="cli-argument",
        )
        return
    value = unquote(raw)
    if value.startswith(("$(", "`", "$((")):
        # Command substitution: the secret is read at run time (a key-fetch command is also
        # reported by the key-fetch rules): the flag is a consumer of it.
        yield Evidence(
            line=line,
            role=ROLE,
            name=name,
            service=service,
            kind=kind,
            value_class=V.REFERENCE,
            preview=f"{prefix} {flag} $(...)",
            confidence=Confidence.MEDIUM,
            method="cli-argument",
        )
        return
    label = name or f"{prefix} {flag}"
    yield Evidence(
        line=line, role=ROLE, name=label, value=value, service=service, kind=kind, method="cli-argument"
    )
    if rule_for(label) is None and not (is_placeholder(value) or is_reference(value)):
        yield Evidence(
            line=line,
            role=ROLE,
            name=label,
            service=service,
            kind=kind,
            value_class=V.SECRET,
            preview=f"{prefix} {flag} (literal)",
            confidence=Confidence.HIGH,
            method="cli-argument",
        )


def assignment(line: int, name: str, raw: str) -> Iterator[Evidence]:
    """Evidence for the variable assignment `name = raw` (shell, PowerShell, batch, Dockerfile)."""
    rule = rule_for(name)
    var = variable(raw)
    if var is not None:
        if rule is not None:
            yield Evidence(
                line=line,
                role=ROLE,
                name=name,
                service=rule.service,
                kind=rule.kind,
                value_class=V.REFERENCE,
                preview=f"{name} = ${_NAME_ONLY_RE.sub('', var)}",
                confidence=Confidence.MEDIUM,
                method="env-assignment",
            )
        return
    value = unquote(raw)
    if value.startswith(("$(", "`")):
        return
    yield Evidence(line=line, role=ROLE, name=name, value=value, method="env-assignment")
