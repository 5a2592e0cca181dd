"""Reading Python calls from the `ast`: dotted names, setting lookups and identifier-only shapes
of arguments (string literals never appear in a shape)."""

from __future__ import annotations

import ast


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return None


def callee(call: ast.Call) -> str:
    """The last identifier of the called thing: `azure.storage.blob.BlobServiceClient` → class."""
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def string_value(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def env_lookup(node: ast.AST) -> tuple[str, str] | None:
    """(setting name, identifier-only shape) for os.environ["X"] / os.getenv("X") / os.environ.get("X")."""
    if isinstance(node, ast.Subscript):
        base = dotted(node.value)
        key = string_value(node.slice)
        if base in ("os.environ", "environ") and key is not None:
            return key, f'{base}["{key}"]'
    if isinstance(node, ast.Call) and node.args:
        fn = dotted(node.func)
        key = string_value(node.args[0])
        if key is not None and fn in (
            "os.getenv",
            "getenv",
            "os.environ.get",
            "environ.get",
            "os.environ.setdefault",
        ):
            return key, f'{fn}("{key}")'
    return None


_SETTINGS_BASES = frozenset({"settings", "config", "app.config", "current_app.config", "conf", "cfg"})


def settings_attr(node: ast.AST) -> tuple[str, str] | None:
    """settings.X / config["X"] → (X, shape)."""
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        if base in _SETTINGS_BASES or (base or "").endswith(".settings"):
            return node.attr, f"{base}.{node.attr}"
    if isinstance(node, ast.Subscript):
        base = dotted(node.value)
        key = string_value(node.slice)
        if key is not None and (base in _SETTINGS_BASES or (base or "").endswith(".config")):
            return key, f'{base}["{key}"]'
    return None


def argument_shape(node: ast.AST | None, depth: int = 0) -> str:
    """An identifier-only rendering of an argument: literals become `"***"`."""
    if node is None:
        return ""
    if depth > 3:
        return "..."
    env = env_lookup(node) or settings_attr(node)
    if env:
        return env[1]
    if isinstance(node, ast.Constant):
        return '"***"' if isinstance(node.value, str | bytes) else "..."
    if isinstance(node, ast.JoinedStr):
        return 'f"..."'
    d = dotted(node)
    if d:
        return d
    if isinstance(node, ast.Call):
        return f"{argument_shape(node.func, depth + 1)}(...)"
    if isinstance(node, ast.Attribute):
        return f"{argument_shape(node.value, depth + 1)}.{node.attr}"
    return "..."


def call_shape(
    call: ast.Call, focus: ast.AST | None = None, kw: str | None = None, shape: str | None = None
) -> str:
    fn = dotted(call.func) or callee(call) or "call"
    if getattr(call, "_assign_target", None):
        return f"{fn} = {shape or argument_shape(focus)}"
    if focus is None:
        return f"{fn}(...)"
    arg_shape = shape or argument_shape(focus)
    arg = f"{kw}={arg_shape}" if kw else arg_shape
    more = len(call.args) + len(call.keywords) > 1
    return f"{fn}({arg}, ...)" if more else f"{fn}({arg})"


def argument(call: ast.Call, pos: int | None, *names: str) -> tuple[ast.AST | None, str | None]:
    for k in call.keywords:
        if k.arg in names:
            return k.value, k.arg
    if pos is not None and len(call.args) > pos and not isinstance(call.args[pos], ast.Starred):
        return call.args[pos], None
    return None, None


# The keyword arguments that name a client's endpoint (`AzureOpenAI(azure_endpoint=...)`,
# `BlobServiceClient(account_url=...)`, `CosmosClient(url=...)`, `SearchClient(endpoint=...)`).
ENDPOINT_KEYWORDS = (
    "endpoint",
    "azure_endpoint",
    "account_url",
    "url",
    "fully_qualified_namespace",
    "vault_url",
    "base_url",
)


def endpoint_argument(client: ast.Call, key: ast.AST) -> ast.AST | None:
    """The argument a client's endpoint is passed in: a named endpoint keyword, else the first
    positional argument when the key is not in it."""
    for k in client.keywords:
        if k.arg in ENDPOINT_KEYWORDS:
            return k.value
    if not client.args or isinstance(client.args[0], ast.Starred):
        return None
    first = client.args[0]
    if any(n is key for n in ast.walk(first)):
        return None
    return first
