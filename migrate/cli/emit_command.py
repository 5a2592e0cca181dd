"""`secretless emit`: reviewable patches, az scripts and Bicep from a plan."""

from __future__ import annotations

from pathlib import Path

import click

from migrate.cli.base import OutputError, about, output_option, read_json


@click.command("emit", short_help="Write reviewable patches, az scripts and Bicep from a plan.")
@click.argument("plan_file", metavar="PLAN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The repository the scan read (for code and config patches); without it only scripts and Bicep.",
)
@output_option("Folder to write the artifacts to (created; its parent folder must exist).", folder=True)
def emit_command(plan_file: Path, repo: Path | None, outdir: Path) -> None:
    """Write reviewable patches, az scripts and Bicep from a plan.

    PLAN is a plan document (secretless plan -f json -o plan.json).  Writes per app
    code.patch / config.patch (git apply), az scripts per stage (bash and PowerShell), SQL grant
    files and Bicep, plus OUTDIR/README.md with the order to run them in.

    Offline and deterministic.  Exit codes: 0 written, 2 usage error, 3 PLAN cannot be read or the
    artifacts cannot be written.
    """

    from migrate.emit import emit_plan, write_outputs
    from migrate.plan.reader import read_plan

    raw = read_json(plan_file)
    with about(plan_file):
        plan = read_plan(raw)
        result = emit_plan(plan, repo)
    try:
        written = write_outputs(result, outdir)
    except OSError as exc:
        raise OutputError(f"cannot write to {outdir} ({type(exc).__name__})") from None
    click.echo(
        f"emit: wrote {len(written)} files to {outdir}; {len(result.notes)} items to do by hand, "
        f"{len(plan.needs_review)} need review (see {outdir / 'README.md'})",
        err=True,
    )
