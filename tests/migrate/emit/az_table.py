"""Check `az` command lines against the azure-cli 2.91.0 command table snapshot in
`shared/tools/azcheck/` without installing azure-cli: the command exists (and is not deprecated),
every flag exists (long or short form), literal enum values are allowed, required flags are given.

Extraction of command lines from scripts reuses `azcheck.extract_az_commands` (pure Python, no
azure-cli import); PowerShell lines are first reduced to the command (`$x = az ... 2>$null`).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.conftest import shared_dir

TABLE = "az-command-table-2.91.0.json.gz"


def azcheck_dir() -> Path:
    return shared_dir() / "tools" / "azcheck"


@lru_cache(maxsize=1)
def azcheck() -> ModuleType:
    path = azcheck_dir() / "azcheck.py"
    spec = importlib.util.spec_from_file_location("azcheck", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["azcheck"] = module
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    with gzip.open(azcheck_dir() / TABLE, "rt", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)["commands"]
    return data


_PS_ASSIGN = re.compile(r"^\s*\$[A-Za-z_][A-Za-z0-9_]*\s*=\s*(?=az\s)")
_PS_REDIRECT = re.compile(r"\s+2>\$null\s*$")


def extract(text: str, powershell: bool = False) -> list[list[str]]:
    """argv (without `az`) of every az command line in a script."""
    if powershell:
        lines = []
        for line in text.splitlines():
            if line.lstrip().startswith("#"):
                lines.append("")
                continue
            line = _PS_REDIRECT.sub("", _PS_ASSIGN.sub("", line))
            lines.append(line)
        text = "\n".join(lines)
    out = []
    for item in azcheck().extract_az_commands(text):
        assert item.get("argv") is not None, f"cannot split: {item.get('text')}"
        out.append(list(item["argv"]))
    return out


def unresolved(value: str) -> bool:
    return "$" in value or bool(re.search(r"<[^<>]+>", value))


@dataclass(frozen=True)
class Problem:
    command: str
    message: str


def check(argv: list[str]) -> list[Problem]:
    commands = table()
    words: list[str] = []
    i = 0
    name = None
    while i < len(argv) and not argv[i].startswith("-"):
        words.append(argv[i])
        i += 1
        if " ".join(words) in commands:
            name = " ".join(words)
            rest_start = i
    if name is None:
        return [Problem(" ".join(words), "unknown command")]
    spec = commands[name]
    problems: list[Problem] = []
    if spec.get("deprecated"):
        problems.append(Problem(name, "deprecated command"))
    options: dict[str, dict[str, Any]] = {}
    for arg in spec["args"]:
        for opt in arg["options"]:
            options[opt] = arg
    given: set[str] = set()
    rest = argv[rest_start:]
    j = 0
    while j < len(rest):
        word = rest[j]
        if not word.startswith("-"):
            problems.append(Problem(name, f"unexpected positional value {word!r}"))
            j += 1
            continue
        flag, _, inline = word.partition("=")
        arg = options.get(flag)
        if arg is None:
            problems.append(Problem(name, f"unknown flag {flag}"))
            j += 1
            continue
        given.add(arg["options"][0])
        j += 1
        values = [inline] if inline else []
        if arg["takes_value"] and not inline:
            while j < len(rest) and not (rest[j].startswith("-") and len(rest[j]) > 1):
                values.append(rest[j])
                j += 1
            if not values:
                problems.append(Problem(name, f"{flag} needs a value"))
        choices = arg.get("choices")
        if choices:
            allowed = {str(c).lower() for c in choices}
            for v in values:
                if not unresolved(v) and v.lower() not in allowed:
                    problems.append(Problem(name, f"{flag} {v!r} not in {sorted(choices)}"))
    ids_ok = "--ids" in given
    for arg in spec["args"]:
        first = arg["options"][0]
        if arg["required"] and first not in given:
            problems.append(Problem(name, f"missing required {first}"))
    if not ids_ok:
        for first in spec.get("ids_replaces", []):
            if first not in given:
                problems.append(Problem(name, f"missing {first} (required without --ids)"))
    if name.endswith("identity assign") and "--scope" in given:
        problems.append(Problem(name, "--scope on identity assign grants Contributor"))
    return problems
