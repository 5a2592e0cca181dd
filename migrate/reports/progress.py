"""Progress across an estate: the state files of `secretless migrate` read back (through
`migrate.run.state`) into, per app and stage, done, pending, manual or failed.

A state file lists only the steps a run reached.  Given the plan, the report knows every step of
each app (`migrate.run.steps.build_steps`), so steps no run reached show as pending and apps of
the plan without a state file show as not started.  Without the plan, each recorded step's stage
comes from its id (`STAGE_OF_PREFIX`) and a stage no run reached reads as pending.

Only step ids, statuses and times are shown: a state file holds no setting value, and nothing else
of it is rendered.  A file in a folder that is not a state file is skipped with the reason.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path

from migrate.errors import MigrateError
from migrate.plan.records import STAGE_ORDER, Plan, StageName
from migrate.reports.model import ReportError
from migrate.run import state as st

# The stage of a step, from the prefix of its id (`migrate.run.steps`); most specific first.  A test
# checks this table against every step the bundled playbooks make from the example's plans.
STAGE_OF_PREFIX: tuple[tuple[str, StageName], ...] = (
    ("identity/", StageName.ENABLE_IDENTITY),
    ("grant/", StageName.GRANT_ROLES),
    ("settings/", StageName.CHANGE_IN_STAGING),
    ("code/redeploy/", StageName.REMOVE_SECRETS),
    ("code/", StageName.CHANGE_IN_STAGING),
    ("verify/after-removal", StageName.REMOVE_SECRETS),
    ("verify/", StageName.VERIFY),
    ("swap/", StageName.SWAP),
    ("remove/", StageName.REMOVE_SECRETS),
    ("local-auth/", StageName.DISABLE_LOCAL_AUTH),
    ("credential/", StageName.DISABLE_LOCAL_AUTH),
)
# Stages with steps (inventory has none: it is the plan's review).
RUN_STAGES: tuple[StageName, ...] = tuple(s for s in STAGE_ORDER if s is not StageName.INVENTORY)
NOT_STARTED = "not-started"


class StageStatus(enum.StrEnum):
    DONE = "done"
    PENDING = "pending"
    MANUAL = "manual"
    FAILED = "failed"
    NO_STEPS = "no steps"


@dataclass(frozen=True, slots=True)
class StepProgress:
    id: str
    stage: StageName | None  # None: an id this version does not know
    status: str  # a state-file status (done, already-done, pending-manual, failed, undone) or not-started
    at: str | None
    title: str | None  # from the plan's steps, when the plan was given
    in_plan: bool | None  # None without the plan


@dataclass(frozen=True, slots=True)
class StageProgress:
    name: str
    status: StageStatus
    steps: tuple[StepProgress, ...]


@dataclass(frozen=True, slots=True)
class AppProgress:
    app: str
    state_file: str | None
    stages: tuple[StageProgress, ...]
    note: str | None = None

    @property
    def steps(self) -> tuple[StepProgress, ...]:
        return tuple(s for stage in self.stages for s in stage.steps)

    @property
    def overall(self) -> str:
        statuses = [s.status for s in self.stages]
        if StageStatus.FAILED in statuses:
            return "failed"
        if StageStatus.MANUAL in statuses:
            return "waiting for a manual step"
        if all(s in (StageStatus.DONE, StageStatus.NO_STEPS) for s in statuses):
            return "complete"
        if not any(step.status != NOT_STARTED for step in self.steps):
            return "not started"
        return "in progress"

    def status_of(self, stage: str) -> StageStatus:
        return next((s.status for s in self.stages if s.name == stage), StageStatus.NO_STEPS)


@dataclass(frozen=True, slots=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Progress:
    apps: tuple[AppProgress, ...]
    skipped: tuple[SkippedFile, ...]
    plan_given: bool

    @property
    def state_files(self) -> int:
        return sum(1 for a in self.apps if a.state_file)

    @property
    def stage_names(self) -> tuple[str, ...]:
        extra = sorted({s.name for a in self.apps for s in a.stages} - {str(s) for s in RUN_STAGES})
        return (*(str(s) for s in RUN_STAGES), *extra)


def stage_of(step_id: str) -> StageName | None:
    return next((stage for prefix, stage in STAGE_OF_PREFIX if step_id.startswith(prefix)), None)


def stage_status(steps: tuple[StepProgress, ...]) -> StageStatus:
    if not steps:
        return StageStatus.NO_STEPS
    statuses = {s.status for s in steps}
    if st.FAILED in statuses:
        return StageStatus.FAILED
    if st.PENDING_MANUAL in statuses:
        return StageStatus.MANUAL
    if statuses <= set(st.FINISHED):
        return StageStatus.DONE
    return StageStatus.PENDING


def read_state(path: Path) -> st.RunState:
    """The run state in `path`, through `migrate.run.state.load`; `ReportError` when it is not one."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read it as JSON ({type(exc).__name__})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("app"), str) or "steps" not in raw:
        raise ReportError(f"{path}: not a state file of secretless migrate")
    try:
        return st.load(path, raw["app"])
    except st.StateError as exc:
        raise ReportError(str(exc)) from None


def _planned_steps(plan: Plan, app: str) -> tuple[list[tuple[str, StageName, str]] | None, str | None]:
    """(step id, stage, title) of every step of `app` in `plan`, or None and why not."""
    from migrate.run.playbooks import load_bundled
    from migrate.run.steps import MIGRATABLE_KINDS, build_steps

    plan_app = next((a for a in plan.apps if a.app == app and a.kind in MIGRATABLE_KINDS), None)
    if plan_app is None:
        return None, "the plan has no such app: stages come from the step ids"
    try:
        steps = build_steps(plan_app, load_bundled(), {})
    except MigrateError as exc:
        return None, f"the plan's steps cannot be built ({exc}): stages come from the step ids"
    return [(s.id, s.stage, s.title) for s in steps], None


def app_progress(
    state: st.RunState | None, app: str, state_file: str | None, plan: Plan | None
) -> AppProgress:
    recorded = state.steps if state is not None else {}
    planned, note = _planned_steps(plan, app) if plan is not None else (None, None)
    steps: list[StepProgress] = []
    if planned is not None:
        for step_id, stage, title in planned:
            entry = recorded.get(step_id, {})
            steps.append(
                StepProgress(
                    step_id, stage, str(entry.get("status", NOT_STARTED)), _at(entry), title, in_plan=True
                )
            )
    known = {s.id for s in steps}
    for step_id, entry in recorded.items():
        if step_id not in known:
            in_plan = False if planned is not None else None
            steps.append(
                StepProgress(
                    step_id, stage_of(step_id), str(entry.get("status", "")), _at(entry), None, in_plan
                )
            )
    stages: list[StageProgress] = []
    for stage in RUN_STAGES:
        mine = tuple(s for s in steps if s.stage is stage)
        status = stage_status(mine)
        if status is StageStatus.NO_STEPS and planned is None:
            status = StageStatus.PENDING  # no run reached it (or it has no step: only the plan knows)
        stages.append(StageProgress(str(stage), status, mine))
    unknown = tuple(s for s in steps if s.stage is None)
    if unknown:
        stages.append(StageProgress("other", stage_status(unknown), unknown))
    return AppProgress(app, state_file, tuple(stages), note)


def _at(entry: dict[str, object]) -> str | None:
    at = entry.get("at")
    return at if isinstance(at, str) else None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.json") if p.is_file())
    return [path]


def load_progress(path: Path, plan: Plan | None = None) -> Progress:
    """The progress in a state file or a folder of them (searched recursively for `*.json`).

    A file given by name must be a state file (`ReportError` otherwise); in a folder, other files are
    skipped with the reason.  With `plan`, its App Service and Functions apps without a state file are
    listed as not started."""
    apps: list[AppProgress] = []
    skipped: list[SkippedFile] = []
    for file in _files(path):
        try:
            state = read_state(file)
        except ReportError as exc:
            if not path.is_dir():
                raise
            skipped.append(SkippedFile(str(file), str(exc).removeprefix(f"{file}: ")))
            continue
        apps.append(app_progress(state, state.app, str(file), plan))
    if plan is not None:
        from migrate.run.steps import MIGRATABLE_KINDS

        seen = {a.app for a in apps}
        apps += [
            app_progress(None, a.app, None, plan)
            for a in plan.apps
            if a.kind in MIGRATABLE_KINDS and a.app not in seen
        ]
    if not apps:
        raise ReportError(f"{path}: no state file of secretless migrate found ({len(skipped)} other files)")
    apps.sort(key=lambda a: (a.app, a.state_file or ""))
    return Progress(tuple(apps), tuple(skipped), plan_given=plan is not None)
