"""The `secretless` command line.  The only module that uses click, prints or exits."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from migrate import __version__
from migrate.errors import UnknownAppError
from scanners.errors import SecretlessError
from scanners.sign_in import CLOUDS, CREDENTIALS, DEFAULT_CLOUD, DEFAULT_CREDENTIAL, sign_in_error

log = logging.getLogger(__name__)

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_PARTIAL = 4

# The one map from typed errors to exit codes, most specific first (see `SecretlessGroup.invoke`).
ERROR_EXIT_CODES: tuple[tuple[type[SecretlessError], int], ...] = (
    (UnknownAppError, EXIT_USAGE),
    (SecretlessError, EXIT_INCOMPLETE),
)
# `secretless --help` lists the commands in the order a migration uses them.
PIPELINE_ORDER = ("scan", "plan", "emit", "migrate", "report")
# Width of a rendered table written to a file, or piped without $COLUMNS.
UNATTENDED_WIDTH = 200

FAIL_ON_CHOICES = ("secret", "reference", "none")
FORMATS = ("table", "json")

F = TypeVar("F", bound=Callable[..., Any])


class OutputError(SecretlessError):
    """A result cannot be written where `-o` points."""


class InputError(SecretlessError):
    """An input document cannot be read."""


def _fail(message: str, code: int) -> NoReturn:
    from migrate.reports.terminal import printable  # a name in the message may come from the input

    click.echo(f"secretless: {printable(message, keep_newlines=True)}", err=True)
    sys.exit(code)


def exit_code_for(error: SecretlessError) -> int:
    return next(code for kind, code in ERROR_EXIT_CODES if isinstance(error, kind))


class SecretlessGroup(click.Group):
    """The top-level group: commands in pipeline order, and the one error boundary of the CLI.

    Typed errors become a one-line message and their exit code (`ERROR_EXIT_CODES`); anything
    else is a bug or a third-party failure whose message or traceback could quote the input (a
    secret), so only its type is named; `-vv` logs the traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        rank = {name: n for n, name in enumerate(PIPELINE_ORDER)}
        return sorted(self.commands, key=lambda name: (rank.get(name, len(rank)), name))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except SecretlessError as exc:
            _fail(str(exc), exit_code_for(exc))
        except KeyboardInterrupt:
            _fail(f"{ctx.invoked_subcommand or 'secretless'}: interrupted", EXIT_INCOMPLETE)
        except Exception as exc:
            command = ctx.invoked_subcommand or "secretless"
            log.debug("unexpected error in %s", command, exc_info=True)
            _fail(
                f"{command} stopped on an unexpected {type(exc).__name__} (not shown: it could quote the "
                "input); rerun with -vv to log the traceback, and please report it",
                EXIT_INCOMPLETE,
            )


@contextmanager
def _about(path: Path) -> Iterator[None]:
    """Typed errors raised inside name `path` (the input they are about)."""
    try:
        yield
    except SecretlessError as exc:
        exc.args = (f"{path}: {exc}",)
        raise


def _check_output(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """`-o` must be in a folder that exists: say so before any work (exit 3), never a traceback."""
    if value is not None and not ctx.resilient_parsing:
        folder = value.parent
        if not folder.is_dir():
            raise OutputError(
                f"cannot write {value}: the folder {folder} does not exist (create it, or choose another -o)"
            )
    return value


def output_option(help_text: str, *, folder: bool = False) -> Callable[[F], F]:
    """`-o/--output`, declared once: a FILE (or with `folder`, a folder that is created) whose parent exists."""
    if folder:
        return click.option(
            "-o",
            "--output",
            "outdir",
            required=True,
            metavar="OUTDIR",
            type=click.Path(file_okay=False, path_type=Path),
            callback=_check_output,
            help=help_text,
        )
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_check_output,
        help=help_text,
    )


@dataclass(frozen=True, slots=True)
class SignIn:
    """How to reach Azure: the options of `sign_in_options`."""

    credential: str
    client_id: str | None
    cloud: str
    arm_endpoint: str | None


def sign_in_options(scope: str) -> Callable[[F], F]:
    """`--credential`, `--client-id`, `--cloud` and `--arm-endpoint`, declared once for every command
    that talks to Azure; their choices are the registries of `scanners.sign_in`.  The command gets
    them as one `sign_in: SignIn`, and an SDK authentication failure inside it becomes a
    `SignInError` that says how to sign in."""

    def decorate(command: F) -> F:
        @wraps(command)
        def wrapper(
            *args: Any,
            credential: str,
            client_id: str | None,
            cloud: str,
            arm_endpoint: str | None,
            **kwargs: Any,
        ) -> Any:
            try:
                return command(*args, sign_in=SignIn(credential, client_id, cloud, arm_endpoint), **kwargs)
            except Exception as exc:
                error = sign_in_error(exc, credential)
                if error is None:
                    raise
                raise error from None

        options = (
            click.option(
                "--credential",
                type=click.Choice(list(CREDENTIALS)),
                default=DEFAULT_CREDENTIAL,
                show_default=True,
                help=f"{scope}the azure-identity credential to sign in with ('default' is "
                "DefaultAzureCredential; 'azure-cli' needs `az login`).",
            ),
            click.option(
                "--client-id",
                metavar="ID",
                help=f"{scope}client id of the user-assigned identity to sign in with "
                "(managed-identity, workload-identity, default).",
            ),
            click.option(
                "--cloud",
                type=click.Choice(list(CLOUDS)),
                default=DEFAULT_CLOUD,
                show_default=True,
                help=f"{scope}Azure cloud (selects the ARM endpoint and token scope).",
            ),
            click.option("--arm-endpoint", metavar="URL", help=f"{scope}ARM endpoint override (https only)."),
        )
        decorated: Any = wrapper
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


def _write_text(text: str, output: Path | None) -> None:
    """A result to `-o FILE`, or to stdout."""
    if output:
        try:
            output.write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise OutputError(f"cannot write {output} ({type(exc).__name__})") from None
    else:
        click.echo(text, nl=False)


def _write_rendered(render: Callable[[Any], None], output: Path | None) -> None:
    """A rich rendering to `-o FILE` (plain, UNATTENDED_WIDTH), or to stdout: a terminal's width,
    else $COLUMNS, else UNATTENDED_WIDTH."""
    from rich.console import Console

    if output:
        try:
            with output.open("w", encoding="utf-8") as fh:
                render(Console(file=fh, width=UNATTENDED_WIDTH, color_system=None))
        except OSError as exc:
            raise OutputError(f"cannot write {output} ({type(exc).__name__})") from None
    else:
        out = Console()  # rich honours $COLUMNS
        columns = os.environ.get("COLUMNS", "")
        render(out if out.is_terminal or columns.isdigit() else Console(width=UNATTENDED_WIDTH))


def _read_json(path: Path) -> Any:
    """A JSON input document; `InputError` names the file (never its content)."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path} as JSON ({type(exc).__name__})") from None


class _PrintableFormatter(logging.Formatter):
    """Log lines with control characters escaped: file and setting names come from the input."""

    def format(self, record: logging.LogRecord) -> str:
        from migrate.reports.terminal import printable

        return printable(super().format(record), keep_newlines=True)


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("scanners", "migrate"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for old in [h for h in logger.handlers if getattr(h, "_secretless", False)]:
            logger.removeHandler(old)
        handler._secretless = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


@click.group(cls=SecretlessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="secretless")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug and tracebacks).")
def main(verbose: int) -> None:
    """Find secret-based Azure connections and move them to managed identity.

    The pipeline: scan, then plan, then emit (reviewable scripts and patches) and/or migrate
    (guided, in Azure); report renders a scan for people and pipelines.

    Exit codes: 0 clean, 1 findings (or a stopped migration), 2 usage error, 3 could not
    finish, 4 an estate scan finished but some apps could not be read.
    """
    _configure_logging(verbose)


@main.command(short_help="Find secret-based connections in a repo or an estate.")
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
        _write_text(dumps(result), output)
    else:
        from migrate.reports.terminal import render

        _write_rendered(lambda console: render(result, console, show_all=not secrets_only), output)

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


def _report_formats() -> list[str]:
    from migrate.reports import RENDERERS

    return list(RENDERERS)


@main.command(short_help="Render a scan as Markdown, HTML, JSON, SARIF or CSV.")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(_report_formats()),
    default="md",
    show_default=True,
    help="Report format: Markdown, self-contained HTML, JSON, SARIF 2.1.0 or CSV.",
)
@output_option("Write the report to FILE instead of stdout (its folder must exist).")
def report(document: Path, fmt: str, output: Path | None) -> None:
    """Render a scan as Markdown, HTML, JSON, SARIF or CSV.

    DOCUMENT is a scan document (secretless scan -f json -o audit.json); the report is for people
    (md, html) and pipelines (json, sarif, csv).

    Exit codes: 0 written, 2 usage error, 3 the document cannot be read (not a scan document,
    unknown schema version, or a plan document: plan reports are not supported yet).
    """

    from migrate.reports import RENDERERS, load_report

    raw = _read_json(document)
    with _about(document):
        text = RENDERERS[fmt].render(load_report(raw))
    _write_text(text, output)
    if output:
        click.echo(f"wrote {fmt} report to {output}", err=True)


PLAN_FORMATS = ("table", "json")


@main.command("plan", short_help="Turn a scan into a migration plan, per app.")
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
    raw = _read_json(audit)
    with _about(audit):
        result = make_plan(raw, share_identity=True) if share_identity else make_plan(raw)
        with_findings = len({app_of(i) for i in read_audit(raw).items})
    if fmt == "json":
        _write_text(dumps(result), output)
    else:
        _write_rendered(lambda console: render(result, console), output)
    summary = result.summary()
    click.echo(
        f"plan: {summary['apps']} apps to migrate (of {with_findings} apps with findings), "
        f"{summary['units']} units, {summary['grants']} grants, {summary['setting_changes']} setting changes, "
        f"{summary['code_changes']} code changes, {summary['removals']} removals, {summary['risks']} risks, "
        f"{summary['needs_review']} need review, {summary['already_passwordless']} already passwordless"
        + (f"; wrote {output}" if output else ""),
        err=True,
    )


@main.command("emit", short_help="Write reviewable patches, az scripts and Bicep from a plan.")
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

    raw = _read_json(plan_file)
    with _about(plan_file):
        result = emit_plan(read_plan(raw), repo)
    try:
        written = write_outputs(result, outdir)
    except OSError as exc:
        raise OutputError(f"cannot write to {outdir} ({type(exc).__name__})") from None
    click.echo(
        f"emit: wrote {len(written)} files to {outdir}; {len(result.notes)} items to do by hand "
        f"(see {outdir / 'README.md'})",
        err=True,
    )


@main.group("playbooks")
def playbooks_group() -> None:
    """Migration playbooks (declarative YAML steps per service type)."""


@playbooks_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def playbooks_validate(paths: tuple[Path, ...]) -> None:
    """Check playbook files (default: every bundled playbook).  Exit 0 valid, 3 invalid."""
    from migrate.run.playbooks import bundled_paths, load_bundled, load_playbook

    if paths:
        books = [load_playbook(p) for p in paths]
    else:
        books = sorted(load_bundled().values(), key=lambda b: b.name)
    for b in books:
        click.echo(f"{b.path}: {b.name} ({b.service}), {len(b.steps)} steps: ok")
    if not paths:
        click.echo(f"{len(bundled_paths())} bundled playbooks valid", err=True)


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


@main.command("migrate", short_help="Walk one app through its plan in Azure (a dry run by default).")
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
    "--continue-manual", is_flag=True, help="With --yes: go on past manual steps (recorded as pending)."
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
    help="The verify stage's gate also GETs URL (e.g. the staging slot) and needs a 2xx answer.",
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
    raw = _read_json(plan_file)
    with _about(plan_file):
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


if __name__ == "__main__":  # pragma: no cover
    main()
