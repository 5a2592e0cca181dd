"""The state file of a guided migration: which steps are done, when, and the principal ids found.

Versioned JSON, written atomically after every step so an interrupted run (Ctrl-C, crash, network
drop) resumes where it stopped.  It never holds a setting value: only step ids, statuses,
timestamps, principal ids, role assignment names and setting *names*.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.errors import MigrateError

STATE_SCHEMA_VERSION = 1
DONE = "done"
ALREADY_DONE = "already-done"
PENDING_MANUAL = "pending-manual"
FAILED = "failed"
UNDONE = "undone"
FINISHED = (DONE, ALREADY_DONE)


class StateError(MigrateError):
    """The state file cannot be read or belongs to another app."""


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


STATE_DIR = Path(".secretless") / "state"


def default_path(app: str, state_dir: Path = STATE_DIR) -> Path:
    """`.secretless/state/<resource-group>.<site>.json` (under the current folder) for `sub/rg/site`."""
    return state_dir / f"{'.'.join(app.split('/')[-2:])}.json"


@dataclass(slots=True)
class RunState:
    app: str
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    principals: dict[str, str] = field(default_factory=dict)  # plan principal name -> principal id

    def status(self, step_id: str) -> str | None:
        entry = self.steps.get(step_id)
        return None if entry is None else str(entry.get("status"))

    def record(self, step_id: str, status: str, **extra: str | list[str]) -> None:
        entry = self.steps.setdefault(step_id, {"first_started": now()})
        entry.update({"status": status, "at": now(), **extra})

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": STATE_SCHEMA_VERSION,
            "tool": "secretless",
            "app": self.app,
            "principals": dict(sorted(self.principals.items())),
            "steps": {k: dict(sorted(v.items())) for k, v in self.steps.items()},
        }


def load(path: Path, app: str) -> RunState:
    if not path.exists():
        return RunState(app)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StateError(f"{path}: cannot read the state file ({type(exc).__name__})") from None
    if not isinstance(raw, dict) or raw.get("schema_version") != STATE_SCHEMA_VERSION:
        raise StateError(f"{path}: not a state file of this version (schema_version {STATE_SCHEMA_VERSION})")
    if raw.get("app") != app:
        raise StateError(f"{path}: the state file belongs to another app; pass --state FILE")
    steps_raw, principals_raw = raw.get("steps"), raw.get("principals")
    steps: dict[str, Any] = steps_raw if isinstance(steps_raw, dict) else {}
    principals: dict[str, Any] = principals_raw if isinstance(principals_raw, dict) else {}
    return RunState(
        app,
        {str(k): dict(v) for k, v in steps.items() if isinstance(v, dict)},
        {str(k): str(v) for k, v in principals.items()},
    )


def save(state: RunState, path: Path) -> None:
    text = json.dumps(state.to_json(), indent=2, sort_keys=True) + "\n"
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
