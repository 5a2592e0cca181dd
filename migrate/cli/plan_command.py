"""`secretless plan`: turn a scan into a migration plan, per app."""

from __future__ import annotations

from pathlib import Path

import click

from migrate.cli.base import about, output_option, read_json, write_rendered, write_text
from migrate.cli.sign_in_options import SignIn, sign_in_options

PLAN_FORMATS = ("table", "json")
REVIEW_LINES = 20  # needs-review items listed on stderr with a JSON plan


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
@click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The repository the scan read: grants take read or write access from the calls the consuming "
    "code makes (a reader role where only reads are seen).  Without it access comes from the scan alone.",
)
@click.option(
    "--subscription",
    "subscriptions",
    multiple=True,
    metavar="ID",
    help="Look up the targets' resource groups (by type and name) and Application Insights components "
    "(by instrumentation key) in this subscription; repeatable.  Without it the plan is offline.",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --subscription: the scan's fingerprint key, to match instrumentation keys (default as scan).",
)
@sign_in_options("Lookups: ")
def plan_command(
    audit: Path,
    fmt: str | None,
    output: Path | None,
    share_identity: bool,
    repo: Path | None,
    subscriptions: tuple[str, ...],
    key_file: Path | None,
    sign_in: SignIn,
) -> None:
    """Turn a scan into a migration plan, per app.

    AUDIT is a scan document (secretless scan -f json -o audit.json).  The plan holds per app the
    identity, least-privilege grants, setting and code changes, removals, risks and gated stages;
    plus what needs review and what is already passwordless.

    Offline and deterministic: the same AUDIT always gives the same plan.  With --subscription the
    scopes ARM can answer are filled in (resource groups, Application Insights components).

    Exit codes: 0 planned, 2 usage error, 3 AUDIT cannot be read (not JSON, not a scan
    document, unsupported schema_version).
    """

    from migrate.plan.planner import plan as make_plan
    from migrate.plan.records import dumps
    from migrate.plan.repository_sources import repository_reader
    from migrate.plan.view import render
    from scanners.records import app_of
    from scanners.serialization import read_audit

    fmt = fmt or ("json" if output else "table")
    raw = read_json(audit)
    with about(audit):
        sources = repository_reader(repo) if repo is not None else None
        result = make_plan(raw, share_identity=share_identity, sources=sources)
        parsed = read_audit(raw)
        with_findings = len({app_of(i) for i in parsed.items})
    filled = ""
    if subscriptions:
        import asyncio

        from migrate.plan.resolve.arm import ResourceIndex, index_from_arm, wanted_types
        from migrate.plan.resolve.fill import resolve_plan
        from scanners.azure_arm import build_credential, check_sign_in
        from scanners.fingerprint import Fingerprinter, load_key
        from scanners.sign_in import arm_target

        arm = arm_target(sign_in.cloud, sign_in.arm_endpoint)
        credential = build_credential(sign_in.credential, sign_in.client_id)
        key, _origin = load_key(key_file, create=False)

        async def lookups() -> ResourceIndex:
            await check_sign_in(credential, sign_in.credential, arm)
            try:
                return await index_from_arm(
                    credential,
                    arm,
                    subscriptions,
                    hasher=Fingerprinter(key).fingerprint,
                    types=wanted_types(g.scope for a in result.apps for g in a.grants),
                )
            finally:
                await credential.close()

        index = asyncio.run(lookups())
        result, changed = resolve_plan(result, index, {i.item_id: i.fingerprint for i in parsed.items})
        filled = f"; {changed} grant scopes filled from ARM (via {index.lookup})"
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
        + filled
        + (f"; wrote {output}" if output else ""),
        err=True,
    )
    if fmt == "json":  # the table view lists them already
        for r in result.needs_review[:REVIEW_LINES]:
            click.echo(f"  needs review: {r.unit} ({r.reason}): {r.resolution or 'review by hand'}", err=True)
        if len(result.needs_review) > REVIEW_LINES:
            click.echo(
                f"  ... and {len(result.needs_review) - REVIEW_LINES} more (the plan's needs_review)",
                err=True,
            )
