"""Reading C# call arguments in comment-masked text.

`split_args` splits an argument list; `Arguments` follows an identifier to what was assigned to
it, tells a token credential from a key credential, finds the setting an expression reads
(`GetConnectionString("X")`, `Configuration["X"]`, `Environment.GetEnvironmentVariable("X")`)
and renders an argument for a preview from identifiers and setting names only.
"""

from __future__ import annotations

import re

from scanners.evidence import SourceFile
from scanners.handlers.lexing import CSHARP
from scanners.sdk_clients import CSHARP_KEY_CREDENTIALS, CSHARP_TOKEN_CREDENTIALS

_TOKEN_CREDENTIAL_RE = re.compile(r"^new\s+(?:[\w.]+\.)?(" + "|".join(CSHARP_TOKEN_CREDENTIALS) + r")\b")
LOOKUP_RE = re.compile(
    r"""
      \bGetConnectionString\s*\(\s*@?"(?P<gcs>[^"\\\n]{1,200})"\s*\)
    | \bGetEnvironmentVariable\s*\(\s*@?"(?P<env>[^"\\\n]{1,200})"\s*[,)]
    | \bGetValue\s*<\s*string\??\s*>\s*\(\s*@?"(?P<gv>[^"\\\n]{1,200})"\s*\)
    | \b(?P<obj>[A-Za-z_]\w*)\s*\[\s*@?"(?P<idx>[^"\\\n]{1,200})"\s*\]
    """,
    re.VERBOSE,
)
_NAMED_ARG_RE = re.compile(r"^\s*[A-Za-z_]\w*\s*:(?!:)\s*")
_IDENT_RE = re.compile(r"^[A-Za-z_][\w.]*[!?]?$")
_STRING_RE = re.compile(r'^@?"((?:[^"\\]|\\.)*)"$|^@"((?:[^"]|"")*)"$', re.DOTALL)
_RECEIVER_RE = re.compile(r"^(?:[A-Za-z_][\w]*[!?]?\.){0,4}$")  # `builder.Configuration.` before a lookup
_REST_RE = re.compile(r"^\s*(?:!|\?\?.*|\.ToString\(\))?\s*$", re.DOTALL)  # `!`, `?? throw ...` after it
NEW_RE = re.compile(r"^new\s+(?:[\w.]+\.)?([A-Za-z_]\w*)\s*(?:<[^<>()]*>)?\s*\(")


def mask_comments(text: str) -> str:
    """Blank out comments (keeping offsets and newlines) so matches inside them are ignored."""
    return CSHARP.mask_comments(text)


def split_args(text: str, open_paren: int) -> tuple[list[str], int] | None:
    """Split the argument list that starts at `text[open_paren] == '('` in comment-masked text;
    returns the arguments (stripped, named-argument prefixes removed) and the offset after the
    closing paren."""
    split = CSHARP.split_args(text, open_paren, skip_comments=False)
    if split is None:
        return None
    args, end = split
    return [a if a.startswith(('"', "@")) else _NAMED_ARG_RE.sub("", a, count=1) for _, a in args], end


def string_literal(arg: str) -> str | None:
    m = _STRING_RE.match(arg.strip())
    if not m:
        return None
    if m.group(2) is not None:
        return m.group(2).replace('""', '"')
    raw = m.group(1)
    if "\\" in raw:
        raw = re.sub(r"\\(.)", lambda x: {"n": "\n", "t": "\t", "r": "\r"}.get(x.group(1), x.group(1)), raw)
    return raw


def lookup_of(m: re.Match[str]) -> tuple[str, str] | None:
    """(setting name, preview) of a lookup match, or None when the indexer is no config read."""
    if m.group("gcs") is not None:
        name = m.group("gcs")
        return f"ConnectionStrings:{name}", f'GetConnectionString("{name}")'
    if m.group("env") is not None:
        name = m.group("env")
        return name, f'Environment.GetEnvironmentVariable("{name}")'
    if m.group("gv") is not None:
        name = m.group("gv")
        return name, f'GetValue<string>("{name}")'
    obj = m.group("obj")
    name = m.group("idx")
    low = obj.lower()
    if low == "connectionstrings":
        return f"ConnectionStrings:{name}", f'ConnectionStrings["{name}"]'
    if "config" in low or low in (
        "appsettings",
        "settings",
        "env",
        "environment",
        "cfg",
        "_cfg",
        "conf",
        "_conf",
    ):
        return name, f'{obj}["{name}"]'
    return None


class Arguments:
    """The argument reader of one C# file."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.text = mask_comments(source.text)
        self._assignments: dict[str, str | None] = {}

    def line(self, offset: int) -> int:
        return self.source.line_of(offset)

    def assigned(self, ident: str) -> str | None:
        """The expression last assigned to a simple variable / field / property `ident`."""
        if ident in self._assignments:
            return self._assignments[ident]
        found = None
        simple = ident.rstrip("!?").split(".")[-1]
        if re.fullmatch(r"[A-Za-z_]\w*", simple):
            pat = re.compile(r"\b" + re.escape(simple) + r"\s*(?::\s*[\w<>?]+\s*)?=(?![=>])\s*([^;]{1,400});")
            for m in pat.finditer(self.text):
                found = m.group(1).strip()
        self._assignments[ident] = found
        return found

    def lookup_in(self, expr: str) -> tuple[str, str] | None:
        for m in LOOKUP_RE.finditer(expr):
            got = lookup_of(m)
            if got:
                return got
        return None

    def resolve(self, arg: str, depth: int = 0) -> str:
        """Follow a plain identifier to what was assigned to it (a couple of hops at most)."""
        a = arg.strip()
        while depth < 3 and _IDENT_RE.match(a):
            nxt = self.assigned(a)
            if not nxt or nxt == a:
                break
            a = nxt
            depth += 1
        return a

    def shape(self, arg: str) -> str:
        a = arg.strip()
        if string_literal(a) is not None:
            return '"…"'
        m = NEW_RE.match(a)
        if m:
            inner = split_args(a, m.end() - 1)
            shown = ", ".join(self.shape(x) for x in inner[0]) if inner else "…"
            return f"new {m.group(1)}({shown})"
        lk = self.lookup_in(a)
        if lk and len(a) < 300:
            return lk[1]
        if "=>" in a:
            return "… => …"
        if _IDENT_RE.match(a) and len(a) <= 80:
            return a
        return "…"

    def preview(self, head: str, args: list[str]) -> str:
        out = f"{head}({', '.join(self.shape(a) for a in args)})"
        return out if len(out) <= 200 else out[:199] + "…"

    def is_token_credential(self, arg: str) -> bool:
        a = self.resolve(arg)
        if _TOKEN_CREDENTIAL_RE.match(a):
            return True
        m = NEW_RE.match(a)
        if m:
            return m.group(1).endswith("Credential") and m.group(1) not in CSHARP_KEY_CREDENTIALS
        if _IDENT_RE.match(a):
            low = a.lower()
            return ("credential" in low or low.endswith("cred")) and not any(
                w in low for w in ("key", "sas", "shared", "apikey")
            )
        return False

    def endpoint_source(self, arg: str) -> tuple[str | None, str | None]:
        """(URL literal, setting name) of a client's endpoint argument: a literal, `new Uri(x)`, a
        configuration lookup, or a variable assigned one of those; (None, None) for anything else."""
        a = self.resolve(arg)
        m = NEW_RE.match(a)
        if m is not None:
            if m.group(1) != "Uri":
                return None, None
            parts = split_args(a, m.end() - 1)
            if not parts or not parts[0]:
                return None, None
            a = self.resolve(parts[0][0])
        lit = string_literal(a)
        if lit is not None:
            return lit, None
        if len(a) > 300 or a.startswith("$") or "+" in a:
            return None, None  # built from parts: no one setting holds it
        m2 = LOOKUP_RE.search(a)
        if m2 is None or not _RECEIVER_RE.match(a[: m2.start()]) or not _REST_RE.match(a[m2.end() :]):
            return None, None
        got = lookup_of(m2)
        return None, got[0] if got else None

    def key_credential(self, arg: str) -> str | None:
        """The arguments of a key credential (`new AzureKeyCredential(x)`), when `arg` is one."""
        a = self.resolve(arg)
        m = NEW_RE.match(a)
        if m and m.group(1) in CSHARP_KEY_CREDENTIALS:
            return a
        return None
