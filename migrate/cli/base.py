"""What every verb of the command line shares: exit codes, the one error boundary, `-o`, input and
output helpers and logging.  The CLI is the only part of secretless that uses click, prints or exits."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from migrate.errors import UnknownAppError
from scanners.errors import SecretlessError

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


def fail(message: str, code: int) -> NoReturn:
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
            fail(str(exc), exit_code_for(exc))
        except KeyboardInterrupt:
            fail(f"{ctx.invoked_subcommand or 'secretless'}: interrupted", EXIT_INCOMPLETE)
        except Exception as exc:
            command = ctx.invoked_subcommand or "secretless"
            log.debug("unexpected error in %s", command, exc_info=True)
            fail(
                f"{command} stopped on an unexpected {type(exc).__name__} (not shown: it could quote the "
                "input); rerun with -vv to log the traceback, and please report it",
                EXIT_INCOMPLETE,
            )


@contextmanager
def about(path: Path) -> Iterator[None]:
    """Typed errors raised inside name `path` (the input they are about)."""
    try:
        yield
    except SecretlessError as exc:
        exc.args = (f"{path}: {exc}",)
        raise


def check_output(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
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
            callback=check_output,
            help=help_text,
        )
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path),
        callback=check_output,
        help=help_text,
    )


def write_text(text: str, output: Path | None) -> None:
    """A result to `-o FILE`, or to stdout."""
    if output:
        try:
            output.write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise OutputError(f"cannot write {output} ({type(exc).__name__})") from None
    else:
        click.echo(text, nl=False)


def write_rendered(render: Callable[[Any], None], output: Path | None) -> None:
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


def read_json(path: Path) -> Any:
    """A JSON input document; `InputError` names the file (never its content)."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path} as JSON ({type(exc).__name__})") from None


class PrintableFormatter(logging.Formatter):
    """Log lines with control characters escaped: file and setting names come from the input."""

    def format(self, record: logging.LogRecord) -> str:
        from migrate.reports.terminal import printable

        return printable(super().format(record), keep_newlines=True)


def configure_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("scanners", "migrate"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for old in [h for h in logger.handlers if getattr(h, "_secretless", False)]:
            logger.removeHandler(old)
        handler._secretless = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
