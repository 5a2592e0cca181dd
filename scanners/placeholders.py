"""Tell placeholders and references apart from real secret values."""

from __future__ import annotations

import re

from scanners.value_filters import looks_fake

_PLACEHOLDER_WORDS = frozenset(
    {
        "changeme",
        "change_me",
        "change-me",
        "changethis",
        "password",
        "passw0rd",
        "secret",
        "placeholder",
        "dummy",
        "example",
        "sample",
        "fake",
        "todo",
        "tbd",
        "none",
        "null",
        "nil",
        "redacted",
        "hidden",
        "masked",
        "notset",
        "not-set",
        "unset",
        "replaceme",
        "replace_me",
        "replace-me",
        "key",
        "apikey",
        "api-key",
        "api_key",
        "yourkey",
        "mykey",
        "mysecret",
        "mypassword",
        "value",
        "string",
        "true",
        "false",
        "undefined",
        "test",
        "xyz",
        "abc",
        "foo",
        "bar",
        "baz",
        "n/a",
        "na",
        "-",
        "tobereplaced",
        "empty",
        "inherit",
        "required",
        "optional",
    }
)

_PLACEHOLDER_RE = re.compile(
    r"""
    ^(?:
        <[^<>]*>                      # <your-key>
      | \$\{[^}]*\}                   # ${VAR}
      | \$\([^)]*\)                   # $(var)
      | \{\{.*\}\}                    # {{ template }}
      | \#\{.*\}\#                    # #{token}#  (Azure DevOps replace tokens)
      | %[A-Za-z0-9_.\-]+%            # %VAR%
      | __[A-Za-z0-9_.\-]+__          # __TOKEN__
      | \[[A-Za-z0-9 _\-]+\]          # [your key here]
      | \[\s*(?i:replace|enter|insert|put|add|paste|fill|your)\b[^\]]*\]   # [Replace with your ...: e.g. ...]
      | \{[A-Za-z0-9 _.\-]+\}         # {key}, {SHARED.ACCESS.KEY}
      | (?i:x{3,}|\*{3,}|\.{3,}|0{8,}|\#{3,}|-{3,}|_{3,}|\?{3,})
      | (?i:(?:your|enter|insert|replace|put|add)[-_ ][A-Za-z0-9_\- ]*)
      | your[A-Z][A-Za-z]*
      | (?i:[A-Za-z0-9_\-]*(?:-here|_here|placeholder|changeme|replace[-_]?me)[A-Za-z0-9_\-]*)
    )$
    """,
    re.VERBOSE,
)

# Words framed by runs of `*`, `#`, `_` or `-` (and spaces): a prompt to fill in, not a value.
_FRAME_STARTS = frozenset(a + b for a in "*#_-" for b in "*#_-")
_FRAMED_RE = re.compile(r"([*#_\-]{2,})\s*(.*?)\s*\1?[*#_\-]*")
_TEMPLATE_FRAGMENT_RE = re.compile(
    r"\$\{(?!\{)[^}]*\}|\$\([^)]*\)|\{\{.*?\}\}|\#\{.*?\}\#|<[A-Za-z][^<>]{0,60}>"
)

_KEY_VAULT_REFERENCE_RE = re.compile(r"^\s*@Microsoft\.KeyVault\((?P<body>[^)]*)\)\s*$", re.I)

_REFERENCE_RE = re.compile(
    r"""
    ^\s*(?:
        \$\{\{\s*(?:secrets|vars|env|steps|needs|inputs|github)\.[^}]*\}\}   # GitHub Actions expressions
      | \{\{-?\s*(?:required\s+(?:"[^"]*"|'[^']*')\s+)?\$?\.Values\.[A-Za-z0-9_.]+       # Helm chart value,
        (?:\s*\|\s*(?:quote|squote|b64enc|trim|toString|nindent\s+\d+|indent\s+\d+))*\s*-?\}\}   # not `| default "..."`
      | \[(?!\[)\s*[A-Za-z_][\w.]*\s*\(.*\]                          # ARM expression: parameters(),
                                                                     # reference(), listKeys(...).x
      | \$\{[^{}'"]*\b(?:list[A-Z]\w*|listKeys|getSecret)\s*\(.*\}     # Bicep interpolation of a key
      | (?:var|local|data|module)\.[A-Za-z0-9_.\[\]"-]+              # Terraform expression
      | @secret\(.*\)
      | \$[A-Za-z_][A-Za-z0-9_]*                                     # shell $VAR
      | \$env:[A-Za-z_][A-Za-z0-9_]*                                 # PowerShell $env:VAR
      | \$?\(\s*(?:az|Get-Az\w*|kubectl|terraform)\b.*                    # fetched at run time
    )\s*$
    """,
    re.VERBOSE,
)


def is_placeholder(value: str) -> bool:
    """A value that stands in for a secret: empty, templated, or an obvious filler word."""
    v = value.strip().strip("\"'")
    if not v:
        return True
    if v.lower() in _PLACEHOLDER_WORDS:
        return True
    if _PLACEHOLDER_RE.match(v) or looks_fake(v):
        return True
    framed = _FRAMED_RE.fullmatch(v) if len(v) <= 200 and v[:2] in _FRAME_STARTS else None
    if framed and (not framed.group(1) or _PLACEHOLDER_RE.match(framed.group(1))):
        return True  # `***ENTER YOUR KEY***`, `**** ADD YOUR CONNECTION STRING HERE ****`
    # A value made only of one repeated character (e.g. "aaaaaaaa", "00000") is filler.
    if len(set(v)) == 1:
        return True
    # A value that is mostly a template fragment: "${KEY}", "pre-{{ key }}".
    stripped = _TEMPLATE_FRAGMENT_RE.sub("", v)
    return len(stripped) < len(v) and len(stripped.strip(" ;=")) <= 2


_SHOWABLE_TEMPLATE_RE = re.compile(
    r"^(?:<[^<>]*>|\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|\#\{.*\}\#|%[A-Za-z0-9_.\-]+%|"
    r"__[A-Za-z0-9_.\-]+__|\$\{\{[^}]*\}\})$"
)


def showable_placeholder(value: str) -> bool:
    """A placeholder that is plainly a template marker, so printing it reveals nothing."""
    v = value.strip()
    return not v or bool(_SHOWABLE_TEMPLATE_RE.match(v))


def contains_template(value: str) -> bool:
    return bool(_TEMPLATE_FRAGMENT_RE.search(value))


def key_vault_reference(value: str) -> str | None:
    """The vault name of an App Service Key Vault reference, '' when unknown, None if none."""
    m = _KEY_VAULT_REFERENCE_RE.match(value)
    if not m:
        return None
    body = m.group("body")
    uri = re.search(r"SecretUri\s*=\s*https://([A-Za-z0-9-]+)\.vault\.", body, re.I)
    if uri:
        return uri.group(1).lower()
    name = re.search(r"VaultName\s*=\s*([A-Za-z0-9-]+)", body, re.I)
    return name.group(1).lower() if name else ""


def is_reference(value: str) -> bool:
    """A value that points at a secret kept elsewhere (Key Vault, CI secret store, IaC input)."""
    return key_vault_reference(value) is not None or bool(_REFERENCE_RE.match(value))
