"""HTML pages (`.html`, `.htm`): code shown in a page, entity-escaped.

A rendered notebook (nbconvert) or a documentation page shows code inside `<pre>` blocks with its
quotes written as entities and its tokens wrapped in highlighting tags:
`<span class="s2">&quot;Masterkey&quot;</span> : &quot;...&quot;`.  The line scanner reads the raw
line, where no quote is left for it to find a value in and no keyword (`key"`) matches.  This
handler reads the page as its text would be shown: on each line that holds an escaped quote, tags
are dropped and entities decoded (a line stays a line, so findings keep their line numbers); the
other lines are left out.  Everything else about the values is left to the line scanner and the
classifier, as for any file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from scanners import line_scanner
from scanners.evidence import Evidence, SourceFile
from scanners.handlers.map_pairs import with_colon_pairs

SUFFIXES = (".html", ".htm")
# Entities that hide a quote; a line without one shows its quotes as they are (the line scanner
# reads it already).
QUOTE_ENTITIES = ("&quot;", "&#34;", "&#39;", "&#x27;", "&apos;")
_TAG_RE = re.compile(r"<[^<>\n]{0,400}+>")
# The entities of code shown in a page, decoded with `str.replace` (C speed on any line length);
# `&amp;` last, so `&amp;quot;` stays the text `&quot;` it shows.
_ENTITIES = (
    ("&quot;", '"'),
    ("&#34;", '"'),
    ("&#39;", "'"),
    ("&#x27;", "'"),
    ("&apos;", "'"),
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&nbsp;", " "),
    ("&#160;", " "),
    ("&amp;", "&"),
)


def shown_text(text: str) -> str:
    """The page's text as shown, line for line: tags dropped and entities decoded on the lines
    that hold an escaped quote; every other line empty."""
    lines = text.split("\n")
    return "\n".join(_shown_line(line) if any(e in line for e in QUOTE_ENTITIES) else "" for line in lines)


def _shown_line(line: str) -> str:
    plain = _TAG_RE.sub("", line)
    for entity, char in _ENTITIES:
        if entity in plain:
            plain = plain.replace(entity, char)
    return plain


class HtmlPageHandler:
    name = "html-pages"

    def matches(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in SUFFIXES

    def scan(self, source: SourceFile) -> Iterator[Evidence]:
        if not any(e in source.text for e in QUOTE_ENTITIES):
            return
        shown = SourceFile(source.path, with_colon_pairs(shown_text(source.text)))
        yield from line_scanner.scan_lines(shown, handler=self.name)
