"""YAML: application config (Spring `application.yml`, Helm values), Kubernetes manifests,
docker-compose files, GitHub Actions and Azure Pipelines.

Parsed with `yaml.compose_all` (safe: builds a node graph, constructs no objects; aliases share
nodes instead of copying them), walked iteratively with a node budget, so alias bombs and deep
documents cost little.  Every string scalar becomes evidence named by its key path joined with
`.`, except where the format says otherwise:

- Kubernetes `kind: Secret`: `data` values are base64-decoded, `stringData` taken as is, both
  named by their data key; ConfigMap `data` keys are names too;
- environment blocks (`environment:` / `env:` / `variables:` as a mapping or as `- KEY=value` or
  `- name: KEY  value: ...` lists) are named by the variable;
- the `azure/login` GitHub action with `creds:` or `client-secret:` is a client-secret consumer
  (and with only `client-id` / `tenant-id`, OpenID Connect: passwordless).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath

import yaml

from scanners import setting_names
from scanners.evidence import Evidence, MalformedInput, SourceFile
from scanners.file_roles import is_ci_file
from scanners.handlers import helm_templates
from scanners.handlers.setting_evidence import Entry, datasource_service, entry_evidence
from scanners.placeholders import is_reference, showable_placeholder
from scanners.records import Confidence, CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

MAX_NODES = 200_000
MAX_VALUE = 16384
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Keys whose children are environment variables / settings named by their own key.
ENV_CONTAINERS = frozenset(
    {
        "environment",
        "env",
        "variables",
        "envs",
        "env_vars",
        "envvars",
        "extraenv",
        "extra_env",
        "app_settings",
        "appsettings",
        "app-settings",
        "secrets",
        "stringdata",
    }
)
# CI step keys whose value is a shell / PowerShell script.
SCRIPT_KEYS = {
    "run": ".sh",
    "script": ".sh",
    "bash": ".sh",
    "inlinescript": ".sh",
    "pwsh": ".ps1",
    "powershell": ".ps1",
    "scriptblock": ".ps1",
}
_OIDC_NOTE = "use OpenID Connect (workload identity federation) instead of a client secret"
_EXPR_RE = re.compile(r"\$\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")
_FLAT_EXPR_RE = re.compile(r"\$(secrets|vars|env|variables)([A-Za-z_]\w*)")
PASSWORD_FLAGS = frozenset({"--password", "--pass", "--pwd", "--requirepass", "--client-secret"})
# Workflow actions that log in to a container registry with `with.password`.
REGISTRY_LOGIN_ACTIONS = ("docker/login-action", "azure/docker-login")
_SECRET_EXPR_RE = re.compile(r"\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node | None) -> str | None:
    if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
        return node.value
    return None


def _get(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for k, v in mapping.value:
        if _scalar(k) == key:
            found: yaml.Node = v
            return found
    return None


class _Walk:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.ci = is_ci_file(source.path)
        self.role = R.CI_SCRIPT if self.ci else R.CONFIG_VALUE
        self.visited = 0
        self.seen: set[int] = set()
        self.entries: list[tuple[Entry, str | None]] = []  # ((line, name, value), note)
        self.extra: list[Evidence] = []

    def tick(self) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise MalformedInput(f"more than {MAX_NODES} YAML nodes")

    def add(self, line: int, name: str, value: str, note: str | None = None, slot: bool = False) -> None:
        # `slot`: an empty named value (`- name: AZURE_OPENAI_API_KEY / value: ""`) is kept, so
        # that the classifier can report the slot as a placeholder when its name is a key's.
        if (value or slot) and len(value) <= MAX_VALUE:
            self.entries.append(((line, name, value), note))

    # -- documents

    def document(self, root: yaml.Node) -> None:
        kind = _scalar(_get(root, "kind")) if isinstance(root, yaml.MappingNode) else None
        skip: set[int] = set()
        if isinstance(root, yaml.MappingNode) and kind in ("Secret", "ConfigMap"):
            for key in ("data", "stringData", "binaryData"):
                node = _get(root, key)
                if isinstance(node, yaml.MappingNode):
                    skip.add(id(node))
                    self.k8s_data(
                        node,
                        decode=(kind == "Secret" and key == "data"),
                        note="Kubernetes Secret data" if kind == "Secret" else "Kubernetes ConfigMap data",
                    )
        self.walk(root, skip)

    def k8s_data(self, node: yaml.MappingNode, decode: bool, note: str) -> None:
        for k, v in node.value:
            self.tick()
            key, value = _scalar(k), _scalar(v)
            if key is None or value is None:
                continue
            if decode:
                try:
                    raw = base64.b64decode("".join(value.split()), validate=True)
                    value = raw.decode("utf-8")
                except (binascii.Error, ValueError):
                    continue
            self.add(_line(v), key, value.strip() if decode else value, note)

    # -- the generic walk

    def walk(self, root: yaml.Node, skip: set[int]) -> None:
        # mode: "env" = the node is an environment block; "leaf" = a scalar named by its own key
        stack: list[tuple[yaml.Node, tuple[str, ...], str]] = [(root, (), "")]
        while stack:
            node, path, mode = stack.pop()
            self.tick()
            if id(node) in skip:
                continue
            if isinstance(node, yaml.ScalarNode):
                if self.ci and path and path[-1].lower() in SCRIPT_KEYS and node.tag == STR_TAG:
                    self.script(node, SCRIPT_KEYS[path[-1].lower()])
                    continue
                if node.tag == STR_TAG and path:
                    self.add(_line(node), path[-1] if mode == "leaf" else ".".join(path), node.value)
                continue
            if id(node) in self.seen:  # shared through an alias: walked once
                continue
            self.seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                self.flag_values(node)
                for item in reversed(node.value):
                    if mode == "env" and isinstance(item, yaml.ScalarNode):
                        self.tick()
                        self.env_item(item)
                    elif isinstance(item, yaml.MappingNode) and self.name_value(item):
                        self.tick()
                    else:
                        stack.append((item, path, ""))
                continue
            if isinstance(node, yaml.MappingNode):
                self.special_mapping(node)
                for k, v in reversed(node.value):
                    key = _scalar(k)
                    if key is None:
                        continue
                    if k.tag == MERGE_TAG or key == "<<":
                        stack.append((v, path, mode))
                        continue
                    if mode == "env" and isinstance(v, yaml.ScalarNode):
                        stack.append((v, (*path, key), "leaf"))
                    else:
                        stack.append((v, (*path, key), "env" if key.lower() in ENV_CONTAINERS else ""))

    def flag_values(self, node: yaml.SequenceNode) -> None:
        """`command: ["--username", "u", "--password", "p"]` (a container's arguments): the value
        after a password flag is named by the flag."""
        items = node.value
        for flag, value in zip(items, items[1:], strict=False):
            f = _scalar(flag)
            if (
                f
                and f.lower() in PASSWORD_FLAGS
                and isinstance(value, yaml.ScalarNode)
                and value.tag == STR_TAG
            ):
                self.add(_line(value), f.lstrip("-"), value.value)

    def script(self, node: yaml.ScalarNode, suffix: str) -> None:
        """A CI step's script: read by the script handler, lines mapped back into this file."""
        from scanners.handlers.scripts import ScriptHandler

        first = int(node.start_mark.line) + (2 if node.style in ("|", ">") else 1)
        # `${{ secrets.X }}` → `${{secrets.X}}`: one token, which the script reader sees as a variable
        text = _EXPR_RE.sub(lambda m: "${{" + m.group(1) + "}}", node.value)
        inner = SourceFile(PurePosixPath(f"ci-step{suffix}"), text)
        for ev in ScriptHandler().scan(inner):
            name = ev.name
            if name and name.split(".", 1)[0] in ("secrets", "vars", "env", "variables") and "." in name:
                name = name.split(".", 1)[1]
            preview = ev.preview
            if preview:
                preview = _FLAT_EXPR_RE.sub(lambda m: "${{ " + m.group(1) + "." + m.group(2) + " }}", preview)
            self.extra.append(
                replace(ev, line=first + ev.line - 1, role=self.role, name=name, preview=preview)
            )

    def env_item(self, item: yaml.ScalarNode) -> None:
        """`- KEY=value` in a docker-compose `environment:` list."""
        value = _scalar(item)
        if value and "=" in value:
            key, _, val = value.partition("=")
            if re.fullmatch(r"[A-Za-z_][\w.\-]*", key.strip()):
                self.add(_line(item), key.strip(), val, slot=True)

    def name_value(self, item: yaml.MappingNode) -> bool:
        """`- name: KEY / value: ...` (Kubernetes env, Azure Pipelines variables); True if handled."""
        name = _scalar(_get(item, "name"))
        if name is None or len(item.value) > 4:
            return False
        value_node = _get(item, "value")
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag == STR_TAG:
            self.add(_line(value_node), name, value_node.value, slot=True)
            return True
        ref = _get(item, "valueFrom")
        if isinstance(ref, yaml.MappingNode) and _get(ref, "secretKeyRef") is not None:
            if setting_names.rule_for(name) or setting_names.is_connection_name(name):
                rule = setting_names.rule_for(name)
                self.extra.append(
                    Evidence(
                        line=_line(item),
                        role=self.role,
                        name=name,
                        service=rule.service if rule else (setting_names.service_hint(name) or S.GENERIC),
                        kind=rule.kind if rule else K.CONNECTION_STRING,
                        value_class=V.REFERENCE,
                        preview=f"{name}: valueFrom.secretKeyRef",
                        method="k8s-secret-ref",
                        note="read from a Kubernetes Secret",
                    )
                )
            return True
        return False

    def special_mapping(self, node: yaml.MappingNode) -> None:
        uses = _scalar(_get(node, "uses"))
        if uses and uses.lower().startswith(REGISTRY_LOGIN_ACTIONS):
            self.registry_login(node, uses)
            return
        if not uses or not uses.lower().startswith("azure/login"):
            return
        with_node = _get(node, "with")
        if not isinstance(with_node, yaml.MappingNode):
            return
        line = _line(node)
        found_secret = False
        for key in ("creds", "client-secret"):
            v = _get(with_node, key)
            value = _scalar(v)
            if v is None or value is None:
                continue
            found_secret = True
            secret_ref = _SECRET_EXPR_RE.search(value)
            self.extra.append(
                Evidence(
                    line=_line(v),
                    role=self.role,
                    name=secret_ref.group(1) if secret_ref else None,
                    service=S.ENTRA_ID,
                    kind=K.CLIENT_SECRET,
                    value_class=V.REFERENCE,
                    preview=f"azure/login with.{key}: "
                    + ("${{ secrets." + secret_ref.group(1) + " }}" if secret_ref else "***"),
                    method="azure-login",
                    note=_OIDC_NOTE,
                    confidence=Confidence.HIGH,
                )
            )
            if not secret_ref:
                self.literal_creds(v, value, key)
        if not found_secret and _get(with_node, "client-id") is not None:
            self.extra.append(
                Evidence(
                    line=line,
                    role=self.role,
                    service=S.ENTRA_ID,
                    kind=K.IDENTITY,
                    value_class=V.PASSWORDLESS,
                    preview="azure/login with.client-id (OpenID Connect)",
                    method="azure-login",
                )
            )

    def registry_login(self, node: yaml.MappingNode, uses: str) -> None:
        """`docker/login-action` / `azure/docker-login` with a password: a registry login with a
        secret (a CI secret is a reference; a literal goes to the classifier)."""
        with_node = _get(node, "with")
        v = _get(with_node, "password") if isinstance(with_node, yaml.MappingNode) else None
        value = _scalar(v)
        if v is None or value is None:
            return
        if not is_reference(value) and not _SECRET_EXPR_RE.search(value):
            self.add(_line(v), "DOCKER_REGISTRY_SERVER_PASSWORD", value)
            return
        action = uses.split("@", 1)[0]
        self.extra.append(
            Evidence(
                line=_line(v),
                role=self.role,
                name="DOCKER_REGISTRY_SERVER_PASSWORD",
                service=S.CONTAINER_REGISTRY,
                kind=K.ADMIN_PASSWORD,
                value_class=V.REFERENCE,
                preview=f"{action} with.password: " + (value if showable_placeholder(value) else "***"),
                method="registry-login",
                confidence=Confidence.HIGH,
            )
        )

    def literal_creds(self, node: yaml.Node, value: str, key: str) -> None:
        """A service-principal JSON (or a bare secret) written into the workflow itself."""
        if key == "client-secret":
            self.add(_line(node), "client-secret", value, _OIDC_NOTE)
            return
        try:
            creds = json.loads(value)
        except ValueError:
            return
        if isinstance(creds, dict):
            secret = creds.get("clientSecret")
            if isinstance(secret, str):
                self.add(_line(node), "clientSecret", secret, _OIDC_NOTE)

    def evidence(self) -> list[Evidence]:
        db = datasource_service([e for e, _ in self.entries])
        out = list(self.extra)
        for (line, name, value), note in self.entries:
            ev = entry_evidence(line, name, value, db, role=self.role, note=note)
            if ev is not None:
                out.append(ev)
        return out


class YamlHandler:
    name = "yaml-files"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in (".yml", ".yaml")

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        actions = helm_templates.has_actions(source.text)
        if not (actions and helm_templates.is_chart_template(source.path)):
            try:
                return iter(_read(source))
            except MalformedInput:
                if not actions:
                    raise
        # A Helm template (`{{ ... }}` actions): read with the actions masked, then put back.
        masked = helm_templates.mask_actions(source.text)
        found = _read(SourceFile(source.path, masked.text))
        return iter([masked.restore(ev) for ev in found])


def _read(source: SourceFile) -> list[Evidence]:
    walk = _Walk(source)
    try:
        for root in yaml.compose_all(source.text, Loader=_Loader):
            if root is not None:
                walk.document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" near line {mark.line + 1}" if mark is not None else ""
        raise MalformedInput(f"not valid YAML{where}") from None
    return walk.evidence()
