"""`secretless scan`: inventory secret-based connections in a repository and/or an estate."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from migrate.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_PARTIAL,
    FAIL_ON_CHOICES,
    FORMATS,
    OutputError,
    output_option,
    write_rendered,
    write_text,
)
from migrate.cli.sign_in_options import SignIn, sign_in_options


@click.command(short_help="Find secret-based connections in a repo or an estate.")
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path)
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format: a readable table or versioned JSON (schema_version 1).",
)
@output_option("Write the result to FILE instead of stdout (its folder must exist).")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES),
    default="secret",
    show_default=True,
    help="Exit 1 when items of this value class (or worse) are found; 'reference' also "
    "fails on Key Vault references and CI secret references; 'none' never fails.",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fingerprint key file (hex). Default: $SECRETLESS_FINGERPRINT_KEY, else "
    "~/.config/secretless/fingerprint.key, created on first use.",
)
@click.option("--no-gitignore", is_flag=True, help="Also scan files that .gitignore excludes.")
@click.option(
    "--include-vendored",
    is_flag=True,
    help="Also scan vendored and generated trees (node_modules, bin, obj, ...).",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip paths matching GLOB (gitignore syntax); repeatable.",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=8 * 1024 * 1024,
    show_default=True,
    help="Skip (and report) files larger than this many bytes.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes; 0 uses every core.",
)
@click.option("--no-generic", is_flag=True, help="Do not run detect-secrets for generic secrets.")
@click.option("--secrets-only", is_flag=True, help="Table output: show only real secrets.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: when stderr is a terminal).",
)
@click.option(
    "--subscription",
    "subscriptions",
    multiple=True,
    metavar="ID",
    help="Scan the App Service / Functions apps of this subscription; repeatable.",
)
@click.option("--resource-group", metavar="NAME", help="Estate: only this resource group.")
@click.option("--site", metavar="NAME", help="Estate: only this app (with its slots).")
@click.option("--no-slots", is_flag=True, help="Estate: skip deployment slots.")
@sign_in_options("Estate: ")
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=256),
    default=16,
    show_default=True,
    help="Estate: ARM requests in flight at once.",
)
@click.option(
    "--az-export",
    "az_exports",
    multiple=True,
    metavar="DIR",
    type=click.Path(exists=True, file_okay=True, dir_okay=True),
    help="Offline estate input: a folder of Azure CLI JSON output named <app>.appsettings.json, "
    "<app>.connectionstrings.json and <app>.show.json; repeatable.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Report and fail only on findings not accepted in this baseline file (same fingerprint key needed).",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write the current findings to the --baseline file (accept them) and exit 0.",
)
def scan(
    path: Path | None,
    fmt: str,
    output: Path | None,
    fail_on: str,
    key_file: Path | None,
    no_gitignore: bool,
    include_vendored: bool,
    exclude: tuple[str, ...],
    max_file_size: int,
    jobs: int,
    no_generic: bool,
    secrets_only: bool,
    progress: bool | None,
    subscriptions: tuple[str, ...],
    resource_group: str | None,
    site: str | None,
    no_slots: bool,
    sign_in: SignIn,
    concurrency: int,
    az_exports: tuple[str, ...],
    baseline_path: Path | None = None,
    update_baseline: bool = False,
) -> None:
    """Find secret-based connections in a repo or an estate.

    Inventories every secret-based Azure connection under PATH (a directory or a file) and/or in
    the App Service and Functions apps of --subscription (or of --az-export files).

    Exit codes: 0 nothing to fail on, 1 findings (see --fail-on), 2 usage error,
    3 the scan could not finish, 4 an estate scan finished but some apps could not be read.

    Estate scans need Reader plus Microsoft.Web/sites/config/list/action and
    Microsoft.Web/sites/slots/config/list/action on the apps (a small custom role); Reader alone
    cannot list settings.
    """
    from rich.console import Console

    from scanners.fingerprint import load_key
    from scanners.records import ValueClass
    from scanners.repository import RepositoryScanOptions
    from scanners.scan_job import EstateRequest, is_incomplete, may_hold_secrets, run_scan
    from scanners.serialization import dumps, summary
    from scanners.walker import WalkOptions

    if path is None and not subscriptions and not az_exports:
        raise click.UsageError("give a PATH to scan, --subscription for a live estate, or --az-export")
    if site and not subscriptions:
        raise click.UsageError("--site needs --subscription")
    if update_baseline and baseline_path is None:
        raise click.UsageError("--update-baseline needs --baseline FILE")
    err = Console(stderr=True)
    from scanners import baseline as baselines

    accepted_baseline = None
    if baseline_path is not None and not update_baseline:
        accepted_baseline = baselines.load(baseline_path)
    key, _origin = load_key(key_file)
    options = RepositoryScanOptions(
        walk=WalkOptions(
            respect_gitignore=not no_gitignore, skip_vendored=not include_vendored, excludes=exclude
        ),
        max_file_size=max_file_size,
        jobs=jobs,
        generic=not no_generic,
    )
    estate = None
    if subscriptions:
        from scanners.app_service import EstateScanOptions
        from scanners.azure_arm import build_credential
        from scanners.sign_in import arm_target

        estate = EstateRequest(
            credential=build_credential(sign_in.credential, sign_in.client_id),
            credential_name=sign_in.credential,
            target=arm_target(sign_in.cloud, sign_in.arm_endpoint),
            options=EstateScanOptions(
                subscriptions=subscriptions,
                resource_group=resource_group,
                site=site,
                include_slots=not no_slots,
                concurrency=concurrency,
            ),
        )
        err.print(
            f"estate: signing in with the {sign_in.credential} credential to {estate.target.base_url}",
            markup=False,
            highlight=False,
        )
    show_progress = err.is_terminal if progress is None else progress
    target = str(path) if path is not None else None
    if show_progress and target is not None:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
            task = bar.add_task("scanning", total=None)

            def tick(files: int, nbytes: int) -> None:
                bar.update(task, description=f"scanned {files} files, {nbytes // 1024} KiB")

            result = run_scan(target, key, options, estate, tick, az_exports)
    else:
        result = run_scan(target, key, options, estate, None, az_exports)

    n_accepted = 0
    if update_baseline and baseline_path is not None:
        try:
            baselines.save(baselines.from_items(result.items), baseline_path)
        except OSError as exc:
            raise OutputError(f"cannot write {baseline_path} ({type(exc).__name__})") from None
        err.print(
            f"baseline: accepted {len(result.items)} findings in {baseline_path}",
            markup=False,
            highlight=False,
        )
    elif accepted_baseline is not None:
        from dataclasses import replace

        new = baselines.new_items(result.items, accepted_baseline)
        n_accepted = len(result.items) - len(new)
        result = replace(result, items=new)

    if fmt == "json":
        write_text(dumps(result), output)
    else:
        from migrate.reports.terminal import render

        write_rendered(lambda console: render(result, console, show_all=not secrets_only), output)

    failing = {
        "secret": {ValueClass.SECRET},
        "reference": {ValueClass.SECRET, ValueClass.REFERENCE},
        "none": set(),
    }[fail_on]
    n_failing = sum(1 for i in result.items if i.value_class in failing)
    incomplete = is_incomplete(result)
    suspect = may_hold_secrets(result)
    counts = summary(result)
    classes = ", ".join(f"{k}: {v}" for k, v in counts["by_value_class"].items())
    read = f"{result.files_scanned} files" + (
        f" and {len(result.sites)} apps and slots" if result.sites else ""
    )
    err.print(
        f"{len(result.items)} items{' new since the baseline' if accepted_baseline else ''}"
        f"{f' ({classes})' if classes else ''} in {read}, "
        f"{n_failing} failing ({fail_on}); {len(result.skipped)} skipped"
        + (f" ({suspect} skipped may hold secrets: see skipped)" if suspect else "")
        + (f"; {n_accepted} accepted in the baseline" if accepted_baseline else "")
        + ("; INCOMPLETE: some apps could not be read" if incomplete else ""),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if incomplete:
        sys.exit(EXIT_PARTIAL)
    if update_baseline:
        sys.exit(EXIT_CLEAN)
    sys.exit(EXIT_FINDINGS if n_failing else EXIT_CLEAN)
