"""The cheap test every file takes before any parsing: plain keyword search on lower-cased bytes.

Most files in a repository hold no Azure keyword at all; they are read once and dropped.
"""

from __future__ import annotations

from scanners.keywords import FILE_KEYWORDS_BYTES


def worth_reading(data: bytes) -> bool:
    low = data.lower()
    return any(k in low for k in FILE_KEYWORDS_BYTES)
