"""Map pairs written with an arrow, read as the `"name": "value"` pairs they are.

Scala and Kotlin write a map entry as `"Masterkey" -> "..."` (Spark notebooks build their
connector settings so); the line scanner names a value by what stands before it (`name =`,
`"name":`, `name =>`), not by an arrow.  Handlers that show the line scanner a derived text
(notebook cells, the text of HTML pages) rewrite those pairs first; a line stays a line.
"""

from __future__ import annotations

import re

# A quoted name (at most 120 characters, on one line), an arrow, then an opening quote.
_ARROW_PAIR_RE = re.compile(r'("[^"\n]{1,120}")[ \t]*+->[ \t]*+(?=")')


def with_colon_pairs(text: str) -> str:
    """`text` with each `"name" -> "value"` written `"name": "value"`."""
    if "->" not in text:
        return text
    return _ARROW_PAIR_RE.sub(r"\1: ", text)
