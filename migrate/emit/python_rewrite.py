"""Python: `X.from_connection_string(expr)` → `X(<endpoint keyword>=expr, credential=credential)` and
`ClientSecretCredential(...)` → the selected credential, with libcst.

Only calls on the lines the plan names are touched, only for clients whose identity-based
constructor takes the endpoint that the plan's new setting value holds.  With the plan's
side-by-side names (`X` -> `X_Identity`) the call reads the new setting when it is set and keeps the
old call otherwise: `(X(account_url=os.environ.get("X_Identity"), credential=credential) if
os.environ.get("X_Identity") else X.from_connection_string(os.environ["X"]))`; an argument that
reads no setting of the plan is left for a person.  A connection string written as a literal never stays:
the endpoint derived from its non-secret parts replaces it, or the call is left for a person.  A
module-level credential and its import are added once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

from migrate.emit.literal_endpoints import endpoint_for, looks_like_connection

# Client class -> keyword of the endpoint in its TokenCredential constructor (reference §1.2).
ENDPOINT_KEYWORD = {
    "BlobServiceClient": "account_url",
    "QueueServiceClient": "account_url",
    "DataLakeServiceClient": "account_url",
    "TableServiceClient": "endpoint",
    "ServiceBusClient": "fully_qualified_namespace",
    "CosmosClient": "url",
    "AzureAppConfigurationClient": "base_url",
}


@dataclass(frozen=True, slots=True)
class PythonRewrite:
    text: str
    rewritten: tuple[int, ...]  # 1-based lines of the calls that changed
    skipped: tuple[tuple[int, str], ...] = ()  # (line, reason)


class _Calls(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: set[int], credential: str, names: Mapping[str, str] | None = None) -> None:
        self.lines, self.credential = lines, credential
        self.names = names
        self.done: list[int] = []
        self.skipped: list[tuple[int, str]] = []

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if isinstance(func, cst.Name | cst.Attribute) and (
            (func.value if isinstance(func, cst.Name) else func.attr.value) == "ClientSecretCredential"
        ):
            line = self.get_metadata(PositionProvider, original).start.line
            if line in self.lines:
                self.done.append(line)
                return cst.Name(self.credential)
            return updated
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value == "from_connection_string"
            and isinstance(func.value, cst.Name)
            and func.value.value in ENDPOINT_KEYWORD
        ):
            return updated
        line = self.get_metadata(PositionProvider, original).start.line
        positional = [a for a in updated.args if a.keyword is None]
        if line not in self.lines or len(positional) != 1 or positional[0].star:
            return updated
        value = positional[0].value
        literals = [
            n
            for n in m.findall(value, m.SimpleString() | m.FormattedString())
            if isinstance(n, cst.FormattedString)
            or looks_like_connection(str(cst.ensure_type(n, cst.SimpleString).evaluated_value))
        ]
        if literals:
            text = (
                value.evaluated_value
                if isinstance(value, cst.SimpleString | cst.ConcatenatedString)
                else None
            )
            endpoint = endpoint_for(func.value.value, text) if isinstance(text, str) else None
            if endpoint is None:
                self.skipped.append(
                    (
                        line,
                        f"{func.value.value}: the connection string is written in the code; "
                        "no endpoint could be derived from it: remove the literal by hand (its key is "
                        "rotated in the last stage, once every consumer has moved)",
                    )
                )
                return updated
            value = cst.SimpleString(json.dumps(endpoint))
        side_by_side: str | None = None
        if not literals and self.names is not None:
            side_by_side = _new_setting_read(_code(value), self.names)
            if side_by_side is None:
                self.skipped.append(
                    (
                        line,
                        f"{func.value.value}: the argument does not read a setting the plan gives a new "
                        "identity-based name: change it by hand to read the new setting",
                    )
                )
                return updated
            value = cst.parse_expression(side_by_side)
        others = [a for a in updated.args if a.keyword is not None and a.keyword.value != "credential"]
        keyword = ENDPOINT_KEYWORD[func.value.value]
        args = [
            cst.Arg(
                keyword=cst.Name(keyword),
                value=value,
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            ),
            *[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in others],
            cst.Arg(
                keyword=cst.Name("credential"),
                value=cst.Name(self.credential),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            ),
        ]
        self.done.append(line)
        call = cst.Call(func=func.value, args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args])
        if side_by_side is None:
            return call
        # the new setting when it is there, else the old connection string (local emulator values,
        # tokenised configs and the running deployment keep working until the old setting goes)
        return cst.parse_expression(f"({_code(call)} if {side_by_side} else {_code(updated)})")


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


_ENV_INDEX = re.compile(r"""^os\.environ\[\s*(?P<q>["'])(?P<name>[^"']+)(?P=q)\s*\]$""")
_ENV_GET = re.compile(r"""^os\.(?:environ\.get|getenv)\(\s*(?P<q>["'])(?P<name>[^"']+)(?P=q)\s*\)$""")


def _new_setting_read(arg: str, names: Mapping[str, str]) -> str | None:
    """`os.environ.get("<new name>")` for an argument that reads an old setting from the environment
    (`os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`) the plan gives a new name; None otherwise."""
    m = _ENV_INDEX.match(arg.strip()) or _ENV_GET.match(arg.strip())
    if m is None:
        return None
    lower = {k.lower(): v for k, v in names.items()}
    new = names.get(m.group("name")) or lower.get(m.group("name").lower())
    return f"os.environ.get({json.dumps(new)})" if new else None


def _names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for stmt in module.body:
        for node in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else []:
            if isinstance(node, cst.Assign):
                for t in node.targets:
                    if isinstance(t.target, cst.Name):
                        names.add(t.target.value)
    return names


class UnparsableSource(ValueError):
    """The file does not parse as Python: its message names the line, never its text."""


def _parse(source: str) -> cst.Module:
    try:
        return cst.parse_module(source)
    except Exception as exc:
        line = getattr(exc, "raw_line", None) or getattr(exc, "lineno", None)
        where = f" at line {line}" if isinstance(line, int) else ""
        raise UnparsableSource(f"not parsed as Python{where}: no automatic rewrite") from None


def rewrite(
    source: str, lines: Sequence[int], client_id_env: str | None, names: Mapping[str, str] | None = None
) -> PythonRewrite:
    """`client_id_env`: the environment variable holding a user-assigned identity's client id.
    `names`: old setting -> the identity-based setting the plan adds beside it; the rewritten call
    then reads the new setting when it is set and keeps the old call otherwise (None: the call reads
    the same setting, which then holds the endpoint).

    Raises `UnparsableSource` (naming only the line) when the source does not parse."""
    module = _parse(source)
    credential = "credential" if "credential" not in _names(module) else "azure_credential"
    calls = _Calls(set(lines), credential, names)
    wrapper = MetadataWrapper(module)
    positions = wrapper.resolve(PositionProvider)
    new_module = wrapper.visit(calls)
    if not calls.done:
        return PythonRewrite(source, (), tuple(calls.skipped))
    if client_id_env:
        ctor = f'DefaultAzureCredential(managed_identity_client_id=os.environ.get("{client_id_env}"))'
    else:
        ctor = "DefaultAzureCredential()"
    body = list(new_module.body)
    last_import = max(
        (
            i
            for i, s in enumerate(body)
            if isinstance(s, cst.SimpleStatementLine)
            and any(isinstance(n, cst.Import | cst.ImportFrom) for n in s.body)
        ),
        default=-1,
    )
    # The credential goes after the imports and the module set-up (e.g. load_dotenv()), before the
    # first definition and before the first top-level statement that uses it.
    first_def = next(
        (i for i, s in enumerate(body) if isinstance(s, cst.FunctionDef | cst.ClassDef)), len(body)
    )
    first_use = next(
        (
            i
            for i, s in enumerate(wrapper.module.body)
            if any(positions[s].start.line <= ln <= positions[s].end.line for ln in calls.done)
        ),
        len(body),
    )
    at = max(min(first_def, first_use), last_import + 1)
    has_os = any(
        isinstance(n, cst.Import) and any(getattr(a.name, "value", None) == "os" for a in n.names)
        for s in body
        if isinstance(s, cst.SimpleStatementLine)
        for n in s.body
    )
    imports = [] if has_os or not client_id_env else [cst.parse_statement("import os\n")]
    imports.append(cst.parse_statement("from azure.identity import DefaultAzureCredential\n"))
    assign = cst.parse_statement(
        f"{credential} = {ctor}  # managed identity in Azure; developer sign-in locally\n"
    )
    body.insert(at, assign.with_changes(leading_lines=[cst.EmptyLine()]))
    nxt = at + 1
    if nxt < len(body) and isinstance(body[nxt], cst.FunctionDef | cst.ClassDef | cst.SimpleStatementLine):
        node = body[nxt]
        if len(node.leading_lines) < 2 and isinstance(node, cst.FunctionDef | cst.ClassDef):
            body[nxt] = node.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        elif not node.leading_lines:
            body[nxt] = node.with_changes(leading_lines=[cst.EmptyLine()])
    body[last_import + 1 : last_import + 1] = imports
    return PythonRewrite(
        new_module.with_changes(body=body).code, tuple(sorted(calls.done)), tuple(calls.skipped)
    )


def add_requirement(text: str, requirement: str = "azure-identity>=1.19") -> str:
    """requirements.txt with `azure-identity` (in sorted position when the file is sorted)."""
    name = requirement.split(">")[0].split("=")[0].lower()
    lines = text.splitlines(keepends=True)
    if any(line.strip().lower().startswith(name) for line in lines):
        return text
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    at = next(
        (
            i
            for i, line in enumerate(lines)
            if line.strip() and not line.startswith("#") and line.strip().lower() > name
        ),
        len(lines),
    )
    lines.insert(at, requirement + "\n")
    return "".join(lines)
