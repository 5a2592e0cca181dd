"""Reading source text without parsing it: comments, strings, call arguments and brace blocks.

The C#, JavaScript/TypeScript, Java/Kotlin, Bicep and Terraform handlers find what they look for
with regular expressions over the whole text.  These helpers keep those matches out of comments,
split call arguments at their real commas and find the braces around a position, each the way
one language writes it: a `Syntax` says how a language writes strings and comments.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

MAX_SPAN = 4000  # how far an argument list or expression is read before giving up


@dataclass(frozen=True, slots=True)
class Syntax:
    """How one language writes string literals and comments.

    `strings` are regular expressions of string literals (tried in order, with `re.DOTALL`) for
    masking comments; `quotes` are the characters that open a string for the argument reader.
    `verbatim_opener` opens a string with no escapes in which a doubled quote stands for one
    (C#'s `@"..."`); `multiline_quotes` open strings that may span lines (JavaScript's template
    literals); `trailing_comma` drops an empty last argument (`f(a, b,)`).
    """

    name: str
    strings: tuple[str, ...]
    quotes: str
    line_comments: tuple[str, ...] = ("//",)
    block_comments: tuple[tuple[str, str], ...] = (("/*", "*/"),)
    verbatim_opener: str = ""
    multiline_quotes: str = ""
    trailing_comma: bool = False
    _mask_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _comment_starts: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _comment_chars: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        comments = [re.escape(o) + r"[^\n]*" for o in self.line_comments]
        comments += [re.escape(o) + ".*?" + re.escape(c) for o, c in self.block_comments]
        pattern = "|".join(self.strings) + "|(?P<comment>" + "|".join(comments) + ")"
        object.__setattr__(self, "_mask_re", re.compile(pattern, re.DOTALL))
        starts = (*self.line_comments, *(o for o, _ in self.block_comments))
        object.__setattr__(self, "_comment_starts", starts)
        object.__setattr__(self, "_comment_chars", frozenset(o[0] for o in starts))

    def mask_comments(self, text: str) -> str:
        """`text` with comments blanked: same length, newlines kept, strings left as they are."""
        if not any(s in text for s in self._comment_starts):
            return text
        return self._mask_re.sub(_blank_comment, text)

    def skip_string(self, text: str, i: int) -> int:
        """Offset just past the string literal whose opening quote is `text[i]` (or the end of
        the line where an unclosed one-line string stops)."""
        q = text[i]
        n = len(text)
        j = i + 1
        opener = self.verbatim_opener
        if opener and i + 1 >= len(opener) and text.startswith(opener, i + 1 - len(opener)):
            while j < n:
                if text[j] == q:
                    if j + 1 < n and text[j + 1] == q:
                        j += 2
                        continue
                    return j + 1
                j += 1
            return n
        while j < n:
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == q:
                return j + 1
            if c == "\n" and q not in self.multiline_quotes:
                return j
            j += 1
        return n

    def split_args(
        self, text: str, open_paren: int, *, skip_comments: bool = True, limit: int = MAX_SPAN
    ) -> tuple[list[tuple[int, str]], int] | None:
        """The arguments of the call whose `(` is `text[open_paren]`, as (offset, stripped text)
        pairs, and the offset just past the closing `)`; None when it does not close within
        `limit` characters.  Strings and nested brackets are read over; `//` and `/* */` comments
        too unless `skip_comments` is off (for text whose comments are already masked)."""
        depth = 0
        args: list[tuple[int, str]] = []
        arg_start = open_paren + 1
        i = open_paren
        n = min(len(text), open_paren + limit)
        quotes = self.quotes
        comment_chars = self._comment_chars if skip_comments else frozenset()
        while i < n:
            c = text[i]
            if c in quotes:
                i = self.skip_string(text, i)
                continue
            if c in comment_chars:
                after = self._past_comment(text, i, n)
                if after != i:
                    i = after
                    continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth == 0:
                    last = _trimmed(arg_start, text[arg_start:i])
                    if last[1] or (args and not self.trailing_comma):
                        args.append(last)
                    return args, i + 1
            elif c == "," and depth == 1:
                args.append(_trimmed(arg_start, text[arg_start:i]))
                arg_start = i + 1
            i += 1
        return None

    def _past_comment(self, text: str, i: int, n: int) -> int:
        """Offset past the comment that starts at `i` (the line end for a line comment), `n` when
        it does not close, `i` when no comment starts there."""
        for opener in self.line_comments:
            if text.startswith(opener, i):
                nl = text.find("\n", i)
                return n if nl == -1 else nl
        for opener, closer in self.block_comments:
            if text.startswith(opener, i):
                end = text.find(closer, i + len(opener))
                return n if end == -1 else end + len(closer)
        return i

    def read_expr(self, text: str, start: int) -> str:
        """The expression starting at `start`, up to a top-level `;`, `,` or line end."""
        depth = 0
        i = start
        n = min(len(text), start + MAX_SPAN)
        while i < n:
            c = text[i]
            if c in self.quotes:
                i = self.skip_string(text, i)
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and c in ";,\n":
                break
            i += 1
        return text[start:i].strip()


def _blank_comment(m: re.Match[str]) -> str:
    if m.group("comment") is None:
        return m.group(0)
    return re.sub(r"[^\n]", " ", m.group(0))


def _trimmed(offset: int, raw: str) -> tuple[int, str]:
    lead = len(raw) - len(raw.lstrip())
    return offset + lead, raw.strip()


CSHARP = Syntax(
    "csharp",
    strings=(r'@"(?:[^"]|"")*"', r'"(?:[^"\\\n]|\\.)*"', r"'(?:[^'\\\n]|\\.)'"),
    quotes="\"'",
    verbatim_opener='@"',
)
JAVASCRIPT = Syntax(
    "javascript",
    strings=(r'"(?:[^"\\\n]|\\.)*"', r"'(?:[^'\\\n]|\\.)*'", r"`(?:[^`\\]|\\.)*`"),
    quotes="\"'`",
    multiline_quotes="`",
    trailing_comma=True,
)
JAVA = Syntax(
    "java",
    strings=(r'"(?:[^"\\\n]|\\.)*"', r"'(?:[^'\\\n]|\\.)*'"),
    quotes="\"'",
    trailing_comma=True,
)
BICEP = Syntax(
    "bicep",
    strings=(r"'''.*?'''", r"'(?:[^'\\\n]|\\.)*'"),
    quotes="'",
)
HCL = Syntax(
    "hcl",
    strings=(r'"(?:[^"\\\n]|\\.)*"',),
    quotes='"',
    line_comments=("#", "//"),
)


def statement_start(text: str, offset: int, limit: int = 3000) -> int:
    """Start of the C-family statement holding `offset`: just after the previous `;`, `{` or `}`
    outside brackets (or `limit` characters back)."""
    depth = 0
    i = offset - 1
    lo = max(0, offset - limit)
    while i >= lo:
        c = text[i]
        if c in ")]":
            depth += 1
        elif c in "([":
            if depth:
                depth -= 1
        elif c in ";{}" and depth == 0:
            return i + 1
        i -= 1
    return lo


_BRACE_RE = re.compile(r"[{}]")


def enclosing_objects(text: str, pos: int, limit: int = 6000, levels: int = 4) -> list[int]:
    """Offsets of the `{` of the objects enclosing `pos`, innermost first.

    Interpolation braces (`${`) are skipped, so a position inside `'...${expr}...'` belongs to
    the object that holds the string.
    """
    lo = max(0, pos - limit)
    depth = 0
    out: list[int] = []
    braces = [m.start() for m in _BRACE_RE.finditer(text, lo, pos)]
    for i in reversed(braces):
        if text[i] == "}":
            depth += 1
            continue
        if depth > 0:
            depth -= 1
            continue
        if i > 0 and text[i - 1] == "$":
            continue  # the interpolation we are in
        out.append(i)
        if len(out) >= levels:
            break
    return out


def object_end(text: str, start: int, limit: int = 20000) -> int:
    """Offset just past the `}` that closes the object opened at `start` (or a bounded guess)."""
    depth = 0
    hi = min(len(text), start + limit)
    for m in _BRACE_RE.finditer(text, start, hi):
        if m.group(0) == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
    return hi


def direct_matches(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Matches of `pattern` in the object `text[start:end]` that sit at its own level."""
    out = []
    for m in pattern.finditer(text, start + 1, end):
        seg = text[start + 1 : m.start()]
        if seg.count("{") == seg.count("}"):
            out.append(m)
    return out


@dataclass(frozen=True, slots=True)
class Statement:
    """A top-level statement of a declarative file (`resource`, `output`, `variable`, ...)."""

    start: int
    end: int
    keyword: str
    name: str
    decorators: str


def statements(text: str, pattern: re.Pattern[str]) -> list[Statement]:
    """Top-level statements: each runs from its keyword to the next top-level keyword.  The
    pattern names the groups `kw`, `name` and `dec` (decorators before the keyword)."""
    found = list(pattern.finditer(text))
    out: list[Statement] = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        out.append(Statement(m.start(), end, m.group("kw"), m.group("name") or "", m.group("dec") or ""))
    return out


def statement_at(stmts: list[Statement], starts: list[int], pos: int) -> Statement | None:
    """The statement holding `pos`; `starts` are the statements' start offsets."""
    i = bisect.bisect_right(starts, pos) - 1
    if i < 0:
        return None
    st = stmts[i]
    return st if st.start <= pos < st.end else None
