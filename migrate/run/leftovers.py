"""Before step 1 of `secretless migrate --execute`: fill what the plan left open and ARM can answer
(a target's subscription and resource group by its type and name, the Application Insights
component by the app's instrumentation key), and name the exact `--set NAME=VALUE` still needed."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from migrate.plan.resolve.arm import (
    INSIGHTS_PLACEHOLDER,
    SCOPE_RE,
    ArmResourceLister,
    FoundResource,
    ResourceIndex,
    instrumentation_key,
    read_index,
    resolve_scope,
)
from migrate.run.step_builder import settings_pairs
from migrate.run.steps import RunStep, fill, unfilled

log = logging.getLogger(__name__)

_FILLED_AT_RUN = ("principalId of ", "client-id of ")  # read from Azure by the steps themselves
_INSIGHTS_SETTINGS = ("APPLICATIONINSIGHTS_CONNECTION_STRING", "APPINSIGHTS_INSTRUMENTATIONKEY")


def _open(step: RunStep) -> list[str]:
    texts = (step.scope, step.resource_id, step.title, *step.commands)
    return sorted({p for t in texts for p in unfilled(t) if not p.startswith(_FILLED_AT_RUN)})


def set_hints(step: RunStep) -> str:
    """The `--set` options that would fill what `step` leaves open."""
    return " ".join(f"--set '{n}=VALUE'" for n in _open(step)) or "--set"


def still_needed(steps: list[RunStep]) -> list[str]:
    """`--set NAME=VALUE` for each placeholder a required step still holds (optional steps are
    skipped with a note instead)."""
    names = sorted({p for s in steps if not s.optional for p in _open(s)})
    return [f"--set '{n}=VALUE'" for n in names]


async def _component(azure: Any, index: ResourceIndex) -> FoundResource | None:
    settings = await azure.read_settings(None, "app-setting")
    for name in _INSIGHTS_SETTINGS:
        value = settings.get(name)
        ikey = instrumentation_key(value) if isinstance(value, str) else None
        if ikey:
            return index.component_for_key(index.hash_key(ikey))
    return None


def _by_name(step: RunStep, index: ResourceIndex, component: FoundResource | None) -> RunStep:
    """Fill `<target-resource-group>` (and the subscription) of a step whose commands name exactly one
    resource ARM knows, and the component's name where the step names it by placeholder."""
    text = " ".join((step.title, *step.commands))
    values: dict[str, str] = {}
    if component is not None:
        values[INSIGHTS_PLACEHOLDER] = component.name
        text = fill(text, values)
    named = {
        r.id: r for r in index.resources if re.search(rf"(?<![\w.-]){re.escape(r.name)}(?![\w.-])", text)
    }
    if len(named) == 1:
        found = next(iter(named.values()))
        values |= {"target-subscription": found.subscription, "target-resource-group": found.resource_group}
    if not values:
        return step
    return replace(
        step, title=fill(step.title, values), commands=tuple(fill(c, values) for c in step.commands)
    )


async def resolve_leftovers(steps: list[RunStep], azure: Any) -> list[str]:
    """Fill `steps` in place where ARM answers; return what is still needed (see `still_needed`).
    A failed lookup is reported and changes nothing."""
    wanted = [i for i, s in enumerate(steps) if _open(s)]
    if not wanted or not hasattr(azure, "resource_client"):
        return still_needed(steps)
    subs = {str(azure.subscription)}
    for s in steps:
        m = SCOPE_RE.match(s.scope or s.resource_id or "")
        if m and "<" not in m.group("sub"):
            subs.add(m.group("sub"))
    try:
        index = await read_index(ArmResourceLister(azure.resource_client), subs)
        insights = any(INSIGHTS_PLACEHOLDER in p for i in wanted for p in _open(steps[i]))
        component = await _component(azure, index) if insights else None
    except Exception as exc:  # an SDK error can quote a server message: name its type only
        log.warning("action=lookup result=failed error=%s", type(exc).__name__)
        return still_needed(steps)
    for i in wanted:
        s = steps[i]
        target = s.scope or s.resource_id
        if target is None:  # a step that names its resource only in its commands (`-n NAME`)
            steps[i] = _by_name(s, index, component)
            continue
        real = resolve_scope(target, index, component)
        m = SCOPE_RE.match(real or "")
        if real is None or m is None:
            continue
        values = {"target-subscription": m.group("sub"), "target-resource-group": m.group("rg")}
        if component is not None:
            values[INSIGHTS_PLACEHOLDER] = component.name

        def filled(text: str, old: str = target, new: str = real, v: dict[str, str] = values) -> str:
            return fill(text.replace(old, new), v)

        steps[i] = replace(
            s,
            scope=filled(s.scope) if s.scope else s.scope,
            resource_id=filled(s.resource_id) if s.resource_id else s.resource_id,
            title=filled(s.title),
            commands=tuple(filled(c) for c in s.commands),
        )
        log.info("action=lookup step=%s target=%s result=resolved duration_ms=0", s.id, steps[i].target)
    return still_needed(steps)


def without_skipped_units(steps: list[RunStep]) -> list[RunStep]:
    """An optional grant whose target is still unknown is skipped; so are its unit's new settings.
    (`APPLICATIONINSIGHTS_AUTHENTICATION_STRING=Authorization=AAD` without Monitoring Metrics
    Publisher would have telemetry rejected: the app stays on its connection string instead.)
    A settings step left with nothing to write goes too."""
    skipped = {s.unit for s in steps if s.optional and s.unit and unfilled(s.scope)}
    if not skipped:
        return steps
    out: list[RunStep] = []
    for step in steps:
        if not step.settings or not any(w.unit in skipped for w in step.settings):
            out.append(step)
            continue
        kept = tuple(w for w in step.settings if w.unit not in skipped)
        dropped = [w for w in step.settings if w.unit in skipped]
        log.info(
            "skipping settings %s of an optional unit whose target is unknown",
            ", ".join(sorted(w.name for w in dropped)),
        )
        if kept:
            # the shown command is rebuilt from the writes that stay (it is shown, not run)
            before, after = settings_pairs(step.settings), settings_pairs(kept)
            commands = tuple(c.replace(before, after) if before else c for c in step.commands)
            out.append(replace(step, settings=kept, commands=commands))
    return out
