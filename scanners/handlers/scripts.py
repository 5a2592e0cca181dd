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
from scanners.handlers import script_consumers, script_http, script_secrets
from scanners.handlers.script_arguments import (
    ADMIN_PASSWORD_ARG_RE,
    LOGIN_SECRET_RE,
    ROLE,
    VALUE,
    assignment,
    login_arguments,
    secret_argument,
    storage_arguments,
    unquote,
    variable,
)
from scanners.key_wiring import KEY_WIRING_CLASS
from scanners.placeholders import is_placeholder, is_reference
from scanners.records import Confidence, CredentialKind, Endpoint, ServiceType, ValueClass
from scanners.setting_names import rule_for

S = ServiceType
K = CredentialKind
V = ValueClass

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
        (
            r"\baz\s+cosmosdb\s+(?:keys\s+list|list-keys|list-connection-strings)\b",
            S.COSMOS_DB,
            K.ACCOUNT_KEY,
        ),
        (
            r"\baz\s+servicebus\s+(?:namespace|queue|topic)\s+authorization-rule\s+keys\s+list\b",
            S.SERVICE_BUS,
            K.SHARED_ACCESS_KEY,
        ),
        (
            r"\baz\s+eventhubs\s+(?:namespace|eventhub)\s+authorization-rule\s+keys\s+list\b",
            S.EVENT_HUBS,
            K.SHARED_ACCESS_KEY,
        ),
        (r"\baz\s+redis\s+list-keys\b", S.REDIS, K.ACCESS_KEY),
        (r"\baz\s+acr\s+credential\s+show\b", S.CONTAINER_REGISTRY, K.ADMIN_PASSWORD),
        (r"\baz\s+search\s+(?:admin-key\s+show|query-key\s+list)\b", S.AI_SEARCH, K.API_KEY),
        (r"\baz\s+cognitiveservices\s+account\s+keys\s+list\b", S.COGNITIVE_SERVICES, K.API_KEY),
        (r"\baz\s+signalr\s+key\s+list\b", S.SIGNALR, K.ACCESS_KEY),
        (r"\baz\s+webpubsub\s+key\s+show\b", S.WEB_PUBSUB, K.ACCESS_KEY),
        (r"\baz\s+appconfig\s+credential\s+list\b", S.APP_CONFIGURATION, K.ACCESS_KEY),
        (r"\baz\s+eventgrid\s+(?:topic|domain)\s+key\s+list\b", S.EVENT_GRID, K.ACCESS_KEY),
        (r"\baz\s+ad\s+sp\s+create-for-rbac\b(?![^\n]*--create-cert)", S.ENTRA_ID, K.CLIENT_SECRET),
        (
            r"\baz\s+ad\s+(?:app|sp)\s+credential\s+reset\b(?![^\n]*--create-cert)",
            S.ENTRA_ID,
            K.CLIENT_SECRET,
        ),
        (r"\bGet-AzStorageAccountKey\b", S.STORAGE, K.ACCOUNT_KEY),
        (r"\bNew-AzStorageContext\b(?=[^\n]*-StorageAccountKey)", S.STORAGE, K.ACCOUNT_KEY),
        (r"\bGet-AzCosmosDBAccountKey\b", S.COSMOS_DB, K.ACCOUNT_KEY),
        (r"\bGet-AzServiceBusKey\b", S.SERVICE_BUS, K.SHARED_ACCESS_KEY),
        (r"\bGet-AzEventHubKey\b", S.EVENT_HUBS, K.SHARED_ACCESS_KEY),
        (r"\bGet-AzRedisCacheKey\b", S.REDIS, K.ACCESS_KEY),
        (r"\bGet-AzContainerRegistryCredential\b", S.CONTAINER_REGISTRY, K.ADMIN_PASSWORD),
        (r"\bGet-AzSearchAdminKeyPair\b", S.AI_SEARCH, K.API_KEY),
        (r"\bGet-AzCognitiveServicesAccountKey\b", S.COGNITIVE_SERVICES, K.API_KEY),
        # A SAS made at run time from the account key the context holds, like `az storage ...
        # generate-sas` (learn.microsoft.com/powershell/module/az.storage/new-azstoragecontainersastoken;
        # the AzureRM-era `New-AzureStorage*SASToken` names are the same cmdlets).
        (
            r"\bNew-Az(?:ure)?Storage(?:Account|Container|Blob|Share|File|Queue|Table)SASToken\b",
            S.STORAGE,
            K.SAS,
        ),
        # A new application / service-principal secret (a client secret), like `az ad app credential
        # reset` (learn.microsoft.com/powershell/module/az.resources/new-azadappcredential,
        # learn.microsoft.com/powershell/module/microsoft.graph.applications/add-mgapplicationpassword).
        (
            rf"\b(?:{script_secrets.APP_CREDENTIAL_CMDLETS})\b(?![^\n]*-(?:CertValue|KeyCredentials?)\b)",
            S.ENTRA_ID,
            K.CLIENT_SECRET,
        ),
    )
)

_AZ_CMD_RE = re.compile(r"\bazd?\s+[a-z][^\n]*", re.I)
_KUBECTL_REGISTRY_RE = re.compile(r"\bkubectl\s+create\s+secret\s+docker-registry\b[^\n]*", re.I)
_DOCKER_PASSWORD_ARG_RE = re.compile(r"(?:^|\s)(--docker-password)(?:\s+|=)" + VALUE)
_CLIENT_SECRET_ARG_RE = re.compile(r"(?:^|\s)(--client-secret|--sp-secret)(?:\s+|=)" + VALUE)
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
_ASSIGNED_TO_RE = re.compile(
    r"""(?:^|[\s;(])(?:export\s+|local\s+|readonly\s+)?\$?([A-Za-z_][\w:]*)\s*=\s*["']?\$?\(?\s*(?:&\s*)?$""",
    re.M,
)
# The resource a key-fetch command names (`--account-name shopimages`, `-Name shop-cosmos`): a literal
# name only (a `$var` stays unknown).  Flags from `az storage account keys list`, `az cosmosdb keys
# list`, `az servicebus|eventhubs ... authorization-rule keys list` and the Az PowerShell cmdlets.
_FETCH_TARGET_FLAGS: dict[ServiceType, tuple[str, str]] = {
    S.STORAGE: ("account", r"--account-name|-StorageAccountName|-AccountName"),
    S.COSMOS_DB: ("account", r"--name|-n|-Name|-AccountName"),
    S.SERVICE_BUS: ("namespace", r"--namespace-name|-Namespace|-NamespaceName"),
    S.EVENT_HUBS: ("namespace", r"--namespace-name|-Namespace|-NamespaceName"),
}
_FETCH_TARGET_RES = {
    service: (
        field,
        re.compile(rf"(?:^|\s)(?:{flags})(?:\s+|=)[\"']?([a-z0-9][a-z0-9-]{{1,62}})\b(?![$(])", re.I),
    )
    for service, (field, flags) in _FETCH_TARGET_FLAGS.items()
}


# `az storage account keys list -n X` and `Get-AzStorageAccountKey -Name X` name the account with
# `--name`; the other storage commands (`az storage blob generate-sas --name`) name a blob or container.
_ACCOUNT_COMMAND_RE = re.compile(
    r"storage\s+account\s+(?:keys|show-connection-string)|StorageAccountKey", re.I
)
_ACCOUNT_NAME_RE = re.compile(
    r"(?:^|\s)(?:-n|--name|-Name)(?:\s+|=)[\"']?([a-z0-9][a-z0-9-]{1,62})\b(?![$(])", re.I
)


def _fetch_target(service: ServiceType, command: str, rest_of_line: str) -> Endpoint | None:
    """The resource a key-fetch command names by a literal flag value, else None."""
    if service is S.STORAGE and _ACCOUNT_COMMAND_RE.search(command):
        named = _ACCOUNT_NAME_RE.search(rest_of_line)
        if named:
            return Endpoint(account=named.group(1).lower())
    found = _FETCH_TARGET_RES.get(service)
    m = found[1].search(rest_of_line) if found else None
    if found is None or m is None:
        return None
    return Endpoint(**{found[0]: m.group(1).lower()})


_COMMENT_LINE_RE = re.compile(r"[ \t]*(?:#|REM\b|::|//)", re.I)


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
            if words[0].lower() == "azd":  # `azd auth login --client-secret ...`
                words = words[1:]
            group = words[1].lower() if len(words) > 1 else ""
            if group == "login" or (
                len(words) > 2 and group in ("acr", "auth") and words[2].lower() == "login"
            ):
                yield from login_arguments(line, cmd, "login" if group == "auth" else group)
            elif group != "ad":  # `az aks create --client-secret`: a service principal's secret
                for a in _CLIENT_SECRET_ARG_RE.finditer(cmd):
                    yield from secret_argument(
                        line, f"az {group}", a.group(1), a.group(2), S.ENTRA_ID, K.CLIENT_SECRET, None
                    )
            if group == "storage" or "--account-key" in cmd or "--sas-token" in cmd:
                yield from storage_arguments(line, cmd)
            for a in ADMIN_PASSWORD_ARG_RE.finditer(cmd):
                service = {"sql": S.SQL, "postgres": S.POSTGRESQL, "mysql": S.MYSQL}.get(group, S.GENERIC)
                yield from secret_argument(
                    line, f"az {group}", a.group(1), a.group(2), service, K.PASSWORD, None
                )
        for m in _DOCKER_LOGIN_RE.finditer(text):
            if commented(m.start()) or ".azurecr.io" not in m.group(0).lower():
                continue
            for a in LOGIN_SECRET_RE.finditer(m.group(0)):
                yield from secret_argument(
                    source.line_of(m.start()),
                    "docker login",
                    a.group(1),
                    a.group(2),
                    S.CONTAINER_REGISTRY,
                    K.ADMIN_PASSWORD,
                    "DOCKER_REGISTRY_SERVER_PASSWORD",
                )
        for m in _KUBECTL_REGISTRY_RE.finditer(text):
            if commented(m.start()):
                continue
            for a in _DOCKER_PASSWORD_ARG_RE.finditer(m.group(0)):
                yield from secret_argument(
                    source.line_of(m.start()),
                    "kubectl create secret docker-registry",
                    a.group(1),
                    a.group(2),
                    S.CONTAINER_REGISTRY,
                    K.ADMIN_PASSWORD,
                    "DOCKER_REGISTRY_SERVER_PASSWORD",
                )
        for m in _ACR_ADMIN_RE.finditer(text):
            if commented(m.start()):
                continue
            yield Evidence(
                line=source.line_of(m.start()),
                role=ROLE,
                name="admin-enabled",
                service=S.CONTAINER_REGISTRY,
                kind=K.ADMIN_PASSWORD,
                value_class=V.SECRET,
                preview="az acr --admin-enabled true: admin user enabled",
                confidence=Confidence.HIGH,
                method="acr-admin-user",
            )
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
                line_end = text.find("\n", m.end())
                target = _fetch_target(
                    service, command, text[m.end() : line_end if line_end >= 0 else len(text)]
                )
                yield Evidence(
                    line=source.line_of(m.start()),
                    role=ROLE,
                    name=name,
                    service=service,
                    kind=kind,
                    endpoint=target,
                    endpoint_note="endpoint from the command's flags" if target else None,
                    value_class=KEY_WIRING_CLASS,
                    preview=preview,
                    note="the script fetches a key at run time",
                    confidence=Confidence.HIGH,
                    method="key-fetch",
                )
        yield from script_consumers.consumers(source, text, commented)
        yield from script_http.requests(source, text, commented)
        if source.path.suffix.lower() in (".ps1", ".psm1"):
            yield from script_secrets.spread(source, text, commented)
        for m in _ENV_ASSIGN_RE.finditer(text):
            yield from assignment(source.line_of(m.start(1)), m.group(1), m.group(2))
        for m in _DOCKER_ENV_RE.finditer(text):
            yield from assignment(source.line_of(m.start(1)), m.group(1), m.group(2))
        for m in _PS_SETENV_RE.finditer(text):
            if commented(m.start()):
                continue
            yield from assignment(source.line_of(m.start()), m.group(1), m.group(2))
        for m in _SECURE_STRING_RE.finditer(text):
            if commented(m.start()) or not re.search(r"-AsPlainText\b", m.group(1), re.I):
                continue
            lit = _SECURE_LITERAL_RE.match(m.group(1))
            if lit is None:
                continue
            value = unquote(lit.group(1))
            if variable(lit.group(1)) is not None:
                continue
            line_start = text.rfind("\n", 0, m.start()) + 1
            assigned = _ASSIGNED_TO_RE.search(text, line_start, m.start())
            name = assigned.group(1).removeprefix("env:") if assigned else None
            line = source.line_of(m.start())
            yield Evidence(line=line, role=ROLE, name=name, value=value, method="secure-string-literal")
            if rule_for(name) is None and not (is_placeholder(value) or is_reference(value)):
                yield Evidence(
                    line=line,
                    role=ROLE,
                    name=name,
                    service=S.GENERIC,
                    kind=K.PASSWORD,
                    value_class=V.SECRET,
                    preview=f"{'$' + name + ' = ' if name else ''}ConvertTo-SecureString (literal) -AsPlainText",
                    confidence=Confidence.HIGH,
                    method="secure-string-literal",
                )
