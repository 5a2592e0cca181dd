"""Playbooks: the declarative steps of a staged migration, one YAML file per service type plus
`shared.yaml` for the stages every app goes through.

A playbook is loaded with `yaml.safe_load` and validated into frozen records; every error names the
file and the field.  Actions, checks and undos are members of the enums below (the runner
dispatches each one through a table); `az` entries are command templates shown to the user,
`catalog:NAME` reuses a command of `migrate.plan.catalog` instead of repeating it.
"""

from __future__ import annotations

import enum
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.errors import MigrateError
from migrate.plan import catalog as cat
from migrate.plan.records import StageName


class Action(enum.StrEnum):
    """What a step does (the runner dispatches each one through a table; a test walks them)."""

    ENABLE_IDENTITY = "enable-identity"
    CREATE_USER_IDENTITY = "create-user-identity"
    GRANT_ROLE = "grant-role"
    SET_SETTINGS = "set-settings"
    REMOVE_SETTINGS = "remove-settings"
    RECHECK = "recheck"
    SWAP_SLOTS = "swap-slots"
    DISABLE_LOCAL_AUTH = "disable-local-auth"
    MANUAL = "manual"


class Check(enum.StrEnum):
    """How a step's result is read back from Azure (its gate)."""

    IDENTITY_EXISTS = "identity-exists"
    USER_IDENTITY_ASSIGNED = "user-identity-assigned"
    ROLE_ASSIGNMENT_EXISTS = "role-assignment-exists"
    SETTINGS_PRESENT = "settings-present"
    SETTINGS_ABSENT = "settings-absent"
    RECHECK = "recheck"
    SWAP_DONE = "swap-done"
    LOCAL_AUTH_DISABLED = "local-auth-disabled"
    CONFIRMED = "confirmed"


class Undo(enum.StrEnum):
    """How a step is undone."""

    DISABLE_IDENTITY = "disable-identity"
    UNASSIGN_USER_IDENTITY = "unassign-user-identity"
    DELETE_ROLE_ASSIGNMENT = "delete-role-assignment"
    REMOVE_ADDED_SETTINGS = "remove-added-settings"
    SWAP_BACK = "swap-back"
    ENABLE_LOCAL_AUTH = "enable-local-auth"
    REENTER_BY_HAND = "reenter-by-hand"
    MANUAL = "manual"
    NONE = "none"


# member -> what it does, shown by `secretless playbooks` and checked against the enums by a test.
ACTIONS: dict[Action, str] = {
    Action.ENABLE_IDENTITY: "turn on the system-assigned identity (user-assigned identities are kept)",
    Action.CREATE_USER_IDENTITY: "create the user-assigned identity when missing (azure-mgmt-msi) and assign it to "
    "the site or slot (the system-assigned and other user-assigned identities are kept)",
    Action.GRANT_ROLE: "create an Azure RBAC role assignment for the identity",
    Action.SET_SETTINGS: "read, change and write back app settings or connection strings",
    Action.REMOVE_SETTINGS: "delete secret app settings or connection strings",
    Action.RECHECK: "read back every earlier change from Azure",
    Action.SWAP_SLOTS: "swap a deployment slot into production (settings move unless slot-sticky; identities never "
    "move)",
    Action.DISABLE_LOCAL_AUTH: "turn off key / local auth on the target resource through ARM (api-version read from "
    "the resource provider: its newest non-preview one)",
    Action.MANUAL: "show what to do by hand and wait for confirmation",
}
CHECKS: dict[Check, str] = {
    Check.IDENTITY_EXISTS: "the identity exists and has a principal id",
    Check.USER_IDENTITY_ASSIGNED: "the site or slot shows the user-assigned identity with principal and client ids",
    Check.ROLE_ASSIGNMENT_EXISTS: "the role assignment exists at the planned scope",
    Check.SETTINGS_PRESENT: "each planned setting has the planned value in the right slot",
    Check.SETTINGS_ABSENT: "each removed setting is gone from the right slot",
    Check.RECHECK: "every earlier gate still passes",
    Check.SWAP_DONE: "the slot's planned settings are in production now; slot-sticky ones stayed in the slot",
    Check.LOCAL_AUTH_DISABLED: "the resource, read back by id with the same api-version, has local auth off",
    Check.CONFIRMED: "a person confirmed the step",
}
UNDOS: dict[Undo, str] = {
    Undo.DISABLE_IDENTITY: "turn the system-assigned identity off again (user-assigned identities are kept)",
    Undo.UNASSIGN_USER_IDENTITY: "take the user-assigned identity off the site or slot again (it is not deleted)",
    Undo.DELETE_ROLE_ASSIGNMENT: "delete the role assignment the step created",
    Undo.REMOVE_ADDED_SETTINGS: "delete the settings the step added; replaced values must be re-entered by hand",
    Undo.SWAP_BACK: "swap the slot and production again (a swap is an exchange), putting the old production back",
    Undo.ENABLE_LOCAL_AUTH: "set the local-auth property back (keys work again; rotated keys stay rotated)",
    Undo.REENTER_BY_HAND: "impossible to restore: old values are never stored, re-enter them by hand",
    Undo.MANUAL: "undo by hand",
    Undo.NONE: "nothing to undo",
}
# Fields a command template or title may use.
FIELDS = frozenset(
    {
        "target",
        "name",
        "role",
        "principal",
        "resource",
        "guid",
        "scope",
        "cli",
        "slot",
        "slot_name",
        "kind",
        "kind_cli",
        "names",
        "pairs",
        "settings_flag",
        "command",
        "property",
        "what",
        "assignment",
        "title",
    }
)
_STEP_KEYS = {
    "id": str,
    "stage": str,
    "title": str,
    "why": str,
    "az": list,
    "action": str,
    "check": str,
    "undo": str,
    "destructive": bool,
}


class PlaybookError(MigrateError):
    """A playbook file is not valid; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class PlaybookStep:
    id: str
    stage: StageName
    title: str
    why: str
    az: tuple[str, ...]
    action: Action
    check: Check
    undo: Undo
    destructive: bool


@dataclass(frozen=True, slots=True)
class Playbook:
    name: str
    service: str
    path: str
    steps: tuple[PlaybookStep, ...]

    def step(self, step_id: str) -> PlaybookStep | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def for_stage(self, stage: StageName) -> PlaybookStep | None:
        return next((s for s in self.steps if s.stage is stage), None)


def resolve_command(template: str) -> str:
    """The command template itself, or the `migrate.plan.catalog` command a `catalog:NAME` entry names."""
    if template.startswith("catalog:"):
        value = getattr(cat, template.removeprefix("catalog:"), None)
        if not isinstance(value, str):
            raise KeyError(template)
        return value
    return template


def _fields_of(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f}


def _check_template(where: str, text: str) -> None:
    try:
        unknown = _fields_of(text) - FIELDS
    except ValueError:
        raise PlaybookError(f"{where}: unbalanced braces") from None
    if unknown:
        raise PlaybookError(
            f"{where}: unknown placeholder {{{sorted(unknown)[0]}}} (known: {', '.join(sorted(FIELDS))})"
        )


def _step(where: str, raw: Any) -> PlaybookStep:
    if not isinstance(raw, dict):
        raise PlaybookError(f"{where}: expected a mapping")
    for key, typ in _STEP_KEYS.items():
        if key not in raw:
            raise PlaybookError(f"{where}.{key}: missing")
        if not isinstance(raw[key], typ):
            raise PlaybookError(f"{where}.{key}: expected {typ.__name__}")
    extra = sorted(set(raw) - set(_STEP_KEYS))
    if extra:
        raise PlaybookError(f"{where}.{extra[0]}: unknown field")
    try:
        stage = StageName(raw["stage"])
    except ValueError:
        raise PlaybookError(f"{where}.stage: unknown stage (one of {', '.join(StageName)})") from None
    for key, registry in (("action", ACTIONS), ("check", CHECKS), ("undo", UNDOS)):
        if raw[key] not in registry:
            raise PlaybookError(f"{where}.{key}: unknown {key} {raw[key]!r} (one of {', '.join(registry)})")
    commands: list[str] = []
    for i, entry in enumerate(raw["az"]):
        if not isinstance(entry, str):
            raise PlaybookError(f"{where}.az[{i}]: expected str")
        try:
            resolved = resolve_command(entry)
        except KeyError:
            raise PlaybookError(
                f"{where}.az[{i}]: {entry} is not a command of migrate.plan.catalog"
            ) from None
        _check_template(f"{where}.az[{i}]", resolved)
        commands.append(entry)
    _check_template(f"{where}.title", raw["title"])
    return PlaybookStep(
        raw["id"],
        stage,
        raw["title"],
        raw["why"],
        tuple(commands),
        Action(raw["action"]),
        Check(raw["check"]),
        Undo(raw["undo"]),
        raw["destructive"],
    )


def parse_playbook(text: str, path: str) -> Playbook:
    import yaml

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise PlaybookError(f"{path}: not valid YAML{at}") from None
    if not isinstance(raw, dict):
        raise PlaybookError(f"{path}: expected a mapping with playbook, service and steps")
    for key in ("playbook", "service"):
        if not isinstance(raw.get(key), str):
            raise PlaybookError(f"{path}: {key}: missing or not a string")
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise PlaybookError(f"{path}: steps: missing or empty")
    steps = tuple(_step(f"{path}: steps[{i}]", s) for i, s in enumerate(steps_raw))
    seen: set[str] = set()
    for i, s in enumerate(steps):
        if s.id in seen:
            raise PlaybookError(f"{path}: steps[{i}].id: duplicate id {s.id!r}")
        seen.add(s.id)
    return Playbook(raw["playbook"], raw["service"], path, steps)


def load_playbook(path: Path) -> Playbook:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(f"{path}: cannot read ({type(exc).__name__})") from None
    return parse_playbook(text, str(path))


def bundled_paths() -> list[Path]:
    from migrate.resources import playbooks_dir

    return sorted(playbooks_dir().glob("*.yaml"))


def load_bundled() -> dict[str, Playbook]:
    """Every shipped playbook by service (`shared` for the common stages)."""
    out: dict[str, Playbook] = {}
    for path in bundled_paths():
        pb = load_playbook(path)
        if pb.service in out:
            raise PlaybookError(
                f"{path}: service: {pb.service!r} is already covered by {out[pb.service].path}"
            )
        out[pb.service] = pb
    if "shared" not in out:
        raise PlaybookError("shared.yaml is missing from the bundled playbooks")
    return out
