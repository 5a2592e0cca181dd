"""The configuration file formats `config.patch` edits, one entry per line: JSON / JSON with comments
(appsettings*.json, local.settings.json, App Service `[{name, value}]` exports), XML (web.config),
`.env`, `.properties` and YAML `key: value` lines.  Each handler finds an entry, replaces its value
and writes a new entry beside it, textually, so comments, order and formatting stay."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from scanners import json_tokens
from scanners.evidence import MalformedInput

JSON_STRING = r'"(?:[^"\\\n]|\\.)*"'


def file_kind(path: str) -> str | None:
    name = PurePosixPath(path).name.lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".config") or name.endswith(".xml"):
        return "xml"
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    if name.endswith(".properties"):
        return "properties"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    return None


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@dataclass
class Edits:
    lines: list[str]
    replace: dict[int, str] = field(default_factory=dict)
    delete: set[int] = field(default_factory=set)
    insert: dict[int, list[str]] = field(default_factory=dict)

    def result(self) -> list[str]:
        out: list[str] = []
        for i, line in enumerate(self.lines):
            out.extend(self.insert.get(i, []))
            if i in self.delete:
                continue
            out.append(self.replace.get(i, line))
        return out


class JsonFile:
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.local_settings = PurePosixPath(path).name.lower() == "local.settings.json"
        try:
            self.root = json_tokens.parse(text)
        except (MalformedInput, RecursionError):
            self.root = None
        self.keys: dict[tuple[str, ...], int] = {}
        self.first_pair: dict[tuple[str, ...], int] = {}
        self.array_names: dict[str, int] = {}
        try:
            self._walk(self.root, ())
        except RecursionError:  # nested too deep to edit safely: every setting is left for a person
            self.root = None
            self.keys, self.first_pair, self.array_names = {}, {}, {}

    def _walk(self, node: json_tokens.JValue | None, path: tuple[str, ...]) -> None:
        if isinstance(node, json_tokens.JObj):
            if node.pairs:
                self.first_pair[tuple(p.lower() for p in path)] = line_of(self.text, node.pairs[0][1])
            for key, offset, value in node.pairs:
                sub = (*path, key)
                self.keys.setdefault(tuple(p.lower() for p in sub), line_of(self.text, offset))
                self._walk(value, sub)
        elif isinstance(node, json_tokens.JArr) and not path:
            for item in node.items:
                if isinstance(item, json_tokens.JObj):
                    name = item.get("name")
                    if isinstance(name, json_tokens.JStr):
                        self.array_names[name.value.lower()] = line_of(self.text, name.offset)

    @property
    def is_array(self) -> bool:
        return isinstance(self.root, json_tokens.JArr)

    def key_path(self, setting: str) -> tuple[str, ...]:
        parts = tuple(setting.split(":"))
        return (
            ("values", *(p.lower() for p in parts))
            if self.local_settings
            else tuple(p.lower() for p in parts)
        )

    def find(self, setting: str) -> int | None:
        if self.is_array:
            return self.array_names.get(setting.lower())
        return self.keys.get(self.key_path(setting))

    def parent_of_line(self, line: int) -> tuple[str, ...] | None:
        for path, ln in self.keys.items():
            if ln == line:
                return path[:-1]
        return None

    def replace_value(self, line: str, setting: str, value: str) -> str | None:
        key = "value" if self.is_array else re.escape(setting.split(":")[-1])
        pattern = re.compile(rf'("{key}"\s*:\s*){JSON_STRING}', re.IGNORECASE)
        new, n = pattern.subn(lambda m: m.group(1) + json.dumps(value), line, count=1)
        return new if n else None

    def new_line(self, indent: str, setting: str, value: str) -> str:
        if self.is_array:
            return f'{indent}{{ "name": {json.dumps(setting)}, "value": {json.dumps(value)}, "slotSetting": false }},\n'
        return f"{indent}{json.dumps(setting.split(':')[-1])}: {json.dumps(value)},\n"

    def insert_at(self, setting: str, anchor: int | None, lines: list[str]) -> int | None:
        """Line before which a new entry goes: beside the anchor when it is a sibling, else first in its object."""
        if self.is_array:
            return (
                anchor
                if anchor is not None
                else (min(self.array_names.values()) if self.array_names else None)
            )
        parent = self.key_path(setting)[:-1]
        if anchor is not None and self.parent_of_line(anchor) == parent:
            return anchor
        return self.first_pair.get(parent)


def strip_comment(line: str) -> str:
    return re.sub(r"\s*//[^\"]*$", "", line.rstrip("\r\n")).rstrip()


def fix_commas(lines: list[str]) -> list[str]:
    """Strict JSON: drop a trailing comma when the next significant line closes the object/array."""
    out = list(lines)
    for i, line in enumerate(out):
        body = strip_comment(line)
        if not body.endswith(","):
            continue
        nxt = next((x.strip() for x in out[i + 1 :] if x.strip() and not x.strip().startswith("//")), "")
        if nxt.startswith(("}", "]")):
            out[i] = line.replace(body, body[:-1], 1)
    return out


def xml_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class LineFile:
    """XML, .env, .properties and YAML: one entry per line."""

    def __init__(self, kind: str, lines: list[str]) -> None:
        self.kind, self.lines = kind, lines

    def pattern(self, setting: str) -> re.Pattern[str]:
        if self.kind == "xml":
            if setting.lower().startswith("connectionstrings:"):
                return re.compile(
                    rf'<add\b[^>]*\bname="{re.escape(setting.split(":", 1)[1])}"', re.IGNORECASE
                )
            return re.compile(rf'<add\b[^>]*\bkey="{re.escape(setting)}"', re.IGNORECASE)
        if self.kind == "yaml":
            return re.compile(rf"^\s*{re.escape(setting)}\s*:")
        return re.compile(rf"^\s*(?:export\s+)?{re.escape(setting)}\s*[=:]")

    def find(self, setting: str) -> int | None:
        pat = self.pattern(setting)
        for i, line in enumerate(self.lines):
            if pat.search(line):
                return i
        return None

    def replace_value(self, line: str, setting: str, value: str) -> str | None:
        eol = line[len(line.rstrip("\r\n")) :]
        body = line.rstrip("\r\n")
        if self.kind == "xml":
            new, n = re.subn(
                r'\b(connectionString|value)="[^"]*"',
                lambda m: f'{m.group(1)}="{xml_attr(value)}"',
                body,
                count=1,
            )
            return new + eol if n else None
        if self.kind == "yaml":
            m = re.match(r"^(\s*[^:]+:\s*)", body)
            return m.group(1) + json.dumps(value) + eol if m else None
        m = re.match(r"^(\s*(?:export\s+)?[^=:\s]+\s*[=:]\s*)", body)
        return m.group(1) + value + eol if m else None

    def new_line(self, indent: str, setting: str, value: str) -> str:
        if self.kind == "xml":
            if setting.lower().startswith("connectionstrings:"):
                return f'{indent}<add name="{xml_attr(setting.split(":", 1)[1])}" connectionString="{xml_attr(value)}" />\n'
            return f'{indent}<add key="{xml_attr(setting)}" value="{xml_attr(value)}" />\n'
        if self.kind == "yaml":
            return f"{indent}{setting}: {json.dumps(value)}\n"
        return f"{indent}{setting}={value}\n"


def in_secret_data(lines: list[str], at: int) -> bool:
    """Whether line `at` is an entry of the `data:` map of a Kubernetes Secret (values in base64)."""
    if not 0 <= at < len(lines):
        return False
    start = next((i + 1 for i in range(at - 1, -1, -1) if lines[i].startswith("---")), 0)
    end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("---")), len(lines))
    if not any(re.match(r"""^kind:\s*["']?Secret["']?\s*$""", line) for line in lines[start:end]):
        return False
    depth = len(indent(lines[at]))
    for line in reversed(lines[start:at]):
        if line.strip() and not line.lstrip().startswith("#") and len(indent(line)) < depth:
            return re.match(r"^\s*data:\s*(#.*)?$", line.rstrip("\r\n")) is not None
    return False


JSON_ENTRY = re.compile(r"""^\s*"(?:[^"\\]|\\.)*"\s*:\s*(?:"(?:[^"\\]|\\.)*"|[^{}\[\],"]+)\s*,?\s*(//.*)?$""")
XML_ENTRY = re.compile(r"^\s*<add\b[^<>]*/>\s*$")


def single_entry(kind: str, line: str, insert: bool = False) -> bool:
    """Whether a line holds one entry only, so that deleting or rewriting it touches nothing else (a
    one-line JSON or XML file holds several); for an insert, whether the line starts an entry."""
    body = line.rstrip("\r\n")
    if kind == "json":
        return body.lstrip().startswith('"') if insert else JSON_ENTRY.match(body) is not None
    if kind == "xml":
        return body.lstrip().startswith("<add") if insert else XML_ENTRY.match(body) is not None
    return True
