"""The one-pass keyword search (Aho-Corasick) finds the same lines as a search keyword by keyword."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import given
from hypothesis import strategies as st

from scanners.evidence import SourceFile
from scanners.keyword_search import holds_any, lines_holding
from scanners.keywords import FILE_KEYWORDS_BYTES, LINE_KEYWORDS
from scanners.line_scanner import candidate_lines
from scanners.prefilter import worth_reading

WORDS = ("AccountKey=", "password", "Secret", "sig=", "key:", "x", "\n", " ", "é", "\r\n", "K")


def _naive(text: str, keywords: tuple[str, ...]) -> list[int]:
    return [n for n, line in enumerate(text.lower().split("\n"), 1) if any(k in line for k in keywords)]


def test_lines_are_found_as_a_keyword_by_keyword_search_finds_them() -> None:
    text = "a = 1\nAccountKey=abc\nnothing\npassword: x; secret\n\nlast SIG=1"
    source = SourceFile(PurePosixPath("a.env"), text)
    assert candidate_lines(source) == _naive(text, LINE_KEYWORDS) == [2, 4, 6]


@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_any_text(parts: list[str]) -> None:
    text = "".join(parts)
    assert candidate_lines(SourceFile(PurePosixPath("f"), text)) == _naive(text, LINE_KEYWORDS)
    data = text.encode("utf-8")
    assert worth_reading(data) == any(k in data.lower() for k in FILE_KEYWORDS_BYTES)


def test_edges() -> None:
    assert lines_holding(b"", (b"key",)) == []
    assert lines_holding(b"key", (b"key",)) == [1]
    assert lines_holding(b"\n\nkey\nkeykey key\n", (b"key",)) == [3, 4]
    assert not holds_any(b"nothing here", (b"key",))


@given(st.lists(st.sampled_from(WORDS), max_size=40))
def test_line_numbers_of_offsets(parts: list[str]) -> None:
    text = "".join(parts)
    source = SourceFile(PurePosixPath("f"), text)
    for offset in range(len(text) + 1):
        assert source.line_of(offset) == text.count("\n", 0, offset) + 1
    for n, line in enumerate(text.split("\n"), 1):
        assert source.line_text(n) == line


def test_a_keyword_anywhere_in_a_long_file_is_found() -> None:
    filler = b"x" * 100_000
    for at in (0, 16 * 1024 - 3, 16 * 1024 + 5, 99_990):
        data = filler[:at] + b"accountkey" + filler[at:]
        assert holds_any(data, (b"accountkey",)), at
    assert not holds_any(filler, (b"accountkey",))
