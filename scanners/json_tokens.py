"""A small, tolerant JSON reader that keeps the position of every string.

Accepts what real configuration files contain and strict JSON forbids: `//` and `/* */`
comments, trailing commas, single-quoted strings and bare words.  Tokens are found with one
compiled regex (`finditer`), and the tree is built with an explicit stack, so deep nesting cannot
exhaust the Python stack: past `MAX_DEPTH` levels the input is rejected.

`parse(text)` returns a tree of `JStr` / `JLit` / `JObj` / `JArr`; `iter_strings(tree)` yields
`(key path, JStr)` for every string value.  Errors raise `MalformedInput` with a message that
never quotes the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scanners.evidence import MalformedInput

MAX_DEPTH = 200

_TOKEN_RE = re.compile(
    r"""
      (?P<ws>(?:\s+|//[^\n]*|/\*.*?\*/)+)
    | (?P<dq>"(?:[^"\\\n]|\\.)*")
    | (?P<sq>'(?:[^'\\\n]|\\.)*')
    | (?P<punct>[{}\[\]:,])
    | (?P<bare>[^\s{}\[\]:,"'/]+)
    | (?P<err>.)
    """,
    re.DOTALL | re.VERBOSE,
)

# A UTF-16 surrogate pair (`\ud83d\ude00`, as `json.dumps` writes any character past U+FFFF) is
# one escape: decoded half by half it would leave two lone surrogates, which no encoder accepts.
_ESCAPE_RE = re.compile(
    r"\\(u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.DOTALL
)
_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "/": "/",
    "\\": "\\",
    '"': '"',
    "'": "'",
}


def _unescape_one(m: re.Match[str]) -> str:
    esc = m.group(1)
    if esc[0] == "u" and len(esc) == 11:
        high, low = int(esc[1:5], 16), int(esc[7:], 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    if esc[0] == "u" and len(esc) == 5:
        return chr(int(esc[1:], 16))
    return _SIMPLE_ESCAPES.get(esc, esc)


def unescape(raw: str) -> str:
    """The value of a quoted JSON string token (quotes included in `raw`)."""
    body = raw[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE_RE.sub(_unescape_one, body)


@dataclass(slots=True)
class JStr:
    value: str = field(repr=False)
    offset: int


@dataclass(slots=True)
class JLit:
    """A number, true/false/null, or any other bare word."""

    text: str
    offset: int


@dataclass(slots=True)
class JObj:
    offset: int
    pairs: list[tuple[str, int, JValue]] = field(default_factory=list)

    def get(self, key: str) -> JValue | None:
        """The value of `key`, compared case-insensitively (ARM is case-insensitive)."""
        k = key.lower()
        for name, _, value in self.pairs:
            if name.lower() == k:
                return value
        return None

    def get_str(self, key: str) -> str | None:
        v = self.get(key)
        return v.value if isinstance(v, JStr) else None


@dataclass(slots=True)
class JArr:
    offset: int
    items: list[JValue] = field(default_factory=list)


JValue = JStr | JLit | JObj | JArr

# Frame states.
_KEY, _COLON, _VALUE, _AFTER = range(4)


def parse(text: str, max_depth: int = MAX_DEPTH) -> JValue | None:
    """Parse `text`; None for an empty (or comment-only) document."""
    root: JValue | None = None
    # Each frame: [container, state, pending key, pending key offset]
    stack: list[list[Any]] = []

    def place(value: JValue) -> None:
        nonlocal root
        if not stack:
            if root is not None:
                raise MalformedInput("unexpected content after the top-level value")
            root = value
            return
        frame = stack[-1]
        container = frame[0]
        if isinstance(container, JArr):
            if frame[1] != _VALUE:
                raise MalformedInput("missing comma in an array")
            container.items.append(value)
        else:
            if frame[1] != _VALUE:
                raise MalformedInput("expected a key")
            container.pairs.append((frame[2], frame[3], value))
        frame[1] = _AFTER

    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        start = m.start()
        tok = m.group(kind)  # type: ignore[arg-type]
        if kind == "err":
            raise MalformedInput(f"unexpected character at line {text.count(chr(10), 0, start) + 1}")
        if kind == "punct":
            if tok in "{[":
                if len(stack) >= max_depth:
                    raise MalformedInput(f"nesting deeper than {max_depth} levels")
                container: JValue = JObj(start) if tok == "{" else JArr(start)
                place(container)
                stack.append([container, _KEY if tok == "{" else _VALUE, None, 0])
            elif tok in "}]":
                if not stack:
                    raise MalformedInput("unbalanced closing bracket")
                frame = stack[-1]
                want = JObj if tok == "}" else JArr
                if (
                    not isinstance(frame[0], want)
                    or frame[1] == _COLON
                    or (want is JObj and frame[1] == _VALUE)
                ):
                    raise MalformedInput("mismatched closing bracket")
                stack.pop()
            elif tok == ":":
                if not stack or stack[-1][1] != _COLON:
                    raise MalformedInput("unexpected colon")
                stack[-1][1] = _VALUE
            else:  # comma
                if not stack or stack[-1][1] != _AFTER:
                    raise MalformedInput("unexpected comma")
                stack[-1][1] = _KEY if isinstance(stack[-1][0], JObj) else _VALUE
            continue
        # a string or a bare word
        if stack and isinstance(stack[-1][0], JObj) and stack[-1][1] == _KEY:
            frame = stack[-1]
            frame[2] = unescape(tok) if kind != "bare" else tok
            frame[3] = start
            frame[1] = _COLON
            continue
        place(JStr(unescape(tok), start) if kind != "bare" else JLit(tok, start))
    if stack:
        raise MalformedInput("unexpected end of file")
    return root


def iter_strings(root: JValue | None) -> Iterator[tuple[tuple[str, ...], JStr]]:
    """Every string value with its key path (array items are indexed `"0"`, `"1"`, ...)."""
    if root is None:
        return
    todo: list[tuple[tuple[str, ...], JValue]] = [((), root)]
    while todo:
        path, node = todo.pop()
        if isinstance(node, JStr):
            yield path, node
        elif isinstance(node, JObj):
            for key, _, value in reversed(node.pairs):
                todo.append(((*path, key), value))
        elif isinstance(node, JArr):
            for i in range(len(node.items) - 1, -1, -1):
                todo.append(((*path, str(i)), node.items[i]))
