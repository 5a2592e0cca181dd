"""The one Jinja2 environment for report templates (`templates/reports/`)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from migrate.reports.terminal import printable
from migrate.resources import templates_dir


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML, no link or
    image (`[x](https://...)`, `![t](...)`) and no control character from the input."""
    text = printable(" ".join(("" if value is None else str(value)).split()))
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    text = text.replace("*", "\\*").replace("_", "\\_")
    text = text.replace("[", "\\[").replace("]", "\\]")  # no `[x](url)`, no `![t](url)`
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "reports")),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_cell
    return env
