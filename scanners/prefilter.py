"""The cheap test every file takes before any parsing: plain keyword search on lower-cased bytes.

Most files in a repository hold no Azure keyword at all; they are read once and dropped, before
they are decoded.
"""

from __future__ import annotations

from scanners.keyword_search import holds_any
from scanners.keywords import FILE_KEYWORDS_BYTES


def worth_reading(data: bytes) -> bool:
    return holds_any(data.lower(), FILE_KEYWORDS_BYTES)
