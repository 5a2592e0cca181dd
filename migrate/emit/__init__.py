"""`secretless emit`: turn a plan into the artifacts a team reviews and runs.

One module per artifact family, registered in `EMITTERS` (an explicit dict: the CLI, the README
and the tests walk the same entries).  `emit_plan` is pure apart from reading the repository the
plan was made from; `write_outputs` is the only function that writes files.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from migrate.emit.az_scripts import AzScriptEmitter
from migrate.emit.bicep import BicepEmitter
from migrate.emit.code_patch import CodePatchEmitter
from migrate.emit.config_patch import ConfigPatchEmitter
from migrate.emit.model import AppContext, Artifact, Emitter, Note, context
from migrate.emit.templating import render
from migrate.plan.records import Plan

log = logging.getLogger(__name__)

EMITTERS: dict[str, Emitter] = {
    "az-scripts": AzScriptEmitter(),
    "config-patch": ConfigPatchEmitter(),
    "code-patch": CodePatchEmitter(),
    "bicep": BicepEmitter(),
}


@dataclass(frozen=True, slots=True)
class EmitResult:
    files: dict[str, Artifact]  # path relative to OUTDIR -> artifact
    notes: tuple[Note, ...]


def emit_plan(plan: Plan, repo: Path | None, families: tuple[str, ...] | None = None) -> EmitResult:
    files: dict[str, Artifact] = {}
    notes: list[Note] = []
    contexts: list[AppContext] = []
    for app in plan.apps:
        ctx = context(plan, app, repo)
        contexts.append(ctx)
        for name, emitter in EMITTERS.items():
            if families is not None and name not in families:
                continue
            out = emitter.emit(ctx)
            notes.extend(out.notes)
            for a in out.artifacts:
                files[f"{ctx.slug}/{a.path}"] = a
    readme = render(
        "emit/README.md.j2",
        plan=plan,
        contexts=contexts,
        files={
            c.slug: sorted(p.split("/", 1)[1] for p in files if p.startswith(c.slug + "/")) for c in contexts
        },
        notes=notes,
    )
    files["README.md"] = Artifact("README.md", readme)
    return EmitResult(dict(sorted(files.items())), tuple(notes))


def write_outputs(result: EmitResult, outdir: Path) -> list[Path]:
    written = []
    for rel, artifact in result.files.items():
        path = outdir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(artifact.text, encoding="utf-8", newline="\n")
        if artifact.executable:
            os.chmod(path, 0o755)  # noqa: S103 - a script the user runs
        written.append(path)
    return written


__all__ = ["EMITTERS", "EmitResult", "emit_plan", "write_outputs"]
