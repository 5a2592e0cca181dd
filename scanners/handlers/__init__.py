"""Structured file handlers, one per family of files, in one explicit registry.

Each handler is a small class with `name`, `matches(path)` and `scan(source)`.  Every file that
passes the prefilter is read by every handler that matches it, and then by the generic line
scanner (`scanners.line_scanner`), which catches what structured parsing cannot see.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from scanners.evidence import FileHandler

HANDLERS: dict[str, FileHandler] = {}


def register(handler: FileHandler) -> FileHandler:
    if handler.name in HANDLERS:
        raise ValueError(f"handler {handler.name!r} registered twice")
    HANDLERS[handler.name] = handler
    return handler


def handlers_for(path: PurePosixPath) -> list[FileHandler]:
    _load()
    return [h for h in HANDLERS.values() if h.matches(path)]


_LOADED = False


def _load() -> None:
    """Import every handler module once (each registers itself)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for module in _MODULES:
        importlib.import_module(f"scanners.handlers.{module}")


def all_handlers() -> dict[str, FileHandler]:
    _load()
    return dict(HANDLERS)


_MODULES: tuple[str, ...] = (
    "json_config",
    "arm_templates",
    "xml_config",
    "csharp",
    "python_code",
    "javascript",
    "java",
    "env_properties",
    "yaml_files",
    "bicep",
    "terraform",
    "scripts",
)
