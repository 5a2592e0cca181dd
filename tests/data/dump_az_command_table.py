"""Regenerate `az-command-table-<version>.json.gz`: azure-cli's whole command table as the tests'
`az` command checker needs it (tests/migrate/emit/az_table.py).

Runs inside a throwaway environment that has azure-cli installed, never in the test suite:

    python3 -m venv /tmp/azvenv && /tmp/azvenv/bin/pip install azure-cli==2.91.0
    /tmp/azvenv/bin/python tests/data/dump_az_command_table.py tests/data/

It loads every command and its arguments through azure-cli's own loader and argparse parser (the
same path `az` takes before it parses a command line; no sign-in, no network) and writes, per
command: its options (long and short forms), whether each takes a value, is required or hidden, its
allowed values, whether the command is deprecated, and which required arguments `--ids` replaces.
Output is sorted, so a regenerated file diffs cleanly.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any


def _load() -> tuple[Any, Any, dict[str, list[str]]]:
    from azure.cli.core import get_default_cli
    from azure.cli.core.commands.events import (
        EVENT_INVOKER_POST_LOAD_ARGUMENTS,
        EVENT_INVOKER_PRE_LOAD_ARGUMENTS,
    )
    from knack.events import EVENT_INVOKER_POST_CMD_TBL_CREATE

    cli = get_default_cli()
    invoker = cli.invocation_cls(
        cli_ctx=cli,
        parser_cls=cli.parser_cls,
        commands_loader_cls=cli.commands_loader_cls,
        help_cls=cli.help_cls,
    )
    cli.invocation = invoker
    loader = invoker.commands_loader
    loader.load_command_table(None)
    loader.command_name = None
    cli.raise_event(EVENT_INVOKER_PRE_LOAD_ARGUMENTS, commands_loader=loader)
    loader.load_arguments(None)
    cli.raise_event(EVENT_INVOKER_POST_LOAD_ARGUMENTS, commands_loader=loader)
    ids_replaces = {name: _required_id_parts(cmd) for name, cmd in loader.command_table.items()}
    # This event adds `--ids` and makes the id-part arguments optional (azure-cli core commands/arm.py).
    cli.raise_event(EVENT_INVOKER_POST_CMD_TBL_CREATE, commands_loader=loader)
    invoker.parser.cli_ctx = cli
    invoker.parser.load_command_table(loader)
    return loader, invoker.parser, ids_replaces


def _required_id_parts(cmd: Any) -> list[str]:
    """The first option of each required id-part argument, as azure-cli's `add_ids_arguments`
    chooses them: commands other than `create` that have a resource name among their id parts."""
    if cmd.name.split()[-1] == "create":
        return []
    parts = [a.type.settings.get("id_part") for a in cmd.arguments.values()]
    if "name" not in parts and "resource_name" not in parts:
        return []
    out = []
    for arg in cmd.arguments.values():
        if arg.type.settings.get("id_part") and arg.type.settings.get("required", False):
            listed = arg.type.settings.get("options_list") or [f"--{arg.name.replace('_', '-')}"]
            options = [o for o in listed if isinstance(o, str)]  # deprecated aliases are objects
            out.append(options[0])
    return out


def _arguments(subparser: argparse.ArgumentParser) -> list[dict[str, Any]]:
    out = []
    for action in subparser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        if type(action).__name__ == "IgnoreAction":  # knack's internal `--cmd`-style placeholders
            continue
        out.append(
            {
                "options": list(action.option_strings),
                "takes_value": action.nargs != 0,
                "required": bool(action.required),
                "hidden": action.help == argparse.SUPPRESS,
                "choices": [str(c) for c in action.choices] if action.choices else None,
            }
        )
    return out


def _source(cmd: Any) -> str:
    source = cmd.command_source
    if source is None:
        return "core"
    if isinstance(source, str):
        return f"core:{source}"
    return f"extension:{getattr(source, 'extension_name', source)}"


def dump() -> dict[str, Any]:
    from azure.cli.core import __version__

    loader, parser, ids_replaces = _load()
    commands: dict[str, Any] = {}
    for name in sorted(loader.command_table):
        cmd = loader.command_table[name]
        subparser = parser.subparser_map.get(name)
        if subparser is None:
            continue
        commands[name] = {
            "args": _arguments(subparser),
            "deprecated": bool(cmd.deprecate_info),
            "ids_replaces": ids_replaces.get(name, []),
            "source": _source(cmd),
        }
    return {"azure_cli_core": __version__, "commands": commands}


def main() -> None:
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    table = dump()
    path = out_dir / f"az-command-table-{table['azure_cli_core']}.json.gz"
    text = json.dumps(table, sort_keys=True, indent=1)
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        fh.write(text.encode("utf-8"))
    print(f"{path}: {len(table['commands'])} commands")


if __name__ == "__main__":
    main()
