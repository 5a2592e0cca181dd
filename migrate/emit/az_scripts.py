"""`az` scripts per stage (bash and PowerShell twins) and the SQL grant files, from the plan.

Command shapes come from `migrate.plan.catalog` (the service facts table); the step builders choose
which command a plan record needs and which values fill it, one module per group of stages
(`script_grants`, `script_settings`, `script_verify`, `script_local_auth`, sharing `script_base`).
Placeholders become checked variables (`migrate.emit.shell`); secret values never reach a script:
settings carry the plan's endpoint-only value templates.

Order of safety: prerequisites before grants; new settings beside the old ones (03); 04-verify
polls until the grants and settings are in effect and the slot's health check answers, then writes
a marker; 05-swap, 06-remove-secrets and 07-disable-local-auth refuse to run without it.
"""

from __future__ import annotations

from migrate.emit.model import AppContext, Artifact, EmitOutput
from migrate.emit.script_local_auth import LocalAuthSteps
from migrate.emit.script_model import NEEDS_VERIFICATION, SCRIPT_NAMES, Script, Step
from migrate.emit.script_settings import SettingSteps
from migrate.emit.script_verify import VerifySteps
from migrate.emit.shell import var_name
from migrate.emit.templating import render
from migrate.plan import catalog as cat
from migrate.plan.records import StageName


class ScriptBuilder(VerifySteps, SettingSteps, LocalAuthSteps):
    """Every stage's steps for one app (the step groups share the variables and SQL files found)."""


def scripts(ctx: AppContext) -> tuple[list[Script], ScriptBuilder]:
    b = ScriptBuilder(ctx)
    gates = {s.name: s.gate for s in ctx.app.stages}
    build = {
        StageName.ENABLE_IDENTITY: b.identity,
        StageName.GRANT_ROLES: b.grants,
        StageName.CHANGE_IN_STAGING: b.settings,
        StageName.VERIFY: b.verify,
        StageName.SWAP: b.swap,
        StageName.REMOVE_SECRETS: b.removals,
        StageName.DISABLE_LOCAL_AUTH: b.local_auth,
    }
    out: list[Script] = []
    for number, (stage, name) in enumerate(SCRIPT_NAMES.items(), start=1):
        steps = build[stage]()
        script = Script(stage, number, name, f"{ctx.app.app}: {stage}", gates.get(stage, "-"), steps)
        script.variables = b.variables_for(steps)
        script.timeout_s = cat.PROPAGATION_TIMEOUT_S
        script.interval_s = cat.PROPAGATION_INTERVAL_S
        script.marks_verified = stage is StageName.VERIFY
        script.requires_verified = stage in NEEDS_VERIFICATION
        if stage is StageName.DISABLE_LOCAL_AUTH:
            script.confirm = (
                "this stage turns key/local auth off: confirm that no other consumer still uses "
                "keys (audit first) and that stages 1-6 are done"
            )
        out.append(script)
    return out, b


class AzScriptEmitter:
    """`az/NN-stage.sh` and `.ps1` per stage, plus `sql/*.sql` for database grants."""

    def emit(self, ctx: AppContext) -> EmitOutput:
        built, b = scripts(ctx)
        artifacts: list[Artifact] = []
        for s in built:
            artifacts.append(
                Artifact(f"az/{s.filename}.sh", render("az/script.sh.j2", script=s), executable=True)
            )
            artifacts.append(Artifact(f"az/{s.filename}.ps1", render("az/script.ps1.j2", script=s)))
        for key in sorted(b.sql):
            title, target = b.sql_titles[key]
            artifacts.append(
                Artifact(
                    f"sql/{key}.sql", render("az/grants.sql.j2", title=title, target=target, lines=b.sql[key])
                )
            )
        return EmitOutput(tuple(artifacts), tuple(b.notes))


__all__ = ["AzScriptEmitter", "SCRIPT_NAMES", "Script", "ScriptBuilder", "Step", "scripts", "var_name"]
