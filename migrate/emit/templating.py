"""The Jinja2 environment of the emitters: strict undefined, HTML-only autoescape, shell filters."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from migrate.emit import shell
from migrate.resources import templates_dir


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "html.j2"]),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bash"] = shell.bash
    env.filters["powershell"] = shell.powershell
    env.filters["bash_literal"] = shell.bash_literal
    env.filters["ps_literal"] = shell.ps_literal
    env.filters["safe_hint"] = shell.safe_hint
    return env


def render(template: str, **values: object) -> str:
    text = environment().get_template(template).render(**values)
    return text if text.endswith("\n") else text + "\n"
