"""The one Jinja2 environment for report templates (`templates/reports/`)."""

from __future__ import annotations

import re
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from migrate.reports.record_fields import (
    all_fields,
    extra_collections,
    extras,
    scalar_extras,
    table_of,
    text_of,
)
from migrate.reports.terminal import printable
from migrate.resources import templates_dir

_AUTOLINK_RE = re.compile(r":/(?=/)|\bwww\.", re.IGNORECASE)


def markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML, no link or
    image (`[x](https://...)`, `![t](...)`), no autolink and no control character from the input."""
    text = printable(" ".join(("" if value is None else str(value)).split()))
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
    text = text.replace("*", "\\*").replace("_", "\\_")
    text = text.replace("[", "\\[").replace("]", "\\]")  # no `[x](url)`, no `![t](url)`
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # No autolink either (GitHub links bare `https://...` and `www.` text): an escaped slash or dot
    # renders the same but splits the pattern.
    text = _AUTOLINK_RE.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)
    return " ".join(text.split())


def app_label(app: object) -> str:
    """A plan's app key for readers: the repository root (`.`) reads as in the scan report."""
    from migrate.reports.model import ROOT_APPLICATION

    text = "" if app is None else str(app)
    return ROOT_APPLICATION if text == "." else text


def short_unit(unit: object) -> str:
    """A unit's name inside its app's section: `<app>::storage` reads as `storage`."""
    text = "" if unit is None else str(unit)
    return text.rsplit("::", 1)[-1] if "::" in text else text


def _finalize(value: object) -> object:
    """Every value a template prints: no control character from the input, in any format."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value, keep_newlines=True)
    return value


@cache
def environment() -> Environment:
    env = Environment(
        finalize=_finalize,
        loader=FileSystemLoader(str(templates_dir() / "reports")),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_cell
    env.filters["text"] = text_of
    env.filters["short_unit"] = short_unit
    env.filters["app_label"] = app_label
    env.globals.update(
        extras=extras,
        scalar_extras=scalar_extras,
        all_fields=all_fields,
        extra_collections=extra_collections,
        table_of=table_of,
    )
    return env
