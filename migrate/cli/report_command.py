"""`secretless report`: render a document for people and pipelines."""

from __future__ import annotations

from pathlib import Path

import click

from migrate.cli.base import about, output_option, read_json, write_text


def _report_formats() -> list[str]:
    from migrate.reports import RENDERERS

    return list(RENDERERS)


@click.command(short_help="Render a scan as Markdown, HTML, JSON, SARIF or CSV.")
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

    raw = read_json(document)
    with about(document):
        text = RENDERERS[fmt].render(load_report(raw))
    write_text(text, output)
    if output:
        click.echo(f"wrote {fmt} report to {output}", err=True)
