"""The shared lexing helpers of the code and IaC handlers."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from scanners.handlers.lexing import (
    BICEP,
    CSHARP,
    HCL,
    JAVA,
    JAVASCRIPT,
    Syntax,
    direct_matches,
    enclosing_objects,
    object_end,
    statement_start,
)

SYNTAXES = (CSHARP, JAVASCRIPT, JAVA, BICEP, HCL)
# Text made of the characters that matter to the lexer, so that comments and strings are common.
LEXICAL = st.text(alphabet="ab /*#'\"`@\\\n(),{}$", max_size=120)


@given(LEXICAL, st.sampled_from(SYNTAXES))
def test_masking_keeps_length_and_newlines(text: str, syntax: Syntax) -> None:
    masked = syntax.mask_comments(text)
    assert len(masked) == len(text)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]
    assert all(m == t or m == " " for m, t in zip(masked, text, strict=True))
    assert syntax.mask_comments(masked) == masked


@given(st.text(alphabet="ab '\"(),\n", max_size=80), st.sampled_from(SYNTAXES))
def test_text_without_comment_openers_is_unchanged(text: str, syntax: Syntax) -> None:
    assert syntax.mask_comments(text) == text


def test_comments_are_blanked_and_strings_kept() -> None:
    cs = CSHARP.mask_comments('a = @"x "" // kept"; b = "// kept"; // gone\n/* gone\n gone */ c')
    assert cs.count("kept") == 2 and "gone" not in cs and cs.endswith(" c")
    bicep = BICEP.mask_comments("x: '''a // kept'''\ny: 'http://kept' // gone\n")
    assert bicep.count("kept") == 2 and "gone" not in bicep
    hcl = HCL.mask_comments('a = "#kept" # gone\nb = 1 // gone\n/* gone */')
    assert "kept" in hcl and "gone" not in hcl


def test_csharp_arguments() -> None:
    text = 'f(a, "x, (y)", g(b, c), @"q""r", \'c\', name: value)'
    args, end = CSHARP.split_args(text, 1, skip_comments=False) or ([], 0)
    assert [a for _, a in args] == ["a", '"x, (y)"', "g(b, c)", '@"q""r"', "'c'", "name: value"]
    assert end == len(text)
    assert CSHARP.split_args("f(a, )", 1) == ([(2, "a"), (5, "")], 6)
    assert JAVASCRIPT.split_args("f(a, )", 1) == ([(2, "a")], 6)
    assert CSHARP.split_args("f()", 1) == JAVASCRIPT.split_args("f()", 1) == ([], 3)
    assert CSHARP.split_args("f(a, b", 1) is None


def test_javascript_arguments() -> None:
    text = "f(`a, ${b}\n c`, /* x, y */ d, // e, f\n g,)"
    args, end = JAVASCRIPT.split_args(text, 1) or ([], 0)
    assert [a for _, a in args] == ["`a, ${b}\n c`", "/* x, y */ d", "// e, f\n g"]
    assert end == len(text)
    assert JAVA.split_args('f("a\n, b)', 1) == ([(2, '"a'), (7, "b")], 9)
    assert JAVASCRIPT.read_expr('x = "a;b" + c; d', 4) == '"a;b" + c'


ARGS = st.lists(
    st.one_of(
        st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
        st.from_regex(r'"[a-z ,()]{0,8}"', fullmatch=True),
        st.from_regex(r"[a-z]{1,4}\([a-z, ]{0,8}\)", fullmatch=True),
    ),
    min_size=1,
    max_size=6,
)


@given(ARGS, st.sampled_from((CSHARP, JAVASCRIPT, JAVA)))
def test_split_args_finds_each_argument_where_it_stands(args: list[str], syntax: Syntax) -> None:
    text = "call(" + ",  ".join(args) + ") + rest"
    split = syntax.split_args(text, 4)
    assert split is not None
    found, end = split
    assert [a for _, a in found] == [a.strip() for a in args]
    assert all(text[off : off + len(a)] == a for off, a in found)
    assert text[end:] == " + rest"


def test_statement_start() -> None:
    text = "a = 1; var b = new X()\n  .key(f(1; 2));"
    assert text[statement_start(text, text.index(".key")) :].startswith(" var b")


def test_braces() -> None:
    text = "x = { a: 1, inner: { b: '${c}' }, d: 2 }"
    pos = text.index("b:")
    starts = enclosing_objects(text, pos)
    assert [text[s : s + 3] for s in starts] == ["{ b", "{ a"]
    assert text[: object_end(text, starts[1])] == text
    keys = direct_matches(text, starts[1], object_end(text, starts[1]), re.compile(r"(\w+):"))
    assert [m.group(1) for m in keys] == ["a", "inner", "d"]
