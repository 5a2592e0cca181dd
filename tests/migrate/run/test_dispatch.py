"""The runner dispatches every action, check and undo through its tables: each member of the
enums reaches its handler (a tiny recording fake stands in for it), and the members the runner
handles itself or leaves to a person take their own path."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest

from migrate.plan.records import StageName
from migrate.run import state as st
from migrate.run.actions import ACTION_HANDLERS, BY_HAND_UNDOS, RUNNER_ACTIONS, UNDO_HANDLERS, act
from migrate.run.checks import CHECK_HANDLERS, check
from migrate.run.context import Azure, RunContext
from migrate.run.playbooks import ACTIONS, CHECKS, UNDOS, Action, Check, Undo
from migrate.run.runner import Runner, RunOptions, RunStatus
from migrate.run.steps import RunStep

AZURE = cast(Azure, None)  # the fakes never call Azure


def _step(action: Action = Action.MANUAL, check: Check = Check.CONFIRMED, undo: Undo = Undo.NONE) -> RunStep:
    return RunStep("stage/1", StageName.VERIFY, "shared", "a step", "because", (), action, check, undo, False)


class _Ui:
    def show(self, text: str) -> None:
        pass

    def confirm(self, text: str) -> bool:
        return True


def _runner(step: RunStep, tmp_path: Path, state: st.RunState | None = None) -> Runner:
    return Runner(
        [step], state or st.RunState("app"), tmp_path / "state.json", _Ui(), RunOptions(yes=True), "app"
    )


def test_the_registries_describe_exactly_the_enum_members() -> None:
    assert list(ACTIONS) == list(Action) and list(CHECKS) == list(Check) and list(UNDOS) == list(Undo)
    assert RUNNER_ACTIONS == {Action.MANUAL, Action.RECHECK}
    assert not RUNNER_ACTIONS & set(ACTION_HANDLERS)
    assert not set(BY_HAND_UNDOS) & set(UNDO_HANDLERS)


@pytest.mark.parametrize("action", [a for a in Action if a not in RUNNER_ACTIONS])
def test_every_action_reaches_its_handler(action: Action, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[RunStep] = []

    async def fake(_ctx: RunContext, _azure: Azure, step: RunStep) -> dict[str, str | list[str]]:
        seen.append(step)
        return {"fake": str(step.action)}

    monkeypatch.setitem(ACTION_HANDLERS, action, fake)
    step = _step(action=action)
    assert asyncio.run(act(RunContext([step], st.RunState("app"), "app"), AZURE, step)) == {
        "fake": str(action)
    }
    assert seen == [step]


@pytest.mark.parametrize("check_", list(Check))
def test_every_check_reaches_its_handler(check_: Check, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[RunStep] = []

    async def fake(_ctx: RunContext, _azure: Azure, step: RunStep) -> bool:
        seen.append(step)
        return True

    monkeypatch.setitem(CHECK_HANDLERS, check_, fake)
    step = _step(check=check_)
    assert asyncio.run(check(RunContext([step], st.RunState("app"), "app"), AZURE, step)) is True
    assert seen == [step]


@pytest.mark.parametrize("undo", list(Undo))
def test_every_undo_reaches_its_handler_or_is_left_to_a_person(
    undo: Undo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    step = _step(undo=undo)
    state = st.RunState("app", steps={step.id: {"status": st.DONE}})
    if undo in BY_HAND_UNDOS:
        out = asyncio.run(_runner(step, tmp_path, state).undo(AZURE, step.id))
        assert out.status is RunStatus.STOPPED and out.message == f"{step.id}: {BY_HAND_UNDOS[undo](step)}"
        assert state.status(step.id) == st.DONE, "nothing undone"
        return
    seen: list[tuple[RunStep, str]] = []

    async def fake(_ctx: RunContext, _azure: Azure, step: RunStep, entry: dict[str, Any]) -> str:
        seen.append((step, entry["status"]))
        return "; by the fake"

    monkeypatch.setitem(UNDO_HANDLERS, undo, (UNDO_HANDLERS[undo][0], fake))
    out = asyncio.run(_runner(step, tmp_path, state).undo(AZURE, step.id))
    assert out.status is RunStatus.COMPLETED and out.message == f"{step.id}: undone; by the fake"
    assert seen == [(step, st.DONE)], "the handler got the step and its state entry"
    assert state.status(step.id) == st.UNDONE


def test_a_manual_step_waits_for_a_person(tmp_path: Path) -> None:
    step = _step(action=Action.MANUAL)
    out = asyncio.run(_runner(step, tmp_path).execute(AZURE))
    assert out.status is RunStatus.STOPPED and "must be done by hand" in out.message


def test_a_recheck_step_runs_only_its_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[RunStep] = []

    async def fake(_ctx: RunContext, _azure: Azure, step: RunStep) -> bool:
        seen.append(step)
        return True

    def no_action(*_args: object) -> None:
        raise AssertionError("a recheck step must not act")

    monkeypatch.setitem(CHECK_HANDLERS, Check.RECHECK, fake)
    monkeypatch.setattr("migrate.run.runner.act", no_action)
    step = _step(action=Action.RECHECK, check=Check.RECHECK)
    out = asyncio.run(_runner(step, tmp_path).execute(AZURE))
    assert out.status is RunStatus.COMPLETED and seen == [step]
