"""What is in Azure after a change failed: a call can fail after Azure applied it (an ARM PUT that
was written but answered 500), so the run re-reads the target and says what is there instead of
assuming nothing happened.  Setting names only: values are never read into a message."""

from __future__ import annotations

from migrate.run.checks import check, holds
from migrate.run.context import Azure, RunContext
from migrate.run.steps import RunStep


async def read_back(ctx: RunContext, azure: Azure, step: RunStep) -> str:
    """One sentence on the state of `step`'s target as Azure reports it now."""
    try:
        if step.settings:
            return await _settings(azure, step)
        held = await check(ctx, azure, step)
    except Exception as exc:  # the read can fail for the same reason as the write
        return f"could not read the state back ({type(exc).__name__}): check {step.target} before rerunning"
    return "the change is in place (Azure applied it)" if held else "the change is not in place"


async def _settings(azure: Azure, step: RunStep) -> str:
    parts: list[str] = []
    for kind in sorted({w.kind for w in step.settings}):
        current = await azure.read_settings(step.slot, kind)
        for w in sorted((w for w in step.settings if w.kind == kind), key=lambda w: w.name):
            there = w.name in current
            if w.value is None:
                parts.append(f"{w.name} {'is still there' if there else 'is gone'}")
            else:
                parts.append(
                    f"{w.name} {'is set as planned' if holds(current, w) else 'is not set as planned'}"
                )
    where = f"slot {step.slot}" if step.slot else "production"
    return f"read back from {where}: " + ", ".join(parts)
