"""The records of an emitted `az` script: a stage's steps, the variables it asks for, its gates."""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate.emit.shell import Command, Variable
from migrate.plan.records import StageName

# The verify script writes this file (next to the scripts) once every check passed; the scripts that
# change production or remove secrets refuse to run without it (or an explicit --i-verified).
VERIFIED_MARKER = ".verified"
# The variable that holds the health URL of the slot under test (the verify and removal scripts).
HEALTH_URL = "HEALTH_URL"
# Scripts that change production or remove something: they need the marker.
NEEDS_VERIFICATION = (StageName.SWAP, StageName.REMOVE_SECRETS, StageName.DISABLE_LOCAL_AUTH)


@dataclass(frozen=True, slots=True)
class Step:
    title: str
    command: Command | None = None
    check: Command | None = None  # prints something when the step is already done
    notes: tuple[str, ...] = ()
    capture: str | None = None  # the variable the command's output (one value) fills; empty output stops
    # Poll `command` until it prints something, every PROPAGATION_INTERVAL seconds for at most
    # PROPAGATION_TIMEOUT seconds (role assignments take minutes to take effect); then stop the script.
    wait: bool = False
    # The health gate: GET the URL in this variable until it answers 2xx, bounded like `wait`.
    health_url: str | None = None


@dataclass(slots=True)
class Script:
    stage: StageName
    number: int
    filename: str
    title: str
    gate: str
    steps: list[Step] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    confirm: str | None = None
    requires_verified: bool = False  # refuses to run unless 04-verify passed (or --i-verified)
    marks_verified: bool = False  # writes the marker once every step passed
    timeout_s: int = 600
    interval_s: int = 20


# Stage → script file name (without extension); inventory has no commands.
SCRIPT_NAMES: dict[StageName, str] = {
    StageName.ENABLE_IDENTITY: "01-identity",
    StageName.GRANT_ROLES: "02-grant-roles",
    StageName.CHANGE_IN_STAGING: "03-settings",
    StageName.VERIFY: "04-verify",
    StageName.SWAP: "05-swap",
    StageName.REMOVE_SECRETS: "06-remove-secrets",
    StageName.DISABLE_LOCAL_AUTH: "07-disable-local-auth",
}
