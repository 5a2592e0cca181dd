"""`secretless plan`: turn a scan into a migration plan, per app."""

from __future__ import annotations

from pathlib import Path

import click

from migrate.cli.base import about, output_option, read_json, write_rendered, write_text

PLAN_FORMATS = ("table", "json")


@click.command("plan", short_help="Turn a scan into a migration plan, per app.")
@click.argument("audit", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(PLAN_FORMATS),
    default=None,
    help="Output format: a readable view or versioned plan JSON (default: json with -o, else table).",
)
@output_option("Write the plan to FILE instead of stdout (its folder must exist).")
@click.option(
    "--share-identity",
    is_flag=True,
    default=False,
    help="Give apps that use the same target resources one user-assigned identity (default: one "
    "identity per app; a shared identity holds the grants of every app that shares it).",
)
def plan_command(audit: Path, fmt: str | None, output: Path | None, share_identity: bool) -> None:
    """Turn a scan into a migration plan, per app.

    AUDIT is a scan document (secretless scan -f json -o audit.json).  The plan holds per app the
    identity, least-privilege grants, setting and code changes, removals, risks and gated stages;
    plus what needs review and what is already passwordless.

    Offline and deterministic: the same AUDIT always gives the same plan.

    Exit codes: 0 planned, 2 usage error, 3 AUDIT cannot be read (not JSON, not a scan
    document, unsupported schema_version).
    """

    from migrate.plan.planner import plan as make_plan
    from migrate.plan.records import dumps
    from migrate.plan.view import render
    from scanners.records import app_of
    from scanners.serialization import read_audit

    fmt = fmt or ("json" if output else "table")
    raw = read_json(audit)
    with about(audit):
        result = make_plan(raw, share_identity=True) if share_identity else make_plan(raw)
        with_findings = len({app_of(i) for i in read_audit(raw).items})
    if fmt == "json":
        write_text(dumps(result), output)
    else:
        write_rendered(lambda console: render(result, console), output)
    summary = result.summary()
    click.echo(
        f"plan: {summary['apps']} apps to migrate (of {with_findings} apps with findings), "
        f"{summary['units']} units, {summary['grants']} grants, {summary['setting_changes']} setting changes, "
        f"{summary['code_changes']} code changes, {summary['removals']} removals, {summary['risks']} risks, "
        f"{summary['needs_review']} need review, {summary['already_passwordless']} already passwordless"
        + (f"; wrote {output}" if output else ""),
        err=True,
    )
