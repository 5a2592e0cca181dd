"""`secretless report`: render a document for people and pipelines."""

from __future__ import annotations

from pathlib import Path

import click

from migrate.cli.base import about, output_option, read_json, write_text


def _report_formats() -> list[str]:
    from migrate.reports.documents import all_formats

    return list(all_formats())


@click.command(short_help="Render a scan, a plan or the progress of migrations.")
@click.argument("document", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(_report_formats()),
    default="md",
    show_default=True,
    help="Report format: Markdown, self-contained HTML, JSON; for a scan also SARIF 2.1.0 or CSV.",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="With state files: the plan the runs used, so every step of each app is known and apps "
    "without a state file show as not started.",
)
@output_option("Write the report to FILE instead of stdout (its folder must exist).")
def report(document: Path, fmt: str, plan_file: Path | None, output: Path | None) -> None:
    """Render a scan, a plan or the progress of guided migrations.

    DOCUMENT is a scan document (secretless scan -f json -o audit.json): md, html, json, sarif or
    csv; a plan document (secretless plan -f json -o plan.json): the plan for review and approval
    in md, html or json; or a state file of secretless migrate, or a folder of them: per app and
    stage done, pending, manual or failed, in md, html or json.

    Exit codes: 0 written, 2 usage error (also a format the document does not come in), 3 the
    document cannot be read (not a secretless document, unknown schema version, no state file).
    """

    from migrate.reports.documents import (
        DocumentKind,
        UnsupportedFormatError,
        as_plan,
        kind_of,
        render_document,
        render_progress,
    )

    plan = None
    if plan_file is not None:
        raw_plan = read_json(plan_file)
        with about(plan_file):
            plan = as_plan(raw_plan)
    try:
        if document.is_dir():
            text = render_progress(document, fmt, plan)
        else:
            raw = read_json(document)
            kind = kind_of(raw)
            if plan is not None and kind is not DocumentKind.STATE:
                raise click.UsageError(
                    "--plan goes with state files of secretless migrate (or a folder of them)"
                )
            if kind is DocumentKind.STATE:
                text = render_document(raw, fmt, document, plan)  # its errors name the file
            else:
                with about(document):
                    text = render_document(raw, fmt, document, plan)
    except UnsupportedFormatError as exc:
        raise click.UsageError(str(exc)) from None
    write_text(text, output)
    if output:
        click.echo(f"wrote {fmt} report to {output}", err=True)
