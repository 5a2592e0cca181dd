"""The cheap test every file takes before any parsing: plain keyword search on lower-cased bytes.

Most files in a repository hold no Azure keyword at all; they are read once and dropped, before
they are decoded.
"""

from __future__ import annotations

from scanners.keyword_search import holds_any
from scanners.keywords import DELIMITED_KEYWORDS_BYTES, DELIMITED_SUFFIXES, FILE_KEYWORDS_BYTES


def worth_reading(data: bytes, path: str = "") -> bool:
    """Whether `data` (the file `path`, routed: see `scanners.handlers.underlying_path`) holds a keyword."""
    keywords = DELIMITED_KEYWORDS_BYTES if path.lower().endswith(DELIMITED_SUFFIXES) else FILE_KEYWORDS_BYTES
    return holds_any(data.lower(), keywords)
