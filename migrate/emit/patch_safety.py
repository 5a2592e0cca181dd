"""Which patch a changed file may get, decided by the scanner's own secret filter.

Three things a patch can give away, and the rule for each:

- its `+` lines: every added line is scanned again; one that still holds a secret (another setting
  on the same line of a minified file, a literal the rewrite kept) means no patch for that file;
- its `-` and context lines: a text patch quotes them, so a text patch is written only when none
  of them holds a secret (code files whose call sites read the secret from elsewhere);
- its preimage id and sizes: a git binary delta carries the blob SHA-1 of the old file (an unkeyed
  hash of everything in it) and the offsets and lengths of what it replaces.  That is safe only when
  every secret in the old file is a long random key that no one can guess; a password or any
  other short or human-chosen value could be recovered by trying guesses against the hash, so such
  a file gets no patch, only its review diff and a note.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from urllib.parse import unquote

from migrate.emit.diffs import binary_patch, line_opcodes, text_patch
from scanners.file_scan import scan_bytes
from scanners.fingerprint import Fingerprinter
from scanners.records import FileLocation, ValueClass

# A secret that is safe against guessing from a hash: long and varied (a generated key, a SAS
# signature, an Entra client secret), never a password someone chose.
MIN_STRONG_LENGTH = 32
MIN_STRONG_DISTINCT = 16
_BASE64_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_USERINFO_RE = re.compile(r"://[^/:@\s]*:([^@/\s]*)@")
_SPLITS = (re.compile(r"[\s\"'<>;,&{}()\[\]=]+"), re.compile(r"[\s\"'<>;,&{}()\[\]]+"), re.compile(r"[\"']"))


@dataclass(frozen=True, slots=True)
class SecretMap:
    """Per line of one text (1-based): whether it holds a secret, and whether each is strong."""

    flagged: frozenset[int]
    weak: frozenset[int]  # flagged lines with a secret that is not a long random key (or unknown)


def _strong(value: str) -> bool:
    return len(value) >= MIN_STRONG_LENGTH and len(set(value)) >= MIN_STRONG_DISTINCT


def _decoded(token: str) -> str | None:
    """A base64 token's text (a Kubernetes Secret's `data:` value), or None."""
    if len(token) < 16 or len(token) % 4 or not _BASE64_RE.fullmatch(token):
        return None
    try:
        return base64.b64decode(token, validate=True).decode("utf-8")
    except ValueError:
        return None


def _candidates(line: str, decode: bool = True) -> set[str]:
    out: set[str] = set()
    for split in _SPLITS:
        for token in split.split(line):
            if token:
                out.update((token, unquote(token)))
                decoded = _decoded(token) if decode else None
                if decoded is not None:
                    out |= _candidates(decoded, decode=False)
                pieces = token.split("=")
                for i in range(1, len(pieces)):  # key=value (a value may end in base64 padding)
                    tail = "=".join(pieces[i:])
                    out.update((tail, unquote(tail)))
                for userinfo in _USERINFO_RE.findall(token):  # scheme://user:password@host
                    out.update((userinfo, unquote(userinfo)))
    return out


def secret_map(path: str, text: str) -> SecretMap:
    """The lines of `text` (the file `path`) that hold a secret, as the scanner classes them.

    Ids are keyed with a throw-away key; the secret itself is recognised by matching the scan's
    keyed fingerprint against the line's tokens, so no secret leaves this function."""
    fp = Fingerprinter(secrets.token_bytes(32))
    outcome = scan_bytes(path, text.encode("utf-8"), fp, generic=True)
    lines = text.splitlines()
    flagged: set[int] = set()
    weak: set[int] = set()
    for item in outcome.items:
        if not isinstance(item.location, FileLocation) or item.value_class is not ValueClass.SECRET:
            continue
        line = item.location.line
        flagged.add(line)
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        material = next((c for c in _candidates(source) if fp.fingerprint(c) == item.fingerprint), None)
        if material is None or not _strong(material):
            weak.add(line)
    return SecretMap(frozenset(flagged), frozenset(weak))


def added_secret_lines(path: str, old: str, new: str) -> list[int]:
    """1-based lines of `new` that the change adds (its `+` lines) and that hold a secret.

    Each added line is judged in its file and on its own (as plain text): a handler that reads the
    file's structure may take a literal for something else (a keyword argument, a passwordless
    client), and the line scanner alone must then still see the secret."""
    flagged = secret_map(path, new).flagged
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    added = [j for tag, _i1, _i2, j1, j2 in line_opcodes(a, b) if tag != "equal" for j in range(j1, j2)]
    alone = secret_map("added-lines.txt", "".join(b[j].rstrip("\r\n") + "\n" for j in added)).flagged
    return sorted(j + 1 for n, j in enumerate(added, 1) if j + 1 in flagged or n in alone)


def quoted_old_lines(old: str, new: str, context: int) -> set[int]:
    """1-based lines of `old` that a unified diff with `context` lines would quote."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out: set[int] = set()
    for tag, i1, i2, _j1, _j2 in line_opcodes(a, b):
        if tag == "equal":
            continue
        out.update(range(max(0, i1 - context) + 1, min(len(a), i2 + context) + 1))
    return out


@dataclass(frozen=True, slots=True)
class PatchDecision:
    patch: str  # "" when the file gets no patch
    review: bool  # whether its review diff may be written (its `+` lines hold no secret)
    note: str | None = None


def safe_patch(path: str, old: str, new: str, *, text_allowed: bool) -> PatchDecision:
    """The patch `path` may get (text, binary delta or none) and, for none, the note saying why.

    `text_allowed`: whether a text patch may be used where no quoted line holds a secret (code;
    configuration files are always binary: their removed lines are the values being migrated)."""
    if old == new:
        return PatchDecision("", False)
    added = added_secret_lines(path, old, new)
    if added:
        where = ", ".join(str(n) for n in added)
        return PatchDecision(
            "",
            False,
            f"{path}: no patch written: changed line {where} would still hold a "
            "secret (another value on the same line, e.g. a one-line file); "
            "make the change by hand",
        )
    # The old lines a patch would quote (text) or replace (binary), judged in the file and on their
    # own; a secret on an unchanged line stays in the patched file anyway, the hash adds nothing.
    quoted = sorted(quoted_old_lines(old, new, 3))
    removed = quoted_old_lines(old, new, 0)
    lines = old.splitlines()
    in_file = secret_map(path, old)
    alone = secret_map("quoted-lines.txt", "".join(lines[n - 1] + "\n" for n in quoted))
    flagged = (in_file.flagged & set(quoted)) | {quoted[n - 1] for n in alone.flagged}
    weak = (in_file.weak & removed) | ({quoted[n - 1] for n in alone.weak} & removed)
    if text_allowed and not flagged:
        return PatchDecision(text_patch(path, old, new), True)
    if weak:
        return PatchDecision(
            "",
            True,
            f"{path}: no patch written: it removes a secret short or simple enough to "
            "be guessed from a patch's hash and sizes; make the change shown in the "
            "review diff by hand",
        )
    return PatchDecision(binary_patch(path, old.encode("utf-8"), new.encode("utf-8")), True)
