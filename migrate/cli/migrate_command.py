"""`secretless migrate`: walk one app through its plan in Azure, step by step."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

import click

from migrate.cli.base import EXIT_FINDINGS, EXIT_INCOMPLETE, about, read_json
from migrate.cli.sign_in_options import SignIn, sign_in_options

_NO_VALUE = frozenset({"", "null", "none", "nil", "undefined", "<none>", '""', "''"})
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _set_value(name: str, value: str) -> str:
    """A `--set` value: never empty or a null word; a client, principal, object or tenant id is a GUID."""
    if value.strip().lower() in _NO_VALUE:
        raise click.UsageError(
            f"--set {name}: {value.strip() or 'an empty value'} is no value; give the real one"
        )
    if re.search(r"(client|principal|object|tenant)[-_ ]?id", name, re.IGNORECASE) and not _GUID_RE.fullmatch(
        value.strip()
    ):
        raise click.UsageError(
            f"--set {name}: not a GUID (a client, principal, object or tenant id is one, "
            "e.g. 00000000-0000-0000-0000-000000000000)"
        )
    return value.strip()


class _ClickUi:
    def show(self, text: str) -> None:
        from migrate.reports.terminal import printable  # setting and app names come from the plan

        click.echo(printable(text, keep_newlines=True))

    def confirm(self, text: str) -> bool:
        return click.confirm(text, default=False, err=True)


@click.command("migrate", short_help="Walk one app through its plan in Azure (a dry run by default).")
@click.argument("plan_file", metavar="PLAN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--app", "app", required=True, metavar="APP", help="The app of the plan to migrate (name or full id)."
)
@click.option("--slot", metavar="SLOT", help="Only this slot's steps (and the app-wide ones); default: all.")
@click.option(
    "--dry-run/--execute",
    "dry_run",
    default=True,
    show_default=True,
    help="Only show the steps (default), or perform them in Azure through the SDK.",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Do not ask: run every step, confirm destructive ones, record manual steps as pending.",
)
@click.option(
    "--continue-manual",
    is_flag=True,
    help="With --yes: go on past manual steps (recorded as pending); never past verification: a swap or "
    "removal needs --done verify/app or a passing --health-url.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="State file; reruns resume from it.  Default: .secretless/state/<resource-group>.<app>.json "
    "under the current folder.",
)
@click.option("--undo", "undo_step", metavar="STEP", help="Undo one step (by id, see the dry run) and exit.")
@click.option(
    "--done",
    "done_steps",
    multiple=True,
    metavar="STEP",
    help="A manual step (by id) that has been done by hand; repeatable.",
)
@click.option(
    "--set",
    "values",
    multiple=True,
    metavar="NAME=VALUE",
    help="Fill a <placeholder> of the plan, e.g. --set target-resource-group=rg-data; repeatable.",
)
@click.option(
    "--health-url",
    metavar="URL",
    help="The verify stage's gate also GETs URL (e.g. the staging slot) until it answers 2xx, for up to "
    "10 minutes (new role assignments take time).",
)
@click.option("--subscription", metavar="ID", help="Subscription of the app (default: from the plan).")
@sign_in_options("--execute / --undo: ")
def migrate_command(
    plan_file: Path,
    app: str,
    slot: str | None,
    dry_run: bool,
    yes: bool,
    continue_manual: bool,
    state_file: Path | None,
    undo_step: str | None,
    done_steps: tuple[str, ...],
    values: tuple[str, ...],
    health_url: str | None,
    subscription: str | None,
    sign_in: SignIn,
) -> None:
    """Walk one app through its plan in Azure (a dry run by default).

    Stage by stage: identity, grants, settings (read-modify-write, per slot), verify, swap, secret
    removal, local auth.  Each step is read back from Azure (the gate); a failed gate stops the
    run.  APP is an App Service or Functions app of a plan made from an estate scan (--subscription
    or --az-export).  Progress goes to the state file (see --state); rerun to resume.

    Exit codes: 0 dry run shown or run completed, 1 stopped (a manual step, a declined
    confirmation), 2 usage error (e.g. an APP the plan does not have), 3 not signed in, a step or
    gate failed, or the plan cannot be read.
    """
    import asyncio

    from migrate.plan.reader import read_plan
    from migrate.run import state as migration_state
    from migrate.run.health import check_url
    from migrate.run.playbooks import load_bundled
    from migrate.run.runner import Runner, RunOptions
    from migrate.run.steps import app_target, build_steps, find_app

    if health_url and check_url(health_url):
        raise click.UsageError(str(check_url(health_url)))
    filled: dict[str, str] = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name:
            raise click.UsageError(f"--set needs NAME=VALUE, got {v!r}")
        filled[name.strip("<>")] = _set_value(name, value)
    logging.getLogger("migrate.run").setLevel(logging.INFO)
    raw = read_json(plan_file)
    with about(plan_file):
        plan = read_plan(raw)
    plan_app = find_app(plan, app)
    target = app_target(plan_app)
    path = state_file or migration_state.default_path(plan_app.app)
    state = migration_state.load(path, plan_app.app)
    known = {f"principalId of {name}": pid for name, pid in state.principals.items()}
    steps = build_steps(plan_app, load_bundled(), {**known, **filled})
    if slot:
        steps = [s for s in steps if s.slot in (None, slot)]
    runner = Runner(
        steps,
        state,
        path,
        _ClickUi(),
        RunOptions(
            execute=not dry_run,
            yes=yes,
            continue_manual=continue_manual,
            confirmed=done_steps,
            health_url=health_url,
        ),
        target.name,
    )
    if dry_run and not undo_step:
        if path.exists():
            click.echo(f"migrate: progress so far from the state file {path}", err=True)
        outcome = runner.dry_run()
    else:
        from migrate.errors import MigrateError
        from migrate.run.azure_changes import AppServiceChanges
        from scanners.azure_arm import build_credential, check_sign_in
        from scanners.sign_in import arm_target

        arm = arm_target(sign_in.cloud, sign_in.arm_endpoint)
        credential = build_credential(sign_in.credential, sign_in.client_id)
        click.echo(
            f"migrate: signing in with the {sign_in.credential} credential to {arm.base_url}; "
            f"progress is saved to the state file {path}",
            err=True,
        )

        async def go() -> Any:
            await check_sign_in(credential, sign_in.credential, arm)
            async with AppServiceChanges(
                credential, arm, subscription or target.subscription, target.resource_group, target.name
            ) as azure:
                if undo_step:
                    return await runner.undo(azure, undo_step)
                return await runner.execute(azure)

        try:
            outcome = asyncio.run(go())
        except KeyboardInterrupt:
            raise MigrateError(
                f"interrupted; finished steps are in the state file {path}: rerun to resume"
            ) from None
    click.echo(f"migrate: {outcome.status}: {outcome.message}", err=True)
    if outcome.status == "failed":
        sys.exit(EXIT_INCOMPLETE)
    if outcome.status == "stopped":
        sys.exit(EXIT_FINDINGS)
