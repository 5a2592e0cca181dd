"""Java / Kotlin: Azure SDK client builders, credentials, JDBC and setting lookups.

Regex-based, sharing the bracket-aware argument reader (`call_reader`) with the JavaScript handler.  Builder
chains (`new BlobServiceClientBuilder().connectionString(x)`) are tied to their builder by
looking back within the same statement.  `System.getenv("X")` and Spring `@Value("${x.y}")`
are setting lookups (method "lookup").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners.evidence import Evidence, SourceFile
from scanners.handlers.call_reader import Arg, CallReader, Language, Reporter, service_from_setting
from scanners.handlers.jvm_consumers import KEYWORDS as JVM_KEYWORDS
from scanners.handlers.jvm_consumers import JvmConsumers
from scanners.handlers.lexing import JAVA, statement_start
from scanners.records import CredentialKind, ServiceType
from scanners.sdk_clients import JAVA_KEY_CREDENTIALS, JAVA_PASSWORDLESS_CREDENTIALS, service_for_class

S = ServiceType
K = CredentialKind

_JAVA = Language(
    syntax=JAVA,
    env_patterns=(
        re.compile(r"""^System\s*\.\s*getenv\s*\(\s*"(?P<name>[^"]+)"\s*\)"""),
        re.compile(r"""^System\s*\.\s*getProperty\s*\(\s*"(?P<name>[^"]+)"\s*\)"""),
        re.compile(
            r"""^(?:env|environment|this\.env)\s*\.\s*(?:getProperty|getRequiredProperty)\s*\(\s*"(?P<name>[^"]+)"\s*\)"""
        ),
    ),
    default_re=re.compile(r"""^\?:\s*("(?:[^"\\]|\\.)*")"""),
    decl_prefix=r"(?:\b(?:String|var|val|final|const)\s+|\bString\s*\??\s+)",
)

_KEYWORDS_RE = re.compile(
    r"connectionString|ClientBuilder|ClientSecretCredential|KeyCredential|StorageSharedKeyCredential|"
    r"DriverManager|getenv|@Value|getProperty|DefaultAzureCredential|sasToken|" + JVM_KEYWORDS
)

_BUILDER_RE = re.compile(r"(?:\bnew\s+)?\b(?P<cls>[A-Z]\w*Builder)\s*\(\s*\)")
_METHOD_RE = re.compile(r"\.\s*(?P<m>connectionString|key|credential|clientSecret|sasToken|password)\s*\(")
_NEW_RE = re.compile(r"(?:\bnew\s+)?\b(?P<cls>" + "|".join(JAVA_KEY_CREDENTIALS) + r")\s*\(")
_CREDENTIAL_VAR_RE = re.compile(r"\.\s*credential\s*\(\s*(\w+)\s*\)")
_DRIVER_RE = re.compile(r"\bDriverManager\s*\.\s*getConnection\s*\(")
_GETENV_RE = re.compile(r"""\bSystem\s*\.\s*getenv\s*\(\s*"([^"]+)"\s*\)""")
# `System.getenv(SB_CONNECTION)`, `System.getenv(Config.KeyEnvVarName)`: a constant naming the variable.
_GETENV_CONST_RE = re.compile(
    r"""\bSystem\s*\.\s*getenv\s*\(\s*(?:[A-Za-z_]\w*\.){0,3}([A-Za-z_]\w{2,80})\s*\)"""
)
_VALUE_RE = re.compile(r"""@Value\s*\(\s*"\$\{([^}:"]+)(?::[^}"]*)?\}"\s*\)""")
_VALUE_FIELD_RE = re.compile(
    r"""@Value\s*\(\s*"\$\{([^}:"]+)(?::[^}"]*)?\}"\s*\)\s*(?:(?:private|protected|public|final|lateinit|var|val)\s+)*"""
    r"""(?:[\w<>?.]+\s+)?(\w+)"""
)


def _builder_service(cls: str) -> ServiceType | None:
    base = cls[: -len("Builder")] if cls.endswith("Builder") else cls
    if base == "ConfigurationClient":
        return S.APP_CONFIGURATION
    if base.endswith("Client") or base.endswith("AsyncClient"):
        return service_for_class(base)
    return None


class _JavaScan:
    def __init__(self, source: SourceFile) -> None:
        self.text = source.text
        self.reader = CallReader(source, _JAVA)
        self.rep = Reporter(self.reader)
        self.fields = {m.group(2): (m.start(), m.group(1)) for m in _VALUE_FIELD_RE.finditer(self.text)}
        self._cred_vars: dict[str, ServiceType | None] | None = None

    def parse(self, offset: int, raw: str) -> Arg:
        arg = self.reader.parse(offset, raw)
        if arg.kind == "ident" and arg.name:
            leaf = arg.name.split(".")[-1]
            if leaf in self.fields:
                name = self.fields[leaf][1]
                return Arg("env", offset, name=name, shape=f'@Value("${{{name}}}") {leaf}')
        return arg

    def args(self, paren: int) -> list[Arg] | None:
        parsed = JAVA.split_args(self.text, paren)
        if parsed is None:
            return None
        return [self.parse(off, raw) for off, raw in parsed[0]]

    def builder_before(self, offset: int) -> str | None:
        start = statement_start(self.text, offset)
        last = None
        for m in _BUILDER_RE.finditer(self.text, start, offset):
            last = m.group("cls")
        return last

    def run(self) -> list[Evidence]:
        for m in _METHOD_RE.finditer(self.text):
            self.method(m)
        for m in _NEW_RE.finditer(self.text):
            self.key_credential(m)
        for m in _DRIVER_RE.finditer(self.text):
            self.driver(m)
        for m in _GETENV_RE.finditer(self.text):
            self.rep.lookup(m.start(), m.group(1), f'System.getenv("{m.group(1)}")')
        for m in _GETENV_CONST_RE.finditer(self.text):
            # `System.getenv(SB_CONNECTION)`: the constant holds the variable's name.
            held = re.search(
                rf'\b{m.group(1)}\s*(?::\s*String\s*)?=\s*"([A-Za-z_][\w.\-]{{0,120}})"', self.text
            )
            if held is None and not m.group(1).isupper():
                continue  # a variable, not a constant
            name = held.group(1) if held else m.group(1)
            self.rep.lookup(m.start(), name, f"System.getenv({m.group(1)})")
        for m in _VALUE_RE.finditer(self.text):
            self.rep.lookup(m.start(), m.group(1), f'@Value("${{{m.group(1)}}}")')
        JvmConsumers(self.text, self.rep).run()
        return self.rep.out

    def method(self, m: re.Match[str]) -> None:
        builder = self.builder_before(m.start())
        if builder is None:
            return
        meth = m.group("m")
        line = self.reader.line(m.start())
        args = self.args(m.end() - 1)
        if not args:
            return
        arg = args[0]
        if builder == "ClientSecretCredentialBuilder":
            if meth == "clientSecret":
                self.rep.value(
                    arg,
                    line,
                    lambda s: f"new ClientSecretCredentialBuilder().clientSecret({s})",
                    S.ENTRA_ID,
                    K.CLIENT_SECRET,
                    "builder",
                )
            return
        service = _builder_service(builder)
        if service is None:
            return
        if meth == "connectionString":
            self.rep.value(
                arg,
                line,
                lambda s: f"new {builder}().connectionString({s})",
                service,
                K.CONNECTION_STRING,
                "builder",
            )
        elif meth == "key" and service == S.COSMOS_DB:
            self.rep.value(
                arg, line, lambda s: f"new {builder}().key({s})", service, K.ACCOUNT_KEY, "builder"
            )
        elif meth == "sasToken":
            self.rep.value(arg, line, lambda s: f"new {builder}().sasToken({s})", service, K.SAS, "builder")
        elif meth == "password" and service == S.REDIS:
            self.rep.value(
                arg, line, lambda s: f"new {builder}().password({s})", service, K.ACCESS_KEY, "builder"
            )
        elif meth == "credential":
            for a in args:
                cred = self._credential_class(a)
                if cred in JAVA_PASSWORDLESS_CREDENTIALS:
                    self.rep.passwordless(
                        line, service, f"new {builder}().credential(new {cred}Builder().build())", "builder"
                    )
                    return

    def _credential_class(self, arg: Arg) -> str | None:
        raw = self.text[arg.offset : arg.offset + 200]
        if arg.kind == "ident" and arg.name:
            decl = self.reader.declaration(arg.name)
            raw = decl[1] if decl else raw
        bm = re.match(r"(?:new\s+)?(\w+?)(?:Builder)?\s*\(", raw)
        return bm.group(1) if bm else None

    def key_credential(self, m: re.Match[str]) -> None:
        cls = m.group("cls")
        args = self.args(m.end() - 1)
        if args:
            self.rep.key_credential(
                cls,
                args,
                self.reader.line(m.start()),
                JAVA_KEY_CREDENTIALS[cls],
                lambda: self._key_service(m.start()),
            )

    def _key_service(self, offset: int) -> ServiceType | None:
        builder = self.builder_before(offset)
        service = _builder_service(builder) if builder else None
        return service if service is not None else self._service_by_variable(offset)

    def _service_by_variable(self, offset: int) -> ServiceType | None:
        head = self.text[max(0, offset - 200) : offset]
        vm = re.search(r"\b(\w+)\s*(?::\s*[\w<>?]+\s*)?=\s*(?:new\s+)?$", head)
        if not vm:
            return None
        if self._cred_vars is None:
            self._cred_vars = {}
            for cm in _CREDENTIAL_VAR_RE.finditer(self.text):
                builder = self.builder_before(cm.start())
                if builder and cm.group(1) not in self._cred_vars:
                    self._cred_vars[cm.group(1)] = _builder_service(builder)
        return self._cred_vars.get(vm.group(1))

    def driver(self, m: re.Match[str]) -> None:
        args = self.args(m.end() - 1)
        if not args:
            return
        line = self.reader.line(m.start())
        url = args[0]
        service = S.GENERIC
        if url.kind == "literal" and url.value:
            low = url.value.lower()
            service = (
                S.SQL
                if "sqlserver" in low
                else S.POSTGRESQL
                if "postgres" in low
                else S.MYSQL
                if "mysql" in low
                else S.GENERIC
            )
        elif url.kind == "env":
            service = service_from_setting(url)
        if url.kind in ("literal", "env"):
            self.rep.value(
                url,
                line,
                lambda s: f"DriverManager.getConnection({s}, ...)",
                service,
                K.CONNECTION_STRING,
                "jdbc",
            )
        if len(args) >= 3:
            self.rep.value(
                args[2],
                line,
                lambda s: f"DriverManager.getConnection(url, user, {s})",
                service,
                K.PASSWORD,
                "jdbc",
            )


class JavaHandler:
    name = "java"

    def matches(self, path: PurePosixPath) -> bool:
        # Scala reads the same SDKs with the same call shapes (the Cosmos DB Spark connector).
        return path.suffix.lower() in (".java", ".kt", ".kts", ".scala", ".sc")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        if not _KEYWORDS_RE.search(source.text):
            return iter(())
        return iter(_JavaScan(source).run())
