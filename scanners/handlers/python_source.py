"""Reading a Python source as text, before and around its parse.

The keyword gates that decide whether a file is parsed at all (and whether only its environment
lookups are read, with a regex), the Azure Functions v2 binding decorators, and the parse itself,
which also reads Python 2 sources (old samples still use `print x` and `except E, e:`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from scanners.evidence import Evidence, SourceFile
from scanners.handlers.code_evidence import lookup_evidence
from scanners.keyword_search import holds_any
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass
from scanners.sdk_clients import PYTHON_FUNCTION_DECORATORS

S = ServiceType
K = CredentialKind
V = ValueClass
R = EvidenceRole

# Files without any of these words are not parsed at all.
_KEYWORDS = (
    "from_connection_string",
    "ClientSecretCredential",
    "AzureKeyCredential",
    "AzureOpenAI",
    "api_key",
    "psycopg",
    "pyodbc",
    "pymysql",
    "mysql.connector",
    "redis",
    "DefaultAzureCredential",
    "ManagedIdentityCredential",
    "os.environ",
    "getenv",
    "credential",
    "Credentials(",
    "CosmosClient",
    "DocumentClient",
    "client_secret",
    "masterKey",
    "get_secret",
    "ConfidentialClientApplication",
    "applicationinsights",
    "OpenAI",
    'config("',
    "config('",
    'env.str("',
    'env("',
)
KEYWORDS_RE = re.compile("|".join(map(re.escape, _KEYWORDS)))


_SDK_KEYWORDS = (
    "from_connection_string",
    "Credential",
    "AzureOpenAI",
    "OpenAI",
    "api_key",
    "client_secret",
    "masterKey",
    "get_secret",
    "ConfidentialClientApplication",
    "applicationinsights",
    'config("',
    "config('",
    'env.str("',
    "psycopg",
    "pyodbc",
    "pymysql",
    "mysql.connector",
    "redis",
    "azure",
)
SDK_KEYWORDS_RE = re.compile("|".join(map(re.escape, _SDK_KEYWORDS)))
# Lower-cased, for the one-pass search that rules a file out before the case-sensitive regex runs.
KEYWORDS_LOWER = tuple(k.lower().encode() for k in _KEYWORDS)
SDK_KEYWORDS_LOWER = tuple(k.lower().encode() for k in _SDK_KEYWORDS)


def holds(source: SourceFile, lowered: tuple[bytes, ...], exact: re.Pattern[str]) -> bool:
    """`exact` (a case-sensitive alternation of literals) matches `source`: ruled out first by a
    case-insensitive one-pass search of the same literals, a necessary condition."""
    return holds_any(source.lower_bytes, lowered) and exact.search(source.text) is not None


_ENV_LOOKUP_RE = re.compile(
    r"""\bos\.(?:environ\s*(?:\[\s*|\.get\s*\(\s*|\.setdefault\s*\(\s*)|getenv\s*\(\s*)(["'])([A-Za-z_][\w.:\-]*)\1"""
)


# Azure Functions Python v2 decorators: `@app.queue_trigger(..., connection="X")`.
_DECORATOR_RE = re.compile(
    r"@\w+\.(" + "|".join(PYTHON_FUNCTION_DECORATORS) + r")_?(trigger|input|output)\s*\("
)
_CONNECTION_KW_RE = re.compile(r"""\bconnection\s*=\s*(["'])([^"']{1,200})\1""")


def function_bindings(source: SourceFile) -> Iterator[Evidence]:
    """Connections named by Functions v2 binding decorators (storage ones default to AzureWebJobsStorage)."""
    for m in _DECORATOR_RE.finditer(source.text):
        close = source.text.find(")", m.end())
        args = source.text[m.end() : close if close != -1 else m.end() + 400]
        cm = _CONNECTION_KW_RE.search(args)
        kind = m.group(1)
        service = PYTHON_FUNCTION_DECORATORS[kind]
        name = cm.group(2).strip("%") if cm else ("AzureWebJobsStorage" if service is S.STORAGE else None)
        if name is None:
            continue
        shown = f'connection="{name}"' if cm else "default connection"
        yield Evidence(
            line=source.line_of(m.start()),
            role=R.CODE_CONSUMER,
            name=name,
            service=service,
            kind=K.CONNECTION_STRING,
            value_class=V.REFERENCE,
            preview=f"@app.{kind}_{m.group(2)}({shown})",
            method="binding",
        )


def env_lookups(source: SourceFile) -> Iterator[Evidence]:
    for m in _ENV_LOOKUP_RE.finditer(source.text):
        call = "os.getenv" if "getenv" in m.group(0) else "os.environ"
        yield lookup_evidence(source.line_of(m.start()), m.group(2), f'{call}["{m.group(2)}"]')


# Python 2 statements that Python 3 cannot parse, rewritten on their own line (line numbers hold):
# `except Error, e:` -> `except Error as e:`, `print x` -> `print(x)`.
_PY2_EXCEPT_RE = re.compile(r"^(\s*except\s+[\w.()\s,]*?[\w.)])\s*,\s*(\w+)\s*:", re.M)
_PY2_PRINT_RE = re.compile(r"^(\s*)print\s+(?![\s(=.,)])([^\n#]*?)\s*$", re.M)


def parse_python(text: str) -> ast.Module:
    """Parse Python 3, else the same text read as Python 2 (old samples still use its syntax)."""
    try:
        return ast.parse(text, filename="<source>")
    except SyntaxError:
        if "except" not in text and "print" not in text:
            raise
    py3 = _PY2_PRINT_RE.sub(r"\1print(\2)", _PY2_EXCEPT_RE.sub(r"\1 as \2:", text))
    return ast.parse(py3, filename="<source>")
