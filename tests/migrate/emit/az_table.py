"""Check `az` command lines against a snapshot of azure-cli 2.91.0's command table, without
installing azure-cli: the command exists (and is not deprecated), every flag exists (long or short
form), literal enum values are allowed, required flags are given.

The snapshot is `tests/data/az-command-table-2.91.0.json.gz`, written by
`tests/data/dump_az_command_table.py` from azure-cli's own command loader (see tests/data/README.md).
Command lines are taken out of bash and PowerShell scripts here: comment lines are dropped, line
continuations joined, `$(...)` substitutions searched on their own, and each line split into simple
commands at `;`, `|`, `&&`, `||`, parentheses and braces with `shlex`; redirections are dropped.
"""

from __future__ import annotations

import gzip
import json
import re
import shlex
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data"
TABLE = DATA / "az-command-table-2.91.0.json.gz"


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    with gzip.open(TABLE, "rt", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)["commands"]
    return data


_PS_ASSIGN = re.compile(r"^\$[A-Za-z_][A-Za-z0-9_:]*$")
_SEPARATORS = {";", "|", "||", "&&", "&", "(", ")", "{", "}", "then", "else", "do", "try", "catch"}
_REDIRECT = re.compile(r"^[0-9]*>{1,2}&?$|^<$")


def _join_continuations(text: str, powershell: bool) -> list[str]:
    mark = "`" if powershell else "\\"
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            raw = ""
        if raw.rstrip().endswith(mark):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _substitutions(line: str) -> tuple[str, list[str]]:
    """The line with every `$(...)` replaced by a placeholder word, and the inner texts."""
    out: list[str] = []
    inner: list[str] = []
    i = 0
    while i < len(line):
        if line.startswith("$(", i):
            depth, j = 1, i + 2
            quote = ""
            while j < len(line) and depth:
                ch = line[j]
                if quote:
                    quote = "" if ch == quote else quote
                elif ch in "'\"":
                    quote = ch
                elif ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                j += 1
            body = line[i + 2 : j - 1]
            nested_outer, nested = _substitutions(body)
            inner += [nested_outer, *nested]
            out.append("SUBSTITUTION")
            i = j
        else:
            out.append(line[i])
            i += 1
    return "".join(out), inner


_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\n]*>")


def _simple_commands(text: str) -> list[list[str]]:
    # `<resource-group>` placeholders of command templates are words, not redirections.
    placeholders: list[str] = []

    def protect(match: re.Match[str]) -> str:
        placeholders.append(match.group(0))
        return f"PLACEHOLDER{len(placeholders) - 1}END"

    text = _PLACEHOLDER.sub(protect, text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars="();<>|&")
    lexer.whitespace_split = True
    lexer.commenters = ""
    words = list(lexer)
    commands: list[list[str]] = [[]]
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        if word in _SEPARATORS or word in {"{", "}"}:
            commands.append([])
        elif _REDIRECT.match(word):
            current = commands[-1]
            if current and current[-1].isdigit():
                current.pop()
            skip_next = True
        else:
            commands[-1].append(word)
    restore = re.compile(r"PLACEHOLDER([0-9]+)END")
    return [[restore.sub(lambda m: placeholders[int(m.group(1))], w) for w in c] for c in commands if c]


_WAIT_WRAPPERS = frozenset({"wait_in_effect"})  # templates/az/script.sh.j2


def extract(text: str, powershell: bool = False) -> list[list[str]]:
    """argv (without `az`) of every az command line in a bash (or PowerShell) script."""
    out: list[list[str]] = []
    for line in _join_continuations(text, powershell):
        outer, inner = _substitutions(line)
        for segment in (outer, *inner):
            for words in _simple_commands(segment):
                if powershell and len(words) > 2 and _PS_ASSIGN.match(words[0]) and words[1] == "=":
                    words = words[2:]
                if words[0] in _WAIT_WRAPPERS and len(words) > 1:
                    words = words[1:]  # `wait_in_effect az ...`: the emitted polling function
                if words[0] == "az":
                    out.append(words[1:])
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
