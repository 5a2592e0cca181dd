"""`config.patch`: the plan's setting changes applied to the configuration files of the repository.

Edits are minimal and textual: the value on the setting's own line is replaced, a removed entry's
line is deleted, a new entry is inserted beside the entry it replaces (same indentation).  Nothing
is re-serialised, so comments, order and formatting stay.  Formats: JSON / JSON with comments
(appsettings*.json, local.settings.json, App Service `[{name, value}]` exports), XML (web.config),
`.env`, `.properties` and YAML `key: value` lines.

Written as `config.patch` (git binary delta: applies with `git apply`, holds no secret value) and
`config.review.diff` (difflib, secret-bearing removed lines redacted): see `migrate.emit.diffs`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from migrate.emit.diffs import join, review_diff
from migrate.emit.model import AppContext, Artifact, EmitOutput, Note
from migrate.emit.patch_safety import safe_patch
from migrate.plan.catalog import is_literal
from migrate.plan.records import SettingAction, SettingChange
from scanners import json_tokens
from scanners.evidence import MalformedInput

_STRING = r'"(?:[^"\\\n]|\\.)*"'


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


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@dataclass
class _Edits:
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


class _JsonFile:
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
                self.first_pair[tuple(p.lower() for p in path)] = _line_of(self.text, node.pairs[0][1])
            for key, offset, value in node.pairs:
                sub = (*path, key)
                self.keys.setdefault(tuple(p.lower() for p in sub), _line_of(self.text, offset))
                self._walk(value, sub)
        elif isinstance(node, json_tokens.JArr) and not path:
            for item in node.items:
                if isinstance(item, json_tokens.JObj):
                    name = item.get("name")
                    if isinstance(name, json_tokens.JStr):
                        self.array_names[name.value.lower()] = _line_of(self.text, name.offset)

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
        pattern = re.compile(rf'("{key}"\s*:\s*){_STRING}', re.IGNORECASE)
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


def _strip_comment(line: str) -> str:
    return re.sub(r"\s*//[^\"]*$", "", line.rstrip("\r\n")).rstrip()


def _fix_commas(lines: list[str]) -> list[str]:
    """Strict JSON: drop a trailing comma when the next significant line closes the object/array."""
    out = list(lines)
    for i, line in enumerate(out):
        body = _strip_comment(line)
        if not body.endswith(","):
            continue
        nxt = next((x.strip() for x in out[i + 1 :] if x.strip() and not x.strip().startswith("//")), "")
        if nxt.startswith(("}", "]")):
            out[i] = line.replace(body, body[:-1], 1)
    return out


def _xml_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _LineFile:
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
                lambda m: f'{m.group(1)}="{_xml_attr(value)}"',
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
                return f'{indent}<add name="{_xml_attr(setting.split(":", 1)[1])}" connectionString="{_xml_attr(value)}" />\n'
            return f'{indent}<add key="{_xml_attr(setting)}" value="{_xml_attr(value)}" />\n'
        if self.kind == "yaml":
            return f"{indent}{setting}: {json.dumps(value)}\n"
        return f"{indent}{setting}={value}\n"


def _in_secret_data(lines: list[str], at: int) -> bool:
    """Whether line `at` is an entry of the `data:` map of a Kubernetes Secret (values in base64)."""
    if not 0 <= at < len(lines):
        return False
    start = next((i + 1 for i in range(at - 1, -1, -1) if lines[i].startswith("---")), 0)
    end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("---")), len(lines))
    if not any(re.match(r"""^kind:\s*["']?Secret["']?\s*$""", line) for line in lines[start:end]):
        return False
    indent = len(_indent(lines[at]))
    for line in reversed(lines[start:at]):
        if line.strip() and not line.lstrip().startswith("#") and len(_indent(line)) < indent:
            return re.match(r"^\s*data:\s*(#.*)?$", line.rstrip("\r\n")) is not None
    return False


def _anchor(ctx: AppContext, path: str, unit_id: str) -> int | None:
    unit = ctx.unit(unit_id)
    for loc in unit.locations if unit else ():
        file, _, line = loc.rpartition(":")
        if file == path and line.isdigit():
            return int(line) - 1
    return None


def patch_file(
    ctx: AppContext,
    path: str,
    text: str,
    changes: list[SettingChange],
    removals: list[tuple[str, int | None]],
) -> tuple[str, list[str]]:
    """The new text of one file, and what could not be done in it."""
    kind = file_kind(path)
    lines = text.splitlines(keepends=True)
    todo: list[str] = []
    if kind is None:
        return text, [
            f"{path}: unsupported file type: change {', '.join(c.setting for c in changes)} by hand"
        ]
    handler: _JsonFile | _LineFile = _JsonFile(path, text) if kind == "json" else _LineFile(kind, lines)
    edits = _Edits(lines)

    def locate(setting: str, hint: int | None) -> int | None:
        found = handler.find(setting)
        if found is not None:
            return found
        if (
            hint is not None
            and 0 <= hint < len(lines)
            and setting.split(":")[-1].lower() in lines[hint].lower()
        ):
            return hint
        return None

    for name, hint in removals:
        at = locate(name, hint)
        if at is None:
            todo.append(f"{path}: remove {name} by hand (entry not found)")
        else:
            edits.delete.add(at)
    for c in sorted(changes, key=lambda c: (c.action != SettingAction.REPLACE, c.setting)):
        value = c.value_template
        if c.action is SettingAction.KEEP:
            continue
        if c.action is SettingAction.REMOVE:
            at = locate(c.setting, _anchor(ctx, path, c.unit))
            if at is not None:
                edits.delete.add(at)
            continue
        if value is None or not is_literal(value):
            todo.append(
                f"{path}: set {c.setting} by hand ({value or 'no value in the plan'}); "
                "remove the secret from it"
            )
            continue
        if c.action is SettingAction.REPLACE:
            at = locate(c.setting, _anchor(ctx, path, c.unit))
            if at is not None and kind == "yaml" and _in_secret_data(lines, at):
                value = base64.b64encode(value.encode("utf-8")).decode("ascii")  # `data:` holds base64
            new = handler.replace_value(edits.lines[at], c.setting, value) if at is not None else None
            if at is None or new is None:
                todo.append(f"{path}: replace the value of {c.setting} by hand")
            else:
                edits.replace[at] = new
            continue
        # ADD
        if handler.find(c.setting) is not None:
            continue
        anchor = _anchor(ctx, path, c.unit)
        at = handler.insert_at(c.setting, anchor, lines) if isinstance(handler, _JsonFile) else anchor
        if at is None:
            todo.append(f"{path}: add {c.setting} by hand")
            continue
        if kind == "yaml" and _in_secret_data(lines, at):
            value = base64.b64encode(value.encode("utf-8")).decode("ascii")
        edits.insert.setdefault(at, []).append(handler.new_line(_indent(lines[at]), c.setting, value))
    new_lines = edits.result()
    if kind == "json":
        try:
            json.loads(text)
            new_lines = _fix_commas(new_lines)
        except (ValueError, RecursionError):
            pass  # JSON with comments or trailing commas: the tolerant style stays
    return "".join(new_lines), todo


def _file_path(where: str) -> tuple[str, int | None]:
    path, _, line = where.rpartition(":")
    if path and line.isdigit():
        return path, int(line) - 1
    return where, None


class ConfigPatchEmitter:
    """`config.patch` for the configuration files the plan changes (needs `--repo`)."""

    def emit(self, ctx: AppContext) -> EmitOutput:
        by_file: dict[str, list[SettingChange]] = {}
        removals: dict[str, list[tuple[str, int | None]]] = {}
        for s in ctx.app.settings:
            if s.where not in ("app-setting", "connection-string"):
                by_file.setdefault(s.where, []).append(s)
        for r in ctx.app.removals:
            path, line = _file_path(r.where)
            if file_kind(path) is None or r.what.startswith("the old secret value") or " " in r.what:
                continue
            removals.setdefault(path, []).append((r.what, line))
        paths = sorted(set(by_file) | set(removals))
        if not paths:
            return EmitOutput(())
        notes: list[Note] = []
        if ctx.repo is None:
            return EmitOutput((), (Note(ctx.app.app, "config.patch not written: run emit with --repo"),))
        patches, reviews = [], []
        for path in paths:
            source = Path(ctx.repo) / path
            try:
                text = source.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                notes.append(Note(ctx.app.app, f"{path}: cannot read it in --repo; change it by hand"))
                continue
            new, todo = patch_file(ctx, path, text, by_file.get(path, []), removals.get(path, []))
            notes.extend(Note(ctx.app.app, t) for t in todo)
            decision = safe_patch(path, text, new, text_allowed=False)
            patches.append(decision.patch)
            if decision.review:
                reviews.append(review_diff(path, text, new, mask_values(path)))
            if decision.note:
                notes.append(Note(ctx.app.app, decision.note))
        return EmitOutput(patch_artifacts("config", patches, reviews), tuple(notes))


MASK = "***"


def mask_values(path: str) -> Callable[[int, str], str | None]:
    """Config review diffs: every removed line keeps its key and loses its value(s)."""
    kind = file_kind(path)

    def mask(_line_no: int, line: str) -> str:
        body, eol = line.rstrip("\r\n"), "\n"
        if kind == "json":
            masked = re.sub(
                rf"({_STRING})(\s*:\s*){_STRING}",
                lambda m: (
                    m.group(0) if m.group(1).lower() == '"name"' else f'{m.group(1)}{m.group(2)}"{MASK}"'
                ),
                body,
            )
        elif kind == "xml":
            masked = re.sub(r'\b(value|connectionString)="[^"]*"', lambda m: f'{m.group(1)}="{MASK}"', body)
        elif kind == "yaml":
            masked = re.sub(r"^(\s*[^:#]+:\s*)\S.*$", lambda m: m.group(1) + MASK, body)
        else:
            masked = re.sub(
                r"^(\s*(?:export\s+)?[^=:\s#]+\s*[=:]\s*)\S.*$", lambda m: m.group(1) + MASK, body
            )
        if masked == body and body.strip():
            masked = f"[line {_line_no}: value not shown]"
        return masked + eol

    return mask


def secret_lines(path: str, text: str) -> Callable[[int, str], str | None]:
    """Code review diffs: lines whose value the scanner classes as a secret are not shown."""
    from scanners.file_scan import secret_line_numbers

    flagged = secret_line_numbers(path, text)

    def redact(line_no: int, _line: str) -> str | None:
        return f"[line {line_no}: secret-bearing line, value not shown]" if line_no in flagged else None

    return redact


def patch_artifacts(name: str, patches: list[str], reviews: list[str]) -> tuple[Artifact, ...]:
    patch, review = join(patches), join(reviews)
    if not patch:  # every file was left for a person (see the notes): the diff still shows what to do
        return (
            (Artifact(f"{name}.review.diff", f"# No {name}.patch: make these changes by hand.\n" + review),)
            if review
            else ()
        )
    header = (
        f"# {name}.patch applies with `git apply` from the repository root (a text diff where no quoted\n"
        "# line holds a secret, else a git binary delta that quotes no old line). Read this diff;\n"
        "# apply the patch.\n"
    )
    return (Artifact(f"{name}.patch", patch), Artifact(f"{name}.review.diff", header + review))
