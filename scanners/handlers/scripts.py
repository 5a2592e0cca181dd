"""Shell, PowerShell and batch scripts, Dockerfiles and Makefiles.

Finds Azure CLI / Az PowerShell secrets: `az login --service-principal -p SECRET`, storage
`--account-key` / `--sas-token` / `--connection-string` arguments, commands that fetch keys
(`az storage account keys list`, `az cosmosdb keys list`, `Get-AzStorageAccountKey` ...),
environment assignments (`export AZURE_CLIENT_SECRET=...`, `$env:AZURE_CLIENT_SECRET = "..."`)
and `ConvertTo-SecureString "literal" -AsPlainText`.

Line continuations (`\\`, PowerShell backtick, batch `^`) are joined by blanking them in a copy
of the text of the same length, so every offset still maps to its physical line; evidence is
reported on the first physical line of the command.  Literal values go to the classifier;
variables (`$VAR`, `${VAR}`, `$env:VAR`, `%VAR%`, `$(VAR)`) become references; previews hold
command words and variable names only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.setting_names import rule_for

S = ServiceType
K = CredentialKind
V = ValueClass
ROLE = EvidenceRole.CI_SCRIPT

_SUFFIXES = frozenset({".sh", ".bash", ".zsh", ".ps1", ".psm1", ".cmd", ".bat", ".mk"})
_NAMES = frozenset({"dockerfile", "containerfile", "makefile", "gnumakefile"})

_CONTINUATION = {
    "sh": re.compile(r"\\\r?\n"),
    "ps": re.compile(r"`\r?\n"),
    "bat": re.compile(r"\^\r?\n"),
}

# Commands whose output is a key: (pattern, preview words, service, kind).
_FETCH_COMMANDS: tuple[tuple[re.Pattern[str], ServiceType, CredentialKind], ...] = tuple(
    (re.compile(p, re.I), s, k)
    for p, s, k in (
        (r"\baz\s+storage\s+account\s+keys\s+list\b", S.STORAGE, K.ACCOUNT_KEY),
        (r"\baz\s+storage\s+account\s+show-connection-string\b", S.STORAGE, K.ACCOUNT_KEY),
        (r"\baz\s+storage\s+(?:account|container|blob|share|queue|fs)\s+generate-sas\b", S.STORAGE, K.SAS),
        (r"\baz\s+cosmosdb\s+(?:keys\s+list|list-keys|list-connection-strings)\b", S.COSMOS_DB, K.ACCOUNT_KEY),
        (r"\baz\s+servicebus\s+(?:namespace|queue|topic)\s+authorization-rule\s+keys\s+list\b",
         S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
        (r"\baz\s+eventhubs\s+(?:namespace|eventhub)\s+authorization-rule\s+keys\s+list\b",
         S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
        (r"\baz\s+redis\s+list-keys\b", S.REDIS, K.ACCESS_KEY),
        (r"\baz\s+acr\s+credential\s+show\b", S.CONTAINER_REGISTRY, K.ADMIN_PASSWORD),
        (r"\baz\s+search\s+(?:admin-key\s+show|query-key\s+list)\b", S.AI_SEARCH, K.API_KEY),
        (r"\baz\s+cognitiveservices\s+account\s+keys\s+list\b", S.COGNITIVE_SERVICES, K.API_KEY),
        (r"\baz\s+signalr\s+key\s+list\b", S.SIGNALR, K.ACCESS_KEY),
        (r"\baz\s+webpubsub\s+key\s+show\b", S.WEB_PUBSUB, K.ACCESS_KEY),
        (r"\baz\s+appconfig\s+credential\s+list\b", S.APP_CONFIGURATION, K.ACCESS_KEY),
        (r"\baz\s+eventgrid\s+(?:topic|domain)\s+key\s+list\b", S.EVENT_GRID, K.ACCESS_KEY),
        (r"\baz\s+ad\s+sp\s+create-for-rbac\b(?![^\n]*--create-cert)", S.ENTRA_ID, K.CLIENT_SECRET),
        (r"\baz\s+ad\s+(?:app|sp)\s+credential\s+reset\b(?![^\n]*--create-cert)", S.ENTRA_ID, K.CLIENT_SECRET),
        (r"\bGet-AzStorageAccountKey\b", S.STORAGE, K.ACCOUNT_KEY),
        (r"\bNew-AzStorageContext\b(?=[^\n]*-StorageAccountKey)", S.STORAGE, K.ACCOUNT_KEY),
        (r"\bGet-AzCosmosDBAccountKey\b", S.COSMOS_DB, K.ACCOUNT_KEY),
        (r"\bGet-AzServiceBusKey\b", S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
        (r"\bGet-AzEventHubKey\b", S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
        (r"\bGet-AzRedisCacheKey\b", S.REDIS, K.ACCESS_KEY),
        (r"\bGet-AzContainerRegistryCredential\b", S.CONTAINER_REGISTRY, K.ADMIN_PASSWORD),
        (r"\bGet-AzSearchAdminKeyPair\b", S.AI_SEARCH, K.API_KEY),
        (r"\bGet-AzCognitiveServicesAccountKey\b", S.COGNITIVE_SERVICES, K.API_KEY),
    )
)

_VALUE = r"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s;|&)]+)"""
_AZ_CMD_RE = re.compile(r"\baz\s+[a-z][^\n]*", re.I)
_LOGIN_SECRET_RE = re.compile(r"(?:^|\s)(-p|--password|--client-secret|--secret)(?:\s+|=)" + _VALUE)
_STORAGE_ARG_RE = re.compile(r"(?:^|\s)(--account-key|--sas-token|--connection-string)(?:\s+|=)" + _VALUE)
_ADMIN_PASSWORD_ARG_RE = re.compile(r"(?:^|\s)(--admin-password|--administrator-login-password)(?:\s+|=)" + _VALUE)
_DOCKER_LOGIN_RE = re.compile(r"\bdocker\s+login\b[^\n]*", re.I)
_ACR_ADMIN_RE = re.compile(r"\baz\s+acr\s+(?:create|update)\b[^\n]*--admin-enabled(?:\s+|=)true\b", re.I)
_SECURE_STRING_RE = re.compile(r"\bConvertTo-SecureString\b([^\n|;]*)", re.I)
_SECURE_LITERAL_RE = re.compile(r"""^\s*(?:-String\s+)?("(?:[^"`\n]|`.)*"|'[^'\n]*')""", re.I)
_ENV_ASSIGN_RE = re.compile(
    r"""^[ \t]*(?:export[ \t]+|readonly[ \t]+|local[ \t]+|declare[ \t]+(?:-\w+[ \t]+)*|"""
    r"""set[ \t]+"?|ENV[ \t]+|ARG[ \t]+|\$env:|RUN[ \t]+export[ \t]+)?"""
    r"""([A-Za-z_][A-Za-z0-9_]*)[ \t]*[?:+]?=[ \t]*"""
    r"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"'#;]+)""",
    re.M,
)
_DOCKER_ENV_RE = re.compile(
    r"""^[ \t]*ENV[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"'=]+)[ \t]*$""",
    re.M,
)
_PS_SETENV_RE = re.compile(
    r"""\[(?:System\.)?Environment\]::SetEnvironmentVariable\(\s*["']([A-Za-z_]\w*)["']\s*,\s*"""
    r"""("(?:[^"`\n]|`.)*"|'[^'\n]*'|\$[\w:]+)""",
    re.I,
)
_VAR_RE = re.compile(
    r"""^(?:\$\{?([A-Za-z_]\w*)\}?|\$env:([A-Za-z_]\w*)|%([A-Za-z_]\w*)%|\$\(([A-Za-z_]\w*)\)|"""
    r"""\$\{\{\s*([\w.\-]+)\s*\}\}|\$\(\s*cat\s+[^)]*\))$"""
)
_ASSIGNED_TO_RE = re.compile(
    r"""(?:^|[\s;(])(?:export\s+|local\s+|readonly\s+)?\$?([A-Za-z_][\w:]*)\s*=\s*["']?\$?\(?\s*(?:&\s*)?$""",
    re.M,
)
_COMMENT_LINE_RE = re.compile(r"[ \t]*(?:#|REM\b|::|//)", re.I)
_NAME_ONLY_RE = re.compile(r"[^A-Za-z0-9_\-]")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _variable(value: str) -> str | None:
    """The variable a value reads (`$X`, `"${X}"`, `$env:X`, `%X%`, `$(X)`), or None if literal."""
    m = _VAR_RE.match(_unquote(value).strip())
    if m is None:
        return None
    return next((g for g in m.groups() if g), "file")


class ScriptHandler:
    name = "scripts"

    def matches(self, path: PurePosixPath) -> bool:
        name = path.name.lower()
        return (
            path.suffix.lower() in _SUFFIXES
            or name in _NAMES
            or name.startswith(("dockerfile.", "containerfile."))
            or name.endswith(".dockerfile")
        )

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        text = self._joined(source)
        seen: set[tuple[int, str, str | None]] = set()
        for ev in self._all(source, text):
            key = (ev.line, ev.method, ev.name if ev.value is None else ev.value)
            if key in seen:
                continue
            seen.add(key)
            yield ev

    @staticmethod
    def _joined(source: SourceFile) -> str:
        suffix = source.path.suffix.lower()
        style = "ps" if suffix in (".ps1", ".psm1") else "bat" if suffix in (".cmd", ".bat") else "sh"
        return _CONTINUATION[style].sub(lambda m: " " * len(m.group(0)), source.text)

    def _all(self, source: SourceFile, text: str) -> Iterator[Evidence]:
        def commented(pos: int) -> bool:
            line_start = text.rfind("\n", 0, pos) + 1
            return bool(_COMMENT_LINE_RE.match(source.text, line_start))

        for m in _AZ_CMD_RE.finditer(text):
            if commented(m.start()):
                continue
            cmd = m.group(0)
            line = source.line_of(m.start())
            words = cmd.split()
            group = words[1].lower() if len(words) > 1 else ""
            if group == "login" or (group == "acr" and len(words) > 2 and words[2].lower() == "login"):
                yield from self._login(line, cmd, group)
            if group == "storage" or "--account-key" in cmd or "--sas-token" in cmd:
                yield from self._storage_args(line, cmd)
            for a in _ADMIN_PASSWORD_ARG_RE.finditer(cmd):
                service = {"sql": S.SQL, "postgres": S.POSTGRESQL, "mysql": S.MYSQL}.get(group, S.GENERIC)
                yield from self._secret_arg(line, f"az {group}", a.group(1), a.group(2), service, K.PASSWORD,
                                            None)
        for m in _DOCKER_LOGIN_RE.finditer(text):
            if commented(m.start()) or ".azurecr.io" not in m.group(0).lower():
                continue
            for a in _LOGIN_SECRET_RE.finditer(m.group(0)):
                yield from self._secret_arg(source.line_of(m.start()), "docker login", a.group(1), a.group(2),
                                            S.CONTAINER_REGISTRY, K.ADMIN_PASSWORD, "DOCKER_REGISTRY_SERVER_PASSWORD")
        for m in _ACR_ADMIN_RE.finditer(text):
            if commented(m.start()):
                continue
            yield Evidence(line=source.line_of(m.start()), role=ROLE, name="admin-enabled",
                           service=S.CONTAINER_REGISTRY, kind=K.ADMIN_PASSWORD, value_class=V.SECRET,
                           preview="az acr --admin-enabled true: admin user enabled",
                           confidence=Confidence.HIGH, method="acr-admin-user")
        for pattern, service, kind in _FETCH_COMMANDS:
            for m in pattern.finditer(text):
                if commented(m.start()):
                    continue
                line_start = text.rfind("\n", 0, m.start()) + 1
                assigned = _ASSIGNED_TO_RE.search(text, line_start, m.start())
                name = assigned.group(1).removeprefix("env:") if assigned else None
                command = " ".join(m.group(0).split())
                shown = f"$({command})" if command.lower().startswith("az ") else command
                preview = f"{name} = {shown}" if name else command
                yield Evidence(line=source.line_of(m.start()), role=ROLE, name=name, service=service,
                               kind=kind, value_class=V.SECRET, preview=preview,
                               note="the script fetches a key at run time",
                               confidence=Confidence.HIGH, method="key-fetch")
        for m in _ENV_ASSIGN_RE.finditer(text):
            yield from self._assignment(source.line_of(m.start(1)), m.group(1), m.group(2))
        for m in _DOCKER_ENV_RE.finditer(text):
            yield from self._assignment(source.line_of(m.start(1)), m.group(1), m.group(2))
        for m in _PS_SETENV_RE.finditer(text):
            if commented(m.start()):
                continue
            yield from self._assignment(source.line_of(m.start()), m.group(1), m.group(2))
        for m in _SECURE_STRING_RE.finditer(text):
            if commented(m.start()) or not re.search(r"-AsPlainText\b", m.group(1), re.I):
                continue
            lit = _SECURE_LITERAL_RE.match(m.group(1))
            if lit is None:
                continue
            value = _unquote(lit.group(1))
            if _variable(lit.group(1)) is not None:
                continue
            line_start = text.rfind("\n", 0, m.start()) + 1
            assigned = _ASSIGNED_TO_RE.search(text, line_start, m.start())
            name = assigned.group(1).removeprefix("env:") if assigned else None
            line = source.line_of(m.start())
            yield Evidence(line=line, role=ROLE, name=name, value=value, method="secure-string-literal")
            if rule_for(name) is None and not (is_placeholder(value) or is_reference(value)):
                yield Evidence(line=line, role=ROLE, name=name, service=S.GENERIC, kind=K.PASSWORD,
                               value_class=V.SECRET,
                               preview=f"{'$' + name + ' = ' if name else ''}ConvertTo-SecureString (literal) -AsPlainText",
                               confidence=Confidence.HIGH, method="secure-string-literal")

    # ------------------------------------------------------------------ pieces

    def _login(self, line: int, cmd: str, group: str) -> Iterator[Evidence]:
        sp = bool(re.search(r"--service-principal\b", cmd))
        prefix = "az acr login" if group == "acr" else "az login --service-principal" if sp else "az login"
        for a in _LOGIN_SECRET_RE.finditer(cmd):
            if group == "acr":
                yield from self._secret_arg(line, prefix, a.group(1), a.group(2), S.CONTAINER_REGISTRY,
                                            K.ADMIN_PASSWORD, "DOCKER_REGISTRY_SERVER_PASSWORD")
            elif sp or a.group(1) in ("--client-secret", "--secret"):
                yield from self._secret_arg(line, prefix, a.group(1), a.group(2), S.ENTRA_ID,
                                            K.CLIENT_SECRET, "az login --client-secret")
            else:
                yield from self._secret_arg(line, prefix, a.group(1), a.group(2), S.ENTRA_ID, K.PASSWORD, None)

    def _storage_args(self, line: int, cmd: str) -> Iterator[Evidence]:
        for a in _STORAGE_ARG_RE.finditer(cmd):
            flag = a.group(1)
            kind = K.SAS if flag == "--sas-token" else K.ACCOUNT_KEY
            name = {"--account-key": "account-key", "--sas-token": "sas-token",
                    "--connection-string": "AZURE_STORAGE_CONNECTION_STRING"}[flag]
            yield from self._secret_arg(line, "az storage", flag, a.group(2), S.STORAGE, kind, name)

    @staticmethod
    def _secret_arg(line: int, prefix: str, flag: str, raw: str, service: ServiceType,
                    kind: CredentialKind, name: str | None) -> Iterator[Evidence]:
        var = _variable(raw)
        if var is not None:
            yield Evidence(line=line, role=ROLE, name=var, service=service, kind=kind,
                           value_class=V.REFERENCE, preview=f"{prefix} {flag} ${_NAME_ONLY_RE.sub('', var)}",
                           confidence=Confidence.HIGH, method="cli-argument")
            return
        value = _unquote(raw)
        if value.startswith(("$(", "`", "$((")):
            return  # command substitution: reported by the key-fetch rules when it fetches a key
        label = name or f"{prefix} {flag}"
        yield Evidence(line=line, role=ROLE, name=label, value=value, service=service, kind=kind,
                       method="cli-argument")
        if rule_for(label) is None and not (is_placeholder(value) or is_reference(value)):
            yield Evidence(line=line, role=ROLE, name=label, service=service, kind=kind,
                           value_class=V.SECRET, preview=f"{prefix} {flag} (literal)",
                           confidence=Confidence.HIGH, method="cli-argument")

    @staticmethod
    def _assignment(line: int, name: str, raw: str) -> Iterator[Evidence]:
        rule = rule_for(name)
        var = _variable(raw)
        if var is not None:
            if rule is not None:
                yield Evidence(line=line, role=ROLE, name=name, service=rule.service, kind=rule.kind,
                               value_class=V.REFERENCE, preview=f"{name} = ${_NAME_ONLY_RE.sub('', var)}",
                               confidence=Confidence.MEDIUM, method="env-assignment")
            return
        value = _unquote(raw)
        if value.startswith(("$(", "`")):
            return
        yield Evidence(line=line, role=ROLE, name=name, value=value, method="env-assignment")

