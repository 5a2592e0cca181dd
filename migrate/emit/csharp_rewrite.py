"""C#: connection-string client construction → endpoint + `TokenCredential`, on the plan's lines.

A small tokenizer-aware scan (strings, chars and comments skipped) finds `new Client(` on the line
the plan names and its matching `)`; the arguments are split at top-level commas.  Only the
one-argument connection-string constructors with a known identity-based overload are rewritten
(reference §1.2); anything else stays for a person (suggestions.md).  With the plan's side-by-side
names the constructor reads the new setting when it is set and the old connection string otherwise
(`(string.IsNullOrEmpty(cfg["X_Identity"]) ? new C(cfg["X"]) : new C(new Uri(cfg["X_Identity"]!), cred))`),
so emulator values, pipeline tokens and the running deployment keep working until the old setting
goes; an argument that reads no setting of the plan (a variable) is left for a person.  A connection string written
as a literal never stays: the endpoint derived from its non-secret parts replaces it, or the call is
left for a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from migrate.emit.literal_endpoints import endpoint_for, looks_like_connection

# Client -> how the endpoint argument is wrapped in the TokenCredential overload.
URI_CLIENTS = (
    "BlobServiceClient",
    "QueueServiceClient",
    "TableServiceClient",
    "ConfigurationClient",
    "SecretClient",
    "DataLakeServiceClient",
)
STRING_CLIENTS = ("ServiceBusClient", "CosmosClient")
# Event Hubs: the connection-string overload that also names the hub has the same argument list as
# the (fully qualified namespace, hub, credential) overload minus the credential.
HUB_CLIENTS = {"EventHubProducerClient": 2, "EventHubConsumerClient": 3, "EventProcessorClient": 4}
CLIENTS = URI_CLIENTS + STRING_CLIENTS + tuple(HUB_CLIENTS)
SECRET_CREDENTIALS = ("ClientSecretCredential",)


@dataclass(frozen=True, slots=True)
class CSharpRewrite:
    text: str
    rewritten: tuple[int, ...]
    skipped: tuple[tuple[int, str], ...]  # (line, reason)


def _skip_literal(text: str, i: int) -> int:
    """Index after a string/char literal or comment starting at i (or i when there is none)."""
    if text.startswith("//", i):
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    if text.startswith("/*", i):
        j = text.find("*/", i + 2)
        return len(text) if j < 0 else j + 2
    m = re.match(r'\$?@?"|@?\$?"', text[i:])
    if m:
        verbatim = "@" in m.group(0)
        j = i + len(m.group(0))
        while j < len(text):
            if text[j] == "\\" and not verbatim:
                j += 2
                continue
            if text[j] == '"':
                if verbatim and text.startswith('""', j):
                    j += 2
                    continue
                return j + 1
            j += 1
        return j
    if text[i] == "'":
        m2 = re.match(r"'(?:\\.|[^'\\])'", text[i:])
        if m2:
            return i + len(m2.group(0))
    return i


def _args(text: str, open_paren: int) -> tuple[list[str], int] | None:
    """Top-level arguments of the call whose `(` is at open_paren, and the index of its `)`."""
    depth, i, start, args = 0, open_paren, open_paren + 1, []
    while i < len(text):
        j = _skip_literal(text, i)
        if j != i:
            i = j
            continue
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                last = text[start:i]
                if last.strip():
                    args.append(last)
                return [a.strip() for a in args], i
        elif ch == "," and depth == 1:
            args.append(text[start:i])
            start = i + 1
        i += 1
    return None


def _literals(arg: str) -> list[tuple[int, int]]:
    """(start, end) of every string literal in `arg`."""
    out, i = [], 0
    while i < len(arg):
        j = _skip_literal(arg, i)
        if j != i:
            if not arg.startswith(("//", "/*"), i):
                out.append((i, j))
            i = j
        else:
            i += 1
    return out


def _literal_text(literal: str) -> str | None:
    """The content of a plain or verbatim literal; None for an interpolated one."""
    m = re.match(r'(@?)"(.*)"\Z', literal, re.DOTALL)
    if m is None:
        return None
    body = m.group(2)
    if m.group(1):
        return body.replace('""', '"')
    return re.sub(
        r"\\(.)", lambda e: {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(e.group(1), e.group(1)), body
    )


def _endpoint_argument(cls: str, arg: str) -> tuple[str | None, str | None]:
    """(new first argument, reason to skip) for an argument written as a connection-string literal;
    (None, None) when the argument holds no such literal (an expression that is kept)."""
    spans = _literals(arg)
    texts = [arg[a:b] for a, b in spans]
    if not any(looks_like_connection(t) for t in texts):
        return None, None
    content = _literal_text(arg) if len(spans) == 1 and spans[0] == (0, len(arg)) else None
    endpoint = endpoint_for(cls, content) if content is not None else None
    if endpoint is None:
        return None, (
            f"{cls}: the connection string is written in the code; no endpoint could be derived "
            "from it: remove the literal by hand (its key is rotated in the last stage, once every consumer has moved)"
        )
    return f'new Uri("{endpoint}")' if cls in URI_CLIENTS else f'"{endpoint}"', None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


def new_setting_read(arg: str, names: Mapping[str, str]) -> str | None:
    """The argument reading the identity-based setting instead of the old one: the string literal
    that names an old setting (`config["Storage"]`, `GetConnectionString("Reports")` for
    `ConnectionStrings:Reports`, `Environment.GetEnvironmentVariable("X")`) renamed to the new one;
    None when no literal of the argument names a setting of `names`."""
    by_key: dict[str, str] = {}
    for old, new in names.items():
        by_key[old.lower()] = new
        if old.lower().startswith("connectionstrings:") and "getconnectionstring" in arg.lower():
            by_key[old.split(":", 1)[1].lower()] = new.split(":", 1)[1]
    for a, b in _literals(arg):
        content = _literal_text(arg[a:b])
        if content is None:
            continue
        found = by_key.get(content.lower()) or by_key.get(content.replace("__", ":").lower())
        if found is not None:
            return arg[:a] + '"' + found.replace("\\", "\\\\").replace('"', '\\"') + '"' + arg[b:]
    return None


def _side_by_side(
    cls: str, ctor: str, args: list[str], names: Mapping[str, str], credential_expr: str
) -> str | None:
    """`(string.IsNullOrEmpty(<new>) ? new C(<old args>) : new C(<endpoint from new>, credential))`:
    the new setting when it is there, else the old connection string, so local emulator values,
    tokenised configs and the running deployment keep working until the old setting goes."""
    new = new_setting_read(args[0], names)
    if new is None:
        return None
    endpoint = f"new Uri({new}!)" if cls in URI_CLIENTS else f"{new}!"
    old_call = f"{ctor}({', '.join(args)})"
    new_call = f"{ctor}({', '.join([endpoint, *args[1:], credential_expr])})"
    return f"(string.IsNullOrEmpty({new}) ? {old_call} : {new_call})"


def rewrite(
    source: str, lines: list[int], credential_expr: str, names: Mapping[str, str] | None = None
) -> CSharpRewrite:
    """`names`: old setting -> the identity-based setting the plan adds beside it; a constructor then
    reads the new setting when it is set (see `_side_by_side`).  None: the constructor keeps reading
    the same setting, which then holds the endpoint."""
    text = source
    starts = _line_starts(text)
    done: list[int] = []
    skipped: list[tuple[int, str]] = []
    edits: list[tuple[int, int, str]] = []
    pattern = re.compile(r"\bnew\s+(?:[\w.]+\.)?(" + "|".join(CLIENTS + SECRET_CREDENTIALS) + r")\s*\(")
    for line in sorted(set(lines)):
        if line - 1 >= len(starts):
            continue
        lo = starts[line - 1]
        hi = starts[line] if line < len(starts) else len(text)
        found = False
        for m in pattern.finditer(text, lo, hi):
            parsed = _args(text, m.end() - 1)
            if parsed is None:
                skipped.append((line, "unbalanced parentheses"))
                continue
            args, close = parsed
            cls = m.group(1)
            found = True
            if cls in SECRET_CREDENTIALS:
                edits.append((m.start(), close + 1, credential_expr))
            elif names is not None and (
                cls in HUB_CLIENTS
                and len(args) == HUB_CLIENTS[cls]
                or cls not in HUB_CLIENTS
                and len(args) == 1
            ):
                if any(looks_like_connection(arg[a:b]) for arg in args[:1] for a, b in _literals(arg)):
                    first, reason = _endpoint_argument(cls, args[0])
                    if reason or first is None:
                        skipped.append((line, reason or "no endpoint in the literal"))
                        continue
                    tail = args[1:] if cls in HUB_CLIENTS else []
                    edits.append((m.end(), close, ", ".join([first, *tail, credential_expr])))
                else:
                    ctor = text[m.start() : m.end() - 1].rstrip()
                    replacement = _side_by_side(cls, ctor, args, names, credential_expr)
                    if replacement is None:
                        skipped.append(
                            (
                                line,
                                f"{cls}: the argument does not read a setting the plan gives a new "
                                "identity-based name (a variable?): change it by hand to read the new setting",
                            )
                        )
                        continue
                    edits.append((m.start(), close + 1, replacement))
            elif cls in HUB_CLIENTS:
                if len(args) != HUB_CLIENTS[cls]:
                    skipped.append(
                        (line, f"{cls} with {len(args)} arguments: the hub name is not in the call")
                    )
                    continue
                first, reason = _endpoint_argument(cls, args[0])
                if reason:
                    skipped.append((line, reason))
                    continue
                edits.append((m.end(), close, ", ".join([first or args[0], *args[1:], credential_expr])))
            elif len(args) != 1:
                skipped.append((line, f"{cls} with {len(args)} arguments: not the connection-string form"))
                continue
            else:
                first, reason = _endpoint_argument(cls, args[0])
                if reason:
                    skipped.append((line, reason))
                    continue
                if first is not None:
                    edits.append((m.end(), close, f"{first}, {credential_expr}"))
                elif cls in URI_CLIENTS:
                    edits.append((m.end(), close, f"new Uri({args[0]}), {credential_expr}"))
                else:
                    edits.append((m.end(), close, f"{args[0]}, {credential_expr}"))
            done.append(line)
        if not found and not any(s[0] == line for s in skipped):
            skipped.append((line, "no supported constructor on this line"))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return CSharpRewrite(text, tuple(sorted(set(done))), tuple(skipped))


def drop_unused_secret_lookups(text: str, lines: list[int]) -> str:
    """Delete `var x = config["...Secret..."];` on the given lines when `x` is no longer used."""
    out = text.splitlines(keepends=True)
    for line in sorted(set(lines), reverse=True):
        if not 0 < line <= len(out):
            continue
        m = re.match(
            r"^\s*var\s+(\w+)\s*=\s*[^;]*(?:Secret|Password|Key)[^;]*;\s*$", out[line - 1], re.IGNORECASE
        )
        if not m:
            continue
        rest = "".join(out[: line - 1] + out[line:])
        if not re.search(rf"\b{re.escape(m.group(1))}\b", rest):
            del out[line - 1]
    return "".join(out)


def project_namespace(csproj_text: str, default: str) -> str:
    m = re.search(r"<RootNamespace>\s*([\w.]+)\s*</RootNamespace>", csproj_text)
    return m.group(1) if m else re.sub(r"[^\w.]", "_", default)


def package_version(csproj_text: str, package: str) -> str | None:
    m = re.search(
        rf'<PackageReference\s+Include="{re.escape(package)}"\s+Version="([^"]+)"', csproj_text, re.IGNORECASE
    )
    return m.group(1) if m else None


def add_package_reference(csproj_text: str, package: str, version: str) -> str:
    """The project with one more PackageReference after its last one (same indentation)."""
    refs = list(re.finditer(r"^([ \t]*)<PackageReference\b[^\n]*\n", csproj_text, re.MULTILINE))
    line = f'<PackageReference Include="{package}" Version="{version}" />\n'
    if refs:
        last = refs[-1]
        return csproj_text[: last.end()] + last.group(1) + line + csproj_text[last.end() :]
    m = re.search(r"^</Project>", csproj_text, re.MULTILINE)
    if not m:
        return csproj_text
    block = f"  <ItemGroup>\n    {line}  </ItemGroup>\n\n"
    return csproj_text[: m.start()] + block + csproj_text[m.start() :]
