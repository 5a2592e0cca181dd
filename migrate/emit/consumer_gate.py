"""Which units' configuration files the config patch may change: only those whose every code
consumer reads the identity-based form after this emit (code.patch rewrites it, or the library or
the Functions runtime reads the new form under the plan's name).  The others keep their settings;
the emit says "review" with the reason and the call sites.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from migrate.emit.code_patch import NO_CHANGE_PREFIXES, build_rewrites
from migrate.emit.model import AppContext
from migrate.plan import catalog as cat
from migrate.plan.records import CodeChange, SettingAction

_BINDING_PREFIX = "none in code"  # Functions bindings: the runtime reads the `<PREFIX>__*` settings


@dataclass(frozen=True, slots=True)
class HeldUnit:
    """A unit whose configuration stays as it is, and why."""

    unit: str
    reason: str
    call_sites: tuple[str, ...]

    def text(self, settings: str) -> str:
        sites = ", ".join(self.call_sites) if self.call_sites else "none found"
        return f"review: {settings} stay unchanged: {self.reason} (call sites: {sites})"


def _location(c: CodeChange) -> tuple[str, int | None]:
    path, _, line = c.location.rpartition(":")
    return (path, int(line)) if line.isdigit() else (c.location, None)


_CONFIG_SUFFIXES = (".json", ".config", ".xml", ".env", ".properties", ".yaml", ".yml", ".ini", ".toml")


def _is_code(c: CodeChange) -> bool:
    """A consumer in source code (a change the plan places at a configuration file, such as the
    Application Insights SDK's token credential, builds no client from the setting)."""
    name = PurePosixPath(_location(c)[0]).name.lower()
    return not (name.endswith(_CONFIG_SUFFIXES) or name == ".env" or name.startswith(".env."))


def _read(repo: Path, path: str) -> str | None:
    try:
        return (repo / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _project_text(repo: Path, path: str) -> str | None:
    d = PurePosixPath(path).parent
    while True:
        folder = repo / d
        hits = sorted(folder.glob("*.csproj")) if folder.is_dir() else []
        if hits:
            return _read(repo, str(d / hits[0].name))
        if str(d) in ("", "."):
            return None
        d = d.parent


def _blocker(repo: Path, c: CodeChange, service: str) -> str | None:
    """The catalog blocker a consumer of `service` matches (its line, its file, its project), if any."""
    path, line = _location(c)
    text = _read(repo, path)
    lines = text.splitlines() if text else []
    own = lines[line - 1] if line and 0 < line <= len(lines) else c.evidence
    found = cat.blockers_of(own, cat.BlockerScope.LINE, service) or cat.blockers_of(
        c.evidence, cat.BlockerScope.LINE, service
    )
    if not found and text:
        found = cat.blockers_of(text, cat.BlockerScope.FILE, service)
    if not found and path.endswith(".cs"):
        project = _project_text(repo, path)
        found = cat.blockers_of(project, cat.BlockerScope.PROJECT, service) if project else []
    return found[0].reason if found else None


def held_units(ctx: AppContext, repo: Path) -> dict[str, HeldUnit]:
    """Units whose file settings must stay, with the reason and the call sites to change first."""
    file_units = {
        s.unit
        for s in ctx.app.settings
        if s.where not in ("app-setting", "connection-string") and s.action is not SettingAction.KEEP
    }
    if not file_units:
        return {}
    consumers: dict[str, list[CodeChange]] = defaultdict(list)
    for c in ctx.app.code_changes:
        consumers[c.unit].append(c)
    rewritten = build_rewrites(ctx, repo).rewritten if ctx.app.code_changes else set()
    side_by_side = {
        s.unit
        for s in ctx.app.settings
        if s.action is SettingAction.ADD
        and s.where not in ("app-setting", "connection-string")
        and s.setting.endswith(cat.SIDE_BY_SIDE_SUFFIX)
    }
    held: dict[str, HeldUnit] = {}
    for unit in sorted(file_units):
        reasons: list[str] = []
        sites: list[str] = []
        for c in sorted(consumers.get(unit, []), key=lambda c: c.location):
            if c.change.startswith(_BINDING_PREFIX) or not _is_code(c):
                continue
            unit_plan = ctx.unit(unit)
            blocked = _blocker(repo, c, unit_plan.service if unit_plan else "")
            if blocked:
                reasons.append(blocked)
                sites.append(c.location)
            elif c.change.startswith(NO_CHANGE_PREFIXES) or c.location in rewritten:
                continue
            else:
                reasons.append(
                    "this call site still builds its client from a connection string and has no safe rewrite"
                )
                sites.append(c.location)
        code = [
            c for c in consumers.get(unit, []) if not c.change.startswith(_BINDING_PREFIX) and _is_code(c)
        ]
        if unit in side_by_side and not code:
            reasons.append(
                "no code that reads this setting was found: whatever reads it expects a connection string"
            )
        if reasons:
            held[unit] = HeldUnit(unit, "; ".join(dict.fromkeys(reasons)), tuple(dict.fromkeys(sites)))
    return held
