"""`config.patch`: the plan's setting changes applied to the configuration files of the repository.

Edits are minimal and textual: the value on the setting's own line is replaced, a removed entry's
line is deleted, a new entry is inserted beside the entry it replaces (same indentation).  Nothing
is re-serialised, so comments, order and formatting stay.  Formats: JSON / JSON with comments
(appsettings*.json, local.settings.json, App Service `[{name, value}]` exports), XML (web.config),
`.env`, `.properties` and YAML `key: value` lines.

A unit's settings change only when every code consumer of them reads the new form after this emit
(`migrate.emit.consumer_gate`); emulator values and pipeline tokens are never rewritten; a unit's
edits in a file are made together or not at all.

Written as `config.patch` (git binary delta: applies with `git apply`, holds no secret value) and
`config.review.diff` (difflib, secret-bearing removed lines redacted): see `migrate.emit.diffs`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from migrate.emit.config_formats import (
    JSON_STRING,
    Edits,
    JsonFile,
    LineFile,
    file_kind,
    fix_commas,
    in_secret_data,
    indent,
    single_entry,
)
from migrate.emit.consumer_gate import held_units
from migrate.emit.diffs import review_diff
from migrate.emit.model import AppContext, EmitOutput, Note
from migrate.emit.patch_files import patch_artifacts
from migrate.emit.patch_safety import safe_patch
from migrate.plan.catalog import is_literal, untouchable_value
from migrate.plan.records import AppKind, SettingAction, SettingChange

__all__ = ["ConfigPatchEmitter", "file_kind", "mask_values", "patch_file"]


def _anchor(ctx: AppContext, path: str, unit_id: str) -> int | None:
    unit = ctx.unit(unit_id)
    for loc in unit.locations if unit else ():
        file, _, line = loc.rpartition(":")
        if file == path and line.isdigit():
            return int(line) - 1
    return None


@dataclass
class _UnitEdits:
    """The edits of one unit in one file: applied together, or not at all."""

    replace: dict[int, str] = field(default_factory=dict)
    delete: set[int] = field(default_factory=set)
    insert: dict[int, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def patch_file(
    ctx: AppContext,
    path: str,
    text: str,
    changes: list[SettingChange],
    removals: list[tuple[str, int | None, str | None]],
) -> tuple[str, list[str]]:
    """The new text of one file, and what could not be done in it.  Each unit's changes are applied
    together or not at all, so an old value is never removed while its replacement is missing."""
    kind = file_kind(path)
    lines = text.splitlines(keepends=True)
    todo: list[str] = []
    if kind is None:
        return text, [
            f"{path}: unsupported file type: change {', '.join(c.setting for c in changes)} by hand"
        ]
    handler: JsonFile | LineFile = JsonFile(path, text) if kind == "json" else LineFile(kind, lines)
    edits = Edits(lines)

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

    def editable(at: int, setting: str, unit: _UnitEdits, insert: bool = False) -> bool:
        why = None if insert else untouchable_value(lines[at]) if 0 <= at < len(lines) else None
        single = 0 <= at < len(lines) and single_entry(kind or "", lines[at], insert)
        if why:
            unit.problems.append(f"{setting} left as it is: {why}, never rewritten")
        elif not single:
            unit.problems.append(f"{setting} shares its line with other entries")
        return why is None and single

    units = sorted({c.unit for c in changes} | {u or "" for _, _, u in removals})
    for unit_id in units:
        u = _UnitEdits()
        for name, hint, owner in removals:
            if (owner or "") != unit_id:
                continue
            at = locate(name, hint)
            if at is None:
                todo.append(f"{path}: remove {name} by hand (entry not found)")
            elif editable(at, name, u):
                u.delete.add(at)
        for c in sorted(
            (c for c in changes if c.unit == unit_id),
            key=lambda c: (c.action != SettingAction.REPLACE, c.setting),
        ):
            _change(ctx, path, kind, lines, handler, c, u, locate, editable)
        if u.problems:
            todo.append(f"{path}: review: left unchanged for {unit_id}: " + "; ".join(u.problems))
            continue
        edits.replace.update(u.replace)
        edits.delete |= u.delete
        for at, new_lines in u.insert.items():
            edits.insert.setdefault(at, []).extend(new_lines)
    new_lines = edits.result()
    if kind == "json":
        try:
            json.loads(text)
            new_lines = fix_commas(new_lines)
        except (ValueError, RecursionError):
            pass  # JSON with comments or trailing commas: the tolerant style stays
    return "".join(new_lines), todo


def _change(
    ctx: AppContext,
    path: str,
    kind: str,
    lines: list[str],
    handler: JsonFile | LineFile,
    c: SettingChange,
    u: _UnitEdits,
    locate: Callable[[str, int | None], int | None],
    editable: Callable[[int, str, _UnitEdits, bool], bool],
) -> None:
    value = c.value_template
    if c.action is SettingAction.KEEP:
        return
    if c.action is SettingAction.REMOVE:
        at = locate(c.setting, _anchor(ctx, path, c.unit))
        if at is not None and editable(at, c.setting, u, False):
            u.delete.add(at)
        return
    if value is None or not is_literal(value):
        u.problems.append(
            f"set {c.setting} by hand ({value or 'no value in the plan'}); remove the secret from it"
        )
        return
    if c.action is SettingAction.REPLACE:
        at = locate(c.setting, _anchor(ctx, path, c.unit))
        if at is None:
            u.problems.append(f"replace the value of {c.setting} by hand")
            return
        if not editable(at, c.setting, u, False):
            return
        if kind == "yaml" and in_secret_data(lines, at):
            value = base64.b64encode(value.encode("utf-8")).decode("ascii")  # `data:` holds base64
        new = handler.replace_value(lines[at], c.setting, value)
        if new is None:
            u.problems.append(f"replace the value of {c.setting} by hand")
        else:
            u.replace[at] = new
        return
    # ADD
    if handler.find(c.setting) is not None:
        return
    anchor = _anchor(ctx, path, c.unit)
    at = handler.insert_at(c.setting, anchor, lines) if isinstance(handler, JsonFile) else anchor
    if at is None:
        u.problems.append(f"add {c.setting} by hand")
        return
    if not editable(at, c.setting, u, True):
        return
    if kind == "yaml" and in_secret_data(lines, at):
        value = base64.b64encode(value.encode("utf-8")).decode("ascii")
    u.insert.setdefault(at, []).append(handler.new_line(indent(lines[at]), c.setting, value))


def _file_path(where: str) -> tuple[str, int | None]:
    path, _, line = where.rpartition(":")
    if path and line.isdigit():
        return path, int(line) - 1
    return where, None


class ConfigPatchEmitter:
    """`config.patch` for the configuration files the plan changes (needs `--repo`)."""

    def emit(self, ctx: AppContext) -> EmitOutput:
        if ctx.app.kind is AppKind.KUBERNETES_WORKLOAD:
            # a manifest's env list is not `key: value` lines: its changes are listed by hand (az/03-settings)
            return EmitOutput(())
        if ctx.repo is None:
            if any(s.where not in ("app-setting", "connection-string") for s in ctx.app.settings):
                return EmitOutput((), (Note(ctx.app.app, "config.patch not written: run emit with --repo"),))
            return EmitOutput(())
        # a unit's file settings change only when every code consumer reads the new form (consumer_gate)
        held = held_units(ctx, Path(ctx.repo))
        notes: list[Note] = []
        by_file: dict[str, list[SettingChange]] = {}
        removals: dict[str, list[tuple[str, int | None, str | None]]] = {}
        kept: dict[str, list[str]] = {}
        for s in ctx.app.settings:
            if s.where not in ("app-setting", "connection-string"):
                if s.unit in held:
                    kept.setdefault(s.unit, []).append(f"{s.where}: {s.setting}")
                    continue
                by_file.setdefault(s.where, []).append(s)
        for r in ctx.app.removals:
            path, line = _file_path(r.where)
            if file_kind(path) is None or r.what.startswith("the old secret value") or " " in r.what:
                continue
            if r.unit in held:
                kept.setdefault(r.unit, []).append(f"{path}: {r.what}")
                continue
            removals.setdefault(path, []).append((r.what, line, r.unit))
        for unit in sorted(kept):
            notes.append(Note(ctx.app.app, held[unit].text(", ".join(sorted(set(kept[unit]))))))
        paths = sorted(set(by_file) | set(removals))
        if not paths:
            return EmitOutput((), tuple(notes))
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
                rf"({JSON_STRING})(\s*:\s*){JSON_STRING}",
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
