"""Java, Kotlin and Scala consumers beyond the Azure SDK builders the Java handler models.

- Settings maps written with an arrow (Scala `Map("Masterkey" -> key)`, the Cosmos DB Spark
  connector's configuration) or `to` (Kotlin): a literal under a secret's name is classified, an
  expression there is a consumer.
- A configuration read by a constant that names a secret
  (`config.getOrElse[String](CosmosDBConfig.Masterkey, "")`).
- The legacy Cosmos DB clients: `new DocumentClient(host, masterKey, policy, level)` (the key is the
  second argument; learn.microsoft.com/dotnet/api/microsoft.azure.documents.client.documentclient.-ctor
  and the Java SDK 1.x `DocumentClient(String serviceEndpoint, String masterKeyOrResourceToken, ...)`)
  and the async builder's `.withMasterKeyOrResourceToken(key)` / `.withMasterKey(key)`
  (azure.github.io/azure-cosmosdb-java, `AsyncDocumentClient.Builder`).
- Environment helpers fed a constant (`getOptionOrEnv(cl, "c", SB_CONNECTIONSTRING)`,
  `System.getenv(CosmosDBConfig.KeyEnvVarname)`): the constant's value names the variable.
"""

from __future__ import annotations

import re

from scanners import setting_names
from scanners.evidence import Evidence
from scanners.handlers.call_reader import Arg, Reporter
from scanners.handlers.code_evidence import literal_evidence
from scanners.handlers.lexing import JAVA
from scanners.handlers.secret_reads import read_evidence
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind

KEYWORDS = r'"\s*(?:->|to\b)|getOrElse|DocumentClient|withMasterKey|Env\w*\s*\('

_PAIR_RE = re.compile(
    r'"(?P<name>[A-Za-z_][\w.:\-]{0,120})"[ \t]*(?:->|\bto\b)[ \t]*(?P<value>"(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w.]*)'
)
_CONFIG_READ_RE = re.compile(
    r"\.\s*(?:get|getOrElse|getOrDefault|getString|getProperty)\s*(?:\[[^\]\n]{0,80}\])?\s*\(\s*"
    r'(?:[A-Za-z_]\w*\.){0,4}"?(?P<name>[A-Za-z_]\w{2,80})"?\s*[,)]'
)
_DOCUMENT_CLIENT_RE = re.compile(r"\bnew\s+DocumentClient\s*\(")
_MASTER_KEY_RE = re.compile(r"\.\s*(?P<m>withMasterKeyOrResourceToken|withMasterKey)\s*\(")
_ENV_HELPER_RE = re.compile(r"\b(?P<fn>[a-z]\w*Env\w*)\s*\(")
_CONSTANT_ARG_RE = re.compile(r"^(?:[A-Za-z_]\w*\.){0,3}(?P<const>[A-Za-z_]\w{2,80})$")


class JvmConsumers:
    """The rules above over one file, reporting through the Java handler's `Reporter`."""

    def __init__(self, text: str, rep: Reporter) -> None:
        self.text = text
        self.rep = rep

    def line(self, offset: int) -> int:
        return self.rep.reader.line(offset)

    def run(self) -> None:
        text = self.text
        if "->" in text or " to " in text:
            for m in _PAIR_RE.finditer(text):
                self.pair(m)
        if "get" in text:
            for m in _CONFIG_READ_RE.finditer(text):
                self.config_read(m)
        if "DocumentClient" in text:
            for m in _DOCUMENT_CLIENT_RE.finditer(text):
                self.document_client(m)
        if "withMasterKey" in text:
            for m in _MASTER_KEY_RE.finditer(text):
                self.master_key(m)
        if "Env" in text:
            for m in _ENV_HELPER_RE.finditer(text):
                self.env_helper(m)

    def consumer(
        self, offset: int, name: str | None, service: ServiceType, kind: CredentialKind, preview: str
    ) -> None:
        self.rep.emit(
            Evidence(
                line=self.line(offset),
                role=EvidenceRole.CODE_CONSUMER,
                name=name,
                service=service,
                kind=kind,
                value_class=ValueClass.REFERENCE,
                preview=preview,
                method="call",
            )
        )

    def pair(self, m: re.Match[str]) -> None:
        name, value = m.group("name"), m.group("value")
        rule = setting_names.rule_for(name)
        if rule is None:
            return
        preview = f'"{name}" -> …'
        if value.startswith('"'):
            raw = value[1:-1]
            self.rep.emit(
                literal_evidence(
                    self.line(m.start("value")), raw, name, rule.service, rule.kind, preview, "pair"
                )
            )
        elif value not in ("null", "None", "true", "false"):
            self.consumer(m.start(), name, rule.service, rule.kind, f'"{name}" -> {value}')

    def config_read(self, m: re.Match[str]) -> None:
        name = m.group("name")
        rule = setting_names.rule_for(name)
        if rule is not None:
            self.consumer(m.start(), name, rule.service, rule.kind, f"config.get({name})")

    def _args(self, paren: int) -> list[tuple[int, str]]:
        parsed = JAVA.split_args(self.text, paren)
        return parsed[0] if parsed else []

    def document_client(self, m: re.Match[str]) -> None:
        args = self._args(m.end() - 1)
        if len(args) < 2:
            return
        offset, raw = args[1]
        self.key_arg(self.rep.reader.parse(offset, raw), "new DocumentClient(host, {})")

    def master_key(self, m: re.Match[str]) -> None:
        args = self._args(m.end() - 1)
        if args:
            offset, raw = args[0]
            self.key_arg(self.rep.reader.parse(offset, raw), f".{m.group('m')}({{}})")

    def key_arg(self, arg: Arg, shape: str) -> None:
        self.rep.value(
            arg, self.line(arg.offset), lambda s: shape.format(s), S.COSMOS_DB, K.ACCOUNT_KEY, "ctor"
        )

    def env_helper(self, m: re.Match[str]) -> None:
        for offset, raw in self._args(m.end() - 1):
            cm = _CONSTANT_ARG_RE.match(raw.strip())
            if cm is None:
                continue
            const = cm.group("const")
            held = re.search(
                rf'\b{re.escape(const)}\s*(?::\s*String\s*)?=\s*"([A-Za-z_][\w.\-]{{0,120}})"', self.text
            )
            name = held.group(1) if held else const
            if held is None and not const.isupper():
                continue
            self.rep.emit(read_evidence(self.line(offset), name, f"{m.group('fn')}({const})"))
