"""Commands as records, and how to write them for bash and PowerShell.

A `Command` is an argv whose words may contain *variables*: every `<placeholder>` of a catalog
command template or a plan value (`<principalId of web-orders>`, `<target-resource-group>`) becomes
a named variable (`PRINCIPALID_OF_WEB_ORDERS`, `TARGET_RESOURCE_GROUP`) that the script checks
before it runs anything.  Quoting is done here, once, per shell; templates only place the words.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_PLACEHOLDER_RE = re.compile(r"<([^<>]+)>")
_VAR_OPEN, _VAR_CLOSE = "\x00", "\x01"
_VAR_RE = re.compile(f"{_VAR_OPEN}([A-Z0-9_]+){_VAR_CLOSE}")
_BASH_SAFE = re.compile(r"[A-Za-z0-9_./:=,+-]+")
_PS_SAFE = re.compile(r"[A-Za-z0-9_./:=+-]+")
_DQ_UNSAFE = set('"$`\\!')

# Names for the placeholders every app has.
_WELL_KNOWN = {"resource-group": "RESOURCE_GROUP", "app": "APP_NAME"}


@dataclass(frozen=True, slots=True)
class Variable:
    """A value only the user (or an earlier stage) knows; the script refuses to run without it."""

    name: str
    hint: str
    default: str | None = None


def var_name(text: str) -> str:
    known = _WELL_KNOWN.get(text)
    if known:
        return known
    name = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()
    return name if name and not name[0].isdigit() else f"V_{name}"


def var_ref(name: str) -> str:
    """`name` as a variable marker inside a command word."""
    return f"{_VAR_OPEN}{name}{_VAR_CLOSE}"


def varize(text: str, found: dict[str, Variable] | None = None) -> str:
    """Replace each `<placeholder>` of `text` by a variable marker; collect the variables in `found`."""

    def sub(m: re.Match[str]) -> str:
        name = var_name(m.group(1))
        if found is not None and name not in found:
            found[name] = Variable(name, m.group(1))
        return var_ref(name)

    return _PLACEHOLDER_RE.sub(sub, text)


@dataclass(frozen=True, slots=True)
class Command:
    argv: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, found: dict[str, Variable] | None = None) -> Command:
        """A command from a catalog template already formatted (quotes as in a POSIX shell)."""
        return cls(tuple(shlex.split(varize(text, found))))

    def variables(self) -> list[str]:
        return sorted({m.group(1) for w in self.argv for m in _VAR_RE.finditer(w)})

    def plain(self) -> str:
        """Readable text for comments and echoes: variables shown as `<NAME>`."""
        return " ".join(_VAR_RE.sub(lambda m: f"<{m.group(1)}>", w) for w in self.argv)


def _parts(word: str) -> list[tuple[bool, str]]:
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _VAR_RE.finditer(word):
        if m.start() > pos:
            out.append((False, word[pos : m.start()]))
        out.append((True, m.group(1)))
        pos = m.end()
    if pos < len(word):
        out.append((False, word[pos:]))
    return out


def bash_word(word: str) -> str:
    parts = _parts(word)
    if not any(is_var for is_var, _ in parts):
        return word if _BASH_SAFE.fullmatch(word) else shlex.quote(word)
    if all(is_var or not (_DQ_UNSAFE & set(t)) for is_var, t in parts):
        return '"' + "".join("${" + t + "}" if is_var else t for is_var, t in parts) + '"'
    return "".join('"${' + t + '}"' if is_var else shlex.quote(t) for is_var, t in parts)


def ps_word(word: str) -> str:
    parts = _parts(word)
    if not any(is_var for is_var, _ in parts):
        return word if _PS_SAFE.fullmatch(word) else "'" + word.replace("'", "''") + "'"
    return (
        '"'
        + "".join(
            "${" + t + "}" if is_var else t.replace("`", "``").replace('"', '""').replace("$", "`$")
            for is_var, t in parts
        )
        + '"'
    )


def bash(cmd: Command) -> str:
    return " ".join(bash_word(w) for w in cmd.argv)


def powershell(cmd: Command) -> str:
    return " ".join(ps_word(w) for w in cmd.argv)


def bash_literal(text: str) -> str:
    """Text for `echo`: never expanded by the shell."""
    return shlex.quote(text)


def ps_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def safe_hint(text: str) -> str:
    """A hint that fits in `${VAR:?hint}` and in a PowerShell single-quoted string."""
    return re.sub(r"[}\"'`$\\]", "", text)
