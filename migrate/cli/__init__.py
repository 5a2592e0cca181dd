"""The `secretless` command line: the root group and its verbs, one module per verb.

`migrate.cli:main` is the console entry point; `python -m migrate.cli` runs it too."""

from __future__ import annotations

import click

from migrate import __version__
from migrate.cli.base import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_PARTIAL,
    EXIT_USAGE,
    PIPELINE_ORDER,
    SecretlessGroup,
    configure_logging,
    exit_code_for,
)
from migrate.cli.emit_command import emit_command
from migrate.cli.migrate_command import migrate_command
from migrate.cli.plan_command import plan_command
from migrate.cli.playbooks_command import playbooks_group
from migrate.cli.report_command import report
from migrate.cli.scan_command import scan

__all__ = [
    "EXIT_CLEAN",
    "EXIT_FINDINGS",
    "EXIT_INCOMPLETE",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "PIPELINE_ORDER",
    "exit_code_for",
    "main",
]

# The verbs, registered explicitly (their order in `--help` is PIPELINE_ORDER).
COMMANDS: tuple[click.Command, ...] = (
    scan,
    plan_command,
    emit_command,
    migrate_command,
    report,
    playbooks_group,
)


@click.group(cls=SecretlessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="secretless")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug and tracebacks).")
def main(verbose: int) -> None:
    """Find secret-based Azure connections and move them to managed identity.

    The pipeline: scan, then plan, then emit (reviewable scripts and patches) and/or migrate
    (guided, in Azure); report renders a scan, a plan or the progress of migrations.

    Exit codes: 0 clean, 1 findings (or a stopped migration), 2 usage error, 3 could not
    finish, 4 an estate scan finished but some apps could not be read.
    """
    configure_logging(verbose)


for _command in COMMANDS:
    main.add_command(_command)
