"""Multi-keyword search in one pass: an Aho-Corasick automaton (ahocorasick-rs, compiled) over
lower-cased UTF-8 bytes, for the file prefilter and for the lines worth a closer look.

One pass over the text finds every keyword at once; searching keyword by keyword (`bytes.find`
per keyword) costs a pass per keyword, which dominated the scan of files with no Azure keyword.
Keywords are lower-case ASCII literals (scanners/keywords.py); matching is case-insensitive
because the haystack is lower-cased first.
"""

from __future__ import annotations

from functools import cache

from ahocorasick_rs import BytesAhoCorasick, Implementation


@cache
def _automaton(keywords: tuple[bytes, ...]) -> BytesAhoCorasick:
    # A full DFA: the keyword sets are small (a few hundred states), and it searched about twice
    # as fast as the default automaton on the benchmark tree (bench/run.py).
    return BytesAhoCorasick(list(keywords), implementation=Implementation.DFA)


FIRST_LOOK = 16 * 1024  # most files that hold a keyword show one early


def holds_any(lower: bytes, keywords: tuple[bytes, ...]) -> bool:
    """Whether the lower-cased `lower` holds one of `keywords`.  The automaton lists every match, so
    the head is searched first: a file full of keywords is not listed whole to answer yes."""
    automaton = _automaton(keywords)
    if len(lower) > 2 * FIRST_LOOK and automaton.find_matches_as_indexes(lower[:FIRST_LOOK]):
        return True
    return bool(automaton.find_matches_as_indexes(lower))


def lines_holding(lower: bytes, keywords: tuple[bytes, ...]) -> list[int]:
    """1-based numbers (ascending) of the lines of `lower` that hold one of `keywords`; lines end
    at b"\\n", as in `SourceFile.line_of`."""
    lines: list[int] = []
    line, counted_to, line_end = 1, 0, -1
    for _, start, _ in _automaton(keywords).find_matches_as_indexes(lower):
        if start < line_end:
            continue  # another keyword on a line already taken
        line += lower.count(b"\n", counted_to, start)
        counted_to = start
        lines.append(line)
        line_end = lower.find(b"\n", start)
        if line_end == -1:
            break  # the last line: nothing after it
    return lines
