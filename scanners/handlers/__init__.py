"""Structured file handlers, one per family of files, in one explicit registry.

Each handler is a small class with `name`, `matches(path)` and `scan(source)`.  Every file that
passes the prefilter is read by every handler that matches it, in the order of `registry()`, and
then by the generic line scanner (`scanners.line_scanner`), which catches what structured
parsing cannot see.  The handler modules are imported on first use rather than with this
package, so that commands that scan no files never load the YAML and XML parsers.
"""

from __future__ import annotations

import functools
from pathlib import PurePosixPath

from scanners.evidence import FileHandler


@functools.cache
def registry() -> tuple[FileHandler, ...]:
    """Every handler, in the order in which they read a file."""
    from scanners.handlers.arm_templates import ArmTemplateHandler
    from scanners.handlers.bicep import BicepHandler
    from scanners.handlers.consumer_calls import ConsumerCallHandler
    from scanners.handlers.csharp import CSharpHandler
    from scanners.handlers.csv_settings import CsvSettingsHandler
    from scanners.handlers.env_properties import EnvPropertiesHandler
    from scanners.handlers.go_code import GoCodeHandler
    from scanners.handlers.html_pages import HtmlPageHandler
    from scanners.handlers.java import JavaHandler
    from scanners.handlers.javascript import JavaScriptHandler
    from scanners.handlers.json_config import JsonConfigHandler
    from scanners.handlers.notebooks import NotebookHandler
    from scanners.handlers.python_code import PythonCodeHandler
    from scanners.handlers.scripts import ScriptHandler
    from scanners.handlers.terraform import TerraformHandler
    from scanners.handlers.xml_config import XmlConfigHandler
    from scanners.handlers.yaml_files import YamlHandler

    return (
        JsonConfigHandler(),
        ArmTemplateHandler(),
        XmlConfigHandler(),
        CSharpHandler(),
        PythonCodeHandler(),
        JavaScriptHandler(),
        JavaHandler(),
        GoCodeHandler(),
        ConsumerCallHandler(),
        EnvPropertiesHandler(),
        CsvSettingsHandler(),
        YamlHandler(),
        BicepHandler(),
        TerraformHandler(),
        ScriptHandler(),
        NotebookHandler(),
        HtmlPageHandler(),
    )


# A copy of a config file kept as a template or a sample (`appsettings.json.template`,
# `.env.example`, `config.yaml.tmpl`, `web.config.dist`) is read as the file it stands for.
TEMPLATE_SUFFIXES: tuple[str, ...] = (".template", ".tmpl", ".tpl", ".sample", ".example", ".dist")


def underlying_path(path: PurePosixPath) -> PurePosixPath:
    """The path whose handlers read `path`: one trailing template suffix removed
    (`appsettings.json.template` -> `appsettings.json`, `Dockerfile.tmpl` -> `Dockerfile`)."""
    low = path.name.lower()
    for suffix in TEMPLATE_SUFFIXES:
        if low.endswith(suffix):
            stem = path.name[: -len(suffix)]
            return path.with_name(stem) if stem.strip(".") else path
    return path


def handlers_for(path: PurePosixPath) -> list[FileHandler]:
    """The handlers that read `path` (routed through `underlying_path`), in reading order."""
    routed = underlying_path(path)
    return [h for h in registry() if h.matches(routed)]


def all_handlers() -> dict[str, FileHandler]:
    """The handlers by name."""
    return {h.name: h for h in registry()}
